"""Storage fees, accrued from daily snapshots (`domain.storage`).

- `take_storage_snapshot` (HTTP, the operator or its daily job): once per ended UTC day, announce
  what every FC held per seller at midnight — one StorageSnapshotTaken per FC and seller on
  `inventory.events`, from the stock ledger as it stood then. The same day asked again announces
  nothing.
- `charge_storage` (StorageSnapshotTaken, consumed back): one storage charge per seller, FNSKU, FC
  and day, priced by the schedule in force that day and the registered item's cubic feet. The
  charge comes from the snapshot's content, not from the tables, so a replay charges the same days
  whatever order the other topics come in; a day charged already is kept as it is. The snapshot's
  day is claimed again (live it was by the request), so a replay rebuilds the days taken too.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby

import structlog

from inventory.domain.commands import ChargeStorage, TakeStorageSnapshot
from inventory.domain.storage import StorageDayNotOver, price_storage
from inventory.service_layer.unit_of_work import InventoryUnitOfWork
from stockpath_events.types.inventory import StorageSnapshotTaken
from stockpath_events.types.inventory import StoredUnits as StoredLine
from stockpath_network.fees import FeeSchedule, Unpriceable

log = structlog.get_logger("inventory")


@dataclass(frozen=True)
class SnapshotTaken:
    """What a snapshot request did: whether the day was new, and how much it announced."""

    taken: bool
    snapshots: int = 0
    lines: int = 0


async def take_storage_snapshot(
    command: TakeStorageSnapshot, uow: InventoryUnitOfWork
) -> SnapshotTaken:
    if command.day >= command.today:
        raise StorageDayNotOver(command.day)
    async with uow:
        if not await uow.storage.claim_day(command.day):
            return SnapshotTaken(taken=False)
        held = await uow.storage.held_at_end_of(command.day)
        snapshots = 0
        for (fc, seller), units in groupby(
            held, key=lambda u: (u.fulfillment_center_id, u.seller_id)
        ):
            uow.emit(
                StorageSnapshotTaken(
                    day=command.day,
                    fulfillment_center_id=fc,
                    seller_id=seller,
                    lines=[StoredLine(fnsku=u.fnsku, units=u.units) for u in units],
                )
            )
            snapshots += 1
        await uow.commit()
    return SnapshotTaken(taken=True, snapshots=snapshots, lines=len(held))


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
