"""Resolving order lines to FNSKUs: by seller SKU or by listing, with a reason for every failure."""

from __future__ import annotations

from decimal import Decimal

from order_router.domain.model import (
    Listing,
    OrderLine,
    ReasonCode,
    Registration,
    ResolvedLine,
    registration_keys,
    resolve_lines,
)

REGISTRATIONS = {
    ("S1", "KETTLE"): Registration("S1", "KETTLE", "X00KETTLE1", "CI-1"),
    ("S1", "RETIRED"): Registration("S1", "RETIRED", "X00RETIRED", "CI-2", live=False),
}
LISTINGS = {"L-1": Listing("L-1", "S1", "KETTLE", "X00KETTLE1"), "L-2": Listing("L-2", "S2", "MUG", "X00MUG0001")}


def order_line(line_id, *, seller_id=None, seller_sku=None, listing_id=None, quantity=1) -> OrderLine:
    return OrderLine(line_id, quantity, Decimal("9.99"), seller_id, seller_sku, listing_id)


def test_lines_naming_a_seller_sku_or_a_listing_resolve_to_the_registered_fnsku():
    resolution = resolve_lines(
        [order_line("1", seller_id="S1", seller_sku="KETTLE", quantity=2), order_line("2", listing_id="L-1")],
        REGISTRATIONS,
        LISTINGS,
    )
    assert resolution.ok
    assert resolution.lines == (
        ResolvedLine("1", "X00KETTLE1", "S1", "KETTLE", 2),
        ResolvedLine("2", "X00KETTLE1", "S1", "KETTLE", 1),
    )


def test_unknown_and_inactive_skus_and_unknown_listings_fail_with_their_codes_in_line_order():
    resolution = resolve_lines(
        [
            order_line("1", seller_id="S1", seller_sku="NOPE"),
            order_line("2", listing_id="L-404"),
            order_line("3", seller_id="S1", seller_sku="RETIRED"),
            order_line("4", listing_id="L-2"),  # listed, but its SKU is not registered
            order_line("5", seller_id="S1", seller_sku="KETTLE"),
        ],
        REGISTRATIONS,
        LISTINGS,
    )
    assert [(f.line_id, f.reason_code) for f in resolution.failures] == [
        ("1", ReasonCode.UNKNOWN_SKU),
        ("2", ReasonCode.UNKNOWN_LISTING),
        ("3", ReasonCode.UNKNOWN_SKU),
        ("4", ReasonCode.UNKNOWN_SKU),
    ]
    assert "NOPE" in resolution.failures[0].reason and "L-404" in resolution.failures[1].reason
    assert [line.line_id for line in resolution.lines] == ["5"]


def test_a_listing_and_a_seller_sku_that_disagree_are_not_guessed_between():
    resolution = resolve_lines([order_line("1", seller_id="S1", seller_sku="OTHER", listing_id="L-1")], REGISTRATIONS, LISTINGS)
    assert resolution.failures[0].reason_code is ReasonCode.LISTING_MISMATCH


def test_a_repeated_line_id_fails_the_repeat():
    resolution = resolve_lines(
        [order_line("1", seller_id="S1", seller_sku="KETTLE"), order_line("1", seller_id="S1", seller_sku="KETTLE")],
        REGISTRATIONS,
        LISTINGS,
    )
    assert [(f.line_id, f.reason_code) for f in resolution.failures] == [("1", ReasonCode.DUPLICATE_LINE_ID)]


def test_registration_keys_come_from_lines_and_their_listings():
    keys = registration_keys(
        [order_line("1", seller_id="S9", seller_sku="A"), order_line("2", listing_id="L-2"), order_line("3", listing_id="L-404")],
        LISTINGS,
    )
    assert keys == {("S9", "A"), ("S2", "MUG")}
