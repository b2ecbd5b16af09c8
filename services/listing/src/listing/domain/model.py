"""A sales listing: one registered item (FNSKU) offered to buyers in one sales channel."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from stockpath_events import CatalogItemSnapshot


class ListingStatus(StrEnum):
    #: Live in its channel: buyers see it and can order it.
    ACTIVE = "ACTIVE"
    #: Kept, not shown: the channel cannot take it as it is (the listing's issues say why).
    #: Holding rather than dropping means nothing the seller asked for silently disappears.
    HELD = "HELD"
    #: Taken down for good: the seller removed the channel or deregistered the item. Kept, not
    #: deleted, so the seller's history and a later re-added channel find it.
    CLOSED = "CLOSED"


@dataclass(frozen=True)
class RegisteredItem:
    """What registration tells us about one registered item: the input the listings are built from."""

    registration_id: str
    seller_id: str
    seller_sku: str
    fnsku: str
    catalog_item_id: str
    condition: str
    price: Decimal
    currency: str
    channels: tuple[str, ...]
    title: str
    category: str
    brand: str | None = None
    identifiers: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, str] = field(default_factory=dict)


def listing_id_for(fnsku: str, channel: str) -> str:
    """Deterministic, so replaying the registration topic rebuilds the very same listing ids."""
    return f"L-{fnsku}-{channel}"


def sellable_quantity(fulfillable_by_center: Iterable[int]) -> int:
    """What buyers may order: fulfillable stock summed over every fulfillment center."""
    return sum(fulfillable_by_center)


@dataclass(frozen=True)
class Listing:
    listing_id: str
    channel: str
    seller_id: str
    seller_sku: str
    fnsku: str
    catalog_item_id: str
    title: str
    category: str
    brand: str | None
    identifiers: dict[str, str]
    attributes: dict[str, str]
    price: Decimal
    currency: str
    condition: str
    status: ListingStatus
    issues: tuple[str, ...] = ()
    sellable_quantity: int = 0

    @property
    def in_stock(self) -> bool:
        return self.sellable_quantity > 0

    @property
    def live(self) -> bool:
        return self.status is ListingStatus.ACTIVE

    def with_sellable_quantity(self, quantity: int) -> Listing | None:
        """The listing with a new sellable quantity, or None when nothing would change.

        Returning None lets callers skip both the write and the event, so repeated stock
        reports that change nothing buyers see stay silent.
        """
        if quantity < 0:
            raise ValueError(f"sellable quantity cannot be negative, got {quantity}")
        if quantity == self.sellable_quantity:
            return None
        return replace(self, sellable_quantity=quantity)

    def with_price(self, price: Decimal, currency: str) -> Listing:
        return replace(self, price=price, currency=currency)

    def closed(self) -> Listing:
        return replace(self, status=ListingStatus.CLOSED, issues=())


@dataclass(frozen=True)
class StoredListing:
    """A listing as stored, with when it last changed (buyers and channels sync on it)."""

    listing: Listing
    updated_at: datetime


@dataclass(frozen=True)
class ListingFilter:
    """Which listings a search wants: those that pass every filter given (None: any)."""

    seller_id: str | None = None
    channel: str | None = None
    fnsku: str | None = None
    in_stock: bool | None = None
    status: ListingStatus | None = None
    #: Words that must each appear in the title, brand or category.
    text: str | None = None


@dataclass(frozen=True)
class Registration:
    """The registration an FNSKU's listings were built from, and the catalog snapshot it carried
    (None for listings stored before snapshots were kept)."""

    registration_id: str
    item: CatalogItemSnapshot | None


class UnknownListing(LookupError):
    """A listing id that names no listing."""

    def __init__(self, listing_id: str) -> None:
        super().__init__(f"listing {listing_id} does not exist")
        self.listing_id = listing_id


class ListingChange(StrEnum):
    """What a channel that is told about listings (rather than reading them) is told."""

    PUBLISHED = "published"
    UPDATED = "updated"
    AVAILABILITY = "availability"
    CLOSED = "closed"


def transition(before: Listing | None, after: Listing) -> ListingChange | None:
    """What buyers of the listing's channel see change between two versions of it.

    A listing going live is a publication, leaving the shop (held or closed) a closure; a live
    listing whose price changed is an update. Held listings were never shown, so nothing else
    about them is announced.
    """
    was_live = before is not None and before.live
    if after.live and not was_live:
        return ListingChange.PUBLISHED
    if was_live and not after.live:
        return ListingChange.CLOSED
    if (
        after.live
        and before is not None
        and (before.price, before.currency) != (after.price, after.currency)
    ):
        return ListingChange.UPDATED
    return None
