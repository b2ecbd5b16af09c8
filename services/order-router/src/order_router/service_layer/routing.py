"""Routing orders: when they arrive (`route_orders`), and when stock arrives for orders waiting on
a backorder (`record_inventory_levels`).

Both run inside the unit of work the runtime opened for the consumed events (inbox claim, state
change and outbox rows commit together), so they never commit themselves, and every event they
emit names its command's cause. However many orders come at once, routing them costs a fixed
number of statements: recorded together, resolved with one read, planned in memory against
stock locked once (`order_router.domain.allocation`), written in bulk.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime

import structlog

from order_router.domain.allocation import AllocationFailed, Allocator
from order_router.domain.commands import RecordInventoryLevel, RouteOrder
from order_router.domain.fulfillment import FulfillmentOrder
from order_router.domain.mcf import fee_share
from order_router.domain.model import (
    MCF,
    LineFailure,
    Order,
    OrderStatus,
    ReasonCode,
    Resolution,
    ResolvedLine,
    first_versions,
    listing_keys,
    registration_keys,
    resolve_lines,
)
from order_router.domain.ownership import admission, taken_by_another_channel
from order_router.domain.routing import RoutingPlan, RoutingPolicy
from order_router.service_layer.unit_of_work import OrderRouterUnitOfWork
from stockpath_events import Cause, FulfillmentPolicy
from stockpath_events.types.order_router import (
    BackorderedLine,
    CancelledLine,
    FulfillmentInstructed,
    FulfillmentLine,
    OrderBackordered,
    OrderRejected,
    OrderRouted,
    RejectedLine,
    RoutedFulfillmentOrder,
)
from stockpath_events.types.orders import FulfillmentFee

log = structlog.get_logger("order_router")

#: Backordered orders routed per inventory level event, so one large arrival cannot make one
#: transaction unbounded; the rest wait for the next level of that FNSKU.
BACKORDERS_PER_LEVEL = 100


async def route_orders(
    commands: list[RouteOrder], uow: OrderRouterUnitOfWork, *, policy: RoutingPolicy
) -> None:
    """Decide the one outcome of each order, in the order they came: routed (stock reserved, FCs
    instructed), backordered (fill-all: what is missing waits for stock) or rejected.

    The first version of an order_id recorded is the one routed, and only while it is PENDING:
    the same order delivered again under another event id changes nothing. An order that may not
    be recorded at all (an id in another channel's namespace, an `mcf` order not from the HTTP
    ingress) or whose id another channel's order has is refused: rejected without touching the
    order recorded under that id.
    """
    admitted: list[RouteOrder] = []
    for command in commands:
        refused = admission(command.order, command.source)
        if refused:
            _announce_rejection(command.order.order_id, refused, command.cause, uow)
        else:
            admitted.append(command)
    # What the lines resolve to is read before the orders are recorded, so a new order's lines are
    # written once, resolved, rather than written and then updated (that UPDATE rewrote every row
    # and its index entries; docs/performance.md). The version recorded of an order is the first
    # of the batch with its id (`first_versions`, as `OrderRepository.add` records it).
    resolutions = await _resolve(first_versions(c.order for c in admitted), uow)
    new = await uow.orders.add(
        [command.order for command in admitted],
        resolved={o: r.lines for o, r in resolutions.items() if r.ok},
    )
    # An MCF order's quoted fee is recorded with the order where the order is first recorded here:
    # live the HTTP request recorded both, in a replay into an empty store this does (once).
    quoted: dict[str, FulfillmentFee] = {}
    for command in admitted:
        if command.fee is not None and command.order.order_id in new:
            quoted.setdefault(command.order.order_id, command.fee)  # the version recorded
    for order_id, fee in quoted.items():
        await uow.mcf_fees.add(order_id, fee)
    pending: list[RouteOrder] = []
    recorded: dict[
        str, Order
    ] = {}  # order_id -> the version recorded (the first of the batch, or from before)
    known_pending: list[Order] = []  # recorded before this batch (e.g. placed over HTTP)
    for command in admitted:
        order_id = command.order.order_id
        if order_id not in recorded:
            if order_id in new:
                recorded[order_id] = command.order
                pending.append(command)
                continue
            known = await uow.orders.get(order_id, lock=True)  # known before: e.g. placed over HTTP
            assert known is not None, order_id  # add() found it recorded
            order, status = known
            recorded[order_id] = order
            if status is OrderStatus.PENDING and not taken_by_another_channel(command.order, order):
                pending.append(replace(command, order=order))
                known_pending.append(order)
                continue
        taken = taken_by_another_channel(command.order, recorded[order_id])
        if taken:
            _announce_rejection(order_id, taken, command.cause, uow)
        else:
            log.info("order already recorded; nothing to do", order_id=order_id)

    if known_pending:
        # Their lines were recorded before, as they were then: resolved now, and remembered.
        resolved_before = await _resolve(known_pending, uow)
        resolutions.update(resolved_before)
        await uow.orders.set_resolved_lines(
            {o: r.lines for o, r in resolved_before.items() if r.ok}
        )
    resolved: list[tuple[RouteOrder, tuple[ResolvedLine, ...]]] = []
    for command in pending:
        resolution = resolutions[command.order.order_id]
        if resolution.ok:
            resolved.append((command, resolution.lines))
        else:
            await _reject(command.order, resolution.failures, command.cause, uow)

    routing = Routing(uow, policy)
    await routing.lock(line.fnsku for _, lines in resolved for line in lines)
    await routing.read_quotes(command.order for command, _ in resolved)
    for command, lines in resolved:
        await _route(command.order, lines, command.cause, command.placed_at, uow, routing)
    await routing.write()


async def _resolve(orders: list[Order], uow: OrderRouterUnitOfWork) -> dict[str, Resolution]:
    """What every line of these orders resolves to (or why it cannot), by order id: three reads
    whatever the number of orders."""
    all_lines = [line for order in orders for line in order.lines]
    listings = await uow.skus.listings(line.listing_id for line in all_lines if line.listing_id)
    registrations = await uow.skus.registrations(registration_keys(all_lines, listings))
    listed = await uow.skus.listed_items(listing_keys(orders))
    return {
        order.order_id: resolve_lines(
            order.lines, registrations, listings, channel=order.channel, listed=listed
        )
        for order in orders
    }


async def _route(
    order: Order,
    lines: tuple[ResolvedLine, ...],
    cause: Cause,
    now: datetime,
    uow: OrderRouterUnitOfWork,
    routing: Routing,
) -> None:
    plan = routing.allocator.plan(order, lines, order.fulfillment_policy, now=now)
    if plan.unfilled:
        await _reject(order, plan.unfilled, cause, uow)
        return
    if not plan.allocations and order.fulfillment_policy is not FulfillmentPolicy.FILL_ALL:
        # fill-all-available with nothing available: nothing ships, so the order is rejected.
        await _reject(order, _nothing_available(plan.short), cause, uow)
        return
    routed = routing.instruct(order, plan, cause)
    short = {line.line_id: line.quantity for line in plan.short}
    backorder = bool(short) and order.fulfillment_policy is FulfillmentPolicy.FILL_ALL
    cancelled: list[CancelledLine] = []
    if short and not backorder:  # fill-all-available: what is missing is cancelled, the rest ships
        routing.cancelled[order.order_id] = short
        cancelled = [
            CancelledLine(line_id=line_id, quantity=q, reason="not in stock (fill-all-available)")
            for line_id, q in short.items()
        ]
    if routed:
        uow.emit(
            OrderRouted(
                order_id=order.order_id,
                fulfillment_orders=routed,
                cancelled_lines=cancelled,
                ship_by=latest_day(r.ship_by for r in routed),
                deliver_by=latest_day(r.deliver_by for r in routed),
            ),
            caused_by=cause,
        )
        log.info(
            "order routed",
            order_id=order.order_id,
            fulfillment_orders=[r.fulfillment_order_id for r in routed],
        )
    if backorder:
        routing.backordered[order.order_id] = short
        routing.statuses[order.order_id] = OrderStatus.BACKORDERED
        uow.emit(
            OrderBackordered(
                order_id=order.order_id,
                lines=[
                    BackorderedLine(line_id=line_id, quantity=q) for line_id, q in short.items()
                ],
            ),
            caused_by=cause,
        )
        log.info("order backordered", order_id=order.order_id, backordered=short)
    else:
        routing.statuses[order.order_id] = OrderStatus.ROUTED


def _nothing_available(short: tuple[ResolvedLine, ...]) -> tuple[LineFailure, ...]:
    return tuple(
        LineFailure(
            line.line_id, ReasonCode.INSUFFICIENT_INVENTORY, f"no unit of {line.fnsku} is available"
        )
        for line in short
    )


async def _reject(
    order: Order, failures: tuple[LineFailure, ...], cause: Cause, uow: OrderRouterUnitOfWork
) -> None:
    await uow.orders.mark_rejected(order.order_id, failures)
    _announce_rejection(order.order_id, failures, cause, uow)


def _announce_rejection(
    order_id: str, failures: tuple[LineFailure, ...], cause: Cause, uow: OrderRouterUnitOfWork
) -> None:
    uow.emit(
        OrderRejected(
            order_id=order_id,
            reason_code=failures[0].reason_code.value,
            lines=[
                RejectedLine(line_id=f.line_id, reason_code=f.reason_code.value, reason=f.reason)
                for f in failures
            ],
        ),
        caused_by=cause,
    )
    log.info("order rejected", order_id=order_id, reason_code=failures[0].reason_code.value)


async def record_inventory_levels(
    commands: list[RecordInventoryLevel], uow: OrderRouterUnitOfWork, *, policy: RoutingPolicy
) -> None:
    """Inventory publishes absolute levels, so the latest one per FNSKU and FC simply replaces
    the previous; an older level re-driven late (e.g. from a dead-letter topic) is ignored.

    The router keeps only the basis (`order_router.domain.stock`), which inventory reserving and
    shipping what the router allocated leaves unchanged, so the two never race. Orders waiting on
    a backorder of an FNSKU whose level was recorded are routed in the same transaction, as far
    as the stock now goes.
    """
    latest: dict[tuple[str, str], RecordInventoryLevel] = {}
    for command in commands:  # only the newest level of each FNSKU and FC matters
        key = (command.fnsku, command.fulfillment_center_id)
        if key not in latest or latest[key].as_of <= command.as_of:
            latest[key] = command
    # Every FC's row of these FNSKUs first, in the order route_orders takes them: releasing
    # backorders below then needs no further stock lock that an order being routed could hold.
    await uow.stock.lock(fnsku for fnsku, _ in latest)
    applied = await uow.stock.record_levels([command.basis for command in latest.values()])
    for key in sorted(latest.keys() - applied):
        log.info("older inventory level ignored", fnsku=key[0], fulfillment_center_id=key[1])
    cause: dict[str, RecordInventoryLevel] = {}  # the level that lets an FNSKU's backorders move
    for key in sorted(applied):
        cause[key[0]] = latest[key]
    for fnsku in await uow.orders.fnskus_with_backorders(cause):
        await _release_backorders(fnsku, cause[fnsku].cause, cause[fnsku].as_of, uow, policy)


async def _release_backorders(
    fnsku: str, cause: Cause, now: datetime, uow: OrderRouterUnitOfWork, policy: RoutingPolicy
) -> None:
    """Stock of `fnsku` arrived (at `now`, the level's time): route what orders waiting for it can
    now get, oldest first, promising dates as of then."""
    routing = Routing(uow, policy)
    for order_id in await uow.orders.waiting_for(fnsku, limit=BACKORDERS_PER_LEVEL):
        found = await uow.orders.get(order_id, lock=True)
        assert found is not None, order_id  # waiting_for() names recorded orders
        order, status = found
        if status is not OrderStatus.BACKORDERED:
            continue
        waiting = await uow.orders.backordered_lines(order_id)
        await routing.lock(line.fnsku for line in waiting)
        await routing.read_quotes([order])
        plan = routing.allocator.plan(order, waiting, FulfillmentPolicy.FILL_ALL, now=now)
        if not plan.allocations:
            continue
        routed = routing.instruct(order, plan, cause)
        still = {line.line_id: line.quantity for line in plan.short}
        routing.backordered[order_id] = {
            line.line_id: still.get(line.line_id, 0) for line in waiting
        }
        if not still:
            routing.statuses[order_id] = OrderStatus.ROUTED
        uow.emit(
            OrderRouted(
                order_id=order_id,
                fulfillment_orders=routed,
                ship_by=latest_day(r.ship_by for r in routed),
                deliver_by=latest_day(r.deliver_by for r in routed),
            ),
            caused_by=cause,
        )
        log.info("backorder routed", order_id=order_id, still_backordered=still)
    await routing.write()


class Routing:
    """The routing one handler does in its unit of work: an allocator over the stock rows it
    locked, and what it decided for each order (statuses, units backordered or cancelled per
    line), written in bulk by `write` — which must run before the unit of work commits."""

    def __init__(self, uow: OrderRouterUnitOfWork, policy: RoutingPolicy) -> None:
        self._uow = uow
        self.allocator = Allocator(policy)
        self.statuses: dict[str, OrderStatus] = {}
        self.backordered: dict[str, dict[str, int]] = {}  # order_id -> line_id -> units
        self.cancelled: dict[str, dict[str, int]] = {}
        self.quotes: dict[str, FulfillmentFee] = {}  # order_id -> the fee an MCF order was quoted

    async def lock(self, fnskus: Iterable[str]) -> None:
        # Locked until commit: concurrent orders for these FNSKUs wait here, so each plans on
        # figures nobody else can change before its reservations are written.
        wanted = self.allocator.unheld(fnskus)
        self.allocator.hold(wanted, await self._uow.stock.lock(wanted))

    async def read_quotes(self, orders: Iterable[Order]) -> None:
        """Read the fees the MCF orders among `orders` were quoted (`mcf_fees`, one read; none for
        a channel's order, which is quoted none), so their fulfillment orders carry their share."""
        wanted = [o.order_id for o in orders if o.channel == MCF and o.order_id not in self.quotes]
        if wanted:
            self.quotes.update(await self._uow.mcf_fees.of_orders(wanted))

    def instruct(
        self, order: Order, plan: RoutingPlan, cause: Cause
    ) -> list[RoutedFulfillmentOrder]:
        """Allocate the plan's units and instruct each FC: one FulfillmentInstructed per FC, an
        MCF order's with its share of the quoted fee (`read_quotes` first)."""
        routed = []
        quote = self.quotes.get(order.order_id)
        instructed = self.allocator.allocate(order.order_id, plan, cause_id=cause.id)
        # One fulfillment order per allocation, in the plan's order: each carries its FC's promise.
        for allocation, fulfillment_order in zip(plan.allocations, instructed, strict=True):
            promise = allocation.promise
            ship_by, deliver_by = (promise.ship_by, promise.deliver_by) if promise else (None, None)
            share = fee_share(quote, fulfillment_order.lines) if quote else None
            self._uow.emit(
                _instructed(fulfillment_order, order, ship_by, deliver_by, share), caused_by=cause
            )
            routed.append(
                RoutedFulfillmentOrder(
                    fulfillment_order_id=fulfillment_order.fulfillment_order_id,
                    fulfillment_center_id=fulfillment_order.fulfillment_center_id,
                    ship_by=ship_by,
                    deliver_by=deliver_by,
                )
            )
        return routed

    async def write(self) -> None:
        allocated = self.allocator.take()
        refused = await self._uow.stock.reserve(allocated.reservations)
        if refused:
            raise AllocationFailed(
                f"reservations refused by the stock rows (a planning bug): {refused}"
            )
        await self._uow.fulfillment_orders.add(allocated.fulfillment_orders)
        await self._uow.orders.set_statuses(self.statuses)
        await self._uow.orders.set_cancelled(self.cancelled)
        await self._uow.orders.set_backordered(self.backordered)
        self.statuses, self.backordered, self.cancelled = {}, {}, {}


def latest_day(days: Iterable[date | None]) -> date | None:
    """An order's promise is its last shipment's; unknown when any shipment's is."""
    known = list(days)
    return None if not known or None in known else max(d for d in known if d is not None)


def _instructed(
    fulfillment_order: FulfillmentOrder,
    order: Order,
    ship_by: date | None,
    deliver_by: date | None,
    fee: FulfillmentFee | None,
) -> FulfillmentInstructed:
    return FulfillmentInstructed(
        fulfillment_order_id=fulfillment_order.fulfillment_order_id,
        order_id=order.order_id,
        fulfillment_center_id=fulfillment_order.fulfillment_center_id,
        lines=[
            FulfillmentLine.model_validate(line, from_attributes=True)
            for line in fulfillment_order.lines
        ],
        ship_to=order.ship_to,
        shipping_speed=order.shipping_speed,
        ship_by=ship_by,
        deliver_by=deliver_by,
        fulfillment_fee=fee,
    )
