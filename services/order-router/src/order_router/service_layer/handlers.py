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
    Registration,
    registration_keys,
    resolve_lines,
)
from order_router.domain.routing import RoutingPolicy, RoutingRequest
from stockpath_events import Envelope
from stockpath_events.types.inventory import InventoryLevelChanged
from stockpath_events.types.listing import ListingPublished
from stockpath_events.types.order_router import (
    FulfillmentInstructed,
    FulfillmentLine,
    OrderRejected,
    OrderRouted,
    RejectedLine,
    RoutedFulfillmentOrder,
)
from stockpath_events.types.orders import OrderLine as OrderLineData
from stockpath_events.types.orders import OrderPlaced
from stockpath_events.types.registration import ItemRegistered
from stockpath_runtime.unit_of_work import UnitOfWork

log = structlog.get_logger("order_router")


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


async def record_inventory_level(event: Envelope[InventoryLevelChanged], uow: UnitOfWork) -> None:
    """Inventory publishes absolute levels, so the latest one per FNSKU and FC simply replaces
    the previous; an older level re-driven late (e.g. from a dead-letter topic) is ignored."""
    data = event.data
    applied = await OrderRouterRepository(uow.connection).record_stock_level(
        fnsku=data.fnsku,
        fulfillment_center_id=data.fulfillment_center_id,
        seller_id=data.seller_id,
        on_hand=data.fulfillable,
        as_of=event.time,
    )
    if not applied:
        log.info("older inventory level ignored", fnsku=data.fnsku, fulfillment_center_id=data.fulfillment_center_id)


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
    """Decide the one outcome of an order: routed to an FC with stock reserved, or rejected.

    The first version of an order_id recorded is the one routed, and only while it is
    PENDING: the same order delivered again under another event id changes nothing.
    """
    repo = OrderRouterRepository(uow.connection)
    await repo.add_order(order_from_event(event.data))
    order, status = await repo.get_order(event.data.order_id, for_update=True)
    if status is not OrderStatus.PENDING:
        log.info("order already has an outcome; nothing to do", order_id=order.order_id, status=status.value)
        return

    listings = await repo.listings_by_id(line.listing_id for line in order.lines if line.listing_id)
    registrations = await repo.registrations_by_sku(registration_keys(order.lines, listings))
    resolution = resolve_lines(order.lines, registrations, listings)
    if not resolution.ok:
        await _reject(order, resolution.failures, event, uow, repo)
        return

    # Locked until commit: concurrent orders for these FNSKUs wait here, so each plans on
    # figures nobody else can change before its reservations are written.
    stock = await repo.lock_stock(line.fnsku for line in resolution.lines)
    plan = policy.plan(
        RoutingRequest(
            order_id=order.order_id,
            lines=resolution.lines,
            ship_to_postal_code=order.ship_to.postal_code,
            shipping_speed=order.shipping_speed,
            fulfillment_policy=order.fulfillment_policy,
        ),
        stock,
    )
    if not plan.routed:
        await _reject(order, plan.unfilled, event, uow, repo)
        return

    routed: list[RoutedFulfillmentOrder] = []
    for allocation in plan.allocations:
        units: dict[str, int] = {}
        for line in allocation.lines:
            units[line.fnsku] = units.get(line.fnsku, 0) + line.quantity
        for fnsku, quantity in sorted(units.items()):
            if not await repo.reserve(fnsku=fnsku, fulfillment_center_id=allocation.fulfillment_center_id, quantity=quantity):
                raise AllocationFailed(
                    f"order {order.order_id}: {quantity} unit(s) of {fnsku} are not allocatable at "
                    f"{allocation.fulfillment_center_id}"
                )
        fulfillment_order_id = new_fulfillment_order_id()
        await repo.add_fulfillment_order(fulfillment_order_id, order.order_id, allocation)
        uow.emit(
            FulfillmentInstructed(
                fulfillment_order_id=fulfillment_order_id,
                order_id=order.order_id,
                fulfillment_center_id=allocation.fulfillment_center_id,
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
        routed.append(
            RoutedFulfillmentOrder(
                fulfillment_order_id=fulfillment_order_id, fulfillment_center_id=allocation.fulfillment_center_id
            )
        )
    await repo.mark_routed(order.order_id, resolution.lines)
    uow.emit(OrderRouted(order_id=order.order_id, fulfillment_orders=routed), caused_by=event)
    log.info("order routed", order_id=order.order_id, fulfillment_orders=[r.fulfillment_order_id for r in routed])


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
