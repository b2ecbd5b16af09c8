"""Delivery promises: when an FC can ship an order and when the buyer gets it.

An FC ships the day an order reaches it if that is one of its working days and its cut-off (local
time, in the FC's time zone) has not passed; otherwise on its next working day (`ship_date`).
The carrier then takes a number of transit days that depends on the great-circle distance band
and the speed (`TRANSIT_DAYS`); carriers deliver Monday to Friday. A speed an FC does not offer,
or a distance band a speed cannot cover in its time (no cell in the table), cannot be promised.

"Now" is always given — the time of the event that asks — never read from a clock, so routing
the same events again (a replay) promises the same dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from stockpath_events import ShippingSpeed

if TYPE_CHECKING:
    from stockpath_network import FulfillmentCenter

#: Days carriers deliver on (Monday = 0).
CARRIER_DAYS = frozenset({0, 1, 2, 3, 4})

#: Transit days (carrier days) per distance band and speed: (upper bound of the band in km, days
#: per speed). A speed missing from a band cannot reach that far in its time: priority is next day
#: within 800 km, expedited at most three days within 4,000 km.
TRANSIT_DAYS: tuple[tuple[float, dict[ShippingSpeed, int]], ...] = (
    (250, {ShippingSpeed.STANDARD: 1, ShippingSpeed.EXPEDITED: 1, ShippingSpeed.PRIORITY: 1}),
    (800, {ShippingSpeed.STANDARD: 2, ShippingSpeed.EXPEDITED: 1, ShippingSpeed.PRIORITY: 1}),
    (1_600, {ShippingSpeed.STANDARD: 3, ShippingSpeed.EXPEDITED: 2}),
    (2_800, {ShippingSpeed.STANDARD: 4, ShippingSpeed.EXPEDITED: 2}),
    (4_000, {ShippingSpeed.STANDARD: 5, ShippingSpeed.EXPEDITED: 3}),
    (float("inf"), {ShippingSpeed.STANDARD: 7}),
)


@dataclass(frozen=True, order=True)
class Promise:
    """What an FC promises for one shipment: it leaves by `ship_by` and arrives by `deliver_by`."""

    deliver_by: date
    ship_by: date


def transit_days(distance_km: float, speed: ShippingSpeed) -> int | None:
    """The carrier days `speed` takes over `distance_km`, or None when it cannot go that far."""
    for upper, days in TRANSIT_DAYS:
        if distance_km <= upper:
            return days.get(speed)
    return None  # unreachable: the last band has no upper bound


def ship_date(fc: FulfillmentCenter, now: datetime) -> date:
    """The day the FC ships an order that reaches it at `now`: today before its cut-off on a
    working day, else its next working day."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)  # event times are UTC; a naive one is taken as such
    local = now.astimezone(ZoneInfo(fc.time_zone))
    day = local.date()
    if local.time() >= fc.cut_off or day.weekday() not in fc.working_weekdays:
        day = _next(day, fc.working_weekdays)
    return day


def promise(
    fc: FulfillmentCenter, distance_km: float, speed: ShippingSpeed, now: datetime
) -> Promise | None:
    """The FC's promise for a shipment `distance_km` away at `speed`, for an order at `now`; None
    when the FC cannot meet the speed there (it does not offer it, or the distance is too far)."""
    if speed not in fc.speeds:
        return None
    days = transit_days(distance_km, speed)
    if days is None:
        return None
    shipped = ship_date(fc, now)
    delivered = shipped
    for _ in range(days):
        delivered = _next(delivered, CARRIER_DAYS)
    return Promise(deliver_by=delivered, ship_by=shipped)


def _next(day: date, weekdays: frozenset[int]) -> date:
    day += timedelta(days=1)
    while day.weekday() not in weekdays:
        day += timedelta(days=1)
    return day
