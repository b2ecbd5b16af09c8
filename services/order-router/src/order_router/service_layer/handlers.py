"""Order-router use cases at its edges: orders and cancellation requests over HTTP, and the SKUs
and listings other services tell it about. Routing is in `routing`, what follows it in `fulfillment`.

HTTP handlers open and commit their own unit of work; event handlers run inside the one the
runtime opened for the consumed events and never commit.
"""

from __future__ import annotations

from order_router.domain.commands import (
    CloseListing,
    PlaceOrder,
    RecordDeregistration,
    RecordListing,
    RecordRegistration,
    RequestCancellation,
)
from order_router.domain.model import (
    FINAL,
    NotCancellable,
    Order,
    OrderIdInUse,
    OrderStatus,
    ReasonCode,
    ShipToRefused,
    UnknownOrder,
)
from order_router.domain.ownership import placement
from order_router.service_layer.unit_of_work import OrderRouterUnitOfWork
from order_router.service_layer.views import find_order
from stockpath_events.types.orders import OrderCancellationRequested, OrderPlaced
from stockpath_network import abroad, countries, network


async def place_order(
    command: PlaceOrder, uow: OrderRouterUnitOfWork
) -> tuple[Order, OrderStatus, bool]:
    """HTTP ingress: record the order as PENDING and write OrderPlaced to `orders` through the
    outbox; the worker then routes it like an order from any other source.

    The order is placed as its placer may place it (`ownership.placement`: its channel, its id in
    the placer's namespace). Returns the order as placed, its status and whether it was new.
    Placing the same order again is a harmless retry (no second event); the same order_id with
    other content (another channel's order, say) is refused. An address in a country the network
    does not deliver to is refused at once (`ShipToRefused`); the worker still rejects such orders
    arriving on `orders` from elsewhere.
    """
    order = placement(command.placed_by, command.order)
    refused = abroad(
        order.ship_to.postal_code, order.ship_to.country, countries=countries(network())
    )
    if refused is not None:
        raise ShipToRefused(order.order_id, ReasonCode.SHIP_TO_OUTSIDE_NETWORK, refused.reason)
    async with uow:
        if order.order_id in await uow.orders.add([order]):
            uow.emit(_placed(order))
            await uow.commit()
            return order, OrderStatus.PENDING, True
        recorded = await uow.orders.get(order.order_id)
    assert recorded is not None, order.order_id  # add() found it recorded
    stored, status = recorded
    if stored != order:
        raise OrderIdInUse(order.order_id)
    return order, status, False


async def request_cancellation(
    command: RequestCancellation, uow: OrderRouterUnitOfWork
) -> tuple[str, OrderStatus]:
    """Write OrderCancellationRequested to `orders` for an order of the requester; returns its id
    and its status now. The answer comes later, as an event (OrderCancelled or
    OrderCancellationRefused) and in the order's status."""
    async with uow:
        record = await find_order(command.requested_by, command.order_id, uow)
        if record is None:
            raise UnknownOrder(command.order_id)
        order_id = record.order.order_id
        if command.only_while_cancellable and record.status in FINAL:
            raise NotCancellable(order_id, record.status.value)
        uow.emit(OrderCancellationRequested(order_id=order_id, reason=command.reason))
        await uow.commit()
    return order_id, record.status


async def record_registrations(
    commands: list[RecordRegistration], uow: OrderRouterUnitOfWork
) -> None:
    """Registered SKUs become orderable (again, after a withdrawal): their order lines resolve to these FNSKUs."""
    for command in commands:
        await uow.skus.save_registration(
            command.registration, registration_id=command.registration_id
        )


async def record_deregistrations(
    commands: list[RecordDeregistration], uow: OrderRouterUnitOfWork
) -> None:
    """Withdrawn SKUs are no longer orderable: their lines are rejected UNKNOWN_SKU."""
    await uow.skus.deregister([(c.seller_id, c.seller_sku, c.registration_id) for c in commands])


async def record_listings(commands: list[RecordListing], uow: OrderRouterUnitOfWork) -> None:
    """A listing went live: its item may be ordered in its channel, and lines may name the listing."""
    for command in commands:
        await uow.skus.save_listing(command.listing)


async def close_listings(commands: list[CloseListing], uow: OrderRouterUnitOfWork) -> None:
    """Listings taken down: their items may no longer be ordered in their channels through them."""
    await uow.skus.close_listings(command.listing_id for command in commands)


def _placed(order: Order) -> OrderPlaced:
    """The order as the contract spells it: the domain's names are the contract's."""
    return OrderPlaced.model_validate(order, from_attributes=True)
