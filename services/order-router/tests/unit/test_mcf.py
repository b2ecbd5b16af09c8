"""Multi-channel fulfillment's pure rules: lines named by FNSKU become the seller's own SKU lines
(another seller's FNSKU reads as unknown), the fee is priced per line from the registration's size
tier and weight, an unservable address refuses the order whole; and the router learns size tier
and weight from ItemRegistered."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from order_router_testkit import SEATTLE, registered

from order_router.domain.mcf import (
    McfLine,
    McfOrderRefused,
    McfRequest,
    SpeedOption,
    fee_share,
    fulfillment_fee,
    refuse_unservable,
    requested_order,
)
from order_router.domain.model import LineFailure, ReasonCode, Registration, ResolvedLine
from order_router.entrypoints.consumers import record_registration
from stockpath_events import ShippingSpeed
from stockpath_events.types.orders import FeeLine, FulfillmentFee
from stockpath_network.fees import read_fee_schedule

BANDS = [{"up_to_g": 200, "fee": "3.00"}, {"up_to_g": 454, "fee": "4.00"}]
SCHEDULE = read_fee_schedule(
    json.dumps(
        {
            "schedules": [
                {
                    "effective_from": "2026-01-01",
                    "fulfillment": {
                        "small_standard": BANDS,
                        "large_standard": BANDS,
                        "oversize": BANDS,
                    },
                    "storage_per_cubic_foot_month": {"off_peak": "1.00", "peak": "2.00"},
                    "removal_per_unit": dict.fromkeys(
                        ("small_standard", "large_standard", "oversize"), "1.00"
                    ),
                    "return_processing_per_unit": dict.fromkeys(
                        ("small_standard", "large_standard", "oversize"), "1.00"
                    ),
                }
            ]
        }
    )
)


def request(*lines: McfLine) -> McfRequest:
    return McfRequest("SHOP-1", lines, SEATTLE)


def test_lines_by_fnsku_name_the_sellers_own_sku():
    order = requested_order(
        "S1",
        request(McfLine("1", 2, fnsku="X00KETTLE"), McfLine("2", 1, seller_sku="MUG")),
        {"X00KETTLE": "KETTLE"},
    )
    assert [(x.seller_id, x.seller_sku, x.quantity, x.unit_price) for x in order.lines] == [
        ("S1", "KETTLE", 2, Decimal(0)),
        ("S1", "MUG", 1, Decimal(0)),
    ]


def test_an_fnsku_the_seller_has_not_registered_or_under_another_sku_is_refused():
    with pytest.raises(McfOrderRefused) as refused:
        requested_order(
            "S1",
            request(
                McfLine("1", 1, fnsku="X00THEIRS"),
                McfLine("2", 1, fnsku="X00KETTLE", seller_sku="MUG"),
                McfLine("3", 1, fnsku="X00KETTLE"),
            ),
            {"X00KETTLE": "KETTLE"},
        )
    assert refused.value.reason_code == "UNKNOWN_SKU"
    assert [(x["line_id"], x["reason"]) for x in refused.value.lines] == [
        ("1", "seller S1 has no FNSKU X00THEIRS registered for fulfillment"),
        ("2", "seller S1 has no FNSKU X00KETTLE registered for fulfillment as SKU MUG"),
    ]


def registration(sku: str, tier: str | None, weight: float | None) -> Registration:
    return Registration("S1", sku, f"X00{sku}", "CI-1", size_tier=tier, shipping_weight_g=weight)


def test_the_fee_is_priced_per_line_by_tier_and_weight_on_the_day():
    registrations = {
        ("S1", "KETTLE"): registration("KETTLE", "large_standard", 300.0),
        ("S1", "MUG"): registration("MUG", "small_standard", 150.0),
    }
    lines = [
        ResolvedLine("1", "X00KETTLE", "S1", "KETTLE", 2),
        ResolvedLine("2", "X00MUG", "S1", "MUG", 3),
    ]
    fee = fulfillment_fee(lines, registrations, SCHEDULE, date(2026, 5, 1))
    assert [(x.line_id, x.unit_fee, x.fee) for x in fee.lines] == [
        ("1", Decimal("4.00"), Decimal("8.00")),
        ("2", Decimal("3.00"), Decimal("9.00")),
    ]
    assert fee.total == Decimal("17.00") and fee.effective_from == date(2026, 1, 1)


def test_a_line_whose_size_is_unknown_or_beyond_the_schedule_is_refused():
    registrations = {
        ("S1", "OLD"): registration("OLD", None, None),
        ("S1", "ANVIL"): registration("ANVIL", "small_standard", 9000.0),
    }
    lines = [
        ResolvedLine("1", "X00OLD", "S1", "OLD", 1),
        ResolvedLine("2", "X00ANVIL", "S1", "ANVIL", 1),
    ]
    with pytest.raises(McfOrderRefused) as refused:
        fulfillment_fee(lines, registrations, SCHEDULE, date(2026, 5, 1))
    assert [x["reason_code"] for x in refused.value.lines] == ["UNPRICEABLE", "UNPRICEABLE"]
    assert "beyond the fee schedule's heaviest" in refused.value.lines[1]["reason"]


def quoted_line(line_id: str, fnsku: str, unit_fee: str, quantity: int) -> FeeLine:
    return FeeLine(
        line_id=line_id,
        fnsku=fnsku,
        size_tier="small_standard",
        shipping_weight_g=200,
        unit_fee=Decimal(unit_fee),
        quantity=quantity,
        fee=Decimal(unit_fee) * quantity,
    )


@pytest.mark.parametrize("parts", [[2, 1], [1, 1, 1], [3]])
def test_a_split_orders_fulfillment_orders_share_its_quote_exactly(parts):
    # 3.07 a unit: 3 units quoted 9.21, which no split into thirds of the line's fee would give back.
    kettle, mug = quoted_line("1", "X00KETTLE", "3.07", 3), quoted_line("2", "X00MUG", "4.00", 1)
    quote = FulfillmentFee(
        effective_from=date(2025, 1, 15), lines=[kettle, mug], total=Decimal("13.21")
    )
    # The kettle's units over one fulfillment order per part; the mug ships with the first.
    shares = [
        fee_share(
            quote,
            [ResolvedLine("1", "X00KETTLE", "S1", "KETTLE", units)]
            + ([ResolvedLine("2", "X00MUG", "S1", "MUG", 1)] if n == 0 else []),
        )
        for n, units in enumerate(parts)
    ]

    kettle_shares = [line for share in shares for line in share.lines if line.line_id == "1"]
    assert [(x.quantity, x.unit_fee, x.fee) for x in kettle_shares] == [
        (units, Decimal("3.07"), Decimal("3.07") * units) for units in parts
    ]
    assert sum(x.fee for x in kettle_shares) == kettle.fee == Decimal("9.21")
    assert sum(share.total for share in shares) == quote.total
    assert {(s.currency, s.effective_from) for s in shares} == {("USD", date(2025, 1, 15))}
    assert all(s.total == sum(x.fee for x in s.lines) for s in shares)


def test_an_address_nothing_ships_to_refuses_the_order_but_missing_stock_does_not():
    short = LineFailure("1", ReasonCode.INSUFFICIENT_INVENTORY, "none left")
    refuse_unservable([SpeedOption(ShippingSpeed.PRIORITY, (), (short,))])
    abroad = LineFailure("1", ReasonCode.SHIP_TO_OUTSIDE_NETWORK, "DE is not served")
    with pytest.raises(McfOrderRefused) as refused:
        refuse_unservable([SpeedOption(ShippingSpeed.STANDARD, (), (abroad,))])
    assert refused.value.reason_code == "SHIP_TO_OUTSIDE_NETWORK"


def test_the_router_learns_size_tier_and_weight_from_the_registration():
    event = registered("S1", "KETTLE", "X00KETTLE", size_tier="large_standard", weight_g=1200.0)
    learnt = record_registration(event).registration
    assert (learnt.size_tier, learnt.shipping_weight_g) == ("large_standard", 1200.0)
    unsized = record_registration(registered("S1", "KETTLE", "X00KETTLE")).registration
    assert (unsized.size_tier, unsized.shipping_weight_g) == (None, None)
