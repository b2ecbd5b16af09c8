"""Events the listing service writes to `listing.events` (key: listing_id)."""

from __future__ import annotations

from pydantic import Field

from stockpath_events.base import CatalogItemSnapshot, Condition, EventData, Money


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
