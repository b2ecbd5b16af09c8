"""Receipts, their lines and the answer each got: the only code that knows their SQL.

The answer is stored as JSON with the receipt, so the same receipt sent again gets it back as is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from inventory.adapters.tables import announced_receipt_lines, receipt_lines, receipts
from inventory.domain.commands import RecordReceipt
from inventory.domain.receipts import (
    AnnouncedLine,
    ReceiptResult,
    ReceivedLine,
    ShipmentReceipt,
    StoredReceipt,
)
from inventory.domain.shipments import LineCount, ShipmentStatus
from inventory.domain.stock import Levels, StockLevel

_ADD_RECEIPT_LINES = sa.text(
    """
    INSERT INTO receipt_lines (receipt_id, fnsku, quantity_received, quantity_damaged)
    SELECT CAST(:receipt_id AS text), fnsku, received, damaged
      FROM unnest(CAST(:fnskus AS text[]), CAST(:received AS bigint[]), CAST(:damaged AS bigint[]))
           WITH ORDINALITY AS c(fnsku, received, damaged, n)
     ORDER BY n
    """
)


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
            await self._conn.execute(
                sa.select(receipts).where(receipts.c.receipt_id == command.receipt_id)
            )
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

    async def recorded(self, receipt_id: str) -> bool:
        found = await self._conn.execute(
            sa.select(receipts.c.receipt_id).where(receipts.c.receipt_id == receipt_id)
        )
        return found.first() is not None

    async def gather(self, line: AnnouncedLine) -> list[AnnouncedLine]:
        """Keep an announced line of a receipt not recorded yet; returns every line of that
        receipt kept so far, in the receipt's order."""
        await self._conn.execute(
            pg_insert(announced_receipt_lines)
            .values(
                receipt_id=line.receipt_id,
                line_number=line.line_number,
                line_count=line.line_count,
                shipment_id=line.shipment_id,
                fulfillment_center_id=line.fulfillment_center_id,
                fnsku=line.count.fnsku,
                quantity_received=line.count.received,
                quantity_damaged=line.count.damaged,
                receipt_recorded_at=line.recorded_at,
            )
            .on_conflict_do_nothing()
        )
        t = announced_receipt_lines
        rows = (
            await self._conn.execute(
                sa.select(t).where(t.c.receipt_id == line.receipt_id).order_by(t.c.line_number)
            )
        ).all()
        return [
            AnnouncedLine(
                r.receipt_id,
                r.shipment_id,
                r.fulfillment_center_id,
                r.line_number,
                r.line_count,
                LineCount(r.fnsku, r.quantity_received, r.quantity_damaged),
                r.receipt_recorded_at,
            )
            for r in rows
        ]

    async def forget_gathered(self, receipt_id: str) -> None:
        await self._conn.execute(
            sa.delete(announced_receipt_lines).where(
                announced_receipt_lines.c.receipt_id == receipt_id
            )
        )

    async def for_shipment(self, shipment_id: str) -> list[ShipmentReceipt]:
        """The receipts recorded for a shipment, oldest first, each with its lines."""
        rows = (
            await self._conn.execute(
                sa.select(
                    receipts.c.receipt_id,
                    receipts.c.recorded_at,
                    receipt_lines.c.fnsku,
                    receipt_lines.c.quantity_received,
                    receipt_lines.c.quantity_damaged,
                )
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
