"""A month's statement is announced ready (StatementReady) once the storage of its last day has
been charged from every snapshot of that day, once per seller with a charge in the month, and
never again; and which ended days the worker's timer snapshots by itself."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from inventory_fakes import FakeInventoryUnitOfWork, consume

from inventory.domain.charges import BilledItem, Charge, ChargedEvent, ChargeKind
from inventory.domain.commands import TakeStorageSnapshot
from inventory.domain.statements import Month
from inventory.domain.storage import StoredUnits, snapshot_days_due
from inventory.service_layer.storage import (
    statement_ready_id,
    take_due_snapshots,
    take_storage_snapshot,
)
from stockpath_events import decode, encode, new_event
from stockpath_events.types.inventory import StatementReady, StorageSnapshotTaken
from stockpath_events.types.inventory import StoredUnits as StoredLine
from stockpath_network.fees import DEFAULT_FEE_SCHEDULE, cubic_feet

OCT_31 = date(2026, 10, 31)
NOV_1 = date(2026, 11, 1)
CUBE = BilledItem("XC", "S-ACME", "large_standard", 900, cubic_feet(30.48, 30.48, 30.48))


# --- which days the worker takes ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("last_taken", "today", "due"),
    [
        # Never taken: yesterday only (the ledger's past is the operator's to backfill).
        (None, date(2026, 12, 7), [date(2026, 12, 6)]),
        # Taken up to yesterday: nothing.
        (date(2026, 12, 6), date(2026, 12, 7), []),
        # The worker was down three days: each of them, oldest first.
        (
            date(2026, 12, 3),
            date(2026, 12, 7),
            [date(2026, 12, 4), date(2026, 12, 5), date(2026, 12, 6)],
        ),
        # Across a month's end.
        (date(2026, 10, 30), date(2026, 11, 2), [OCT_31, NOV_1]),
    ],
)
def test_the_days_due_run_from_the_day_after_the_last_taken_to_yesterday(last_taken, today, due):
    assert snapshot_days_due(last_taken, today) == due


def test_the_days_due_go_back_at_most_the_catch_up_window():
    due = snapshot_days_due(date(2026, 1, 1), date(2026, 12, 7), catch_up_days=31)

    assert (due[0], due[-1], len(due)) == (date(2026, 11, 6), date(2026, 12, 6), 31)


def test_nothing_is_due_when_a_day_was_taken_ahead():
    # Taken by hand today for yesterday, the timer ticking just after: nothing left.
    assert snapshot_days_due(date(2026, 12, 6), date(2026, 12, 7)) == []


@pytest.fixture
def uow() -> FakeInventoryUnitOfWork:
    uow = FakeInventoryUnitOfWork()
    uow.charges.billed_items["XC"] = CUBE
    uow.charges.billed_items["XD"] = BilledItem("XD", "S-OTHER", "small_standard", 100, Decimal(2))
    return uow


async def test_the_timer_takes_every_day_due_once(uow):
    uow.storage.days = {date(2026, 12, 3)}
    uow.storage.held[date(2026, 12, 5)] = [StoredUnits("S-ACME", "XC", "SEA1", 2)]

    done = await take_due_snapshots(date(2026, 12, 7), lambda: uow, fees=DEFAULT_FEE_SCHEDULE)
    again = await take_due_snapshots(date(2026, 12, 7), lambda: uow, fees=DEFAULT_FEE_SCHEDULE)

    assert {day: t.snapshots for day, t in done.items()} == {
        date(2026, 12, 4): 0,
        date(2026, 12, 5): 1,
        date(2026, 12, 6): 0,
    }
    assert again == {}
    [snapshot] = uow.emitted(StorageSnapshotTaken)
    assert (snapshot.day, snapshot.snapshots_that_day) == (date(2026, 12, 5), 1)


# --- the statement ready ------------------------------------------------------------------------


def fulfillment_charge(seller_id: str, at: datetime) -> Charge:
    return Charge(
        charge_id=f"C-{seller_id}",
        seller_id=seller_id,
        kind=ChargeKind.FULFILLMENT,
        reference="FO-1",
        fnsku="XF",
        fulfillment_center_id="SEA1",
        quantity=1,
        unit_fee=Decimal("3.31"),
        amount=Decimal("3.31"),
        currency="USD",
        schedule_effective_from=date(2026, 1, 15),
        event=ChargedEvent("E-SHIP", "stockpath.fulfillment.ShipmentShipped.v1", at),
    )


def read_back(uow: FakeInventoryUnitOfWork, event_type=StorageSnapshotTaken) -> list:
    """The announced events as the worker reads them back from the topic."""
    return [
        decode(encode(e).value, encode(e).headers)
        for e in uow.events
        if isinstance(e.data, event_type)
    ]


async def test_the_last_days_last_snapshot_charged_announces_each_sellers_statement_once(uow):
    uow.storage.held[OCT_31] = [
        StoredUnits("S-ACME", "XC", "PHX3", 1),
        StoredUnits("S-ACME", "XC", "SEA1", 2),
        StoredUnits("S-OTHER", "XD", "SEA1", 1),
    ]
    # A seller with a fulfillment charge in October and nothing stored at its end hears too; one
    # charged in November only does not.
    await uow.charges.add_all(
        [
            fulfillment_charge("S-SHIPPER", datetime(2026, 10, 2, 9, tzinfo=UTC)),
            fulfillment_charge("S-LATER", datetime(2026, 11, 2, 9, tzinfo=UTC)),
        ]
    )
    await take_storage_snapshot(
        TakeStorageSnapshot(OCT_31, today=NOV_1), uow, fees=DEFAULT_FEE_SCHEDULE
    )
    snapshots = read_back(uow)
    assert [s.data.snapshots_that_day for s in snapshots] == [3, 3, 3]

    await consume(uow, *snapshots[:2])
    assert uow.emitted(StatementReady) == []  # one of the day's snapshots is not charged yet

    await consume(uow, snapshots[2])
    ready = [e for e in uow.events if isinstance(e.data, StatementReady)]
    assert sorted(
        (e.data.seller_id, e.data.month, str(e.data.total), e.data.line_count) for e in ready
    ) == [
        # 3 cubic feet for one October day at 2.40 / 31: 0.08 (PHX3) + 0.15 (SEA1).
        ("S-ACME", "2026-10", "0.23", 2),
        ("S-OTHER", "2026-10", "0.15", 1),
        ("S-SHIPPER", "2026-10", "3.31", 1),
    ]
    assert {e.id for e in ready} == {
        statement_ready_id(seller, Month(2026, 10)) for seller in ("S-ACME", "S-OTHER", "S-SHIPPER")
    }
    assert all(e.causation_id == snapshots[2].id for e in ready)

    await consume(uow, *snapshots)  # delivered again, or replayed into the same store
    assert len(uow.emitted(StatementReady)) == 3


async def test_a_replay_into_an_empty_store_announces_the_same_events(uow):
    uow.storage.held[OCT_31] = [StoredUnits("S-ACME", "XC", "SEA1", 2)]
    await take_storage_snapshot(
        TakeStorageSnapshot(OCT_31, today=NOV_1), uow, fees=DEFAULT_FEE_SCHEDULE
    )
    await consume(uow, *read_back(uow))
    rebuilt = FakeInventoryUnitOfWork()
    rebuilt.charges.billed_items = uow.charges.billed_items

    await consume(rebuilt, *read_back(uow))

    assert [(e.id, e.data) for e in rebuilt.events] == [
        (e.id, e.data) for e in uow.events if isinstance(e.data, StatementReady)
    ]


async def test_a_day_other_than_the_months_last_announces_nothing(uow):
    uow.storage.held[date(2026, 10, 30)] = [StoredUnits("S-ACME", "XC", "SEA1", 2)]
    await take_storage_snapshot(
        TakeStorageSnapshot(date(2026, 10, 30), today=NOV_1), uow, fees=DEFAULT_FEE_SCHEDULE
    )

    await consume(uow, *read_back(uow))

    assert uow.emitted(StatementReady) == []


async def test_a_snapshot_that_does_not_say_how_many_the_day_has_completes_nothing(uow):
    """Announced before the field existed: the month cannot be known complete, so it is not told."""
    old = new_event(
        StorageSnapshotTaken(
            day=OCT_31,
            fulfillment_center_id="SEA1",
            seller_id="S-ACME",
            lines=[StoredLine(fnsku="XC", units=2)],
        ),
        source="/services/inventory",
    )

    await consume(uow, old)

    assert len(uow.storage.charged) == 1
    assert uow.emitted(StatementReady) == []


async def test_a_months_last_day_with_nothing_stored_announces_the_statements_at_once(uow):
    await uow.charges.add_all([fulfillment_charge("S-SHIPPER", datetime(2026, 10, 2, tzinfo=UTC))])

    taken = await take_storage_snapshot(
        TakeStorageSnapshot(OCT_31, today=NOV_1), uow, fees=DEFAULT_FEE_SCHEDULE
    )
    again = await take_storage_snapshot(
        TakeStorageSnapshot(OCT_31, today=date(2026, 11, 2)), uow, fees=DEFAULT_FEE_SCHEDULE
    )

    assert (taken.snapshots, again.taken) == (0, False)
    [ready] = uow.emitted(StatementReady)
    assert (ready.seller_id, ready.month, ready.total, ready.line_count) == (
        "S-SHIPPER",
        "2026-10",
        Decimal("3.31"),
        1,
    )
