"""Reading and writing inbound shipments, quantity buckets, the ledger and receipts; the only
module that knows the inventory's SQL."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from inventory.adapters.tables import (
    adjustments,
    discrepancies,
    fulfillment_order_stock,
    fulfillment_orders,
    inbound_shipment_lines,
    inbound_shipments,
    inventory_ledger,
    inventory_levels,
    receipt_lines,
    receipts,
)
from inventory.domain.commands import RecordReceipt
from inventory.domain.model import (
    Bucket,
    InboundShipment,
    Levels,
    LineCount,
    Movement,
    ReceiptResult,
    ReceivedLine,
    ShipmentLine,
    ShipmentStatus,
    StockLevel,
    net_deltas,
)

T = TypeVar("T")

# Set-based statements take whole columns as arrays (unnest), so each is one statement whose text
# never changes: prepared once by the server, compiled once by SQLAlchemy, whatever the batch size.
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
_GET_FULFILLMENT_ORDERS = sa.text(
    "SELECT * FROM fulfillment_orders WHERE fulfillment_order_id = ANY(CAST(:ids AS text[])) ORDER BY fulfillment_order_id"
)
_GET_FULFILLMENT_ORDERS_FOR_UPDATE = sa.text(
    "SELECT * FROM fulfillment_orders WHERE fulfillment_order_id = ANY(CAST(:ids AS text[])) "
    "ORDER BY fulfillment_order_id FOR UPDATE"
)
_GET_FULFILLMENT_ORDER_STOCK = sa.text(
    "SELECT * FROM fulfillment_order_stock WHERE fulfillment_order_id = ANY(CAST(:ids AS text[])) "
    "ORDER BY fulfillment_order_id, fnsku"
)
_UPDATE_FULFILLMENT_ORDERS = sa.text(
    """
    UPDATE fulfillment_orders AS f
       SET status = c.status, instructed = c.instructed, updated_at = now(),
           carrier = CASE WHEN c.carrier IS NULL THEN f.carrier ELSE c.carrier END,
           tracking_number = CASE WHEN c.carrier IS NULL THEN f.tracking_number ELSE c.tracking_number END
      FROM unnest(CAST(:ids AS text[]), CAST(:statuses AS text[]), CAST(:instructed AS boolean[]),
                  CAST(:carriers AS text[]), CAST(:tracking_numbers AS text[]))
           AS c(fulfillment_order_id, status, instructed, carrier, tracking_number)
     WHERE f.fulfillment_order_id = c.fulfillment_order_id
    """
)

_ADD_SHIPMENT_LINES = sa.text(
    """
    INSERT INTO inbound_shipment_lines
           (shipment_id, fnsku, seller_sku, quantity_expected, quantity_received, quantity_damaged)
    SELECT CAST(:shipment_id AS text), fnsku, seller_sku, expected, received, damaged
      FROM unnest(CAST(:fnskus AS text[]), CAST(:seller_skus AS text[]), CAST(:expected AS bigint[]),
                  CAST(:received AS bigint[]), CAST(:damaged AS bigint[]))
           WITH ORDINALITY AS c(fnsku, seller_sku, expected, received, damaged, n)
     ORDER BY n
    """
)
_SAVE_SHIPMENT_LINES = sa.text(
    """
    UPDATE inbound_shipment_lines AS l
       SET quantity_received = c.received, quantity_damaged = c.damaged
      FROM unnest(CAST(:fnskus AS text[]), CAST(:received AS bigint[]), CAST(:damaged AS bigint[]))
           AS c(fnsku, received, damaged)
     WHERE l.shipment_id = CAST(:shipment_id AS text) AND l.fnsku = c.fnsku
    """
)
_ADD_RECEIPT_LINES = sa.text(
    """
    INSERT INTO receipt_lines (receipt_id, fnsku, quantity_received, quantity_damaged)
    SELECT CAST(:receipt_id AS text), fnsku, received, damaged
      FROM unnest(CAST(:fnskus AS text[]), CAST(:received AS bigint[]), CAST(:damaged AS bigint[]))
           WITH ORDINALITY AS c(fnsku, received, damaged, n)
     ORDER BY n
    """
)
_ADD_DISCREPANCIES = sa.text(
    """
    INSERT INTO discrepancies
           (discrepancy_id, kind, fulfillment_center_id, fnsku, seller_id, quantity, quantity_expected,
            quantity_counted, shipment_id, fulfillment_order_id, receipt_id)
    SELECT discrepancy_id, kind, fc, fnsku, seller_id, quantity, quantity_expected,
           quantity_counted, shipment_id, fulfillment_order_id, receipt_id
      FROM unnest(CAST(:discrepancy_ids AS text[]), CAST(:kinds AS text[]), CAST(:fcs AS text[]),
                  CAST(:fnskus AS text[]), CAST(:seller_ids AS text[]), CAST(:quantities AS bigint[]),
                  CAST(:quantities_expected AS bigint[]), CAST(:quantities_counted AS bigint[]),
                  CAST(:shipment_ids AS text[]), CAST(:fulfillment_order_ids AS text[]), CAST(:receipt_ids AS text[]))
           WITH ORDINALITY AS d(discrepancy_id, kind, fc, fnsku, seller_id, quantity, quantity_expected,
                                quantity_counted, shipment_id, fulfillment_order_id, receipt_id, n)
     ORDER BY n
    """
)


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int


class ShipmentRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def get(self, shipment_id: str, *, for_update: bool = False) -> InboundShipment | None:
        """One shipment with its lines; `for_update` locks the shipment row, which serialises every
        change to the shipment and its lines (receipts and cancellation)."""
        query = sa.select(inbound_shipments).where(inbound_shipments.c.shipment_id == shipment_id)
        if for_update:
            query = query.with_for_update()
        row = (await self._conn.execute(query)).first()
        if row is None:
            return None
        lines = await self._conn.execute(
            sa.select(inbound_shipment_lines)
            .where(inbound_shipment_lines.c.shipment_id == shipment_id)
            .order_by(inbound_shipment_lines.c.fnsku)
        )
        return InboundShipment(
            shipment_id=row.shipment_id,
            seller_id=row.seller_id,
            fulfillment_center_id=row.fulfillment_center_id,
            status=ShipmentStatus(row.status),
            lines={
                r.fnsku: ShipmentLine(r.fnsku, r.seller_sku, r.quantity_expected, r.quantity_received, r.quantity_damaged)
                for r in lines
            },
            correlation_id=row.correlation_id,
        )

    async def add(self, shipment: InboundShipment, *, planned_event_id: str | None) -> bool:
        """Store a new shipment; False (and nothing stored) when the shipment id is already known."""
        inserted = (
            await self._conn.execute(
                pg_insert(inbound_shipments)
                .values(
                    shipment_id=shipment.shipment_id,
                    seller_id=shipment.seller_id,
                    fulfillment_center_id=shipment.fulfillment_center_id,
                    status=shipment.status.value,
                    correlation_id=shipment.correlation_id,
                    planned_event_id=planned_event_id,
                )
                .on_conflict_do_nothing()
                .returning(inbound_shipments.c.shipment_id)
            )
        ).first()
        if inserted is None:
            return False
        if shipment.lines:
            # Every line in one statement whose text does not change with the line count.
            lines = list(shipment.lines.values())
            await self._conn.execute(
                _ADD_SHIPMENT_LINES,
                {
                    "shipment_id": shipment.shipment_id,
                    "fnskus": [line.fnsku for line in lines],
                    "seller_skus": [line.seller_sku for line in lines],
                    "expected": [line.quantity_expected for line in lines],
                    "received": [line.quantity_received for line in lines],
                    "damaged": [line.quantity_damaged for line in lines],
                },
            )
        return True

    async def mark_seller_shipped(self, shipment_id: str, shipped_at: datetime) -> bool:
        result = await self._conn.execute(
            sa.update(inbound_shipments)
            .where(inbound_shipments.c.shipment_id == shipment_id, inbound_shipments.c.seller_shipped_at.is_(None))
            .values(seller_shipped_at=shipped_at, updated_at=sa.func.now())
        )
        return result.rowcount == 1

    async def save(self, shipment: InboundShipment, *, fnskus: Iterable[str] = ()) -> None:
        """Write the shipment's status and the counters of the lines named in `fnskus`."""
        await self._conn.execute(
            sa.update(inbound_shipments)
            .where(inbound_shipments.c.shipment_id == shipment.shipment_id)
            .values(status=shipment.status.value, updated_at=sa.func.now())
        )
        lines = [shipment.lines[fnsku] for fnsku in sorted(set(fnskus))]
        if lines:
            # One statement for every line named (the shipment row's lock serialises line changes).
            await self._conn.execute(
                _SAVE_SHIPMENT_LINES,
                {
                    "shipment_id": shipment.shipment_id,
                    "fnskus": [line.fnsku for line in lines],
                    "received": [line.quantity_received for line in lines],
                    "damaged": [line.quantity_damaged for line in lines],
                },
            )


