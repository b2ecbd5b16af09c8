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
