"""Multi-channel fulfillment over HTTP: a seller previews an order of its own SKUs (which FCs,
promised dates per speed, the fee), places it, lists and reads its MCF orders.

A preview plans with the routing policy and the allocator routing uses (`Allocator.plan`), on the
stock as it is (read, not locked: nothing is reserved); placing records the order as PENDING with
the fee priced the same way, and writes OrderPlaced (carrying the fee) to `orders`, where the worker
routes it like any order. Each opens and commits its own unit of work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from order_router.domain.allocation import Allocator
from order_router.domain.commands import PlaceMcfOrder, PreviewMcfOrder
from order_router.domain.fulfillment import FulfillmentOrder
from order_router.domain.mcf import (
    McfOrderRefused,
    McfPreview,
    McfRequest,
    SpeedOption,
    fnskus_named,
    fulfillment_fee,
    refuse_unservable,
    requested_order,
)
from order_router.domain.model import (
    MCF,
    Order,
    OrderIdInUse,
    OrderStatus,
    OrderSummary,
    ResolvedLine,
    registration_keys,
    resolve_lines,
)
from order_router.domain.ownership import Party, PartyKind, placement
from order_router.domain.routing import RoutingPolicy, StockLevel
from order_router.service_layer.unit_of_work import OrderRouterUnitOfWork
from order_router.service_layer.views import OrderDetails, order_details
from stockpath_events import FulfillmentPolicy, ShippingSpeed
from stockpath_events.types.orders import FulfillmentFee, OrderPlaced
from stockpath_network.fees import FeeSchedule

#: The orders one page of a seller's MCF orders lists at most.
MAX_LISTED = 200


@dataclass(frozen=True)
class McfPlacement:
    """An MCF order as placed, its status now, the fee recorded with it and whether it was new."""

    order: Order
    status: OrderStatus
    fee: FulfillmentFee | None
    created: bool


@dataclass(frozen=True)
class McfOrderListed:
    summary: OrderSummary
    fulfillment_orders: list[FulfillmentOrder]
    fee: FulfillmentFee | None


async def preview_mcf_order(
    command: PreviewMcfOrder,
    uow: OrderRouterUnitOfWork,
    *,
    policy: RoutingPolicy,
    fees: FeeSchedule,
) -> McfPreview:
    """What the order would do now, at every speed; refused whole (McfOrderRefused) for a line the
    seller has not registered or the schedule cannot price, or an address nothing ships to."""
    async with uow:
        order = await _order(command.seller_id, command.request, uow)
        lines, fee = await _priced(order, command.now, uow, fees)
        levels = await uow.stock.levels(line.fnsku for line in lines)
    options = tuple(
        _option(order, lines, levels, speed, policy, command.now) for speed in ShippingSpeed
    )
    refuse_unservable(options)
    return McfPreview(order, fee, options)


async def place_mcf_order(
    command: PlaceMcfOrder,
    uow: OrderRouterUnitOfWork,
    *,
    policy: RoutingPolicy,
    fees: FeeSchedule,
) -> McfPlacement:
    """Record the order as PENDING with its fee and write OrderPlaced to `orders`. Placing the same
    order again answers what was recorded (its fee as quoted then); the same id with other content
    is refused (OrderIdInUse). Refused whole like a preview, and for an address nothing ships to."""
    async with uow:
        order = await _order(command.seller_id, command.request, uow)
        recorded = await uow.orders.get(order.order_id)
        if recorded is None:
            lines, fee = await _priced(order, command.now, uow, fees)
            levels = await uow.stock.levels(line.fnsku for line in lines)
            speed = order.shipping_speed
            refuse_unservable([_option(order, lines, levels, speed, policy, command.now)])
            if order.order_id in await uow.orders.add([order]):
                await uow.mcf_fees.add(order.order_id, fee)
                uow.emit(_placed(order, fee))
                await uow.commit()
                return McfPlacement(order, OrderStatus.PENDING, fee, created=True)
            recorded = await uow.orders.get(order.order_id)  # placed meanwhile by another request
            assert recorded is not None, order.order_id  # add() found it recorded
        recorded_fee = (await uow.mcf_fees.of_orders([order.order_id])).get(order.order_id)
    stored, status = recorded
    if stored != order:
        raise OrderIdInUse(order.order_id)
    return McfPlacement(stored, status, recorded_fee, created=False)


async def mcf_orders(
    seller_id: str, uow: OrderRouterUnitOfWork, *, limit: int
) -> list[McfOrderListed]:
    """The seller's MCF orders, newest first, with their fulfillment orders and fees (three reads)."""
    async with uow:
        summaries = await uow.orders.in_namespace(MCF, f"{MCF}:{seller_id}:", limit=limit)
        ids = [summary.order_id for summary in summaries]
        fulfillment_orders = await uow.fulfillment_orders.of_orders(ids)
        recorded_fees = await uow.mcf_fees.of_orders(ids)
    return [
        McfOrderListed(s, fulfillment_orders[s.order_id], recorded_fees.get(s.order_id))
        for s in summaries
    ]


async def mcf_order(
    seller_id: str, order_id: str, uow: OrderRouterUnitOfWork
) -> tuple[OrderDetails, FulfillmentFee | None] | None:
    """One MCF order of the seller (by its id or the namespaced one) and its fee; None when it is
    not the seller's."""
    details = await order_details(_seller(seller_id), order_id, uow)
    if details is None:
        return None
    async with uow:
        recorded_id = details.record.order.order_id
        recorded_fee = (await uow.mcf_fees.of_orders([recorded_id])).get(recorded_id)
    return details, recorded_fee


async def _order(seller_id: str, request: McfRequest, uow: OrderRouterUnitOfWork) -> Order:
    """The `mcf` order the seller asks for, each line naming its seller SKU, under its namespaced id."""
    seller_skus = await uow.skus.seller_skus(seller_id, fnskus_named(request))
    return placement(_seller(seller_id), requested_order(seller_id, request, seller_skus))


async def _priced(
    order: Order, now: datetime, uow: OrderRouterUnitOfWork, fees: FeeSchedule
) -> tuple[tuple[ResolvedLine, ...], FulfillmentFee]:
    """The order's lines resolved as routing will resolve them, and their fee on `now`'s day."""
    registrations = await uow.skus.registrations(registration_keys(order.lines, {}))
    resolution = resolve_lines(order.lines, registrations, {}, channel=MCF, listed=())
    if not resolution.ok:
        raise McfOrderRefused(resolution.failures)
    return resolution.lines, fulfillment_fee(resolution.lines, registrations, fees, now.date())


def _option(
    order: Order,
    lines: tuple[ResolvedLine, ...],
    levels: Sequence[StockLevel],
    speed: ShippingSpeed,
    policy: RoutingPolicy,
    now: datetime,
) -> SpeedOption:
    """Routing's plan for the order at `speed` on these stock levels: all of it or nothing."""
    allocator = Allocator(policy)
    allocator.hold({line.fnsku for line in lines}, levels)
    plan = allocator.plan(
        replace(order, shipping_speed=speed), lines, FulfillmentPolicy.FILL_OR_KILL, now=now
    )
    return SpeedOption(speed, plan.allocations if plan.routed else (), plan.unfilled)


def _seller(seller_id: str) -> Party:
    return Party(PartyKind.SELLER, seller_id)


def _placed(order: Order, fee: FulfillmentFee) -> OrderPlaced:
    """The order as the contract spells it (the domain's names are the contract's), with its fee."""
    placed = OrderPlaced.model_validate(order, from_attributes=True)
    return placed.model_copy(update={"fulfillment_fee": fee})
