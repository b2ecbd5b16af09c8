"""Storage fees accrued per day from the daily snapshots, with figures computed by hand: a whole
month at the peak rate costs exactly the monthly rate, units that change within a month are
summed unrounded and rounded once per statement line, and a schedule taking effect mid-month
prices each day by the version in force that day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from inventory_fakes import FakeInventoryUnitOfWork, consume

from inventory.domain.charges import BilledItem, ChargedEvent, ChargeKind
from inventory.domain.commands import TakeStorageSnapshot
from inventory.domain.statements import Month, statement
from inventory.domain.storage import StorageDayNotOver, StoredUnits, price_storage
from inventory.service_layer.storage import take_storage_snapshot
from stockpath_events import decode, encode
from stockpath_network.fees import DEFAULT_FEE_SCHEDULE, FeeSchedule, Unpriceable, cubic_feet

#: 30.48 cm is a foot: a unit of exactly one cubic foot.
CUBE = BilledItem("XC", "S-ACME", "large_standard", 900, cubic_feet(30.48, 30.48, 30.48))


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def accrue(held: dict[date, int], fees: FeeSchedule = DEFAULT_FEE_SCHEDULE) -> list:
    event = ChargedEvent("E-1", "stockpath.inventory.StorageSnapshotTaken.v1", datetime.now(UTC))
    return [
        price_storage(StoredUnits("S-ACME", "XC", "SEA1", units), day, CUBE, event, fees)
        for day, units in held.items()
    ]


def storage_of(month: str, charges) -> Decimal:
    """The storage total of the month's statement (of the days in that month, as the store reads them)."""
    wanted = Month.parse(month)
    mine = [c for c in charges if wanted.first_day <= c.day < wanted.next_first_day]
    return statement("S-ACME", wanted, "USD", [], mine).totals[ChargeKind.STORAGE]


def test_a_cubic_foot_is_thirty_point_four_eight_centimetres_cubed():
    assert CUBE.cubic_feet == Decimal(1)


def test_two_cubic_feet_all_october_cost_exactly_twice_the_peak_rate():
    charges = accrue({day: 2 for day in days(date(2026, 10, 1), date(2026, 10, 31))})

    assert storage_of("2026-10", charges) == Decimal("4.80")  # 2 × 2.40
    [line] = statement("S-ACME", Month.parse("2026-10"), "USD", [], charges).storage
    assert (line.days, line.unit_days, line.amount) == (31, 62, Decimal("4.80"))


def test_days_are_summed_unrounded_and_the_line_rounded_once():
    # 3 units from 1 to 10 October, 1 unit from 11 to 31: 51 cubic-foot-days at 2.40 / 31 a day
    # = 3.9483… → 3.95 (rounding each day first would say 10 × 0.23 + 21 × 0.08 = 3.98).
    held = {day: 3 for day in days(date(2026, 10, 1), date(2026, 10, 10))}
    held |= {day: 1 for day in days(date(2026, 10, 11), date(2026, 10, 31))}

    assert storage_of("2026-10", accrue(held)) == Decimal("3.95")


def test_september_is_off_peak_and_october_peak():
    # 20 September to 10 October, 2 cubic feet: 11 × 0.78 × 2 / 30 = 0.572 → 0.57 in September,
    # 10 × 2.40 × 2 / 31 = 1.548… → 1.55 in October.
    charges = accrue({day: 2 for day in days(date(2026, 9, 20), date(2026, 10, 10))})

    assert (storage_of("2026-09", charges), storage_of("2026-10", charges)) == (
        Decimal("0.57"),
        Decimal("1.55"),
    )


def test_a_schedule_taking_effect_mid_month_prices_each_day_by_the_version_in_force():
    raised = DEFAULT_FEE_SCHEDULE.model_dump(mode="json")
    newest = dict(raised["schedules"][-1])
    newest["effective_from"] = "2027-01-16"
    newest["storage_per_cubic_foot_month"] = {"off_peak": "1.24", "peak": "3.00"}
    fees = FeeSchedule.model_validate({**raised, "schedules": [*raised["schedules"], newest]})

    # 1 cubic foot all January 2027: 15 × 0.78 / 31 + 16 × 1.24 / 31 = 31.54 / 31 = 1.0174… → 1.02
    charges = accrue({day: 1 for day in days(date(2027, 1, 1), date(2027, 1, 31))}, fees)

    assert storage_of("2027-01", charges) == Decimal("1.02")
    assert {c.schedule_effective_from.isoformat() for c in charges} == {"2026-01-15", "2027-01-16"}


