"""Choosing the fulfillment center an inbound shipment goes to."""

from dataclasses import dataclass

import pytest

from registration.domain.planning import NoFulfillmentCenterCanTake, choose_fulfillment_center
from stockpath_network import DEFAULT_NETWORK


@dataclass(frozen=True)
class FC:
    fulfillment_center_id: str
    inbound_capacity_units: int


def test_the_fc_with_the_most_inbound_capacity_gets_the_shipment():
    centers = [FC("AAA1", 100), FC("BBB1", 300), FC("CCC1", 200)]
    assert choose_fulfillment_center(centers, 50).fulfillment_center_id == "BBB1"


def test_ties_go_to_the_lowest_fc_id_so_plans_are_repeatable():
    centers = [FC("ZZZ1", 300), FC("MMM1", 300), FC("AAA1", 100)]
    assert choose_fulfillment_center(centers, 50).fulfillment_center_id == "MMM1"


def test_an_fc_takes_exactly_its_capacity():
    assert choose_fulfillment_center([FC("AAA1", 300)], 300).fulfillment_center_id == "AAA1"


def test_a_shipment_no_fc_can_take_whole_says_the_largest_capacity():
    with pytest.raises(NoFulfillmentCenterCanTake, match="300") as refused:
        choose_fulfillment_center([FC("AAA1", 100), FC("BBB1", 300)], 301)
    assert (refused.value.units, refused.value.largest) == (301, 300)


def test_an_empty_network_takes_nothing():
    with pytest.raises(NoFulfillmentCenterCanTake):
        choose_fulfillment_center([], 1)


def test_the_default_network_sends_shipments_to_its_largest_fc():
    largest = max(DEFAULT_NETWORK, key=lambda fc: fc.inbound_capacity_units)
    assert choose_fulfillment_center(DEFAULT_NETWORK, 10) == largest


# --- inbound plans that split across FCs ----------------------------------------------------------

from registration.domain.planning import Allocation, split_across_centers  # noqa: E402


def test_a_plan_that_fits_the_preferred_fc_is_one_shipment():
    centers = [FC("AAA1", 100), FC("BBB1", 300)]
    assert split_across_centers(centers, [("A", 60), ("B", 40)]) == [
        Allocation("BBB1", "A", 60),
        Allocation("BBB1", "B", 40),
    ]


def test_a_line_spills_into_the_next_fc_only_when_the_first_is_full():
    centers = [FC("AAA1", 100), FC("BBB1", 100)]
    assert split_across_centers(centers, [("A", 70), ("B", 80)]) == [
        Allocation("AAA1", "A", 70),
        Allocation("AAA1", "B", 30),
        Allocation("BBB1", "B", 50),
    ]


def test_the_nearest_fc_is_preferred_when_the_seller_says_where_it_ships_from():
    centers = [FC("FAR1", 1000), FC("NEAR", 10)]
    distance = {"FAR1": 3000.0, "NEAR": 15.0}
    plan = split_across_centers(
        centers, [("A", 25)], distance=lambda fc: distance[fc.fulfillment_center_id]
    )
    assert plan == [Allocation("NEAR", "A", 10), Allocation("FAR1", "A", 15)]


def test_more_units_than_the_whole_network_takes_is_refused_with_the_limit():
    with pytest.raises(NoFulfillmentCenterCanTake) as refused:
        split_across_centers([FC("AAA1", 10), FC("BBB1", 20)], [("A", 31)])
    assert refused.value.largest == 30 and "at most 30 units" in str(refused.value)


def test_every_unit_is_placed_exactly_once():
    centers = [FC(f"F{n:03d}", c) for n, c in enumerate([7, 13, 5, 40])]
    lines = [("A", 9), ("B", 21), ("C", 30)]
    plan = split_across_centers(centers, lines)
    for sku, quantity in lines:
        assert sum(a.quantity for a in plan if a.seller_sku == sku) == quantity
    for fc in centers:
        assert (
            sum(a.quantity for a in plan if a.fulfillment_center_id == fc.fulfillment_center_id)
            <= fc.inbound_capacity_units
        )
