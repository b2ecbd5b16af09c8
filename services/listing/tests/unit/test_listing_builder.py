"""Building listings from a registration, and the channel seam that decides what goes live."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from listing_testkit import SALAD_SPINNER as ITEM

from listing.domain.builder import build_listings, requested_channels
from listing.domain.channels import ChannelDirectory, Storefront, default_channels
from listing.domain.model import Listing, ListingStatus, sellable_quantity


class Marketplace:
    """A stand-in for a future channel that refuses listings without identifiers."""

    name = "Marketplace"

    def review(self, listing: Listing) -> list[str]:
        return [] if listing.identifiers else ["marketplace: a UPC, EAN or ISBN is required"]


def test_one_active_listing_per_requested_channel_built_from_the_snapshot():
    [listing] = build_listings(ITEM, default_channels(), sellable_quantity=0)
    assert listing.listing_id == "L-X00FNSKU01-storefront"
    assert listing.status is ListingStatus.ACTIVE and listing.live and listing.issues == ()
    assert (listing.seller_id, listing.seller_sku, listing.fnsku) == ("S-1", "SKU-1", "X00FNSKU01")
    assert (listing.title, listing.brand, listing.category) == (
        "OXO Salad Spinner",
        "OXO",
        "Kitchen",
    )
    assert listing.identifiers == {"upc": "036000291452"} and listing.attributes == {
        "color": "White"
    }
    assert (listing.price, listing.currency, listing.condition) == (Decimal("19.99"), "USD", "new")
    assert not listing.in_stock and listing.sellable_quantity == 0


def test_listing_ids_are_the_same_every_time_so_a_replay_rebuilds_them():
    first = build_listings(ITEM, default_channels(), sellable_quantity=0)
    again = build_listings(
        replace(ITEM, registration_id="R-2"), default_channels(), sellable_quantity=3
    )
    assert [x.listing_id for x in first] == [x.listing_id for x in again]


def test_an_unknown_channel_becomes_a_held_listing_not_a_dropped_one():
    item = replace(ITEM, channels=("storefront", "ebay"))
    storefront, ebay = build_listings(item, default_channels(), sellable_quantity=0)
    assert storefront.status is ListingStatus.ACTIVE
    assert ebay.listing_id == "L-X00FNSKU01-ebay"
    assert ebay.status is ListingStatus.HELD and not ebay.live
    assert ebay.issues == ("unknown channel: ebay",)


def test_channel_names_are_matched_regardless_of_case_and_repeats_collapse():
    item = replace(ITEM, channels=(" Storefront", "storefront", "STOREFRONT", "  "))
    assert requested_channels(item) == ["storefront"]
    [listing] = build_listings(item, default_channels(), sellable_quantity=0)
    assert listing.channel == "storefront" and listing.live


def test_a_channel_that_refuses_a_listing_holds_it_with_its_reasons():
    channels = ChannelDirectory([Storefront(), Marketplace()])
    item = replace(ITEM, channels=("storefront", "marketplace"), identifiers={})
    storefront, marketplace = build_listings(item, channels, sellable_quantity=0)
    assert storefront.live
    assert marketplace.status is ListingStatus.HELD
    assert marketplace.issues == ("marketplace: a UPC, EAN or ISBN is required",)
    assert channels.names == ["marketplace", "storefront"]


def test_the_storefront_holds_a_listing_without_a_price():
    [listing] = build_listings(
        replace(ITEM, price=Decimal("0")), default_channels(), sellable_quantity=0
    )
    assert listing.status is ListingStatus.HELD
    assert listing.issues == ("storefront: price must be greater than zero",)


def test_a_new_listing_starts_with_the_stock_already_known():
    [listing] = build_listings(ITEM, default_channels(), sellable_quantity=7)
    assert listing.sellable_quantity == 7 and listing.in_stock


def test_sellable_quantity_sums_fulfillable_stock_over_fulfillment_centers():
    assert sellable_quantity([5, 0, 3]) == 8
    assert sellable_quantity([]) == 0


def test_a_quantity_change_is_reported_only_when_it_changes_something():
    [listing] = build_listings(ITEM, default_channels(), sellable_quantity=0)
    assert listing.with_sellable_quantity(0) is None
    stocked = listing.with_sellable_quantity(4)
    assert stocked is not None and stocked.in_stock and stocked.sellable_quantity == 4
    assert stocked.with_sellable_quantity(4) is None
    emptied = stocked.with_sellable_quantity(0)
    assert emptied is not None and not emptied.in_stock
    with pytest.raises(ValueError, match="negative"):
        listing.with_sellable_quantity(-1)
