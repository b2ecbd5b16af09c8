"""The order router's HTTP API: order ingress for upstream systems, order status and cancellation
requests, and stock availability for operators. JSON shapes are in `schemas`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from order_router.domain.commands import PlaceOrder, RequestCancellation
from order_router.domain.model import OrderIdInUse, UnknownOrder
from order_router.entrypoints.schemas import (
    AvailabilityOut,
    CancellationIn,
    OrderAccepted,
    OrderIn,
    OrderOut,
)
from order_router.service_layer import handlers, views
from order_router.service_layer.unit_of_work import OrderRouterUnitOfWork
from stockpath_runtime.http import Answer, ErrorAnswers, Identifier, unit_of_work

router = APIRouter(prefix="/v1", tags=["orders"])

UnitOfWork = Annotated[OrderRouterUnitOfWork, Depends(unit_of_work)]

#: How the router's domain errors answer.
ERRORS: ErrorAnswers = {
    OrderIdInUse: Answer(409, "order_id_in_use", ("order_id",)),
    UnknownOrder: Answer(404, "not_found", ("order_id",)),
}


@router.post(
    "/orders",
    response_model=OrderAccepted,
    status_code=202,
    summary="Place an order (HTTP ingress: writes OrderPlaced to the orders topic)",
    responses={200: {"description": "The order was already placed; its current status"}},
)
async def post_order(body: OrderIn, response: Response, uow: UnitOfWork) -> OrderAccepted:
    order = body.to_domain()
    status, created = await handlers.place_order(PlaceOrder(order), uow)
    if not created:
        response.status_code = 200
    return OrderAccepted(order_id=order.order_id, status=status)


@router.get("/orders/{order_id}", response_model=OrderOut, summary="An order's status and fulfillment orders")
async def get_order(order_id: Identifier, uow: UnitOfWork) -> OrderOut:
    details = await views.order_details(order_id, uow)
    if details is None:
        raise UnknownOrder(order_id)
    return OrderOut.of(details)


@router.get("/availability", response_model=AvailabilityOut, summary="Stock of one FNSKU per FC (operators)")
async def get_availability(
    fnsku: Annotated[Identifier, Query(description="The fulfillment SKU")], uow: UnitOfWork
) -> AvailabilityOut:
    return AvailabilityOut.of(fnsku, await views.stock_of(fnsku, uow))


@router.post(
    "/orders/{order_id}/cancellation",
    response_model=OrderAccepted,
    status_code=202,
    summary="Ask to cancel an order (writes OrderCancellationRequested to the orders topic)",
    responses={404: {"description": "Unknown order"}},
)
async def request_cancellation(order_id: Identifier, uow: UnitOfWork, body: CancellationIn | None = None) -> OrderAccepted:
    """The answer comes as an event (OrderCancelled or OrderCancellationRefused) and in the order's
    status: a cancellation after a shipment left is refused."""
    command = RequestCancellation(order_id, body.reason if body else None)
    return OrderAccepted(order_id=order_id, status=await handlers.request_cancellation(command, uow))
