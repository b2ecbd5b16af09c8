"""Order-router use cases.

Event handlers run inside the unit of work the runtime opened for the consumed event (inbox
claim, state change and outbox rows commit together), so they never commit themselves, and
every event they emit names the consumed event as its cause. `place_order` is the HTTP
ingress and commits its own unit of work.
"""

from __future__ import annotations

import uuid

import structlog

from order_router.adapters.repository import OrderRouterRepository
from order_router.domain.model import (
    LineFailure,
    Listing,
    Order,
    OrderIdInUse,
    OrderLine,
    OrderStatus,
    ReasonCode,
    Registration,
    ResolvedLine,
    registration_keys,
    resolve_lines,
)
from order_router.domain.routing import (
    Allocation,
    RoutingPlan,
    RoutingPolicy,
    RoutingRequest,
    StockLevel,
)
from stockpath_events import Envelope, FulfillmentPolicy
from stockpath_events.types.fulfillment import ShipmentShipped
from stockpath_events.types.inventory import InventoryLevelChanged
from stockpath_events.types.listing import ListingPublished
from stockpath_events.types.order_router import (
    BackorderedLine,
    CancelledLine,
    FulfillmentCancelled,
    FulfillmentInstructed,
    FulfillmentLine,
    OrderBackordered,
    OrderCancellationRefused,
    OrderCancelled,
    OrderRejected,
    OrderRouted,
    RejectedLine,
    RoutedFulfillmentOrder,
)
from stockpath_events.types.orders import OrderCancellationRequested, OrderPlaced
from stockpath_events.types.orders import OrderLine as OrderLineData
from stockpath_events.types.registration import ItemRegistered
from stockpath_runtime.unit_of_work import UnitOfWork

log = structlog.get_logger("order_router")

#: Fulfillment order statuses.
INSTRUCTED, CANCELLED, SHIPPED = "INSTRUCTED", "CANCELLED", "SHIPPED"


class AllocationFailed(RuntimeError):
    """A plan asked for units a locked stock row does not have: a policy bug, never a race."""


def new_fulfillment_order_id() -> str:
    return "FO-" + uuid.uuid4().hex[:12]


def new_order_id() -> str:
    return "O-" + uuid.uuid4().hex[:16]


def order_from_event(data: OrderPlaced) -> Order:
    return Order(
        order_id=data.order_id,
        channel=data.channel,
        lines=tuple(
            OrderLine(
                line_id=line.line_id,
                quantity=line.quantity,
                unit_price=line.unit_price,
                seller_id=line.seller_id,
                seller_sku=line.seller_sku,
                listing_id=line.listing_id,
            )
            for line in data.lines
        ),
        ship_to=data.ship_to,
        shipping_speed=data.shipping_speed,
        fulfillment_policy=data.fulfillment_policy,
        currency=data.currency,
    )


def order_placed(order: Order) -> OrderPlaced:
    return OrderPlaced(
        order_id=order.order_id,
        channel=order.channel,
        lines=[
            OrderLineData(
                line_id=line.line_id,
                seller_id=line.seller_id,
                seller_sku=line.seller_sku,
                listing_id=line.listing_id,
                quantity=line.quantity,
                unit_price=line.unit_price,
            )
            for line in order.lines
        ],
        ship_to=order.ship_to,
        shipping_speed=order.shipping_speed,
        fulfillment_policy=order.fulfillment_policy,
        currency=order.currency,
    )


# --- what other services tell us ------------------------------------------------------------


async def record_registration(event: Envelope[ItemRegistered], uow: UnitOfWork) -> None:
    """A registered SKU becomes orderable: its order lines resolve to this FNSKU."""
    data = event.data
    await OrderRouterRepository(uow.connection).save_registration(
        Registration(data.seller_id, data.seller_sku, data.fnsku, data.catalog_item_id, live=True),
        registration_id=data.registration_id,
    )


async def record_listing(event: Envelope[ListingPublished], uow: UnitOfWork) -> None:
    """Channels may name an ordered item by its listing; remember which seller SKU that is."""
    data = event.data
    await OrderRouterRepository(uow.connection).save_listing(
        Listing(data.listing_id, data.seller_id, data.seller_sku, data.fnsku), channel=data.channel
    )


async def record_inventory_level(
    event: Envelope[InventoryLevelChanged], uow: UnitOfWork, *, policy: RoutingPolicy
) -> None:
    """Record one inventory level; see `record_inventory_levels`."""
    await record_inventory_levels([event], uow, policy=policy)


