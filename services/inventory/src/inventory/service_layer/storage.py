"""Storage fees, accrued from daily snapshots (`domain.storage`), and the month's statement
announced final once its last day's storage is charged.

- `take_storage_snapshot` (HTTP, the operator; and the worker's timer, `take_due_snapshots`): once
  per ended UTC day, announce what every FC held per seller at midnight — one StorageSnapshotTaken
  per FC and seller on `inventory.events`, from the stock ledger as it stood then, each saying how
  many the day has. The same day asked again announces nothing. A month's last day without any
  snapshot (nothing held anywhere) announces the month's statements ready at once.
- `take_due_snapshots` (the worker, every `storage_snapshot_interval_s`): every ended day not taken
  yet, from the day after the latest taken up to yesterday (`domain.storage.snapshot_days_due`).
  Replicas may run it at once: the day's claim lets one take it.
- `charge_storage` (StorageSnapshotTaken, consumed back): one storage charge per seller, FNSKU, FC
  and day, priced by the schedule in force that day and the registered item's cubic feet. The
  charge comes from the snapshot's content, not from the tables, so a replay charges the same days
  whatever order the other topics come in; a day charged already is kept as it is. The snapshot's
  day is claimed again (live it was by the request), so a replay rebuilds the days taken too.
  Once every snapshot of a month's last day is charged, each seller with a charge in the month
  hears its statement is ready (StatementReady, once per seller and month).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from itertools import groupby

import structlog

from inventory.domain.commands import ChargeStorage, TakeStorageSnapshot
from inventory.domain.statements import Month
from inventory.domain.storage import (
    SNAPSHOT_CATCH_UP_DAYS,
    StorageDayNotOver,
    price_storage,
    snapshot_days_due,
)
from inventory.service_layer.charges import statement_in
from inventory.service_layer.unit_of_work import InventoryUnitOfWork
from stockpath_events import Cause
from stockpath_events.types.inventory import StatementReady, StorageSnapshotTaken
from stockpath_events.types.inventory import StoredUnits as StoredLine
from stockpath_network.fees import FeeSchedule, Unpriceable

log = structlog.get_logger("inventory")

#: The namespace of StatementReady ids: one per seller and month, whichever event completed it.
STATEMENT_READY_IDS = uuid.UUID("0b7d2c55-8f0e-5f3a-9c61-5d1e7a4b2f90")


def statement_ready_id(seller_id: str, month: Month) -> str:
    return str(uuid.uuid5(STATEMENT_READY_IDS, f"{seller_id}\x1f{month}"))


@dataclass(frozen=True)
class SnapshotTaken:
    """What a snapshot request did: whether the day was new, and how much it announced."""

    taken: bool
    snapshots: int = 0
    lines: int = 0


async def take_storage_snapshot(
    command: TakeStorageSnapshot, uow: InventoryUnitOfWork, *, fees: FeeSchedule
) -> SnapshotTaken:
    if command.day >= command.today:
        raise StorageDayNotOver(command.day)
    async with uow:
        if not await uow.storage.claim_day(command.day):
            return SnapshotTaken(taken=False)
        held = await uow.storage.held_at_end_of(command.day)
        snapshots = [
            (fc, seller, list(units))
            for (fc, seller), units in groupby(
                held, key=lambda u: (u.fulfillment_center_id, u.seller_id)
            )
        ]
        for fc, seller, units in snapshots:
            uow.emit(
                StorageSnapshotTaken(
                    day=command.day,
                    fulfillment_center_id=fc,
                    seller_id=seller,
                    lines=[StoredLine(fnsku=u.fnsku, units=u.units) for u in units],
                    snapshots_that_day=len(snapshots),
                )
            )
        if not snapshots and command.day == Month.of(command.day).last_day:
            # No snapshot will come back to complete the month: it is complete now.
            await _announce_statements(uow, Month.of(command.day), fees, caused_by=None)
        await uow.commit()
    return SnapshotTaken(taken=True, snapshots=len(snapshots), lines=len(held))


async def take_due_snapshots(
    today: date,
    unit_of_work: Callable[[], InventoryUnitOfWork],
    *,
    fees: FeeSchedule,
    catch_up_days: int = SNAPSHOT_CATCH_UP_DAYS,
) -> dict[date, SnapshotTaken]:
    """Take every ended day not taken yet (the worker's timer); what each day due gave."""
    uow = unit_of_work()
    async with uow:
        last = await uow.storage.last_day_taken()
    done: dict[date, SnapshotTaken] = {}
    for day in snapshot_days_due(last, today, catch_up_days=catch_up_days):
        taken = await take_storage_snapshot(
            TakeStorageSnapshot(day, today=today), unit_of_work(), fees=fees
        )
        done[day] = taken
        if taken.taken:
            log.info(
                "storage snapshot taken",
                day=str(day),
                snapshots=taken.snapshots,
                lines=taken.lines,
            )
    return done


async def charge_storage(
    commands: list[ChargeStorage], uow: InventoryUnitOfWork, *, fees: FeeSchedule
) -> None:
    await uow.storage.claim_days(c.day for c in commands)
    items = await uow.charges.items(u.fnsku for c in commands for u in c.lines)
    charges = []
    for command in commands:
        for stored in command.lines:
            item = items.get(stored.fnsku)
            try:
                if item is None:
                    raise Unpriceable(f"no registration of {stored.fnsku} was seen")
                charges.append(price_storage(stored, command.day, item, command.charged_as, fees))
            except Unpriceable as why:
                log.error(
                    "units stored but not charged",
                    reason=str(why),
                    fnsku=stored.fnsku,
                    day=str(command.day),
                    event_id=command.charged_as.event_id,
                )
    await uow.storage.add_all(charges)
    await _complete_months(commands, uow, fees)


async def _complete_months(
    commands: list[ChargeStorage], uow: InventoryUnitOfWork, fees: FeeSchedule
) -> None:
    """A month is complete once every snapshot of its last day is charged (a snapshot announced
    before they said how many the day has counts for nothing: its month is never announced)."""
    last_days = [
        c
        for c in commands
        if c.snapshots_that_day is not None and c.day == Month.of(c.day).last_day
    ]
    if not last_days:
        return
    await uow.storage.record_last_day_charged(
        (c.day, c.fulfillment_center_id, c.seller_id) for c in last_days
    )
    for day in sorted({c.day for c in last_days}):
        of_day = [c for c in last_days if c.day == day]
        expected = max(c.snapshots_that_day or 0 for c in of_day)
        if await uow.storage.last_day_charged(day) >= expected:
            await _announce_statements(uow, Month.of(day), fees, caused_by=of_day[-1].cause)


async def _announce_statements(
    uow: InventoryUnitOfWork, month: Month, fees: FeeSchedule, *, caused_by: Cause | None
) -> None:
    """StatementReady to every seller with a charge in the month not told yet: its id derives from
    the seller and month alone, so a replay announces the very same event."""
    sellers = await uow.charges.sellers_charged_in(month)
    for seller in sorted(await uow.charges.claim_statements_ready(month, sellers)):
        found = await statement_in(uow, seller, month, fees=fees)
        uow.emit(
            StatementReady(
                seller_id=seller,
                month=str(month),
                currency=found.currency,
                total=found.total,
                line_count=len(found.lines) + len(found.storage),
            ),
            caused_by=caused_by,
            event_id=statement_ready_id(seller, month),
        )
        log.info("statement ready", seller_id=seller, month=str(month), total=str(found.total))
