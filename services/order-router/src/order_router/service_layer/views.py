"""What the order router's read routes show: an order with its fulfillment orders, and the stock
of an FNSKU per FC. Reads only; each opens the unit of work and leaves it without committing."""

from __future__ import annotations

from dataclasses import dataclass

from order_router.domain.fulfillment import FulfillmentOrder
from order_router.domain.model import OrderRecord
from order_router.domain.stock import CenterStock
from order_router.service_layer.unit_of_work import OrderRouterUnitOfWork


@dataclass(frozen=True)
class OrderDetails:
    record: OrderRecord
    fulfillment_orders: list[FulfillmentOrder]


async def order_details(order_id: str, uow: OrderRouterUnitOfWork) -> OrderDetails | None:
    """An order, what became of it and its fulfillment orders; None when it is not known."""
    async with uow:
        record = await uow.orders.record(order_id)
        if record is None:
            return None
        return OrderDetails(record, await uow.fulfillment_orders.of_order(order_id))


async def stock_of(fnsku: str, uow: OrderRouterUnitOfWork) -> list[CenterStock]:
    """The stock of one FNSKU at every FC that reported it, by FC."""
    async with uow:
        return await uow.stock.at_centers(fnsku)