@dataclass(frozen=True)
class LedgerEntry:
    entry_id: int
    fnsku: str
    fulfillment_center_id: str
    seller_id: str
    bucket: Bucket
    delta: int
    reason: str
    shipment_id: str | None
    cause_event_id: str | None
    receipt_id: str | None
    fulfillment_order_id: str | None
    adjustment_id: str | None
    created_at: datetime


def _stock_level(row) -> StockLevel:
    return StockLevel(
        fnsku=row.fnsku,
        fulfillment_center_id=row.fulfillment_center_id,
        seller_id=row.seller_id,
        seller_sku=row.seller_sku,
        levels=Levels(row.inbound, row.fulfillable, row.reserved, row.unfulfillable, row.shipped),
    )


@dataclass(frozen=True)
class StockMove:
    """Movements of one FNSKU at one FC with what the ledger rows point at (see `StockRepository.move_all`)."""

    fnsku: str
    fulfillment_center_id: str
    seller_id: str
    seller_sku: str | None
    movements: tuple[Movement, ...]
    cause_event_id: str | None
    fulfillment_order_id: str | None = None
    shipment_id: str | None = None
    receipt_id: str | None = None
    adjustment_id: str | None = None


class StockRepository:
    """The ledger and the buckets it adds up to."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def move(
        self,
        *,
        fnsku: str,
        fulfillment_center_id: str,
        seller_id: str,
        seller_sku: str | None,
        movements: list[Movement],
        shipment_id: str | None = None,
        receipt_id: str | None = None,
        cause_event_id: str | None = None,
        fulfillment_order_id: str | None = None,
        adjustment_id: str | None = None,
    ) -> StockLevel:
        """Record `movements` in the ledger and add them to the buckets; returns the buckets after.

        `move_all` for one (fnsku, FC) pair: its bucket row is changed by an UPDATE, which locks
        the row for the rest of the transaction, so concurrent writers of one pair queue up.
        """
        movements = [m for m in movements if m.delta]
        if not movements:
            row = (
                await self._conn.execute(
                    sa.select(inventory_levels).where(
                        inventory_levels.c.fulfillment_center_id == fulfillment_center_id,
                        inventory_levels.c.fnsku == fnsku,
                    )
                )
            ).first()
            if row is not None:
                return _stock_level(row)
            return StockLevel(fnsku, fulfillment_center_id, seller_id, seller_sku, Levels())
        after = await self.move_all(
            [
                StockMove(
                    fnsku, fulfillment_center_id, seller_id, seller_sku, tuple(movements),
                    cause_event_id=cause_event_id, fulfillment_order_id=fulfillment_order_id,
                    shipment_id=shipment_id, receipt_id=receipt_id, adjustment_id=adjustment_id,
                )
            ]
        )
        return after[(fnsku, fulfillment_center_id)]

    async def lock_levels(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], StockLevel]:
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

    async def move_all(self, moves: Sequence[StockMove]) -> dict[tuple[str, str], StockLevel]:
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
        per_key: dict[tuple[str, str], list[StockMove]] = {}
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
                    next((m.seller_sku for m in reversed(per_key[k]) if m.seller_sku is not None), None) for k in keys
                ],
                **{b.value: [d[b] for d in deltas] for b in Bucket},
            },
        )
        after = {(r.fnsku, r.fulfillment_center_id): _stock_level(r) for r in rows}
        if len(after) != len(keys):
            raise RuntimeError(f"bucket rows changed: {len(after)}, expected {len(keys)}")
        return after

    async def level(self, fnsku: str, fulfillment_center_id: str, *, for_update: bool = False) -> StockLevel | None:
        """One FNSKU's buckets at one FC; `for_update` holds the row until the transaction ends, so
        a decision taken on the figures (reserve, adjust) cannot be overtaken."""
        query = sa.select(inventory_levels).where(
            inventory_levels.c.fulfillment_center_id == fulfillment_center_id, inventory_levels.c.fnsku == fnsku
        )
        if for_update:
            query = query.with_for_update()
        row = (await self._conn.execute(query)).first()
        return _stock_level(row) if row is not None else None

    async def inbound_by_stage(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], dict[str, int]]:
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
            .join(inbound_shipments, inbound_shipments.c.shipment_id == inbound_shipment_lines.c.shipment_id)
            .where(
                inbound_shipments.c.status.in_(["PLANNED", "RECEIVING"]),
                sa.tuple_(inbound_shipment_lines.c.fnsku, inbound_shipments.c.fulfillment_center_id).in_(wanted),
            )
            .group_by(inbound_shipment_lines.c.fnsku, inbound_shipments.c.fulfillment_center_id, stage)
        )
        found: dict[tuple[str, str], dict[str, int]] = {}
        for r in rows:
            found.setdefault((r.fnsku, r.fulfillment_center_id), {"working": 0, "shipped": 0, "receiving": 0})[
                r.stage
            ] = int(r.units)
        return found

    async def levels(
        self,
        *,
        seller_id: str | None = None,
        fnsku: str | None = None,
        fulfillment_center_id: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> Page[StockLevel]:
        filters = []
        if seller_id:
            filters.append(inventory_levels.c.seller_id == seller_id)
        if fnsku:
            filters.append(inventory_levels.c.fnsku == fnsku)
        if fulfillment_center_id:
            filters.append(inventory_levels.c.fulfillment_center_id == fulfillment_center_id)
        total = (
            await self._conn.execute(sa.select(sa.func.count()).select_from(inventory_levels).where(*filters))
        ).scalar_one()
        rows = await self._conn.execute(
            sa.select(inventory_levels)
            .where(*filters)
            # The primary key order: stable, so pages never repeat or skip a row.
            .order_by(inventory_levels.c.fnsku, inventory_levels.c.fulfillment_center_id)
            .limit(limit)
            .offset(offset)
        )
        return Page([_stock_level(r) for r in rows], total)

    async def ledger(
        self,
        *,
        fnsku: str | None = None,
        fulfillment_center_id: str | None = None,
        seller_id: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> Page[LedgerEntry]:
        filters = []
        if fnsku:
            filters.append(inventory_ledger.c.fnsku == fnsku)
        if fulfillment_center_id:
            filters.append(inventory_ledger.c.fulfillment_center_id == fulfillment_center_id)
        if seller_id:
            filters.append(inventory_ledger.c.seller_id == seller_id)
        total = (
            await self._conn.execute(sa.select(sa.func.count()).select_from(inventory_ledger).where(*filters))
        ).scalar_one()
        rows = await self._conn.execute(
            sa.select(inventory_ledger).where(*filters).order_by(inventory_ledger.c.entry_id).limit(limit).offset(offset)
        )
        return Page(
            [
                LedgerEntry(
                    entry_id=r.entry_id,
                    fnsku=r.fnsku,
                    fulfillment_center_id=r.fulfillment_center_id,
                    seller_id=r.seller_id,
                    bucket=Bucket(r.bucket),
                    delta=r.delta,
                    reason=r.reason,
                    shipment_id=r.shipment_id,
                    cause_event_id=r.cause_event_id,
                    receipt_id=r.receipt_id,
                    fulfillment_order_id=r.fulfillment_order_id,
                    adjustment_id=r.adjustment_id,
                    created_at=r.created_at,
                )
                for r in rows
            ],
            total,
        )

    async def recomputed_from_ledger(self) -> dict[tuple[str, str], Levels]:
        """Every (fnsku, FC)'s buckets as the ledger adds them up, to audit `inventory_levels`."""
        rows = await self._conn.execute(
            sa.select(
                inventory_ledger.c.fnsku,
                inventory_ledger.c.fulfillment_center_id,
                inventory_ledger.c.bucket,
                sa.func.sum(inventory_ledger.c.delta).label("total"),
            ).group_by(inventory_ledger.c.fnsku, inventory_ledger.c.fulfillment_center_id, inventory_ledger.c.bucket)
        )
        totals: dict[tuple[str, str], dict[str, int]] = {}
        for r in rows:
            totals.setdefault((r.fnsku, r.fulfillment_center_id), {})[Bucket(r.bucket).value] = int(r.total)
        return {key: Levels(**buckets) for key, buckets in totals.items()}

    async def stored_levels(self) -> dict[tuple[str, str], Levels]:
        rows = await self._conn.execute(sa.select(inventory_levels))
        return {(r.fnsku, r.fulfillment_center_id): _stock_level(r).levels for r in rows}


