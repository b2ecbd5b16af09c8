"""Order-router use cases at its edges: orders and cancellation requests over HTTP, and the SKUs
other services tell it about. Routing is in `routing`, what follows it in `fulfillment`.

HTTP handlers open and commit their own unit of work; event handlers run inside the one the
runtime opened for the consumed events and never commit.
"""

from __future__ import annotations

from order_router.domain.commands import (
    PlaceOrder,
    RecordListing,
    RecordRegistration,
    RequestCancellation,
)
from order_router.domain.model import Order, OrderIdInUse, OrderStatus, UnknownOrder
from order_router.service_layer.unit_of_work import OrderRouterUnitOfWork
from stockpath_events.types.orders import OrderCancellationRequested, OrderPlaced


async def place_order(command: PlaceOrder, uow: OrderRouterUnitOfWork) -> tuple[OrderStatus, bool]:
    """HTTP ingress: record the order as PENDING and write OrderPlaced to `orders` through the
    outbox; the worker then routes it like an order from any other source.

    Returns the order's status and whether it was new. Placing the same order again is a
    harmless retry (no second event); the same order_id with other content is refused.
    """
    order = command.order
    async with uow:
        if order.order_id in await uow.orders.add([order]):
            uow.emit(_placed(order))
            await uow.commit()
            return OrderStatus.PENDING, True
        stored, status = await uow.orders.get(order.order_id)
    if stored != order:
        raise OrderIdInUse(order.order_id)
    return status, False


async def request_cancellation(command: RequestCancellation, uow: OrderRouterUnitOfWork) -> OrderStatus:
    """Write OrderCancellationRequested to `orders` for a known order; returns its status now. The
    answer comes later, as an event (OrderCancelled or OrderCancellationRefused) and in the
    order's status."""
    async with uow:
        found = await uow.orders.get(command.order_id)
        if found is None:
            raise UnknownOrder(command.order_id)
        uow.emit(OrderCancellationRequested(order_id=command.order_id, reason=command.reason))
        await uow.commit()
    return found[1]


async def record_registrations(commands: list[RecordRegistration], uow: OrderRouterUnitOfWork) -> None:
    """Registered SKUs become orderable: their order lines resolve to these FNSKUs."""
    for command in commands:
        await uow.skus.save_registration(command.registration, registration_id=command.registration_id)


async def record_listings(commands: list[RecordListing], uow: OrderRouterUnitOfWork) -> None:
    """Channels may name an ordered item by its listing; remember which seller SKU each one is."""
    for command in commands:
        await uow.skus.save_listing(command.listing, channel=command.channel)


def _placed(order: Order) -> OrderPlaced:
    """The order as the contract spells it: the domain's names are the contract's."""
    return OrderPlaced.model_validate(order, from_attributes=True)
