"""Building the listings of one registered item: one per channel the seller asked for."""

from __future__ import annotations

from dataclasses import replace

from listing.domain.channels import ChannelDirectory, normalise_channel_name
from listing.domain.model import Listing, ListingStatus, RegisteredItem, listing_id_for


def requested_channels(item: RegisteredItem) -> list[str]:
    """The distinct channel names asked for, normalised, in the seller's order; blanks are not names."""
    names: list[str] = []
    for raw in item.channels:
        name = normalise_channel_name(raw)
        if name and name not in names:
            names.append(name)
    return names


def build_listings(item: RegisteredItem, channels: ChannelDirectory, *, sellable_quantity: int) -> list[Listing]:
    """One listing per requested channel, from the registration's catalog snapshot.

    A channel this deployment does not know, or one that refuses the listing, still gets a
    listing, HELD with the reasons, so the seller can see and fix it instead of losing it.
    """
    listings = []
    for name in requested_channels(item):
        draft = Listing(
            listing_id=listing_id_for(item.fnsku, name),
            channel=name,
            seller_id=item.seller_id,
            seller_sku=item.seller_sku,
            fnsku=item.fnsku,
            catalog_item_id=item.catalog_item_id,
            title=item.title,
            category=item.category,
            brand=item.brand,
            identifiers=dict(item.identifiers),
            attributes=dict(item.attributes),
            price=item.price,
            currency=item.currency,
            condition=item.condition,
            status=ListingStatus.ACTIVE,
            sellable_quantity=sellable_quantity,
        )
        channel = channels.get(name)
        issues = [f"unknown channel: {name}"] if channel is None else channel.review(draft)
        if issues:
            draft = replace(draft, status=ListingStatus.HELD, issues=tuple(issues))
        listings.append(draft)
    return listings
