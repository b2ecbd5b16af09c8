"""What the buyer sees of an order after checkout, from the platform's reports on it.

Reports name orders of every channel (other channels share the topics): the storefront's own
are picked out of a run with one read, and only those are applied, in the order they came.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from listing.domain.commands import RecordShipment, UpdateOrderStatus
from listing.domain.orders import BuyerOrder
from listing.service_layer.unit_of_work import ListingUnitOfWork

Report = TypeVar("Report", UpdateOrderStatus, RecordShipment)


async def update_order_statuses(commands: list[UpdateOrderStatus], uow: ListingUnitOfWork) -> None:
    """Move each storefront order to the reported status; a status only moves forward."""
    await _apply_to_ours(
        commands,
        uow,
        lambda order, c: order.reported(
            c.status, c.detail, fulfillment_orders=c.fulfillment_orders
        ),
    )


async def record_shipments(commands: list[RecordShipment], uow: ListingUnitOfWork) -> None:
    """Record each parcel of a storefront order; the order is SHIPPED once every fulfillment
    order it was split into has shipped."""
    await _apply_to_ours(commands, uow, lambda order, c: order.shipped(c.shipment))


async def _apply_to_ours(
    commands: list[Report],
    uow: ListingUnitOfWork,
    apply: Callable[[BuyerOrder, Report], BuyerOrder],
) -> None:
    orders = await uow.buyer_orders.placed_here({c.order_id for c in commands})
    for command in commands:
        before = orders.get(command.order_id)
        if before is None:  # another channel's order
            continue
        after = apply(before, command)
        if after != before:
            await uow.buyer_orders.save(after)
            orders[command.order_id] = after