@dataclass(frozen=True)
class StoredReceipt:
    receipt_id: str
    shipment_id: str
    fingerprint: str
    result: ReceiptResult | None


@dataclass(frozen=True)
class ShipmentReceipt:
    """One receipt of a shipment as FC staff recorded it."""

    receipt_id: str
    recorded_at: datetime
    lines: tuple[LineCount, ...]


def _result_to_json(result: ReceiptResult) -> dict:
    return {
        "receipt_id": result.receipt_id,
        "shipment_id": result.shipment_id,
        "fulfillment_center_id": result.fulfillment_center_id,
        "seller_id": result.seller_id,
        "shipment_status": result.shipment_status.value,
        "recorded_at": result.recorded_at.isoformat(),
        "lines": [asdict(line) for line in result.lines],
        "unknown": [asdict(c) for c in result.unknown],
        "inventory": [
            {
                "fnsku": s.fnsku,
                "fulfillment_center_id": s.fulfillment_center_id,
                "seller_id": s.seller_id,
                "seller_sku": s.seller_sku,
                "levels": asdict(s.levels),
            }
            for s in result.inventory
        ],
    }


def _result_from_json(raw: dict) -> ReceiptResult:
    return ReceiptResult(
        receipt_id=raw["receipt_id"],
        shipment_id=raw["shipment_id"],
        fulfillment_center_id=raw["fulfillment_center_id"],
        seller_id=raw["seller_id"],
        shipment_status=ShipmentStatus(raw["shipment_status"]),
        recorded_at=datetime.fromisoformat(raw["recorded_at"]),
        lines=tuple(ReceivedLine(**line) for line in raw["lines"]),
        unknown=tuple(LineCount(**c) for c in raw.get("unknown", [])),
        inventory=tuple(
            StockLevel(
                fnsku=s["fnsku"],
                fulfillment_center_id=s["fulfillment_center_id"],
                seller_id=s["seller_id"],
                seller_sku=s["seller_sku"],
                levels=Levels(**s["levels"]),
            )
            for s in raw["inventory"]
        ),
    )


class ReceiptRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def claim(self, command: RecordReceipt) -> StoredReceipt | None:
        """Reserve the receipt id for this receipt; returns the receipt already stored under that id
        instead, if there is one.

        A concurrent claim of the same id waits on the primary key until the first transaction
        ends, so it sees either nothing (rolled back: it claims the id itself) or the finished result.
        """
        claimed = (
            await self._conn.execute(
                pg_insert(receipts)
                .values(
                    receipt_id=command.receipt_id,
                    shipment_id=command.shipment_id,
                    fulfillment_center_id=command.fulfillment_center_id,
                    fingerprint=command.fingerprint,
                )
                .on_conflict_do_nothing()
                .returning(receipts.c.receipt_id)
            )
        ).first()
        if claimed is not None:
            return None
        row = (
            await self._conn.execute(sa.select(receipts).where(receipts.c.receipt_id == command.receipt_id))
        ).one()
        return StoredReceipt(
            receipt_id=row.receipt_id,
            shipment_id=row.shipment_id,
            fingerprint=row.fingerprint,
            result=_result_from_json(row.result) if row.result is not None else None,
        )

    async def complete(self, result: ReceiptResult, counts: Iterable[LineCount]) -> None:
        """Store what a claimed receipt counted and the answer it got."""
        await self._conn.execute(
            sa.update(receipts)
            .where(receipts.c.receipt_id == result.receipt_id)
            .values(result=_result_to_json(result), recorded_at=result.recorded_at)
        )
        counts = list(counts)
        if counts:
            await self._conn.execute(
                _ADD_RECEIPT_LINES,
                {
                    "receipt_id": result.receipt_id,
                    "fnskus": [c.fnsku for c in counts],
                    "received": [c.received for c in counts],
                    "damaged": [c.damaged for c in counts],
                },
            )

    async def for_shipment(self, shipment_id: str) -> list[ShipmentReceipt]:
        rows = (
            await self._conn.execute(
                sa.select(receipts.c.receipt_id, receipts.c.recorded_at, receipt_lines.c.fnsku,
                          receipt_lines.c.quantity_received, receipt_lines.c.quantity_damaged)
                .join(receipt_lines, receipt_lines.c.receipt_id == receipts.c.receipt_id)
                .where(receipts.c.shipment_id == shipment_id, receipts.c.result.is_not(None))
                .order_by(receipts.c.recorded_at, receipts.c.receipt_id, receipt_lines.c.fnsku)
            )
        ).all()
        found: dict[str, ShipmentReceipt] = {}
        for r in rows:
            line = LineCount(r.fnsku, r.quantity_received, r.quantity_damaged)
            before = found.get(r.receipt_id)
            found[r.receipt_id] = ShipmentReceipt(
                r.receipt_id, r.recorded_at, (before.lines if before else ()) + (line,)
            )
        return list(found.values())


