"""Stock per FNSKU and FC (the `availability` table): the basis inventory reported and the units
this router reserved there. Orders lock these rows, so allocation is serialised per FNSKU and FC
by the database; every statement that locks several takes them in (fnsku, fulfillment_center_id)
order, so two transactions sharing rows queue behind each other instead of deadlocking."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from order_router.adapters.tables import availability
from order_router.domain.routing import StockLevel
from order_router.domain.stock import CenterStock, StockBasis
from stockpath_runtime.db import any_of

# Set-based writes take whole columns as arrays (unnest), so each is one statement whose text
# never changes: prepared once by the server, compiled once by SQLAlchemy, whatever the batch size.
_RESERVE = sa.text(
    """
    UPDATE availability AS a
       SET reservations_total = a.reservations_total + w.quantity, updated_at = now()
      FROM unnest(CAST(:fnskus AS text[]), CAST(:fcs AS text[]), CAST(:quantities AS int[]))
           AS w(fnsku, fulfillment_center_id, quantity)
     WHERE a.fnsku = w.fnsku AND a.fulfillment_center_id = w.fulfillment_center_id
       AND a.basis - a.reservations_total >= w.quantity
    RETURNING a.fnsku, a.fulfillment_center_id
    """
)
# Rows not locked yet in this transaction (a cancellation, a shipment): locked first, in order.
_ADJUST_RESERVATIONS = sa.text(
    """
    WITH change AS (
        SELECT * FROM unnest(CAST(:fnskus AS text[]), CAST(:fcs AS text[]), CAST(:quantities AS int[]))
                   AS c(fnsku, fulfillment_center_id, quantity)
    ), locked AS MATERIALIZED (
        SELECT a.fnsku, a.fulfillment_center_id
          FROM availability AS a
          JOIN change AS c ON a.fnsku = c.fnsku AND a.fulfillment_center_id = c.fulfillment_center_id
         ORDER BY a.fnsku, a.fulfillment_center_id
           FOR UPDATE OF a
    )
    UPDATE availability AS a
       SET reservations_total = a.reservations_total + c.quantity, updated_at = now()
      FROM locked AS l
      JOIN change AS c ON c.fnsku = l.fnsku AND c.fulfillment_center_id = l.fulfillment_center_id
     WHERE a.fnsku = l.fnsku AND a.fulfillment_center_id = l.fulfillment_center_id
    """
)


_WRITE_OFF = sa.text(
    """
    UPDATE availability AS a
       SET basis = GREATEST(a.reservations_total, a.basis - c.quantity), updated_at = now()
      FROM unnest(CAST(:fnskus AS text[]), CAST(:fcs AS text[]), CAST(:quantities AS integer[]))
           AS c(fnsku, fulfillment_center_id, quantity)
     WHERE a.fnsku = c.fnsku AND a.fulfillment_center_id = c.fulfillment_center_id
       AND (a.level_as_of IS NULL OR a.level_as_of < :as_of)
    """
)


class StockRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def lock(self, fnskus: Iterable[str]) -> list[StockLevel]:
        """Lock every FC's row of these FNSKUs until the transaction ends, and return what each
        can still allocate (its basis less the reservations)."""
        return await self._levels(fnskus, lock=True)

    async def levels(self, fnskus: Iterable[str]) -> list[StockLevel]:
        """What every FC can still allocate of these FNSKUs, without locking (a preview: nothing
        is reserved on these figures)."""
        return await self._levels(fnskus, lock=False)

    async def _levels(self, fnskus: Iterable[str], *, lock: bool) -> list[StockLevel]:
        wanted = sorted(set(fnskus))
        if not wanted:
            return []
        query = (
            sa.select(
                availability.c.fnsku,
                availability.c.fulfillment_center_id,
                availability.c.basis,
                availability.c.reservations_total,
            )
            .where(availability.c.fnsku == any_of(wanted))
            .order_by(availability.c.fnsku, availability.c.fulfillment_center_id)
        )
        rows = await self._conn.execute(query.with_for_update() if lock else query)
        return [
            StockLevel(r.fnsku, r.fulfillment_center_id, r.basis - r.reservations_total)
            for r in rows
        ]

    async def reserve(self, units: Mapping[tuple[str, str], int]) -> list[tuple[str, str]]:
        """Reserve units per (fnsku, fulfillment center) in one statement; returns the pairs that
        could NOT be reserved (nothing is changed for them).

        The rows are locked by `lock`, so a refusal means a bug, never a race; the guard makes an
        oversell impossible even then.
        """
        if not units:
            return []
        pairs = sorted(units.items())
        result = await self._conn.execute(_RESERVE, _columns(pairs))
        done = {(r.fnsku, r.fulfillment_center_id) for r in result}
        return [pair for pair in sorted(units) if pair not in done]

    async def release(self, units: Mapping[tuple[str, str], int]) -> None:
        """Give back units of cancelled fulfillment orders, per (fnsku, FC): allocatable again."""
        await self._adjust({pair: -quantity for pair, quantity in units.items()})

    async def take_back(self, units: Mapping[tuple[str, str], int]) -> None:
        """Count again units given back by a cancellation that the FC shipped anyway: they did
        leave, so no other order may have them."""
        await self._adjust(units)

    async def write_off(self, units: Mapping[tuple[str, str], int], *, as_of: datetime) -> None:
        """Units an FC reported lost or damaged at pick at `as_of` leave the basis of their row —
        unless the level recorded is that recent already (inventory's level after the exception
        overtook it), so they are not taken off twice. The next level inventory reports replaces it."""
        if units:
            await self._conn.execute(
                _WRITE_OFF, {**_columns(sorted(units.items())), "as_of": as_of}
            )

    async def record_levels(self, levels: Sequence[StockBasis]) -> set[tuple[str, str]]:
        """Set the basis inventory reported, one level per FNSKU and FC, in one statement; returns
        the (fnsku, FC) pairs set — a pair is left alone when a newer level is recorded already.

        `reservations_total` is ours and is left alone: the basis says how many units the FC ever
        had to sell, our reservations how many are promised.
        """
        if not levels:
            return set()
        insert = pg_insert(availability)
        result = await self._conn.execute(
            insert.on_conflict_do_update(
                index_elements=[availability.c.fnsku, availability.c.fulfillment_center_id],
                set_={
                    "basis": insert.excluded.basis,
                    "seller_id": insert.excluded.seller_id,
                    "level_as_of": insert.excluded.level_as_of,
                    "updated_at": sa.func.now(),
                },
                where=sa.or_(
                    availability.c.level_as_of.is_(None),
                    availability.c.level_as_of <= insert.excluded.level_as_of,
                ),
            ).returning(availability.c.fnsku, availability.c.fulfillment_center_id),
            [
                {
                    "fnsku": level.fnsku,
                    "fulfillment_center_id": level.fulfillment_center_id,
                    "seller_id": level.seller_id,
                    "basis": level.units,
                    "level_as_of": level.as_of,
                }
                for level in sorted(
                    levels, key=lambda level: (level.fnsku, level.fulfillment_center_id)
                )
            ],
        )
        return {(r.fnsku, r.fulfillment_center_id) for r in result}

    async def at_centers(self, fnsku: str) -> list[CenterStock]:
        """The stock of one FNSKU at every FC that reported it, by FC."""
        rows = await self._conn.execute(
            sa.select(availability)
            .where(availability.c.fnsku == fnsku)
            .order_by(availability.c.fulfillment_center_id)
        )
        return [
            CenterStock(
                r.fnsku, r.fulfillment_center_id, r.seller_id, r.basis, r.reservations_total
            )
            for r in rows
        ]

    async def _adjust(self, changes: Mapping[tuple[str, str], int]) -> None:
        if changes:
            await self._conn.execute(_ADJUST_RESERVATIONS, _columns(sorted(changes.items())))


def _columns(pairs: list[tuple[tuple[str, str], int]]) -> dict[str, list]:
    """((fnsku, fc), quantity) pairs as the columns the unnest statements take."""
    return {
        "fnskus": [fnsku for (fnsku, _), _ in pairs],
        "fcs": [fc for (_, fc), _ in pairs],
        "quantities": [quantity for _, quantity in pairs],
    }
