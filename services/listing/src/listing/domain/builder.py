"""Building the listings of one registered item: one per channel the seller asked for."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields, replace
from decimal import Decimal

from listing.domain.channels import ChannelDirectory, normalise_channel_name
from listing.domain.model import Listing, ListingStatus, RegisteredItem, listing_id_for
from stockpath_events import CatalogItemSnapshot


def requested_channels(item: RegisteredItem) -> list[str]:
    return distinct_channel_names(item.channels)


def distinct_channel_names(raw_names: Iterable[str]) -> list[str]:
    """The distinct channel names asked for, normalised, in the seller's order; blanks are not names."""
    names: list[str] = []
    for raw in raw_names:
        name = normalise_channel_name(raw)
        if name and name not in names:
            names.append(name)
    return names


def build_listings(
    item: RegisteredItem, channels: ChannelDirectory, *, sellable_quantity: int
) -> list[Listing]:
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
        listings.append(reviewed(draft, channels))
    return listings


def reviewed(listing: Listing, channels: ChannelDirectory) -> Listing:
    """The listing ACTIVE when its channel can show it as it is now, else HELD with the channel's reasons.

    Run again whenever the listing's content changes (a new price can free a held listing or hold
    a live one), and on a closed listing whose channel the seller asked for again (it reopens).
    """
    channel = channels.get(listing.channel)
    issues = [f"unknown channel: {listing.channel}"] if channel is None else channel.review(listing)
    if issues:
        return replace(listing, status=ListingStatus.HELD, issues=tuple(issues))
    return replace(listing, status=ListingStatus.ACTIVE, issues=())


def relisted(
    template: Listing,
    *,
    registration_id: str,
    price: Decimal,
    currency: str,
    channels: Iterable[str],
) -> RegisteredItem:
    """The registered item behind an existing listing (a listing carries its item's fields), at a
    new price and for other channels: what listings of channels the seller added later are built from."""
    carried = {
        f.name: getattr(template, f.name)
        for f in fields(RegisteredItem)
        if hasattr(template, f.name)
    }
    return RegisteredItem(
        **{
            **carried,
            "registration_id": registration_id,
            "price": price,
            "currency": currency,
            "channels": tuple(channels),
        }
    )


def snapshot_of(listing: Listing, stored: CatalogItemSnapshot | None) -> CatalogItemSnapshot:
    """The catalog snapshot the listing was built from; rebuilt from the listing's own fields for
    listings stored before snapshots were kept."""
    if stored is not None:
        return stored
    # The fields a listing shares with the snapshot (id, title, brand, category, identifiers,
    # attributes); what it lacks (measurements, hazmat) takes the snapshot's defaults.
    return CatalogItemSnapshot.model_validate(listing, from_attributes=True)