async def record_inventory_levels(
    events: list[Envelope[InventoryLevelChanged]], uow: UnitOfWork, *, policy: RoutingPolicy
) -> None:
    """Inventory publishes absolute levels, so the latest one per FNSKU and FC simply replaces
    the previous; an older level re-driven late (e.g. from a dead-letter topic) is ignored.

    The router keeps only the basis (fulfillable + reserved + shipped): inventory reserving and
    shipping what the router allocated leaves it unchanged, so the two never race. Orders waiting
    on a backorder of an FNSKU whose level was recorded are routed in the same transaction, as
    far as the stock now goes.
    """
    latest: dict[tuple[str, str], Envelope[InventoryLevelChanged]] = {}
    for event in events:  # only the newest level of each FNSKU and FC matters
        key = (event.data.fnsku, event.data.fulfillment_center_id)
        if key not in latest or latest[key].time <= event.time:
            latest[key] = event
    repo = OrderRouterRepository(uow.connection)
    # Every FC's row of these FNSKUs first, in the order route_orders takes them: releasing
    # backorders below then needs no further stock lock that an order being routed could hold.
    await repo.lock_stock(fnsku for fnsku, _ in latest)
    applied = await repo.record_stock_levels(
        [
            (e.data.fnsku, e.data.fulfillment_center_id, e.data.seller_id,
             e.data.fulfillable + e.data.reserved + e.data.shipped, e.time)
            for e in latest.values()
        ]
    )
    for key in sorted(latest.keys() - applied):
        log.info("older inventory level ignored", fnsku=key[0], fulfillment_center_id=key[1])
    cause: dict[str, Envelope] = {}  # the level that lets an FNSKU's backorders move
    for key in sorted(applied):
        cause[key[0]] = latest[key]
    for fnsku in await repo.fnskus_with_backorders(cause):
        await release_backorders(fnsku, cause[fnsku], uow, policy)


# --- orders ---------------------------------------------------------------------------------


async def place_order(order: Order, uow: UnitOfWork) -> tuple[OrderStatus, bool]:
    """HTTP ingress: record the order as PENDING and write OrderPlaced to `orders` through the
    outbox; the worker then routes it like an order from any other source.

    Returns the order's status and whether it was new. Placing the same order again is a
    harmless retry (no second event); the same order_id with other content is refused.
    """
    repo = OrderRouterRepository(uow.connection)
    if await repo.add_order(order):
        uow.emit(order_placed(order))
        await uow.commit()
        return OrderStatus.PENDING, True
    stored, status = await repo.get_order(order.order_id)
    if stored != order:
        raise OrderIdInUse(order.order_id)
    return status, False


async def route_order(event: Envelope[OrderPlaced], uow: UnitOfWork, *, policy: RoutingPolicy) -> None:
    """Decide the one outcome of an order; see `route_orders`."""
    await route_orders([event], uow, policy=policy)


async def route_orders(events: list[Envelope[OrderPlaced]], uow: UnitOfWork, *, policy: RoutingPolicy) -> None:
    """Decide the one outcome of each order, in the order they came: routed (stock reserved, FCs
    instructed), backordered (fill-all: what is missing waits for stock) or rejected.

    The first version of an order_id recorded is the one routed, and only while it is PENDING:
    the same order delivered again under another event id changes nothing. However many orders
    come at once, they cost a fixed number of statements: recorded together, resolved with one
    read, planned in memory against stock locked once, written in bulk.
    """
    repo = OrderRouterRepository(uow.connection)
    placed = [order_from_event(e.data) for e in events]
    new = await repo.add_orders(placed)
    pending: list[tuple[Envelope, Order]] = []
    taken: set[str] = set()
    for event, order in zip(events, placed, strict=True):
        order_id = order.order_id
        if order_id in taken:
            log.info("order delivered again under another event id; nothing to do", order_id=order_id)
            continue
        taken.add(order_id)
        if order_id in new:
            pending.append((event, order))
            continue
        order, status = await repo.get_order(order_id, for_update=True)  # known before: e.g. placed over HTTP
        if status is OrderStatus.PENDING:
            pending.append((event, order))
        else:
            log.info("order already has an outcome; nothing to do", order_id=order_id, status=status.value)

    all_lines = [line for _, order in pending for line in order.lines]
    listings = await repo.listings_by_id(line.listing_id for line in all_lines if line.listing_id)
    registrations = await repo.registrations_by_sku(registration_keys(all_lines, listings))
    resolved: list[tuple[Envelope, Order, tuple[ResolvedLine, ...]]] = []
    for event, order in pending:
        resolution = resolve_lines(order.lines, registrations, listings)
        if resolution.ok:
            resolved.append((event, order, resolution.lines))
        else:
            await _reject(order, resolution.failures, event, uow, repo)
    await repo.resolve_lines({order.order_id: lines for _, order, lines in resolved})

    routing = Routing(repo, policy, uow)
    await routing.lock(line.fnsku for _, _, lines in resolved for line in lines)
    for event, order, lines in resolved:
        await _route(order, lines, event, uow, repo, routing)
    await routing.write()


