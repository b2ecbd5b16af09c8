"""Storage fees: what holding units in an FC costs a seller per day, accrued from the daily
snapshots of what each FC held (StorageSnapshotTaken), and summed per FNSKU and FC on a statement.

A day's charge for one FNSKU at one FC is the month's rate per cubic foot (peak in the schedule's
peak months) × the units' cubic feet / the days of that month (`FeeSchedule.daily_storage_fee`),
kept unrounded; a statement rounds each FNSKU's month to the cent, so a whole month at one rate
costs exactly the monthly rate. One charge per seller, FNSKU, FC and day, however often its
snapshot is applied.

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from inventory.domain.charges import BilledItem, ChargedEvent
from inventory.domain.errors import InventoryError
from stockpath_network.fees import FeeSchedule, Unpriceable, cents


class StorageDayNotOver(InventoryError):
    """A storage snapshot asked for a day that has not ended yet (UTC)."""

    def __init__(self, day: date) -> None:
        super().__init__(f"{day} has not ended yet (UTC): only a past day's storage can be taken")
        self.day = day.isoformat()


#: How far back the worker's daily snapshots catch up after an outage (days before today): older
#: days missed are the operator's to take (`POST /v1/storage-snapshots`).
SNAPSHOT_CATCH_UP_DAYS = 31


def snapshot_days_due(
    last_taken: date | None, today: date, *, catch_up_days: int = SNAPSHOT_CATCH_UP_DAYS
) -> list[date]:
    """The ended UTC days whose snapshot the worker takes now, oldest first: from the day after the
    last day taken (yesterday when none ever was) up to yesterday, at most `catch_up_days` back.
    A day taken out of order by hand (an old day backfilled) does not count: only the latest."""
    yesterday = today - timedelta(days=1)
    first = yesterday if last_taken is None else last_taken + timedelta(days=1)
    first = max(first, today - timedelta(days=catch_up_days))
    return [first + timedelta(days=n) for n in range((yesterday - first).days + 1)]


@dataclass(frozen=True)
class StoredUnits:
    """Units of one FNSKU one FC held for a seller at the end of a day."""

    seller_id: str
    fnsku: str
    fulfillment_center_id: str
    units: int


@dataclass(frozen=True)
class StorageCharge:
    seller_id: str
    fnsku: str
    fulfillment_center_id: str
    day: date
    units: int
    #: The units' volume (cubic feet, all of them).
    cubic_feet: Decimal
    #: The monthly rate per cubic foot that priced the day (peak or off-peak).
    monthly_rate: Decimal
    #: The day's fee, unrounded.
    amount: Decimal
    schedule_effective_from: date
    event: ChargedEvent


def price_storage(
    stored: StoredUnits, day: date, item: BilledItem, event: ChargedEvent, fees: FeeSchedule
) -> StorageCharge:
    """The storage fee of `stored` for `day`. Raises Unpriceable for an item without dimensions
    or a day before the first schedule."""
    if item.cubic_feet is None:
        raise Unpriceable(f"{item.fnsku} has no dimensions to price its storage by")
    volume = item.cubic_feet * stored.units
    schedule = fees.in_force(day)
    return StorageCharge(
        seller_id=stored.seller_id,
        fnsku=stored.fnsku,
        fulfillment_center_id=stored.fulfillment_center_id,
        day=day,
        units=stored.units,
        cubic_feet=volume,
        monthly_rate=schedule.storage_rate(day),
        amount=fees.daily_storage_fee(volume, day),
        schedule_effective_from=schedule.effective_from,
        event=event,
    )


@dataclass(frozen=True)
class StorageLine:
    """A statement's storage of one FNSKU at one FC over the month: its days summed, then rounded."""

    fnsku: str
    fulfillment_center_id: str
    days: int
    #: Units × days stored.
    unit_days: int
    amount: Decimal


def storage_lines(charges: Iterable[StorageCharge]) -> tuple[StorageLine, ...]:
    by_place: dict[tuple[str, str], list[StorageCharge]] = {}
    for charge in charges:
        by_place.setdefault((charge.fnsku, charge.fulfillment_center_id), []).append(charge)
    return tuple(
        StorageLine(
            fnsku,
            fc,
            len(days),
            sum(c.units for c in days),
            cents(sum((c.amount for c in days), Decimal(0))),
        )
        for (fnsku, fc), days in sorted(by_place.items())
    )
