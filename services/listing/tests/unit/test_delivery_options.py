"""Which speeds the storefront offers: every line needs an FC holding enough of it that can meet
the speed; the date shown is the parcel that arrives last."""

from datetime import UTC, date, datetime

from listing.domain.delivery import Wanted, delivery_options
from stockpath_events import ShippingSpeed
from stockpath_network import DEFAULT_NETWORK

MONDAY_MORNING = datetime(2026, 10, 12, 16, 0, tzinfo=UTC)  # 09:00 in Seattle


def test_a_speed_is_offered_only_when_an_fc_holding_enough_stock_can_meet_it():
    options = delivery_options(
        [Wanted("A", 2, {"SEA1": 1, "EWR4": 5})], "98101", "US", MONDAY_MORNING, DEFAULT_NETWORK
    )
    # SEA1 holds too few; EWR4 is across the country: no next day.
    assert set(options.offered) == {ShippingSpeed.STANDARD, ShippingSpeed.EXPEDITED}
    options = delivery_options(
        [Wanted("A", 1, {"SEA1": 1, "EWR4": 5})], "98101", "US", MONDAY_MORNING, DEFAULT_NETWORK
    )
    assert options.offered[ShippingSpeed.PRIORITY] == date(2026, 10, 13)


def test_a_cart_arrives_when_its_last_line_does():
    near, far = Wanted("A", 1, {"SEA1": 3}), Wanted("B", 1, {"EWR4": 3})
    options = delivery_options([near, far], "98101", "US", MONDAY_MORNING, DEFAULT_NETWORK)
    alone = delivery_options([far], "98101", "US", MONDAY_MORNING, DEFAULT_NETWORK)
    assert options.offered == alone.offered and ShippingSpeed.PRIORITY not in options.offered


def test_nothing_is_offered_abroad_or_to_a_zip_code_that_does_not_exist():
    abroad = delivery_options(
        [Wanted("A", 1, {"SEA1": 3})], "10117", "DE", MONDAY_MORNING, DEFAULT_NETWORK
    )
    assert abroad.offered == {} and "only in the US" in abroad.refused
    nowhere = delivery_options(
        [Wanted("A", 1, {"SEA1": 3})], "00000", "US", MONDAY_MORNING, DEFAULT_NETWORK
    )
    assert nowhere.offered == {} and "not a US ZIP code" in nowhere.refused