def test_an_item_without_dimensions_is_not_priced():
    with pytest.raises(Unpriceable):
        price_storage(
            StoredUnits("S-ACME", "XA", "SEA1", 1),
            date(2026, 10, 1),
            BilledItem("XA", "S-ACME", "small_standard", 200),
            ChargedEvent("E", "T", datetime.now(UTC)),
            DEFAULT_FEE_SCHEDULE,
        )


# --- the snapshot and its charges, against the in-memory unit of work ----------------------------

OCT_1 = date(2026, 10, 1)


@pytest.fixture
def uow() -> FakeInventoryUnitOfWork:
    uow = FakeInventoryUnitOfWork()
    uow.charges.billed_items["XC"] = CUBE
    uow.charges.billed_items["XD"] = BilledItem("XD", "S-OTHER", "small_standard", 100, Decimal(2))
    uow.storage.held[OCT_1] = [
        StoredUnits("S-ACME", "XC", "SEA1", 2),
        StoredUnits("S-OTHER", "XD", "SEA1", 1),
        StoredUnits("S-ACME", "XC", "PHX3", 1),
    ]
    return uow


async def test_a_snapshot_announces_one_event_per_fc_and_seller_once_per_day(uow):
    taken = await take_storage_snapshot(
        TakeStorageSnapshot(OCT_1, today=date(2026, 10, 2)), uow, fees=DEFAULT_FEE_SCHEDULE
    )
    again = await take_storage_snapshot(
        TakeStorageSnapshot(OCT_1, today=date(2026, 10, 3)), uow, fees=DEFAULT_FEE_SCHEDULE
    )

    assert (taken.taken, taken.snapshots, taken.lines) == (True, 3, 3)
    assert (again.taken, again.snapshots) == (False, 0)
    assert sorted(
        (e.data.fulfillment_center_id, e.data.seller_id, [(u.fnsku, u.units) for u in e.data.lines])
        for e in uow.events
    ) == [
        ("PHX3", "S-ACME", [("XC", 1)]),
        ("SEA1", "S-ACME", [("XC", 2)]),
        ("SEA1", "S-OTHER", [("XD", 1)]),
    ]


@pytest.mark.parametrize("today", [OCT_1, date(2026, 9, 30)])
async def test_a_day_that_has_not_ended_is_refused(uow, today):
    with pytest.raises(StorageDayNotOver):
        await take_storage_snapshot(
            TakeStorageSnapshot(OCT_1, today=today), uow, fees=DEFAULT_FEE_SCHEDULE
        )
    assert uow.storage.days == set()


async def test_the_snapshots_consumed_back_charge_each_seller_its_day_once(uow):
    await take_storage_snapshot(
        TakeStorageSnapshot(OCT_1, today=date(2026, 10, 2)), uow, fees=DEFAULT_FEE_SCHEDULE
    )
    announced = [decode(encode(e).value, encode(e).headers) for e in uow.events]

    await consume(uow, *announced)
    await consume(uow, *announced)  # applied again (a replay): the same days, kept once

    acme = statement(
        "S-ACME", Month(2026, 10), "USD", [], await uow.storage.of_month("S-ACME", Month(2026, 10))
    )
    # SEA1: 2 cubic feet, PHX3: 1, for one October day at 2.40 / 31 each.
    assert [(s.fulfillment_center_id, s.unit_days, s.amount) for s in acme.storage] == [
        ("PHX3", 1, Decimal("0.08")),
        ("SEA1", 2, Decimal("0.15")),
    ]
    assert len(uow.storage.charged) == 3


async def test_a_snapshot_consumed_into_another_store_claims_its_day_there(uow):
    """A replay: the snapshots read back into a store that never took the day mark it taken, so
    the day is not announced twice."""
    await take_storage_snapshot(
        TakeStorageSnapshot(OCT_1, today=date(2026, 10, 2)), uow, fees=DEFAULT_FEE_SCHEDULE
    )
    announced = [decode(encode(e).value, encode(e).headers) for e in uow.events]
    rebuilt = FakeInventoryUnitOfWork()
    rebuilt.charges.billed_items = uow.charges.billed_items

    await consume(rebuilt, *announced)

    assert rebuilt.storage.days == {OCT_1}
    again = await take_storage_snapshot(
        TakeStorageSnapshot(OCT_1, today=date(2026, 10, 5)), rebuilt, fees=DEFAULT_FEE_SCHEDULE
    )
    assert not again.taken and rebuilt.events == []
