"""What the order router's read routes show: an order with its fulfillment orders, a seller's
customer returns, and the stock of an FNSKU per FC. Reads only; each opens the unit of work and leaves it without committing."""

from __future__ import annotations

from dataclasses import dataclass, field

from order_router.domain.fulfillment import FulfillmentOrder
from order_router.domain.model import OrderRecord
from order_router.domain.ownership import Party, ids_to_try, owns
from order_router.domain.returns import CustomerReturn
from order_router.domain.sellers_orders import SellersOrder, as_seen_by
from order_router.domain.stock import CenterStock
from order_router.service_layer.unit_of_work import OrderRouterUnitOfWork
from stockpath_runtime.paging import Page


@dataclass(frozen=True)
class OrderDetails:
    record: OrderRecord
    fulfillment_orders: list[FulfillmentOrder]
    returns: list[CustomerReturn] = field(default_factory=list)


async def find_order(party: Party, order_id: str, uow: OrderRouterUnitOfWork) -> OrderRecord | None:
    """The order `party` means by `order_id` (its namespaced form, or as given), if it is theirs;
    None otherwise (another party's order reads as unknown). Runs in an open unit of work."""
    for candidate in ids_to_try(party, order_id):
        record = await uow.orders.record(candidate)
        if record is not None and owns(party, record.order):
            return record
    return None


async def order_details(
    party: Party, order_id: str, uow: OrderRouterUnitOfWork
) -> OrderDetails | None:
    """An order of `party`, what became of it and its fulfillment orders; None when it is not
    known, or not theirs."""
    async with uow:
        record = await find_order(party, order_id, uow)
        if record is None:
            return None
        order_id = record.order.order_id
        return OrderDetails(
            record,
            await uow.fulfillment_orders.of_order(order_id),
            await uow.returns.of_order(order_id),
        )


async def returns_of(
    seller_id: str | None, uow: OrderRouterUnitOfWork, *, limit: int, offset: int = 0
) -> list[CustomerReturn]:
    """Customer returns newest first: a seller's (each with only its own lines), or all of them."""
    async with uow:
        found = await uow.returns.latest(seller_id, limit=limit, offset=offset)
    return found if seller_id is None else [r.seen_by(seller_id) for r in found]


async def sellers_orders(
    seller_id: str, uow: OrderRouterUnitOfWork, *, limit: int, offset: int
) -> Page[SellersOrder]:
    """A page of the orders with lines of `seller_id`'s, in any channel, newest first: each with
    its status and only that seller's lines and fulfillment orders (tracking included)."""
    async with uow:
        found = await uow.orders.of_seller(seller_id, limit=limit, offset=offset)
        seen = []
        for order_id, placed_at in found.items:
            record = await uow.orders.record(order_id)
            if record is not None:
                shipping = await uow.fulfillment_orders.of_order(order_id)
                seen.append(as_seen_by(seller_id, record, shipping, placed_at))
    return Page(seen, found.total)


async def stock_of(fnsku: str, uow: OrderRouterUnitOfWork) -> list[CenterStock]:
    """The stock of one FNSKU at every FC that reported it, by FC."""
    async with uow:
        return await uow.stock.at_centers(fnsku)
