"""Storage: the days whose snapshot was taken, what the FCs held at the end of a day (from the
stock ledger) and the daily storage charges — the only code that knows their SQL."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from inventory.adapters.tables import (
    inventory_ledger,
    last_day_snapshots_charged,
    storage_charges,
    storage_snapshots,
)
from inventory.domain.charges import ChargedEvent
from inventory.domain.statements import Month
from inventory.domain.storage import StorageCharge, StoredUnits

#: The buckets of units physically in an FC (inbound have not arrived, shipped have left).
_HELD = ("fulfillable", "reserved", "unfulfillable")


class StorageRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def claim_day(self, day: date) -> bool:
        """Record that the day's snapshot is taken; False when it was before."""
        return bool(await self.claim_days([day]))

    async def claim_days(self, days: Iterable[date]) -> set[date]:
        """Record these days' snapshots as taken (one statement); the days that were not before."""
        wanted = sorted(set(days))
        if not wanted:
            return set()
        rows = await self._conn.execute(
            insert(storage_snapshots)
            .values([{"day": day} for day in wanted])
            .on_conflict_do_nothing()
            .returning(storage_snapshots.c.day)
        )
        return {row.day for row in rows}

    async def last_day_taken(self) -> date | None:
        """The latest day whose snapshot was taken, if any was."""
        return await self._conn.scalar(sa.select(sa.func.max(storage_snapshots.c.day)))

    async def record_last_day_charged(self, snapshots: Iterable[tuple[date, str, str]]) -> None:
        """Record snapshots of a month's last day (day, FC, seller) as charged (kept once each)."""
        rows = [
            {"day": d, "fulfillment_center_id": fc, "seller_id": s} for d, fc, s in set(snapshots)
        ]
        if rows:
            await self._conn.execute(
                insert(last_day_snapshots_charged).values(rows).on_conflict_do_nothing()
            )

    async def last_day_charged(self, day: date) -> int:
        """How many of the day's snapshots are charged, counted while holding the day's row: two
        transactions charging its last snapshots at once count one after the other, so the second
        sees the first's (and one of them sees the day complete)."""
        await self._conn.execute(
            sa.select(storage_snapshots.c.day)
            .where(storage_snapshots.c.day == day)
            .with_for_update()
        )
        return int(
            await self._conn.scalar(
                sa.select(sa.func.count()).where(last_day_snapshots_charged.c.day == day)
            )
            or 0
        )

    async def held_at_end_of(self, day: date) -> list[StoredUnits]:
        """What each FC held per seller and FNSKU when the day ended (UTC), as the ledger adds up
        every movement recorded before midnight; nothing held is left out."""
        end = datetime.combine(day + timedelta(days=1), time(), UTC)
        units = sa.func.sum(inventory_ledger.c.delta)
        rows = await self._conn.execute(
            sa.select(
                inventory_ledger.c.seller_id,
                inventory_ledger.c.fnsku,
                inventory_ledger.c.fulfillment_center_id,
                units.label("units"),
            )
            .where(inventory_ledger.c.created_at < end, inventory_ledger.c.bucket.in_(_HELD))
            .group_by(
                inventory_ledger.c.seller_id,
                inventory_ledger.c.fnsku,
                inventory_ledger.c.fulfillment_center_id,
            )
            .having(units > 0)
            .order_by(
                inventory_ledger.c.fulfillment_center_id,
                inventory_ledger.c.seller_id,
                inventory_ledger.c.fnsku,
            )
        )
        return [
            StoredUnits(r.seller_id, r.fnsku, r.fulfillment_center_id, int(r.units)) for r in rows
        ]

    async def add_all(self, charges: Sequence[StorageCharge]) -> int:
        """Write the days not charged yet (one per seller, FNSKU, FC and day); how many were new."""
        if not charges:
            return 0
        rows = await self._conn.execute(
            insert(storage_charges)
            .values(
                [
                    {
                        "seller_id": c.seller_id,
                        "fnsku": c.fnsku,
                        "fulfillment_center_id": c.fulfillment_center_id,
                        "day": c.day,
                        "units": c.units,
                        "cubic_feet": c.cubic_feet,
                        "monthly_rate": c.monthly_rate,
                        "amount": c.amount,
                        "schedule_effective_from": c.schedule_effective_from,
                        "event_id": c.event.event_id,
                        "event_type": c.event.event_type,
                        "occurred_at": c.event.occurred_at,
                    }
                    for c in charges
                ]
            )
            .on_conflict_do_nothing()
            .returning(storage_charges.c.day)
        )
        return len(rows.all())

    async def of_month(self, seller_id: str, month: Month) -> list[StorageCharge]:
        rows = await self._conn.execute(
            sa.select(storage_charges)
            .where(
                storage_charges.c.seller_id == seller_id,
                storage_charges.c.day >= month.first_day,
                storage_charges.c.day < month.next_first_day,
            )
            .order_by(storage_charges.c.fnsku, storage_charges.c.fulfillment_center_id)
        )
        return [
            StorageCharge(
                seller_id=r.seller_id,
                fnsku=r.fnsku,
                fulfillment_center_id=r.fulfillment_center_id,
                day=r.day,
                units=r.units,
                cubic_feet=r.cubic_feet,
                monthly_rate=r.monthly_rate,
                amount=r.amount,
                schedule_effective_from=r.schedule_effective_from,
                event=ChargedEvent(r.event_id, r.event_type, r.occurred_at),
            )
            for r in rows
        ]
