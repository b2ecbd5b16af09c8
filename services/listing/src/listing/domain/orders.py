"""A storefront buyer's order and the status the buyer sees as the platform reports on it.

An order shows the buyer's address, so only the browser that placed it may see it: at checkout
the browser holds a random buyer key (a cookie), the order keeps only the key's digest, and the
order page is shown to a browser whose key has that digest (`BuyerOrder.placed_by`).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
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


def buyer_digest(buyer_key: str) -> str:
    """What an order keeps of the key of the browser that placed it (the key is 256 random bits:
    a plain digest cannot be reversed or guessed)."""
    return hashlib.sha256(buyer_key.encode()).hexdigest()


def next_status(current: BuyerOrderStatus, reported: BuyerOrderStatus) -> BuyerOrderStatus:
    """The status after a report: never backwards, and nothing moves a rejected or cancelled order."""
    if current in (BuyerOrderStatus.REJECTED, BuyerOrderStatus.CANCELLED):
        return current
    if reported in (BuyerOrderStatus.REJECTED, BuyerOrderStatus.CANCELLED):
        return reported if current is not BuyerOrderStatus.SHIPPED else current
    return reported if _PROGRESS[reported] > _PROGRESS[current] else current


@dataclass(frozen=True)
class Shipment:
    """A parcel an FC shipped: one fulfillment order of the buyer's order."""

    fulfillment_order_id: str
    carrier: str
    tracking_number: str


@dataclass(frozen=True)
class PlacedOrder:
    """An order as checkout placed it, before the platform reported anything on it."""

    order_id: str
    #: The rendered checkout form's token: a second submit of the same form places nothing.
    checkout_token: str
    buyer_sha256: str | None
    #: The order's lines as placed (OrderPlaced's lines, each with the listing's title).
    lines: list[dict]
    ship_to: dict
    shipping_speed: str
    total: Decimal
    currency: str


@dataclass(frozen=True)
class BuyerOrder:
    """An order a buyer placed in the storefront, as the buyer sees it."""

    order_id: str
    #: The order's lines as placed (OrderPlaced's lines, each with the listing's title).
    lines: list[dict]
    ship_to: dict
    shipping_speed: str
    total: Decimal
    currency: str
    status: BuyerOrderStatus
    status_detail: str | None
    #: How many fulfillment orders routing split the order into (0 until routing reports).
    fulfillment_orders: int
    shipments: tuple[Shipment, ...]
    created_at: datetime
    updated_at: datetime
    #: The digest of the buyer key of the browser that placed the order (None: nobody's, e.g. an
    #: order placed before orders were bound to their browser).
    buyer_sha256: str | None = None

    def placed_by(self, buyer_key: str | None) -> bool:
        """Whether the browser holding `buyer_key` placed this order."""
        if not buyer_key or self.buyer_sha256 is None:
            return False
        return hmac.compare_digest(self.buyer_sha256, buyer_digest(buyer_key))

    def reported(
        self, status: BuyerOrderStatus, detail: str | None, *, fulfillment_orders: int | None = None
    ) -> BuyerOrder:
        """The order after the platform reported `status` on it (see `next_status`)."""
        after = (
            self
            if fulfillment_orders is None
            else replace(self, fulfillment_orders=fulfillment_orders)
        )
        return after._moved_to(status, detail)

    def shipped(self, shipment: Shipment) -> BuyerOrder:
        """The order with this parcel recorded; SHIPPED once every fulfillment order it was split
        into has shipped."""
        shipments = (
            *(s for s in self.shipments if s.fulfillment_order_id != shipment.fulfillment_order_id),
            shipment,
        )
        after = replace(self, shipments=shipments)
        # Before the routing report is read the count is unknown (0): the parcel still means "shipped".
        if len(shipments) >= self.fulfillment_orders:
            after = after._moved_to(BuyerOrderStatus.SHIPPED, f"shipped with {shipment.carrier}")
        return after

    def _moved_to(self, reported: BuyerOrderStatus, detail: str | None) -> BuyerOrder:
        status = next_status(self.status, reported)
        return self if status is self.status else replace(self, status=status, status_detail=detail)