async def _route(
    order: Order, lines: tuple[ResolvedLine, ...], event: Envelope, uow: UnitOfWork, repo, routing: Routing
) -> None:
    plan = routing.plan(order, lines, order.fulfillment_policy)
    if plan.unfilled:
        await _reject(order, plan.unfilled, event, uow, repo)
        return
    if not plan.allocations and order.fulfillment_policy is not FulfillmentPolicy.FILL_ALL:
        # fill-all-available with nothing available: nothing ships, so the order is rejected.
        await _reject(order, _nothing_available(plan.short), event, uow, repo)
        return
    routed = routing.allocate(order, plan, event)
    short = {line.line_id: line.quantity for line in plan.short}
    backorder = bool(short) and order.fulfillment_policy is FulfillmentPolicy.FILL_ALL
    cancelled: list[CancelledLine] = []
    if short and not backorder:  # fill-all-available: what is missing is cancelled, the rest ships
        await repo.set_line_quantities(order.order_id, "quantity_cancelled", short)
        cancelled = [
            CancelledLine(line_id=line_id, quantity=q, reason="not in stock (fill-all-available)")
            for line_id, q in short.items()
        ]
    if routed:
        uow.emit(
            OrderRouted(order_id=order.order_id, fulfillment_orders=routed, cancelled_lines=cancelled), caused_by=event
        )
        log.info("order routed", order_id=order.order_id, fulfillment_orders=[r.fulfillment_order_id for r in routed])
    if backorder:
        await repo.set_line_quantities(order.order_id, "quantity_backordered", short)
        routing.set_status(order.order_id, OrderStatus.BACKORDERED)
        uow.emit(
            OrderBackordered(
                order_id=order.order_id,
                lines=[BackorderedLine(line_id=line_id, quantity=q) for line_id, q in short.items()],
            ),
            caused_by=event,
        )
        log.info("order backordered", order_id=order.order_id, backordered=short)
    else:
        routing.set_status(order.order_id, OrderStatus.ROUTED)


def _nothing_available(short) -> tuple[LineFailure, ...]:
    return tuple(
        LineFailure(line.line_id, ReasonCode.INSUFFICIENT_INVENTORY, f"no unit of {line.fnsku} is available")
        for line in short
    )


