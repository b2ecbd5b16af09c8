"""The routing policy: fewest shipments, then the nearest FCs that can meet the shipping speed to
the buyer; splits and partial fills; delivery promises; addresses the network cannot serve."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from order_router.domain.model import ReasonCode, ResolvedLine
from order_router.domain.routing import (
    FewestShipmentsPolicy,
    RoutingPlan,
    RoutingRequest,
    StockLevel,
)
from stockpath_events import FulfillmentPolicy, ShippingSpeed
from stockpath_network import DEFAULT_NETWORK

POLICY = FewestShipmentsPolicy(DEFAULT_NETWORK)
SEATTLE, NEW_YORK, PHOENIX = "98101", "10118", "85001"
#: Monday 12 October 2026, 10:00 in Seattle (17:00 UTC): before every FC's cut-off in the west.
NOW = datetime(2026, 10, 12, 17, 0, tzinfo=UTC)


def lines(*specs: tuple[str, str, int]) -> tuple[ResolvedLine, ...]:
    return tuple(
        ResolvedLine(line_id, fnsku, "S1", f"SKU-{fnsku}", qty) for line_id, fnsku, qty in specs
    )


def request(
    *specs, postal_code=SEATTLE, speed=ShippingSpeed.STANDARD, now=NOW, country="US"
) -> RoutingRequest:
    return RoutingRequest(
        "O-1", lines(*specs), postal_code, speed, FulfillmentPolicy.FILL_OR_KILL, now, country
    )


def stock(*levels: tuple[str, str, int]) -> list[StockLevel]:
    return [StockLevel(fnsku, fc, units) for fnsku, fc, units in levels]


def test_one_fc_that_holds_every_line_ships_the_whole_order():
    plan = POLICY.plan(
        request(("1", "A", 2), ("2", "B", 1)), stock(("A", "DFW7", 2), ("B", "DFW7", 5))
    )
    assert plan.routed
    [allocation] = plan.allocations
    assert allocation.fulfillment_center_id == "DFW7"
    assert [(ln.line_id, ln.fnsku, ln.quantity) for ln in allocation.lines] == [
        ("1", "A", 2),
        ("2", "B", 1),
    ]


def test_the_fc_nearest_to_the_buyer_is_chosen():
    levels = stock(("A", "SEA1", 5), ("A", "EWR4", 5), ("A", "DFW7", 5))
    assert (
        POLICY.plan(request(("1", "A", 1), postal_code=SEATTLE), levels)
        .allocations[0]
        .fulfillment_center_id
        == "SEA1"
    )
    assert (
        POLICY.plan(request(("1", "A", 1), postal_code=NEW_YORK), levels)
        .allocations[0]
        .fulfillment_center_id
        == "EWR4"
    )


def test_a_nearer_fc_that_cannot_fill_every_line_is_passed_over():
    levels = stock(("A", "SEA1", 5), ("B", "SEA1", 0), ("A", "EWR4", 5), ("B", "EWR4", 1))
    plan = POLICY.plan(request(("1", "A", 1), ("2", "B", 1), postal_code=SEATTLE), levels)
    assert plan.allocations[0].fulfillment_center_id == "EWR4"


def test_only_fcs_offering_the_shipping_speed_are_considered():
    levels = stock(("A", "PHX3", 5), ("A", "ONT8", 5))  # PHX3 ships standard and expedited only
    standard = POLICY.plan(request(("1", "A", 1), postal_code=PHOENIX), levels)
    priority = POLICY.plan(
        request(("1", "A", 1), postal_code=PHOENIX, speed=ShippingSpeed.PRIORITY), levels
    )
    assert standard.allocations[0].fulfillment_center_id == "PHX3"
    assert (
        priority.allocations[0].fulfillment_center_id == "ONT8"
    )  # Moreno Valley: ~430 km, next day


def test_a_seattle_buyer_is_served_from_sea1_when_sea1_holds_the_stock():
    # The old map put every 9xxxx ZIP nearer PHX3 than SEA1; the real one does not.
    levels = stock(("A", "PHX3", 5), ("A", "OAK4", 5), ("A", "SEA1", 5), ("A", "PDX9", 5))
    for speed in ShippingSpeed:
        [allocation] = POLICY.plan(request(("1", "A", 1), speed=speed), levels).allocations
        assert allocation.fulfillment_center_id == "SEA1", speed


def test_a_speed_no_fc_holding_the_stock_can_meet_that_far_leaves_the_order_unfilled():
    plan = POLICY.plan(
        request(("1", "A", 1), speed=ShippingSpeed.PRIORITY), stock(("A", "EWR4", 5))
    )
    assert not plan.allocations
    assert plan.unfilled[0].reason_code is ReasonCode.INSUFFICIENT_INVENTORY
    assert "that ship priority to 98101" in plan.unfilled[0].reason


def test_each_allocation_carries_its_fcs_promise_as_of_the_requests_time():
    [allocation] = POLICY.plan(request(("1", "A", 1)), stock(("A", "SEA1", 5))).allocations
    assert (allocation.promise.ship_by, allocation.promise.deliver_by) == (
        date(2026, 10, 12),
        date(2026, 10, 13),
    )
    # Friday 16 October, 15:00 in Seattle: SEA1's 14:00 cut-off has passed, it ships on Monday.
    late_friday = datetime(2026, 10, 16, 22, 0, tzinfo=UTC)
    [allocation] = POLICY.plan(
        request(("1", "A", 1), now=late_friday), stock(("A", "SEA1", 5))
    ).allocations
    assert (allocation.promise.ship_by, allocation.promise.deliver_by) == (
        date(2026, 10, 19),
        date(2026, 10, 20),
    )


def test_a_split_order_promises_each_shipment_from_its_own_fc():
    plan = POLICY.plan(
        request(("1", "A", 1), ("2", "B", 1)), stock(("A", "SEA1", 5), ("B", "EWR4", 5))
    )
    promised = {a.fulfillment_center_id: a.promise.deliver_by for a in plan.allocations}
    assert promised["SEA1"] < promised["EWR4"]  # one carrier day from Kent, five across the country


def test_stock_only_at_fcs_without_the_speed_leaves_the_order_unfilled():
    plan = POLICY.plan(
        request(("1", "A", 1), speed=ShippingSpeed.PRIORITY), stock(("A", "CMH2", 50))
    )
    assert not plan.routed and not plan.allocations
    assert [(f.line_id, f.reason_code) for f in plan.unfilled] == [
        ("1", ReasonCode.INSUFFICIENT_INVENTORY)
    ]
    assert "priority" in plan.unfilled[0].reason


def test_insufficient_stock_names_only_the_lines_no_fc_can_fill():
    levels = stock(("A", "SEA1", 5), ("B", "SEA1", 1), ("B", "EWR4", 2))
    plan = POLICY.plan(request(("1", "A", 1), ("2", "B", 4)), levels)
    assert not plan.routed and plan.allocations == ()
    [failure] = plan.unfilled
    assert failure.line_id == "2" and failure.reason_code is ReasonCode.INSUFFICIENT_INVENTORY
    assert "4 unit(s) of B ordered; 3 available" in failure.reason


def test_lines_of_the_same_fnsku_draw_on_the_same_units():
    plan = POLICY.plan(request(("1", "A", 3), ("2", "A", 3)), stock(("A", "SEA1", 5)))
    assert not plan.routed
    assert [f.line_id for f in plan.unfilled] == ["1", "2"]


def test_items_in_stock_only_at_different_fcs_are_split_one_shipment_per_fc():
    plan = POLICY.plan(
        request(("1", "A", 1), ("2", "B", 1)), stock(("A", "SEA1", 5), ("B", "EWR4", 5))
    )
    assert plan.routed
    assert [
        (a.fulfillment_center_id, [ln.line_id for ln in a.lines]) for a in plan.allocations
    ] == [
        ("SEA1", ["1"]),
        ("EWR4", ["2"]),
    ]


def test_a_single_fc_that_fills_everything_beats_a_nearer_split():
    levels = stock(("A", "SEA1", 5), ("B", "PHX3", 5), ("A", "EWR4", 5), ("B", "EWR4", 5))
    plan = POLICY.plan(request(("1", "A", 1), ("2", "B", 1), postal_code=SEATTLE), levels)
    assert [a.fulfillment_center_id for a in plan.allocations] == ["EWR4"]


def test_among_splits_with_as_few_shipments_the_nearest_fcs_win():
    levels = stock(("A", "SEA1", 5), ("A", "EWR4", 5), ("B", "PHX3", 5), ("B", "CMH2", 5))
    plan = POLICY.plan(request(("1", "A", 1), ("2", "B", 1), postal_code=SEATTLE), levels)
    assert {a.fulfillment_center_id for a in plan.allocations} == {"SEA1", "PHX3"}
    plan = POLICY.plan(request(("1", "A", 1), ("2", "B", 1), postal_code=NEW_YORK), levels)
    assert [a.fulfillment_center_id for a in plan.allocations] == ["EWR4", "CMH2"]


def test_one_line_larger_than_any_fc_holds_is_split_nearest_first():
    levels = stock(("A", "SEA1", 3), ("A", "PHX3", 2), ("A", "EWR4", 10))
    plan = POLICY.plan(request(("1", "A", 5), postal_code=SEATTLE), levels)
    assert [(a.fulfillment_center_id, a.lines[0].quantity) for a in plan.allocations] == [
        ("EWR4", 5)
    ]
    plan = POLICY.plan(request(("1", "A", 12), postal_code=SEATTLE), levels)
    # Two shipments either way; SEA1 + EWR4 is the shorter pair for a Seattle buyer, nearest ships first.
    assert [(a.fulfillment_center_id, a.lines[0].quantity) for a in plan.allocations] == [
        ("SEA1", 3),
        ("EWR4", 9),
    ]


def test_a_split_honours_the_shipping_speed():
    levels = stock(("A", "SEA1", 1), ("A", "PHX3", 1), ("A", "CMH2", 5), ("A", "DFW7", 1))
    plan = POLICY.plan(
        request(("1", "A", 3), postal_code=PHOENIX, speed=ShippingSpeed.PRIORITY), levels
    )
    assert not plan.routed  # CMH2 ships standard only, PHX3 not priority: 2 units reachable
    plan = POLICY.plan(
        request(("1", "A", 3), postal_code=PHOENIX, speed=ShippingSpeed.EXPEDITED), levels
    )
    assert sorted(a.fulfillment_center_id for a in plan.allocations) == ["DFW7", "PHX3", "SEA1"]


def test_fill_all_ships_what_exists_and_returns_the_rest_as_short():
    levels = stock(("A", "SEA1", 2), ("B", "SEA1", 5))
    req = RoutingRequest(
        "O-1",
        lines(("1", "A", 5), ("2", "B", 1)),
        SEATTLE,
        ShippingSpeed.STANDARD,
        FulfillmentPolicy.FILL_ALL,
        NOW,
    )
    plan = POLICY.plan(req, levels)
    assert [(ln.line_id, ln.quantity) for a in plan.allocations for ln in a.lines] == [
        ("1", 2),
        ("2", 1),
    ]
    assert [(ln.line_id, ln.quantity) for ln in plan.short] == [("1", 3)]
    assert not plan.unfilled


def test_fill_all_available_with_nothing_in_stock_allocates_nothing_and_is_all_short():
    req = RoutingRequest(
        "O-1",
        lines(("1", "A", 2)),
        SEATTLE,
        ShippingSpeed.STANDARD,
        FulfillmentPolicy.FILL_ALL_AVAILABLE,
        NOW,
    )
    plan = POLICY.plan(req, stock(("A", "SEA1", 0)))
    assert plan.allocations == () and [(ln.line_id, ln.quantity) for ln in plan.short] == [("1", 2)]


def test_stock_outside_the_network_and_overdrawn_stock_count_for_nothing():
    plan = POLICY.plan(request(("1", "A", 1)), stock(("A", "ZZZ9", 100), ("A", "SEA1", -3)))
    assert not plan.routed
    assert "0 available" in plan.unfilled[0].reason


def test_an_address_in_another_country_is_refused_whole_even_when_its_postcode_looks_like_a_zip():
    levels = stock(("A", "SEA1", 5), ("B", "EWR4", 5))
    for policy in FulfillmentPolicy:
        req = RoutingRequest(
            "O-1",
            lines(("1", "A", 1), ("2", "B", 1)),
            "10115",
            ShippingSpeed.STANDARD,
            policy,
            NOW,
            "DE",
        )
        plan = POLICY.plan(req, levels)
        assert not plan.allocations and not plan.short
        assert [(f.line_id, f.reason_code) for f in plan.unfilled] == [
            ("1", ReasonCode.SHIP_TO_OUTSIDE_NETWORK),
            ("2", ReasonCode.SHIP_TO_OUTSIDE_NETWORK),
        ]
        assert "DE" in plan.unfilled[0].reason


def test_a_postal_code_that_is_no_us_zip_code_is_refused():
    levels = stock(("A", "SEA1", 5))
    for postal_code in ("SW1A 1AA", "00000", "9810"):
        [failure] = POLICY.plan(request(("1", "A", 1), postal_code=postal_code), levels).unfilled
        assert failure.reason_code is ReasonCode.SHIP_TO_UNKNOWN_POSTAL_CODE, postal_code


def test_the_same_inputs_give_the_same_plan_every_time():
    levels = stock(("A", "SEA1", 2), ("A", "EWR4", 5), ("A", "DFW7", 5), ("A", "ONT8", 2))
    plans = {POLICY.plan(request(("1", "A", 4), postal_code="66044"), levels) for _ in range(5)}
    assert len(plans) == 1


def test_a_plan_that_ships_nothing_must_say_why():
    with pytest.raises(ValueError, match="a routing plan needs"):
        RoutingPlan(())
