"""The order router's HTTP API: order ingress for sales channels, sellers (multi-channel
fulfillment of their own SKUs) and operators; order status, cancellation requests and customer
returns for whoever owns the order; a seller's returns (the seller console asks as a service, for
one seller); a seller's orders across channels (its own lines, with tracking); stock
availability for operators and services. JSON shapes are in `schemas`.

Who owns what is `order_router.domain.ownership`: another party's order reads as not found.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from order_router.domain.commands import AuthorizeReturn, PlaceOrder, RequestCancellation
from order_router.domain.model import OrderIdInUse, ShipToRefused, UnknownOrder
from order_router.domain.ownership import InvalidPlacement, Party, PartyKind, PlacementRefused
from order_router.domain.returns import ReturnRefused, ReturnRequestLine
from order_router.entrypoints.schemas import (
    AvailabilityOut,
    CancellationIn,
    OrderAccepted,
    OrderIn,
    OrderOut,
    ReturnIn,
    ReturnOut,
    SellersOrderOut,
)
from order_router.service_layer import handlers, returns, views
from order_router.service_layer.unit_of_work import OrderRouterUnitOfWork
from stockpath_runtime.auth import CHANNEL, OPERATOR, SELLER, SERVICE, Actor, Forbidden, allow
from stockpath_runtime.http import (
    ID_PATTERN,
    Answer,
    ErrorAnswers,
    Identifier,
    NotFound,
    identifier,
    unit_of_work,
)
from stockpath_runtime.paging import Limit, Offset, PageOut, limit

router = APIRouter(prefix="/v1", tags=["orders"])

UnitOfWork = Annotated[OrderRouterUnitOfWork, Depends(unit_of_work)]
#: Whoever may place, read and cancel orders (each only its own, the operator any).
OrderParty = Annotated[Actor, allow(CHANNEL, SELLER, OPERATOR)]
#: An order id as the caller knows it: its own, or namespaced (`<channel>:<id>`, `mcf:<seller>:<id>`).
OrderId = Annotated[
    identifier(160), Path(description="The order id as placed, or as answered when it was placed")
]

#: How the router's domain errors answer.
ERRORS: ErrorAnswers = {
    OrderIdInUse: Answer(409, "order_id_in_use", ("order_id",)),
    UnknownOrder: Answer(404, "not_found", ("order_id",)),
    PlacementRefused: Answer(403, "forbidden"),
    InvalidPlacement: Answer(422, "validation_error"),
    ReturnRefused: Answer(422, "return_refused"),
    ShipToRefused: Answer(422, "ship_to_refused", ("order_id", "reason_code")),
}


def party_of(actor: Actor, seller_id: str | None = None) -> Party:
    """Who asks: a channel, a seller or the operator as itself; a service (the seller console) as
    the seller it names."""
    if actor.kind is SERVICE:
        return Party(PartyKind.SELLER, _named_seller(seller_id))
    kinds = {CHANNEL: PartyKind.CHANNEL, SELLER: PartyKind.SELLER, OPERATOR: PartyKind.OPERATOR}
    return Party(kinds[actor.kind], actor.subject)


def _named_seller(seller_id: str | None) -> str:
    if not seller_id:
        raise Forbidden("a service acts for one seller at a time: name it with seller_id")
    return seller_id


@router.post(
    "/orders",
    response_model=OrderAccepted,
    status_code=202,
    summary="Place an order (HTTP ingress: writes OrderPlaced to the orders topic)",
    responses={
        200: {"description": "The order was already placed; its current status"},
        403: {"description": "Another channel's order, or (a seller) another seller's SKUs"},
        409: {"description": "The order id is taken by another order"},
        422: {
            "description": "Invalid order, or a ship-to address abroad (details.reason_code "
            "SHIP_TO_OUTSIDE_NETWORK)"
        },
    },
)
async def post_order(
    body: OrderIn, response: Response, uow: UnitOfWork, actor: OrderParty
) -> OrderAccepted:
    """A channel places orders in its own channel, under `<channel>:<order_id>`; a seller places
    orders of its own SKUs in channel `mcf`, under `mcf:<seller_id>:<order_id>`; the operator names
    the channel and keeps its order id. The answer carries the order id to read and cancel it by."""
    order, status, created = await handlers.place_order(
        PlaceOrder(body.to_domain(), party_of(actor)), uow
    )
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
    "/seller-orders",
    response_model=PageOut[SellersOrderOut],
    summary="Orders with lines of one seller's, in any channel, newest first: status, the seller's lines, tracking (a seller its own; a service or the operator the seller it names)",
)
async def list_sellers_orders(
    uow: UnitOfWork,
    actor: Annotated[Actor, allow(SELLER, SERVICE, OPERATOR)],
    seller_id: Annotated[
        str | None, Query(min_length=1, max_length=100, pattern=ID_PATTERN)
    ] = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> PageOut[SellersOrderOut]:
    """A seller sees the orders of every channel that order its SKUs, each cut to its own lines
    (another seller's lines of the same order, and the buyer's address, are not shown)."""
    if actor.kind is SELLER:
        if seller_id not in (None, actor.subject):
            raise NotFound(f"seller {seller_id} not found", seller_id=seller_id)
        seller_id = actor.subject
    elif seller_id is None:
        raise Forbidden("name the seller whose orders to read with seller_id")
    page = await views.sellers_orders(seller_id, uow, limit=limit, offset=offset)
    return PageOut[SellersOrderOut](
        items=[SellersOrderOut.of(seller_id, seen) for seen in page.items],
        total=page.total,
        limit=limit,
        offset=offset,
    )


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


@router.post(
    "/orders/{order_id}/returns",
    response_model=ReturnOut,
    status_code=201,
    summary="Authorize a customer return of shipped units (writes ReturnAuthorized to the FC's topic)",
    responses={
        403: {"description": "A service naming no seller"},
        404: {"description": "Unknown order (or another party's; a seller's: none of its lines)"},
        422: {"description": "More units than shipped and not yet returned, or a line not shipped"},
    },
)
async def authorize_return(
    order_id: OrderId,
    body: ReturnIn,
    uow: UnitOfWork,
    actor: Annotated[Actor, allow(CHANNEL, SELLER, OPERATOR, SERVICE)],
    seller_id: Annotated[
        Identifier | None, Query(description="A service: the seller it acts for")
    ] = None,
) -> ReturnOut:
    """The order's channel may return any shipped units of it, a seller those of its own lines (a
    service — the seller console — for the seller it names, as that seller). The answer names the
    return id and the FC the buyer sends the units to; the FC reports what came back and its
    condition (ReturnReceived), which moves the stock."""
    command = AuthorizeReturn(
        order_id,
        party_of(actor, seller_id),
        tuple(ReturnRequestLine(x.line_id, x.quantity) for x in body.lines),
        body.fulfillment_center_id,
        body.reason,
    )
    return ReturnOut.of(await returns.authorize_return(command, uow))


#: A page of returns holds at most this many.
ReturnsLimit = limit(200)


@router.get(
    "/returns",
    response_model=list[ReturnOut],
    summary="Customer returns, newest first (a seller's: of its own lines; a service's: of the "
    "seller it names; the operator's: all, or one seller's)",
    responses={403: {"description": "A seller naming another seller, or a service naming none"}},
)
async def list_returns(
    uow: UnitOfWork,
    actor: Annotated[Actor, allow(SELLER, SERVICE, OPERATOR)],
    seller_id: Annotated[Identifier | None, Query(description="The seller whose returns")] = None,
    limit: ReturnsLimit = 50,
    offset: Offset = 0,
) -> list[ReturnOut]:
    """Each return shows only the named seller's lines of it, and what came back of them."""
    found = await views.returns_of(seller_of(actor, seller_id), uow, limit=limit, offset=offset)
    return [ReturnOut.of(r) for r in found]


def seller_of(actor: Actor, seller_id: str | None) -> str | None:
    """Whose returns a caller reads: a seller its own, a service the seller it names (it acts for
    one at a time), the operator any (None: all)."""
    if actor.kind is SELLER:
        if seller_id not in (None, actor.subject):
            raise Forbidden(f"seller {actor.subject} reads only its own returns")
        return actor.subject
    if actor.kind is SERVICE:
        return _named_seller(seller_id)
    return seller_id
