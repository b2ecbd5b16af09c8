"""The order router's HTTP API: order ingress for sales channels, sellers (multi-channel
fulfillment of their own SKUs) and operators; order status and cancellation requests for whoever
owns the order; stock availability for operators and services. JSON shapes are in `schemas`.

Who owns what is `order_router.domain.ownership`: another party's order reads as not found.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from order_router.domain.commands import PlaceOrder, RequestCancellation
from order_router.domain.model import OrderIdInUse, UnknownOrder
from order_router.domain.ownership import InvalidPlacement, Party, PartyKind, PlacementRefused
from order_router.entrypoints.schemas import (
    AvailabilityOut,
    CancellationIn,
    OrderAccepted,
    OrderIn,
    OrderOut,
)
from order_router.service_layer import handlers, views
from order_router.service_layer.unit_of_work import OrderRouterUnitOfWork
from stockpath_runtime.auth import CHANNEL, OPERATOR, SELLER, SERVICE, Actor, allow
from stockpath_runtime.http import Answer, ErrorAnswers, Identifier, identifier, unit_of_work

router = APIRouter(prefix="/v1", tags=["orders"])

UnitOfWork = Annotated[OrderRouterUnitOfWork, Depends(unit_of_work)]
#: Whoever may place, read and cancel orders (each only its own, the operator any).
OrderParty = Annotated[Actor, allow(CHANNEL, SELLER, OPERATOR)]
#: An order id as the caller knows it: its own, or namespaced (`<channel>:<id>`, `mcf:<seller>:<id>`).
OrderId = Annotated[identifier(160), Path(description="The order id as placed, or as answered when it was placed")]

#: How the router's domain errors answer.
ERRORS: ErrorAnswers = {
    OrderIdInUse: Answer(409, "order_id_in_use", ("order_id",)),
    UnknownOrder: Answer(404, "not_found", ("order_id",)),
    PlacementRefused: Answer(403, "forbidden"),
    InvalidPlacement: Answer(422, "validation_error"),
}


def party_of(actor: Actor) -> Party:
    kinds = {CHANNEL: PartyKind.CHANNEL, SELLER: PartyKind.SELLER, OPERATOR: PartyKind.OPERATOR}
    return Party(kinds[actor.kind], actor.subject)


@router.post(
    "/orders",
    response_model=OrderAccepted,
    status_code=202,
    summary="Place an order (HTTP ingress: writes OrderPlaced to the orders topic)",
    responses={
        200: {"description": "The order was already placed; its current status"},
        403: {"description": "Another channel's order, or (a seller) another seller's SKUs"},
        409: {"description": "The order id is taken by another order"},
    },
)
async def post_order(body: OrderIn, response: Response, uow: UnitOfWork, actor: OrderParty) -> OrderAccepted:
    """A channel places orders in its own channel, under `<channel>:<order_id>`; a seller places
    orders of its own SKUs in channel `mcf`, under `mcf:<seller_id>:<order_id>`; the operator names
    the channel and keeps its order id. The answer carries the order id to read and cancel it by."""
    order, status, created = await handlers.place_order(PlaceOrder(body.to_domain(), party_of(actor)), uow)
    if not created:
        response.status_code = 200
    return OrderAccepted(order_id=order.order_id, status=status)


@router.get(
    "/orders/{order_id}",
    response_model=OrderOut,
    summary="An order's status and fulfillment orders (its channel's, its seller's, or an operator's)",
)
async def get_order(order_id: OrderId, uow: UnitOfWork, actor: OrderParty) -> OrderOut:
    details = await views.order_details(party_of(actor), order_id, uow)
    if details is None:
        raise UnknownOrder(order_id)
    return OrderOut.of(details)


@router.get(
    "/availability",
    response_model=AvailabilityOut,
    summary="Stock of one FNSKU per FC (operators and services)",
    dependencies=[allow(OPERATOR, SERVICE)],
)
async def get_availability(
    fnsku: Annotated[Identifier, Query(description="The fulfillment SKU")], uow: UnitOfWork
) -> AvailabilityOut:
    return AvailabilityOut.of(fnsku, await views.stock_of(fnsku, uow))


@router.post(
    "/orders/{order_id}/cancellation",
    response_model=OrderAccepted,
    status_code=202,
    summary="Ask to cancel an order (writes OrderCancellationRequested to the orders topic)",
    responses={404: {"description": "Unknown order (or another party's)"}},
)
async def request_cancellation(
    order_id: OrderId, uow: UnitOfWork, actor: OrderParty, body: CancellationIn | None = None
) -> OrderAccepted:
    """The answer comes as an event (OrderCancelled or OrderCancellationRefused) and in the order's
    status: a cancellation after a shipment left is refused."""
    command = RequestCancellation(order_id, party_of(actor), body.reason if body else None)
    cancelled_id, status = await handlers.request_cancellation(command, uow)
    return OrderAccepted(order_id=cancelled_id, status=status)