class Routing:
    """The routing done in one unit of work: stock rows locked once, plans made in memory against
    what earlier plans of the same unit of work left, reservations and fulfillment orders written
    in bulk by `write` (which must run before the unit of work commits)."""

    def __init__(self, repo: OrderRouterRepository, policy: RoutingPolicy, uow: UnitOfWork) -> None:
        self._repo, self._policy, self._uow = repo, policy, uow
        self._allocatable: dict[str, dict[str, int]] = {}  # fnsku -> fc -> units
        self._reservations: dict[tuple[str, str], int] = {}
        self._fulfillment_orders: list[tuple[str, str, Allocation]] = []
        self._statuses: dict[str, OrderStatus] = {}

    async def lock(self, fnskus) -> None:
        # Locked until commit: concurrent orders for these FNSKUs wait here, so each plans on
        # figures nobody else can change before its reservations are written.
        wanted = sorted(set(fnskus) - self._allocatable.keys())
        for fnsku in wanted:
            self._allocatable[fnsku] = {}
        for level in await self._repo.lock_stock(wanted):
            self._allocatable[level.fnsku][level.fulfillment_center_id] = level.allocatable

    def plan(self, order: Order, lines, fulfillment_policy: FulfillmentPolicy) -> RoutingPlan:
        stock = [
            StockLevel(fnsku, fc, units)
            for fnsku in sorted({line.fnsku for line in lines})
            for fc, units in self._allocatable[fnsku].items()
        ]
        return self._policy.plan(
            RoutingRequest(
                order_id=order.order_id,
                lines=tuple(lines),
                ship_to_postal_code=order.ship_to.postal_code,
                shipping_speed=order.shipping_speed,
                fulfillment_policy=fulfillment_policy,
            ),
            stock,
        )

    def allocate(self, order: Order, plan: RoutingPlan, event: Envelope) -> list[RoutedFulfillmentOrder]:
        """Reserve each allocation's units and instruct its FC: one FulfillmentInstructed per FC."""
        routed: list[RoutedFulfillmentOrder] = []
        for allocation in plan.allocations:
            fc = allocation.fulfillment_center_id
            for line in allocation.lines:
                left = self._allocatable[line.fnsku].get(fc, 0) - line.quantity
                if left < 0:
                    raise AllocationFailed(
                        f"order {order.order_id}: {line.quantity} unit(s) of {line.fnsku} are not allocatable at {fc}"
                    )
                self._allocatable[line.fnsku][fc] = left
                self._reservations[(line.fnsku, fc)] = self._reservations.get((line.fnsku, fc), 0) + line.quantity
            fulfillment_order_id = new_fulfillment_order_id()
            self._fulfillment_orders.append((fulfillment_order_id, order.order_id, allocation))
            self._uow.emit(
                FulfillmentInstructed(
                    fulfillment_order_id=fulfillment_order_id,
                    order_id=order.order_id,
                    fulfillment_center_id=fc,
                    lines=[
                        FulfillmentLine(
                            line_id=line.line_id,
                            fnsku=line.fnsku,
                            seller_sku=line.seller_sku,
                            seller_id=line.seller_id,
                            quantity=line.quantity,
                        )
                        for line in allocation.lines
                    ],
                    ship_to=order.ship_to,
                    shipping_speed=order.shipping_speed,
                ),
                caused_by=event,
            )
            routed.append(RoutedFulfillmentOrder(fulfillment_order_id=fulfillment_order_id, fulfillment_center_id=fc))
        return routed

    def set_status(self, order_id: str, status: OrderStatus) -> None:
        self._statuses[order_id] = status

    async def write(self) -> None:
        refused = await self._repo.reserve_all(self._reservations)
        if refused:
            raise AllocationFailed(f"reservations refused by the stock rows (a planning bug): {refused}")
        await self._repo.add_fulfillment_orders(self._fulfillment_orders)
        await self._repo.set_statuses(self._statuses)
        self._reservations, self._fulfillment_orders, self._statuses = {}, [], {}


#: Backordered orders routed per inventory level event, so one large arrival cannot make one
#: transaction unbounded; the rest wait for the next level of that FNSKU.
BACKORDERS_PER_LEVEL = 100


async def release_backorders(fnsku: str, event: Envelope, uow: UnitOfWork, policy: RoutingPolicy) -> None:
    """Stock of `fnsku` arrived: route what orders waiting for it can now get, oldest first."""
    repo = OrderRouterRepository(uow.connection)
    routing = Routing(repo, policy, uow)
    for order_id in await repo.backordered_orders(fnsku, limit=BACKORDERS_PER_LEVEL):
        order, status = await repo.get_order(order_id, for_update=True)
        if status is not OrderStatus.BACKORDERED:
            continue
        waiting = await repo.backordered_lines(order_id)
        await routing.lock(line.fnsku for line in waiting)
        plan = routing.plan(order, waiting, FulfillmentPolicy.FILL_ALL)
        if not plan.allocations:
            continue
        routed = routing.allocate(order, plan, event)
        still = {line.line_id: line.quantity for line in plan.short}
        await repo.set_line_quantities(
            order_id, "quantity_backordered", {line.line_id: still.get(line.line_id, 0) for line in waiting}
        )
        if not still:
            routing.set_status(order_id, OrderStatus.ROUTED)
        uow.emit(OrderRouted(order_id=order_id, fulfillment_orders=routed), caused_by=event)
        log.info("backorder routed", order_id=order_id, still_backordered=still)
    await routing.write()


