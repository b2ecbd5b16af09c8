"""The ledger and the buckets it adds up to: the only code that knows their SQL.

Every write goes through `StockRepository.move_all`: the ledger rows, then each bucket row changed
once by the sum of its movements. Set-based statements take whole columns as arrays (unnest), so
each is one statement whose text never changes: prepared once by the server, compiled once by
SQLAlchemy, whatever the batch size.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from inventory.adapters.pages import equal, read_page
from inventory.adapters.tables import (
    inbound_shipment_lines,
    inbound_shipments,
    inventory_ledger,
    inventory_levels,
)
from inventory.domain.age import ON_HAND
from inventory.domain.stock import Bucket, LedgerEntry, Levels, StockLevel, StockMove, net_deltas
from stockpath_runtime.paging import Page

_LOCK_LEVELS = sa.text(
    """
    SELECT l.* FROM inventory_levels AS l
      JOIN unnest(CAST(:fnskus AS text[]), CAST(:fcs AS text[])) AS k(fnsku, fc)
        ON l.fnsku = k.fnsku AND l.fulfillment_center_id = k.fc
     ORDER BY l.fnsku, l.fulfillment_center_id
       FOR UPDATE OF l
    """
)
_ADD_LEDGER_ROWS = sa.text(
    """
    INSERT INTO inventory_ledger
           (fnsku, fulfillment_center_id, seller_id, bucket, delta, reason, cause_event_id, fulfillment_order_id,
            shipment_id, receipt_id, adjustment_id)
    SELECT fnsku, fc, seller_id, bucket, delta, reason, cause_event_id, fulfillment_order_id,
           shipment_id, receipt_id, adjustment_id
      FROM unnest(CAST(:fnskus AS text[]), CAST(:fcs AS text[]), CAST(:seller_ids AS text[]),
                  CAST(:buckets AS text[]), CAST(:deltas AS bigint[]), CAST(:reasons AS text[]),
                  CAST(:cause_event_ids AS text[]), CAST(:fulfillment_order_ids AS text[]),
                  CAST(:shipment_ids AS text[]), CAST(:receipt_ids AS text[]), CAST(:adjustment_ids AS text[]))
           WITH ORDINALITY AS m(fnsku, fc, seller_id, bucket, delta, reason, cause_event_id, fulfillment_order_id,
                                shipment_id, receipt_id, adjustment_id, n)
     ORDER BY n
    """
)
_ENSURE_LEVELS = sa.text(
    """
    INSERT INTO inventory_levels (fnsku, fulfillment_center_id, seller_id, seller_sku)
    SELECT * FROM unnest(CAST(:fnskus AS text[]), CAST(:fcs AS text[]), CAST(:seller_ids AS text[]),
                         CAST(:seller_skus AS text[]))
    ON CONFLICT DO NOTHING
    """
)
_ADD_TO_LEVELS = sa.text(
    """
    UPDATE inventory_levels AS l
       SET inbound = l.inbound + c.inbound, fulfillable = l.fulfillable + c.fulfillable,
           reserved = l.reserved + c.reserved, unfulfillable = l.unfulfillable + c.unfulfillable,
           shipped = l.shipped + c.shipped, seller_sku = COALESCE(c.seller_sku, l.seller_sku), updated_at = now()
      FROM unnest(CAST(:fnskus AS text[]), CAST(:fcs AS text[]), CAST(:seller_skus AS text[]),
                  CAST(:inbound AS bigint[]), CAST(:fulfillable AS bigint[]), CAST(:reserved AS bigint[]),
                  CAST(:unfulfillable AS bigint[]), CAST(:shipped AS bigint[]))
           AS c(fnsku, fc, seller_sku, inbound, fulfillable, reserved, unfulfillable, shipped)
     WHERE l.fnsku = c.fnsku AND l.fulfillment_center_id = c.fc
    RETURNING l.*
    """
)

#: The stock of one FNSKU at one FC, as keys of the answers below.
Key = tuple[str, str]


def _stock_level(row) -> StockLevel:
    return StockLevel(
        fnsku=row.fnsku,
        fulfillment_center_id=row.fulfillment_center_id,
        seller_id=row.seller_id,
        seller_sku=row.seller_sku,
        levels=Levels(row.inbound, row.fulfillable, row.reserved, row.unfulfillable, row.shipped),
    )


class StockRepository:
    """The ledger and the buckets it adds up to."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def move(self, move: StockMove) -> StockLevel:
        """Record one (fnsku, FC)'s movements in the ledger and add them to its buckets; returns
        the buckets after (as they are when nothing moves).

        `move_all` for one pair: its bucket row is changed by an UPDATE, which locks the row for
        the rest of the transaction, so concurrent writers of one pair queue up.
        """
        if not any(m.delta for m in move.movements):
            level = await self.level(move.fnsku, move.fulfillment_center_id)
            return level or StockLevel(
                move.fnsku, move.fulfillment_center_id, move.seller_id, move.seller_sku, Levels()
            )
        return (await self.move_all([move]))[(move.fnsku, move.fulfillment_center_id)]

    async def lock_levels(self, keys: Iterable[Key]) -> dict[Key, StockLevel]:
        """The buckets of these (fnsku, FC) pairs, locked until the transaction ends, in one statement.

        Rows are locked in (fnsku, FC) order, so transactions that lock several rows this way (or
        one FNSKU after another at one FC, as `move` callers do) queue instead of deadlocking.
        Pairs without a row are absent from the answer.
        """
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        rows = await self._conn.execute(
            _LOCK_LEVELS, {"fnskus": [f for f, _ in wanted], "fcs": [fc for _, fc in wanted]}
        )
        return {(r.fnsku, r.fulfillment_center_id): _stock_level(r) for r in rows}

    async def move_all(self, moves: Sequence[StockMove]) -> dict[Key, StockLevel]:
        """`move` for many (fnsku, FC) pairs in a fixed number of statements: every ledger row in
        the order given, then each pair's bucket row changed once by the sum of its movements.
        Returns the buckets after, per (fnsku, FC) moved.

        Callers moving several pairs lock their bucket rows first (`lock_levels`), so the rows are
        taken in a deterministic order; the deltas are added to the stored values.
        """
        moves = [m for m in moves if any(x.delta for x in m.movements)]
        if not moves:
            return {}
        entries = [(m, x) for m in moves for x in m.movements if x.delta]
        await self._conn.execute(
            _ADD_LEDGER_ROWS,
            {
                "fnskus": [m.fnsku for m, _ in entries],
                "fcs": [m.fulfillment_center_id for m, _ in entries],
                "seller_ids": [m.seller_id for m, _ in entries],
                "buckets": [x.bucket.value for _, x in entries],
                "deltas": [x.delta for _, x in entries],
                "reasons": [x.reason.value for _, x in entries],
                "cause_event_ids": [m.cause_event_id for m, _ in entries],
                "fulfillment_order_ids": [m.fulfillment_order_id for m, _ in entries],
                "shipment_ids": [m.shipment_id for m, _ in entries],
                "receipt_ids": [m.receipt_id for m, _ in entries],
                "adjustment_ids": [m.adjustment_id for m, _ in entries],
            },
        )
        per_key: dict[Key, list[StockMove]] = {}
        for m in moves:
            per_key.setdefault((m.fnsku, m.fulfillment_center_id), []).append(m)
        keys = sorted(per_key)
        fnskus, fcs = [f for f, _ in keys], [fc for _, fc in keys]
        # A first movement creates the row with empty buckets, then the deltas are added in place.
        # Not one INSERT … ON CONFLICT DO UPDATE with the deltas as the inserted values: PostgreSQL
        # checks the CHECK constraints on the proposed row first, so a negative delta would be
        # refused even when the stored row can absorb it.
        await self._conn.execute(
            _ENSURE_LEVELS,
            {
                "fnskus": fnskus,
                "fcs": fcs,
                "seller_ids": [per_key[k][0].seller_id for k in keys],
                "seller_skus": [per_key[k][0].seller_sku for k in keys],
            },
        )
        deltas = [net_deltas(x for m in per_key[k] for x in m.movements) for k in keys]
        rows = await self._conn.execute(
            _ADD_TO_LEVELS,
            {
                "fnskus": fnskus,
                "fcs": fcs,
                # The last seller SKU named wins, as if the moves had been applied one by one.
                "seller_skus": [
                    next(
                        (m.seller_sku for m in reversed(per_key[k]) if m.seller_sku is not None),
                        None,
                    )
                    for k in keys
                ],
                **{b.value: [d[b] for d in deltas] for b in Bucket},
            },
        )
        after = {(r.fnsku, r.fulfillment_center_id): _stock_level(r) for r in rows}
        if len(after) != len(keys):
            raise RuntimeError(f"bucket rows changed: {len(after)}, expected {len(keys)}")
        return after

    async def level(
        self, fnsku: str, fulfillment_center_id: str, *, for_update: bool = False
    ) -> StockLevel | None:
        """One FNSKU's buckets at one FC; `for_update` holds the row until the transaction ends, so
        a decision taken on the figures (reserve, adjust) cannot be overtaken."""
        query = sa.select(inventory_levels).where(
            inventory_levels.c.fulfillment_center_id == fulfillment_center_id,
            inventory_levels.c.fnsku == fnsku,
        )
        if for_update:
            query = query.with_for_update()
        row = (await self._conn.execute(query)).first()
        return _stock_level(row) if row is not None else None

    # --- reads for the inventory report and the audit ------------------------------------------

    async def levels(
        self,
        *,
        seller_id: str | None = None,
        fnsku: str | None = None,
        fulfillment_center_id: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> Page[StockLevel]:
        filters = equal(
            (inventory_levels.c.seller_id, seller_id),
            (inventory_levels.c.fnsku, fnsku),
            (inventory_levels.c.fulfillment_center_id, fulfillment_center_id),
        )
        # The primary key order: stable, so pages never repeat or skip a row.
        order = (inventory_levels.c.fnsku, inventory_levels.c.fulfillment_center_id)
        return await read_page(
            self._conn, inventory_levels, filters, order, limit, offset, _stock_level
        )

    async def inbound_by_stage(self, keys: Iterable[Key]) -> dict[Key, dict[str, int]]:
        """Inbound units per (fnsku, FC) split as FBA reports them: ``working`` (planned, the seller
        has not shipped), ``shipped`` (on its way) and ``receiving`` (the FC has started counting)."""
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        outstanding = sa.func.greatest(
            inbound_shipment_lines.c.quantity_expected
            - inbound_shipment_lines.c.quantity_received
            - inbound_shipment_lines.c.quantity_damaged,
            0,
        )
        stage = sa.case(
            (inbound_shipments.c.status == "RECEIVING", "receiving"),
            (inbound_shipments.c.seller_shipped_at.is_not(None), "shipped"),
            else_="working",
        )
        rows = await self._conn.execute(
            sa.select(
                inbound_shipment_lines.c.fnsku,
                inbound_shipments.c.fulfillment_center_id,
                stage.label("stage"),
                sa.func.sum(outstanding).label("units"),
            )
            .join(
                inbound_shipments,
                inbound_shipments.c.shipment_id == inbound_shipment_lines.c.shipment_id,
            )
            .where(
                inbound_shipments.c.status.in_(["PLANNED", "RECEIVING"]),
                sa.tuple_(
                    inbound_shipment_lines.c.fnsku, inbound_shipments.c.fulfillment_center_id
                ).in_(wanted),
            )
            .group_by(
                inbound_shipment_lines.c.fnsku, inbound_shipments.c.fulfillment_center_id, stage
            )
        )
        found: dict[Key, dict[str, int]] = {}
        for r in rows:
            found.setdefault(
                (r.fnsku, r.fulfillment_center_id), {"working": 0, "shipped": 0, "receiving": 0}
            )[r.stage] = int(r.units)
        return found

    async def ledger(
        self,
        *,
        fnsku: str | None = None,
        fulfillment_center_id: str | None = None,
        seller_id: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> Page[LedgerEntry]:
        filters = equal(
            (inventory_ledger.c.fnsku, fnsku),
            (inventory_ledger.c.fulfillment_center_id, fulfillment_center_id),
            (inventory_ledger.c.seller_id, seller_id),
        )
        return await read_page(
            self._conn,
            inventory_ledger,
            filters,
            (inventory_ledger.c.entry_id,),
            limit,
            offset,
            lambda r: LedgerEntry(**{**r._asdict(), "bucket": Bucket(r.bucket)}),
        )

    async def on_hand_entries(self, keys: Iterable[Key]) -> dict[Key, list[LedgerEntry]]:
        """The ledger rows of these (fnsku, FC) that move units in the building (fulfillable,
        reserved, unfulfillable), in entry order: what their inventory age is computed from."""
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        rows = await self._conn.execute(
            sa.select(inventory_ledger)
            .where(
                sa.tuple_(inventory_ledger.c.fnsku, inventory_ledger.c.fulfillment_center_id).in_(
                    wanted
                ),
                inventory_ledger.c.bucket.in_([b.value for b in ON_HAND]),
            )
            .order_by(
                inventory_ledger.c.fnsku,
                inventory_ledger.c.fulfillment_center_id,
                inventory_ledger.c.entry_id,
            )
        )
        found: dict[Key, list[LedgerEntry]] = {key: [] for key in wanted}
        for r in rows:
            found[(r.fnsku, r.fulfillment_center_id)].append(
                LedgerEntry(**{**r._asdict(), "bucket": Bucket(r.bucket)})
            )
        return found

    async def recomputed_from_ledger(
        self,
        *,
        fnsku: str | None = None,
        fulfillment_center_id: str | None = None,
        seller_id: str | None = None,
    ) -> dict[Key, Levels]:
        """The buckets of every (fnsku, FC) matching the filters as the ledger adds them up, to
        audit `inventory_levels`."""
        filters = equal(
            (inventory_ledger.c.fnsku, fnsku),
            (inventory_ledger.c.fulfillment_center_id, fulfillment_center_id),
            (inventory_ledger.c.seller_id, seller_id),
        )
        rows = await self._conn.execute(
            sa.select(
                inventory_ledger.c.fnsku,
                inventory_ledger.c.fulfillment_center_id,
                inventory_ledger.c.bucket,
                sa.func.sum(inventory_ledger.c.delta).label("total"),
            )
            .where(*filters)
            .group_by(
                inventory_ledger.c.fnsku,
                inventory_ledger.c.fulfillment_center_id,
                inventory_ledger.c.bucket,
            )
        )
        totals: dict[Key, dict[str, int]] = {}
        for r in rows:
            totals.setdefault((r.fnsku, r.fulfillment_center_id), {})[Bucket(r.bucket).value] = int(
                r.total
            )
        return {key: Levels(**buckets) for key, buckets in totals.items()}

    async def stored_levels(
        self,
        *,
        fnsku: str | None = None,
        fulfillment_center_id: str | None = None,
        seller_id: str | None = None,
    ) -> dict[Key, Levels]:
        filters = equal(
            (inventory_levels.c.fnsku, fnsku),
            (inventory_levels.c.fulfillment_center_id, fulfillment_center_id),
            (inventory_levels.c.seller_id, seller_id),
        )
        rows = await self._conn.execute(sa.select(inventory_levels).where(*filters))
        return {(r.fnsku, r.fulfillment_center_id): _stock_level(r).levels for r in rows}
