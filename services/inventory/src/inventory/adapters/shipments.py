"""Inbound shipments and their lines: the only code that knows their SQL."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from inventory.adapters.tables import inbound_shipment_lines, inbound_shipments
from inventory.domain.shipments import InboundShipment, ShipmentLine, ShipmentStatus

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
                r.fnsku: ShipmentLine(
                    r.fnsku,
                    r.seller_sku,
                    r.quantity_expected,
                    r.quantity_received,
                    r.quantity_damaged,
                )
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
        """Remember when the seller handed the shipment to a carrier (the first time only); False
        when the shipment is unknown or was marked before."""
        result = await self._conn.execute(
            sa.update(inbound_shipments)
            .where(
                inbound_shipments.c.shipment_id == shipment_id,
                inbound_shipments.c.seller_shipped_at.is_(None),
            )
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
