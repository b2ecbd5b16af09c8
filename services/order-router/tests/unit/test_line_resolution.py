"""Resolving order lines to FNSKUs: by seller SKU or by listing, only for items listed ACTIVE in
the order's channel (none needed in `mcf`), with a reason for every failure."""

from __future__ import annotations

from decimal import Decimal

from order_router_testkit import SEATTLE

from order_router.domain.model import (
    MCF,
    Listing,
    Order,
    OrderLine,
    ReasonCode,
    Registration,
    ResolvedLine,
    listing_keys,
    registration_keys,
    resolve_lines,
)

REGISTRATIONS = {
    ("S1", "KETTLE"): Registration("S1", "KETTLE", "X00KETTLE1", "CI-1"),
    ("S1", "RETIRED"): Registration("S1", "RETIRED", "X00RETIRED", "CI-2", live=False),
    ("S1", "MUG"): Registration("S1", "MUG", "X00MUG0002", "CI-3"),
}
LISTINGS = {
    "L-1": Listing("L-1", "S1", "KETTLE", "X00KETTLE1", "web"),
    "L-2": Listing("L-2", "S2", "MUG", "X00MUG0001", "web"),
    "L-APP": Listing("L-APP", "S1", "KETTLE", "X00KETTLE1", "app"),
    "L-GONE": Listing("L-GONE", "S1", "MUG", "X00MUG0002", "web", active=False),
}
#: What has an ACTIVE listing, by (channel, seller_id, seller_sku).
LISTED = {("web", "S1", "KETTLE"), ("app", "S1", "KETTLE"), ("web", "S1", "RETIRED")}


def order_line(
    line_id, *, seller_id=None, seller_sku=None, listing_id=None, quantity=1
) -> OrderLine:
    return OrderLine(line_id, quantity, Decimal("9.99"), seller_id, seller_sku, listing_id)


def resolve(lines, *, channel="web"):
    return resolve_lines(lines, REGISTRATIONS, LISTINGS, channel=channel, listed=LISTED)


def test_lines_naming_a_seller_sku_or_a_listing_resolve_to_the_registered_fnsku():
    resolution = resolve(
        [
            order_line("1", seller_id="S1", seller_sku="KETTLE", quantity=2),
            order_line("2", listing_id="L-1"),
        ]
    )
    assert resolution.ok
    assert resolution.lines == (
        ResolvedLine("1", "X00KETTLE1", "S1", "KETTLE", 2),
        ResolvedLine("2", "X00KETTLE1", "S1", "KETTLE", 1),
    )


def test_unknown_and_inactive_skus_and_unknown_listings_fail_with_their_codes_in_line_order():
    resolution = resolve(
        [
            order_line("1", seller_id="S1", seller_sku="NOPE"),
            order_line("2", listing_id="L-404"),
            order_line("3", seller_id="S1", seller_sku="RETIRED"),  # still listed, but withdrawn
            order_line("4", listing_id="L-2"),  # listed, but its SKU is not registered
            order_line("5", seller_id="S1", seller_sku="KETTLE"),
        ]
    )
    assert [(f.line_id, f.reason_code) for f in resolution.failures] == [
        ("1", ReasonCode.UNKNOWN_SKU),
        ("2", ReasonCode.UNKNOWN_LISTING),
        ("3", ReasonCode.UNKNOWN_SKU),
        ("4", ReasonCode.UNKNOWN_SKU),
    ]
    assert "NOPE" in resolution.failures[0].reason and "L-404" in resolution.failures[1].reason
    assert [line.line_id for line in resolution.lines] == ["5"]


def test_an_item_without_an_active_listing_in_the_orders_channel_is_not_listed_in_channel():
    resolution = resolve(
        [
            order_line(
                "1", seller_id="S1", seller_sku="MUG"
            ),  # registered, its only listing closed
            order_line("2", listing_id="L-GONE"),  # names the closed listing
            order_line("3", listing_id="L-APP"),  # a listing of another channel
            order_line("4", seller_id="S1", seller_sku="KETTLE"),
        ],
        channel="web",
    )
    assert [(f.line_id, f.reason_code) for f in resolution.failures] == [
        ("1", ReasonCode.NOT_LISTED_IN_CHANNEL),
        ("2", ReasonCode.NOT_LISTED_IN_CHANNEL),
        ("3", ReasonCode.NOT_LISTED_IN_CHANNEL),
    ]
    assert "no active listing in channel web" in resolution.failures[0].reason
    assert "L-APP is not active in channel web" in resolution.failures[2].reason
    assert [line.line_id for line in resolution.lines] == ["4"]


def test_an_item_listed_in_one_channel_only_is_not_listed_in_another():
    resolution = resolve(
        [order_line("1", seller_id="S1", seller_sku="KETTLE")], channel="marketplace"
    )
    assert [(f.line_id, f.reason_code) for f in resolution.failures] == [
        ("1", ReasonCode.NOT_LISTED_IN_CHANNEL)
    ]


def test_an_mcf_order_needs_a_live_registration_but_no_listing():
    resolution = resolve(
        [
            order_line("1", seller_id="S1", seller_sku="MUG"),
            order_line("2", seller_id="S1", seller_sku="RETIRED"),
        ],
        channel=MCF,
    )
    assert resolution.lines == (ResolvedLine("1", "X00MUG0002", "S1", "MUG", 1),)
    assert [(f.line_id, f.reason_code) for f in resolution.failures] == [
        ("2", ReasonCode.UNKNOWN_SKU)
    ]


def test_a_listing_and_a_seller_sku_that_disagree_are_not_guessed_between():
    resolution = resolve([order_line("1", seller_id="S1", seller_sku="OTHER", listing_id="L-1")])
    assert resolution.failures[0].reason_code is ReasonCode.LISTING_MISMATCH


def test_a_repeated_line_id_fails_the_repeat():
    resolution = resolve(
        [
            order_line("1", seller_id="S1", seller_sku="KETTLE"),
            order_line("1", seller_id="S1", seller_sku="KETTLE"),
        ]
    )
    assert [(f.line_id, f.reason_code) for f in resolution.failures] == [
        ("1", ReasonCode.DUPLICATE_LINE_ID)
    ]


def test_registration_keys_come_from_lines_and_their_listings():
    keys = registration_keys(
        [
            order_line("1", seller_id="S9", seller_sku="A"),
            order_line("2", listing_id="L-2"),
            order_line("3", listing_id="L-404"),
        ],
        LISTINGS,
    )
    assert keys == {("S9", "A"), ("S2", "MUG")}


def test_listing_keys_are_the_seller_skus_of_orders_of_listing_channels():
    def order(channel, *lines):
        return Order("O", channel, lines, SEATTLE)

    keys = listing_keys(
        [
            order(
                "web",
                order_line("1", seller_id="S1", seller_sku="A"),
                order_line("2", listing_id="L-1"),
            ),
            order("app", order_line("1", seller_id="S1", seller_sku="A")),
            order(MCF, order_line("1", seller_id="S1", seller_sku="B")),
        ]
    )
    assert keys == {("web", "S1", "A"), ("app", "S1", "A")}