# --- fulfillment orders ------------------------------------------------------------------------


@dataclass
class FulfillmentOrderStock:
    fnsku: str
    seller_id: str
    seller_sku: str | None
    quantity_ordered: int
    quantity_reserved: int


@dataclass
class FulfillmentOrderRecord:
    fulfillment_order_id: str
    order_id: str
    fulfillment_center_id: str
    status: str
    instructed: bool
    stock: list[FulfillmentOrderStock]


_STOCK_FIELDS = tuple(f.name for f in fields(FulfillmentOrderStock))


class FulfillmentOrderRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def get(self, fulfillment_order_id: str, *, for_update: bool = False) -> FulfillmentOrderRecord | None:
        return (await self.get_all([fulfillment_order_id], for_update=for_update)).get(fulfillment_order_id)

    async def get_all(self, ids: Iterable[str], *, for_update: bool = False) -> dict[str, FulfillmentOrderRecord]:
        """`get` for several fulfillment orders in two statements (rows locked in id order)."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        query = _GET_FULFILLMENT_ORDERS_FOR_UPDATE if for_update else _GET_FULFILLMENT_ORDERS
        found = {
            r.fulfillment_order_id: FulfillmentOrderRecord(
                r.fulfillment_order_id, r.order_id, r.fulfillment_center_id, r.status, r.instructed, []
            )
            for r in await self._conn.execute(query, {"ids": wanted})
        }
        if found:
            for r in await self._conn.execute(_GET_FULFILLMENT_ORDER_STOCK, {"ids": sorted(found)}):
                found[r.fulfillment_order_id].stock.append(
                    FulfillmentOrderStock(r.fnsku, r.seller_id, r.seller_sku, r.quantity_ordered, r.quantity_reserved)
                )
        return found

    async def add_all(
        self, records: Sequence[FulfillmentOrderRecord], *, shipped_by: dict[str, tuple[str, str | None]] | None = None
    ) -> set[str]:
        """Insert new fulfillment orders and their stock in two statements; returns the ids inserted
        (those already known are left alone, their stock not written). `shipped_by` gives the
        (carrier, tracking number) of orders stored as shipped."""
        if not records:
            return set()
        shipped_by = shipped_by or {}
        none = (None, None)
        # executemany with RETURNING: SQLAlchemy sends multi-row INSERTs from one cached statement.
        inserted = {
            r.fulfillment_order_id
            for r in await self._conn.execute(
                pg_insert(fulfillment_orders).on_conflict_do_nothing().returning(fulfillment_orders.c.fulfillment_order_id),
                [
                    {
                        "fulfillment_order_id": record.fulfillment_order_id,
                        "order_id": record.order_id,
                        "fulfillment_center_id": record.fulfillment_center_id,
                        "status": record.status,
                        "instructed": record.instructed,
                        "carrier": shipped_by.get(record.fulfillment_order_id, none)[0],
                        "tracking_number": shipped_by.get(record.fulfillment_order_id, none)[1],
                    }
                    for record in records
                ],
            )
        }
        await self.add_stock_all([r for r in records if r.fulfillment_order_id in inserted])
        return inserted

    async def add_stock_all(self, records: Sequence[FulfillmentOrderRecord]) -> None:
        # Not dataclasses.asdict: its deep copy was a tenth of the worker's time under load.
        rows = [
            {"fulfillment_order_id": r.fulfillment_order_id, **{f: getattr(s, f) for f in _STOCK_FIELDS}}
            for r in records
            for s in r.stock
        ]
        if rows:
            await self._conn.execute(sa.insert(fulfillment_order_stock), rows)

    async def update_all(
        self, records: Sequence[FulfillmentOrderRecord], *, shipped_by: dict[str, tuple[str, str | None]] | None = None
    ) -> None:
        """`update` for several fulfillment orders in one statement (`shipped_by` as in `add_all`)."""
        if not records:
            return
        shipped_by = shipped_by or {}
        ordered = sorted(records, key=lambda r: r.fulfillment_order_id)
        told = [shipped_by.get(r.fulfillment_order_id, (None, None)) for r in ordered]
        await self._conn.execute(
            _UPDATE_FULFILLMENT_ORDERS,
            {
                "ids": [r.fulfillment_order_id for r in ordered],
                "statuses": [r.status for r in ordered],
                "instructed": [r.instructed for r in ordered],
                "carriers": [carrier for carrier, _ in told],
                "tracking_numbers": [tracking for _, tracking in told],
            },
        )

    async def update(
        self, record: FulfillmentOrderRecord, *, carrier: str | None = None, tracking_number: str | None = None
    ) -> None:
        shipped_by = {record.fulfillment_order_id: (carrier, tracking_number)} if carrier is not None else None
        await self.update_all([record], shipped_by=shipped_by)


# --- discrepancies and adjustments -------------------------------------------------------------


@dataclass(frozen=True)
class Discrepancy:
    discrepancy_id: str
    kind: str
    fulfillment_center_id: str
    fnsku: str
    seller_id: str
    quantity: int
    quantity_expected: int | None = None
    quantity_counted: int | None = None
    shipment_id: str | None = None
    fulfillment_order_id: str | None = None
    receipt_id: str | None = None
    recorded_at: datetime | None = None


class DiscrepancyRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def add(self, discrepancy: Discrepancy) -> None:
        await self.add_all([discrepancy])

    async def add_all(self, new: Sequence[Discrepancy]) -> None:
        """Store the discrepancies in one statement, in the order given."""
        if not new:
            return
        await self._conn.execute(
            _ADD_DISCREPANCIES,
            {
                "discrepancy_ids": [d.discrepancy_id for d in new],
                "kinds": [d.kind for d in new],
                "fcs": [d.fulfillment_center_id for d in new],
                "fnskus": [d.fnsku for d in new],
                "seller_ids": [d.seller_id for d in new],
                "quantities": [d.quantity for d in new],
                "quantities_expected": [d.quantity_expected for d in new],
                "quantities_counted": [d.quantity_counted for d in new],
                "shipment_ids": [d.shipment_id for d in new],
                "fulfillment_order_ids": [d.fulfillment_order_id for d in new],
                "receipt_ids": [d.receipt_id for d in new],
            },
        )

    async def list(
        self,
        *,
        shipment_id: str | None = None,
        fnsku: str | None = None,
        fulfillment_center_id: str | None = None,
        kind: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> Page[Discrepancy]:
        filters = []
        for column, value in (
            (discrepancies.c.shipment_id, shipment_id),
            (discrepancies.c.fnsku, fnsku),
            (discrepancies.c.fulfillment_center_id, fulfillment_center_id),
            (discrepancies.c.kind, kind),
        ):
            if value:
                filters.append(column == value)
        total = (
            await self._conn.execute(sa.select(sa.func.count()).select_from(discrepancies).where(*filters))
        ).scalar_one()
        rows = await self._conn.execute(
            sa.select(discrepancies)
            .where(*filters)
            .order_by(discrepancies.c.recorded_at, discrepancies.c.discrepancy_id)
            .limit(limit)
            .offset(offset)
        )
        return Page([Discrepancy(**r._asdict()) for r in rows], total)


class AdjustmentRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def claim(self, row: dict) -> str | None:
        """Reserve the adjustment id for this adjustment; returns the fingerprint already stored
        under that id instead, if there is one (then nothing was written)."""
        claimed = (
            await self._conn.execute(
                pg_insert(adjustments).values(**row).on_conflict_do_nothing().returning(adjustments.c.adjustment_id)
            )
        ).first()
        if claimed is not None:
            return None
        return (
            await self._conn.execute(
                sa.select(adjustments.c.fingerprint).where(adjustments.c.adjustment_id == row["adjustment_id"])
            )
        ).scalar_one()
