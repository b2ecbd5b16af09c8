"""Telling the platform and the channels about a listing change.

Every change buyers can see is announced on `listing.events`; a channel that must be told of
changes rather than read the listings (the webhook) gets the change queued in the same transaction.
"""

from __future__ import annotations

from listing.domain.channels import ChannelDirectory
from listing.domain.model import Listing, ListingChange
from listing.service_layer.unit_of_work import ListingUnitOfWork
from stockpath_events import CatalogItemSnapshot, Cause, EventData
from stockpath_events.types.listing import (
    ListingAvailabilityChanged,
    ListingClosed,
    ListingPublished,
    ListingUpdated,
)


def listing_event(
    listing: Listing,
    change: ListingChange,
    *,
    item: CatalogItemSnapshot | None = None,
    reason: str = "",
) -> EventData:
    """The event that announces `change` of `listing`."""
    which = {"listing_id": listing.listing_id, "channel": listing.channel, "fnsku": listing.fnsku}
    if change is ListingChange.AVAILABILITY:
        return ListingAvailabilityChanged(
            **which, in_stock=listing.in_stock, sellable_quantity=listing.sellable_quantity
        )
    if change is ListingChange.CLOSED:
        return ListingClosed(**which, reason=reason)
    offer = {
        **which,
        "seller_id": listing.seller_id,
        "title": listing.title,
        "price": listing.price,
        "currency": listing.currency,
    }
    if change is ListingChange.UPDATED:
        return ListingUpdated(**offer)
    return ListingPublished(
        **offer,
        seller_sku=listing.seller_sku,
        condition=listing.condition,
        item=item,
        sellable_quantity=listing.sellable_quantity,
    )


async def announce(
    uow: ListingUnitOfWork,
    channels: ChannelDirectory,
    listing: Listing,
    change: ListingChange,
    *,
    caused_by: Cause,
    item: CatalogItemSnapshot | None = None,
    reason: str = "",
) -> None:
    """Tell the platform (listing.events) and, for channels that must be told, the channel itself."""
    envelope = uow.emit(
        listing_event(listing, change, item=item, reason=reason), caused_by=caused_by
    )
    if channels.pushes_changes(listing.channel):
        # Queued in this transaction, keyed by the announcing event's id: it commits with the change.
        await uow.webhook_deliveries.enqueue(listing, change, idempotency_key=envelope.id)
