"""An order as one seller sees it: whichever channel it came from, its status, the seller's own
lines only (never another seller's lines of the same order, nor the buyer's address) and the
fulfillment orders shipping them, with carrier and tracking."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from order_router.domain.fulfillment import FulfillmentOrder
from order_router.domain.model import LineOutcome, OrderRecord, OrderStatus


@dataclass(frozen=True)
class SellersOrder:
    order_id: str
    channel: str
    status: OrderStatus
    placed_at: datetime
    lines: tuple[LineOutcome, ...]
    fulfillment_orders: tuple[FulfillmentOrder, ...]


def as_seen_by(
    seller_id: str,
    record: OrderRecord,
    fulfillment_orders: list[FulfillmentOrder],
    placed_at: datetime,
) -> SellersOrder:
    """`record` cut to the lines of `seller_id` (as resolved, or as named) and the fulfillment
    orders holding any of them, each with only those lines."""
    shipping = []
    for fo in fulfillment_orders:
        mine = tuple(line for line in fo.lines if line.seller_id == seller_id)
        if mine:
            shipping.append(replace(fo, lines=mine))
    return SellersOrder(
        order_id=record.order.order_id,
        channel=record.order.channel,
        status=record.status,
        placed_at=placed_at,
        lines=tuple(outcome for outcome in record.lines if outcome.seller_id == seller_id),
        fulfillment_orders=tuple(shipping),
    )
