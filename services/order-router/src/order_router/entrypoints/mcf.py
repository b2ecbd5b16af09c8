"""Multi-channel fulfillment (MCF) over HTTP, for sellers: preview an order of their own SKUs to an
address in the network's country (which FCs, promised dates per speed, the fulfillment fee), place
it, list and read their MCF orders, cancel one. Each seller sees only its own: another seller's
order reads as not found. JSON shapes are in `mcf_schemas`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from order_router.domain.commands import PlaceMcfOrder, PreviewMcfOrder, RequestCancellation
from order_router.domain.mcf import McfOrderRefused
from order_router.domain.model import NotCancellable, UnknownOrder
from order_router.domain.routing import RoutingPolicy
from order_router.entrypoints.http import OrderId, UnitOfWork, party_of
from order_router.entrypoints.mcf_schemas import (
    McfOrderAccepted,
    McfOrderIn,
    McfOrderListOut,
    McfOrderOut,
    McfOrderSummaryOut,
    McfPreviewIn,
    McfPreviewOut,
)
from order_router.entrypoints.schemas import CancellationIn, OrderAccepted, OrderOut
from order_router.service_layer import handlers, mcf
from stockpath_network.fees import FeeSchedule
from stockpath_runtime.auth import SELLER, Actor, allow
from stockpath_runtime.http import Answer, ErrorAnswers, dependencies

router = APIRouter(prefix="/v1/mcf-orders", tags=["multi-channel fulfillment"])


@dataclass(frozen=True)
class McfPricing:
    """What the MCF routes plan and price with (built by bootstrap): routing's own policy over the
    FC network, and the fee schedule."""

    policy: RoutingPolicy
    fees: FeeSchedule


Pricing = Annotated[McfPricing, Depends(dependencies)]
Seller = Annotated[Actor, allow(SELLER)]

ERRORS: ErrorAnswers = {
    McfOrderRefused: Answer(422, "mcf_order_refused", ("reason_code", "lines")),
    NotCancellable: Answer(409, "not_cancellable", ("order_id", "status")),
}


@router.post(
    "/preview",
    response_model=McfPreviewOut,
    summary="What an MCF order would do now: FCs and promised dates per speed, and the fee",
    responses={422: {"description": "A line the seller has not registered, or a foreign address"}},
)
async def preview(
    body: McfPreviewIn, uow: UnitOfWork, seller: Seller, pricing: Pricing
) -> McfPreviewOut:
    """Planned exactly as routing will plan it, on the stock as it is now (nothing is reserved):
    one option per speed, each with the FC(s) that would ship which lines and their promise, or
    why it cannot ship the order whole. An address outside the network's country, or a line
    naming an SKU or FNSKU the seller has not registered, refuses the preview (422, reason_code)."""
    command = PreviewMcfOrder(seller.subject, body.to_domain(), datetime.now(UTC))
    return McfPreviewOut.of(
        await mcf.preview_mcf_order(command, uow, policy=pricing.policy, fees=pricing.fees)
    )


@router.post(
    "",
    response_model=McfOrderAccepted,
    status_code=202,
    summary="Place an MCF order (writes OrderPlaced, with its fee, to the orders topic)",
    responses={
        200: {"description": "The order was already placed with this id and body; as recorded"},
        409: {"description": "The order id is taken by another of the seller's orders"},
        422: {"description": "Refused as a preview would be (reason_code per line)"},
    },
)
async def place(
    body: McfOrderIn, response: Response, uow: UnitOfWork, seller: Seller, pricing: Pricing
) -> McfOrderAccepted:
    """The order is routed like any other (`mcf:<seller_id>:<order_id>`, channel `mcf`); the fee
    is priced as the preview prices it and recorded with the order."""
    command = PlaceMcfOrder(seller.subject, body.to_domain(), datetime.now(UTC))
    placed = await mcf.place_mcf_order(command, uow, policy=pricing.policy, fees=pricing.fees)
    if not placed.created:
        response.status_code = 200
    return McfOrderAccepted.of(placed)


@router.get(
    "",
    response_model=McfOrderListOut,
    summary="The seller's MCF orders, newest first: status, FCs, tracking and fee",
)
async def list_orders(
    uow: UnitOfWork,
    seller: Seller,
    limit: Annotated[int, Query(ge=1, le=mcf.MAX_LISTED)] = 50,
) -> McfOrderListOut:
    listed = await mcf.mcf_orders(seller.subject, uow, limit=limit)
    return McfOrderListOut(orders=[McfOrderSummaryOut.of(x) for x in listed])


@router.get(
    "/{order_id}",
    response_model=McfOrderOut,
    summary="One MCF order of the seller: lines, status, fulfillment orders with tracking, fee",
    responses={404: {"description": "Unknown order (or another seller's)"}},
)
async def get_order(order_id: OrderId, uow: UnitOfWork, seller: Seller) -> McfOrderOut:
    found = await mcf.mcf_order(seller.subject, order_id, uow)
    if found is None:
        raise UnknownOrder(order_id)
    details, fee = found
    return McfOrderOut(**OrderOut.of(details).model_dump(), fulfillment_fee=fee)


@router.post(
    "/{order_id}/cancellation",
    response_model=OrderAccepted,
    status_code=202,
    summary="Cancel an MCF order while it can be (writes OrderCancellationRequested)",
    responses={
        404: {"description": "Unknown order (or another seller's)"},
        409: {"description": "The order has shipped or ended"},
    },
)
async def cancel(
    order_id: OrderId, uow: UnitOfWork, seller: Seller, body: CancellationIn | None = None
) -> OrderAccepted:
    """Refused (409) once the order shipped, was cancelled or rejected; otherwise asked of the
    worker, whose answer shows in the order's status (a shipment that left first wins)."""
    command = RequestCancellation(
        order_id, party_of(seller), body.reason if body else None, only_while_cancellable=True
    )
    cancelled_id, status = await handlers.request_cancellation(command, uow)
    return OrderAccepted(order_id=cancelled_id, status=status)
