"""Delivery promises: distance bands, cut-offs in each FC's time zone, working days, carrier days."""

from datetime import UTC, date, datetime, time

from stockpath_events import ShippingSpeed
from stockpath_network import (
    DEFAULT_NETWORK,
    distance_km,
    get,
    locate,
    promise,
    ship_date,
    transit_days,
)

SEA1 = get("SEA1")  # Kent WA: cut-off 14:00 Pacific, Monday to Friday
DFW7 = get("DFW7")  # Coppell TX: cut-off 15:00 Central, Monday to Saturday
MONDAY, FRIDAY = date(2026, 10, 12), date(2026, 10, 16)


def pacific(day: date, hour: int, minute: int = 0) -> datetime:
    # October: Pacific daylight time is UTC-7.
    return datetime(day.year, day.month, day.day, hour + 7, minute, tzinfo=UTC)


def test_an_order_before_the_cut_off_ships_the_same_day():
    assert SEA1.cut_off == time(14, 0)
    assert ship_date(SEA1, pacific(MONDAY, 13, 59)) == MONDAY


def test_an_order_after_the_cut_off_ships_the_next_working_day():
    assert ship_date(SEA1, pacific(MONDAY, 14, 0)) == date(2026, 10, 13)


def test_a_friday_order_after_the_cut_off_ships_on_monday():
    assert ship_date(SEA1, pacific(FRIDAY, 16)) == date(2026, 10, 19)
    # Saturday and Sunday are no working days at SEA1 either.
    assert ship_date(SEA1, pacific(date(2026, 10, 17), 9)) == date(2026, 10, 19)


def test_an_fc_that_works_saturdays_ships_a_late_friday_order_on_saturday():
    assert "sat" in DFW7.working_days
    assert ship_date(DFW7, pacific(FRIDAY, 16)) == date(2026, 10, 17)


def test_the_cut_off_is_the_fcs_own_local_time():
    # 14:30 in Seattle is 16:30 in Coppell: past DFW7's 15:00 cut-off, and past SEA1's 14:00.
    now = pacific(MONDAY, 14, 30)
    assert ship_date(DFW7, now) == date(2026, 10, 13)
    # 12:30 in Seattle is 14:30 in Coppell: both still ship today.
    assert (
        ship_date(DFW7, pacific(MONDAY, 12, 30))
        == MONDAY
        == ship_date(SEA1, pacific(MONDAY, 12, 30))
    )


def test_transit_days_grow_with_the_distance_band_and_shrink_with_the_speed():
    assert transit_days(100, ShippingSpeed.STANDARD) == 1
    assert transit_days(1_000, ShippingSpeed.STANDARD) == 3
    assert transit_days(1_000, ShippingSpeed.EXPEDITED) == 2
    assert transit_days(1_000, ShippingSpeed.PRIORITY) is None  # next day cannot go that far
    assert transit_days(5_000, ShippingSpeed.EXPEDITED) is None
    assert transit_days(5_000, ShippingSpeed.STANDARD) == 7


def test_a_seattle_buyer_gets_sea1s_priority_the_next_carrier_day():
    km = distance_km(SEA1.coordinates, locate("98101"))
    assert km < 250
    placed = promise(SEA1, km, ShippingSpeed.PRIORITY, pacific(MONDAY, 10))
    assert (placed.ship_by, placed.deliver_by) == (MONDAY, date(2026, 10, 13))


def test_a_promise_a_cut_off_has_passed_moves_to_the_next_working_day():
    km = distance_km(SEA1.coordinates, locate("98101"))
    before = promise(SEA1, km, ShippingSpeed.STANDARD, pacific(FRIDAY, 13))
    after = promise(SEA1, km, ShippingSpeed.STANDARD, pacific(FRIDAY, 15))
    assert (before.ship_by, before.deliver_by) == (
        FRIDAY,
        date(2026, 10, 19),
    )  # carriers rest at weekends
    assert (after.ship_by, after.deliver_by) == (date(2026, 10, 19), date(2026, 10, 20))


def test_no_promise_for_a_speed_the_fc_does_not_offer_or_cannot_meet_that_far():
    phx3 = get("PHX3")
    assert ShippingSpeed.PRIORITY not in phx3.speeds
    assert promise(phx3, 10, ShippingSpeed.PRIORITY, pacific(MONDAY, 9)) is None
    ewr4 = get("EWR4")
    km = distance_km(ewr4.coordinates, locate("98101"))
    assert km > 3_500
    assert promise(ewr4, km, ShippingSpeed.PRIORITY, pacific(MONDAY, 9)) is None
    assert promise(ewr4, km, ShippingSpeed.STANDARD, pacific(MONDAY, 9)) is not None


def test_every_continental_buyer_can_get_standard_and_expedited_from_some_fc():
    for postal_code in ("98101", "04101", "33101", "59601", "78701", "55401", "92101"):
        where = locate(postal_code)
        for speed in (ShippingSpeed.STANDARD, ShippingSpeed.EXPEDITED):
            assert any(
                promise(fc, distance_km(fc.coordinates, where), speed, pacific(MONDAY, 9))
                for fc in DEFAULT_NETWORK
            ), (postal_code, speed)
