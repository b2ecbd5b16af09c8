"""A storefront buyer's order and the status the buyer sees as the platform reports on it."""

from __future__ import annotations

from enum import StrEnum


class BuyerOrderStatus(StrEnum):
    #: Written to `orders`; order routing has not answered yet.
    PLACED = "PLACED"
    #: Some lines wait for stock (fill-all policy).
    BACKORDERED = "BACKORDERED"
    #: Stock reserved at fulfillment centers, which were told to ship.
    ROUTED = "ROUTED"
    #: Every fulfillment order of it has shipped.
    SHIPPED = "SHIPPED"
    REJECTED = "REJECTED"
    CANCELLED = "CANCELLED"


#: Reports arrive on different topics (order-router.events, fulfillment.updates), so a shipment
#: may be read before the routing it followed. A status only moves forward; the last two end it.
_PROGRESS = {
    BuyerOrderStatus.PLACED: 0,
    BuyerOrderStatus.BACKORDERED: 1,
    BuyerOrderStatus.ROUTED: 2,
    BuyerOrderStatus.SHIPPED: 3,
}
FINAL = (BuyerOrderStatus.REJECTED, BuyerOrderStatus.CANCELLED, BuyerOrderStatus.SHIPPED)


def next_status(current: BuyerOrderStatus, reported: BuyerOrderStatus) -> BuyerOrderStatus:
    """The status after a report: never backwards, and nothing moves a rejected or cancelled order."""
    if current in (BuyerOrderStatus.REJECTED, BuyerOrderStatus.CANCELLED):
        return current
    if reported in (BuyerOrderStatus.REJECTED, BuyerOrderStatus.CANCELLED):
        return reported if current is not BuyerOrderStatus.SHIPPED else current
    return reported if _PROGRESS[reported] > _PROGRESS[current] else current
