"""The three built-in channels' rules, the product feed format, and what buyers see of an order."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from listing_testkit import SALAD_SPINNER

from listing.adapters.merchant_feed import render_feed, validate_feed
from listing.domain.builder import build_listings, reviewed
from listing.domain.channels import channel_directory
from listing.domain.model import ListingChange, ListingStatus, transition
from listing.domain.orders import BuyerOrderStatus as S
from listing.domain.orders import next_status
from stockpath_runtime.retry import backoff_delay

ITEM = replace(
    SALAD_SPINNER,
    channels=("storefront", "marketplace-feed", "webhook"),
    attributes={"color": "White", "image_url": "https://images.example.com/spinner.jpg"},
)
CHANNELS = channel_directory(webhook_url="http://partner.example.com/listings")


def test_a_complete_item_goes_live_in_all_three_channels():
    listings = build_listings(ITEM, CHANNELS, sellable_quantity=2)
    assert [(x.channel, x.status, x.issues) for x in listings] == [
        ("storefront", ListingStatus.ACTIVE, ()),
        ("marketplace-feed", ListingStatus.ACTIVE, ()),
        ("webhook", ListingStatus.ACTIVE, ()),
    ]
    assert [CHANNELS.pushes_changes(x.channel) for x in listings] == [False, False, True]


def test_the_feed_holds_a_listing_missing_its_required_attributes_and_says_which():
    bare = replace(ITEM, brand=None, identifiers={}, attributes={"color": "White"})
    storefront, feed, _ = build_listings(bare, CHANNELS, sellable_quantity=0)
    assert storefront.live, "the storefront needs none of them"
    assert feed.status is ListingStatus.HELD
    assert feed.issues == (
        "marketplace-feed: image_link is required (an http(s) image_url attribute in the catalog)",
        "marketplace-feed: brand is required",
        "marketplace-feed: a GTIN (UPC, EAN, ISBN) or an mpn attribute is required",
    )


def test_an_mpn_stands_in_for_a_missing_gtin():
    item = replace(ITEM, identifiers={}, attributes={**ITEM.attributes, "mpn": "OXO-1071497"})
    _, feed, _ = build_listings(item, CHANNELS, sellable_quantity=0)
    assert feed.live


def test_the_webhook_channel_holds_listings_while_no_endpoint_is_configured():
    *_, webhook = build_listings(ITEM, channel_directory(), sellable_quantity=0)
    assert webhook.status is ListingStatus.HELD
    assert webhook.issues == ("webhook: this deployment has no endpoint for the webhook channel",)


def test_a_price_change_is_reviewed_again_and_can_hold_or_free_a_listing():
    [live] = build_listings(replace(ITEM, channels=("storefront",)), CHANNELS, sellable_quantity=0)
    held = reviewed(live.with_price(Decimal("0"), "USD"), CHANNELS)
    assert held.status is ListingStatus.HELD and transition(live, held) is ListingChange.CLOSED
    freed = reviewed(held.with_price(Decimal("5"), "USD"), CHANNELS)
    assert freed.live and freed.issues == () and transition(held, freed) is ListingChange.PUBLISHED
    repriced = reviewed(freed.with_price(Decimal("6"), "USD"), CHANNELS)
    assert transition(freed, repriced) is ListingChange.UPDATED
    assert transition(repriced, repriced) is None
    assert transition(repriced, repriced.closed()) is ListingChange.CLOSED


def test_a_rendered_feed_passes_the_validator_with_every_required_attribute():
    listings = build_listings(
        replace(ITEM, channels=("marketplace-feed",)), CHANNELS, sellable_quantity=3
    )
    used = build_listings(
        replace(ITEM, fnsku="X00FNSKU02", condition="used-good", channels=("marketplace-feed",)),
        CHANNELS,
        sellable_quantity=0,
    )
    document = render_feed(
        listings + used, seller_id="S-1", shop_url="https://shop.example.com/shop"
    )
    assert validate_feed(document) == []
    text = document.decode()
    assert 'xmlns:g="http://base.google.com/ns/1.0"' in text
    for expected in (
        "<g:id>L-X00FNSKU01-marketplace-feed</g:id>",
        "<g:price>19.99 USD</g:price>",
        "<g:availability>in_stock</g:availability>",
        "<g:availability>out_of_stock</g:availability>",
        "<g:condition>used</g:condition>",
        "<g:gtin>036000291452</g:gtin>",
        "<g:link>https://shop.example.com/shop/products/L-X00FNSKU01-marketplace-feed</g:link>",
    ):
        assert expected in text


def test_the_validator_names_each_broken_attribute():
    document = b"""<?xml version="1.0"?>
<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0"><channel><title>t</title><link>https://x</link>
<description>d</description>
<item><g:id>1</g:id><g:title>Thing</g:title><g:description>d</g:description><g:link>ftp://x</g:link>
<g:image_link>https://x/i.jpg</g:image_link><g:availability>available</g:availability><g:price>19.99</g:price>
<g:condition>new</g:condition></item>
</channel></rss>"""
    assert validate_feed(document) == [
        "item 1 (1): g:brand is required",
        "item 1 (1): g:availability must be one of in_stock, out_of_stock, preorder, backorder",
        "item 1 (1): g:price must be an amount and an ISO 4217 currency, e.g. '15.00 USD'",
        "item 1 (1): g:link must be an http(s) URL",
        "item 1 (1): g:gtin or g:mpn is required (or g:identifier_exists 'no')",
    ]
    assert validate_feed(b"<rss")[0].startswith("not well-formed XML")
    assert validate_feed(b"<feed/>") == ['the root element must be <rss version="2.0">']


def test_webhook_retries_back_off_exponentially_up_to_a_cap():
    assert [backoff_delay(n, initial_s=0.5, max_s=5) for n in range(1, 7)] == [0.5, 1, 2, 4, 5, 5]


def test_a_buyer_order_status_only_moves_forward():
    assert next_status(S.PLACED, S.ROUTED) is S.ROUTED
    assert next_status(S.SHIPPED, S.ROUTED) is S.SHIPPED, (
        "a late routing report does not undo a shipment"
    )
    assert next_status(S.BACKORDERED, S.ROUTED) is S.ROUTED
    assert next_status(S.ROUTED, S.BACKORDERED) is S.ROUTED
    assert next_status(S.PLACED, S.REJECTED) is S.REJECTED
    assert next_status(S.REJECTED, S.ROUTED) is S.REJECTED
    assert next_status(S.ROUTED, S.CANCELLED) is S.CANCELLED
    assert next_status(S.SHIPPED, S.CANCELLED) is S.SHIPPED
