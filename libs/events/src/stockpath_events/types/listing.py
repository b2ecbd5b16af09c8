"""Events the listing service writes to `listing.events` (key: listing_id; a storefront order:
order_id)."""

from __future__ import annotations

from pydantic import Field

from stockpath_events.base import Address, CatalogItemSnapshot, Condition, EventData, Money
from stockpath_events.types.orders import OrderLine


class ListingPublished(EventData):
    """A sales listing went live in one channel."""

    listing_id: str
    channel: str
    seller_id: str
    seller_sku: str
    fnsku: str
    title: str
    price: Money
    currency: str = "USD"
    condition: Condition
    item: CatalogItemSnapshot
    sellable_quantity: int = Field(default=0, ge=0)


class ListingUpdated(EventData):
    """A listing's price or content changed."""

    listing_id: str
    channel: str
    seller_id: str
    fnsku: str
    title: str
    price: Money
    currency: str = "USD"


class ListingAvailabilityChanged(EventData):
    """A listing moved between in stock and out of stock, or its sellable quantity changed."""

    listing_id: str
    channel: str
    fnsku: str
    in_stock: bool
    sellable_quantity: int = Field(ge=0)


class ListingClosed(EventData):
    """A listing was taken down (deregistration, channel removed)."""

    listing_id: str
    channel: str
    fnsku: str
    reason: str


class StorefrontOrderLine(OrderLine):
    """A line of a storefront order, with the listing's title the buyer saw."""

    title: str


class StorefrontOrderPlaced(EventData):
    """A buyer checked out in the storefront: the order as the storefront keeps it for the buyer
    (what order-router routes is its OrderPlaced on `orders`). Listing reads it back, so `stockpath
    replay listing` rebuilds the storefront's orders. ``checkout_token`` is the checkout form's
    (a second submit of it places nothing); ``buyer_sha256`` the digest of the browser's buyer key,
    the only one that may see the order (never the key itself)."""

    order_id: str
    checkout_token: str
    buyer_sha256: str | None = None
    lines: list[StorefrontOrderLine] = Field(min_length=1)
    ship_to: Address
    shipping_speed: str
    total: Money
    currency: str = "USD"