async def cancel_order(event: Envelope[OrderCancellationRequested], uow: UnitOfWork) -> None:
    """Before shipment: release every reservation, tell each FC (FulfillmentCancelled) and announce
    OrderCancelled. After a shipment left (or for an order that has no outcome to cancel), refuse
    with a reason (OrderCancellationRefused)."""
    data = event.data
    repo = OrderRouterRepository(uow.connection)
    found = await repo.get_order(data.order_id, for_update=True)

    def refuse(code: str, reason: str) -> None:
        uow.emit(OrderCancellationRefused(order_id=data.order_id, reason_code=code, reason=reason), caused_by=event)
        log.info("cancellation refused", order_id=data.order_id, reason_code=code)

    if found is None:
        return refuse("UNKNOWN_ORDER", f"order {data.order_id} is not known to the order router")
    order, status = found
    if status is OrderStatus.CANCELLED:
        log.info("order already cancelled", order_id=order.order_id)
        return None
    if status is OrderStatus.REJECTED:
        return refuse("ORDER_REJECTED", f"order {order.order_id} was rejected; there is nothing to cancel")
    fulfillment = await repo.fulfillment_orders_of(order.order_id)
    shipped = [fo for fo in fulfillment if fo["status"] == SHIPPED]
    if shipped:
        names = ", ".join(f"{fo['fulfillment_order_id']} from {fo['fulfillment_center_id']}" for fo in shipped)
        return refuse("ALREADY_SHIPPED", f"order {order.order_id} cannot be cancelled: {names} already shipped")
    for fo in fulfillment:
        if fo["status"] != INSTRUCTED:
            continue
        units: dict[str, int] = {}
        for _, fnsku, quantity in fo["lines"]:
            units[fnsku] = units.get(fnsku, 0) + quantity
        for fnsku, quantity in sorted(units.items()):
            await repo.release(fnsku=fnsku, fulfillment_center_id=fo["fulfillment_center_id"], quantity=quantity)
        await repo.set_fulfillment_order_status(fo["fulfillment_order_id"], CANCELLED)
        uow.emit(
            FulfillmentCancelled(
                fulfillment_order_id=fo["fulfillment_order_id"],
                order_id=order.order_id,
                fulfillment_center_id=fo["fulfillment_center_id"],
                reason=data.reason,
            ),
            caused_by=event,
        )
    waiting = await repo.backordered_lines(order.order_id)
    if waiting:
        await repo.set_line_quantities(order.order_id, "quantity_backordered", {line.line_id: 0 for line in waiting})
    await repo.set_status(order.order_id, OrderStatus.CANCELLED, cancellation={"reason": data.reason})
    uow.emit(OrderCancelled(order_id=order.order_id, reason=data.reason), caused_by=event)
    log.info("order cancelled", order_id=order.order_id)
    return None


async def shipment_shipped(event: Envelope[ShipmentShipped], uow: UnitOfWork) -> None:
    """An FC shipped a fulfillment order: record carrier and tracking; the order is SHIPPED once
    every fulfillment order of it shipped and nothing waits on a backorder.

    Its reservation stays counted: shipped units remain in inventory's basis. A shipment of a
    fulfillment order cancelled meanwhile (the FC had packed it already) takes its units back
    out of the allocatable stock, since they did leave."""
    data = event.data
    repo = OrderRouterRepository(uow.connection)
    found = await repo.get_order(data.order_id, for_update=True)
    fo = await repo.fulfillment_order(data.fulfillment_order_id)
    if found is None or fo is None:
        log.warning("shipment of an unknown fulfillment order ignored", fulfillment_order_id=data.fulfillment_order_id)
        return
    if fo["status"] == SHIPPED:
        return
    if fo["status"] == CANCELLED:
        log.warning("a cancelled fulfillment order was shipped anyway", fulfillment_order_id=fo["fulfillment_order_id"])
        units: dict[str, int] = {}
        for _, fnsku, quantity in fo["lines"]:
            units[fnsku] = units.get(fnsku, 0) + quantity
        for fnsku, quantity in sorted(units.items()):
            await repo.release(fnsku=fnsku, fulfillment_center_id=fo["fulfillment_center_id"], quantity=-quantity)
    await repo.set_fulfillment_order_status(
        fo["fulfillment_order_id"], SHIPPED, carrier=data.carrier, tracking_number=data.tracking_number,
        shipped_at=data.shipped_at or event.time,
    )
    order, status = found
    if status is OrderStatus.ROUTED:
        remaining = [f for f in await repo.fulfillment_orders_of(order.order_id) if f["status"] == INSTRUCTED]
        if not remaining:
            await repo.set_status(order.order_id, OrderStatus.SHIPPED)
            log.info("order shipped", order_id=order.order_id)


async def _reject(
    order: Order,
    failures: tuple[LineFailure, ...],
    event: Envelope,
    uow: UnitOfWork,
    repo: OrderRouterRepository,
) -> None:
    await repo.mark_rejected(order.order_id, failures)
    uow.emit(
        OrderRejected(
            order_id=order.order_id,
            reason_code=failures[0].reason_code.value,
            lines=[
                RejectedLine(line_id=f.line_id, reason_code=f.reason_code.value, reason=f.reason) for f in failures
            ],
        ),
        caused_by=event,
    )
    log.info("order rejected", order_id=order.order_id, reason_code=failures[0].reason_code.value)
