"""Inbound shipments and their lines; an inbound plan is the shipments that share its plan id.
The only module with their SQL."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from registration.adapters.fresh_ids import insert_with_fresh_id
from registration.adapters.tables import inbound_shipment_lines, inbound_shipments
from registration.domain.model import InboundShipment, ShipmentLine, ShipmentStatus
from stockpath_runtime.paging import Page

_SHIPMENT_COLUMNS = [c for c in inbound_shipments.c if c.name != "seq"]


def _planned(shipment: InboundShipment) -> dict:
    return {
        "seller_id": shipment.seller_id,
        "fulfillment_center_id": shipment.fulfillment_center_id,
        "ship_to": shipment.ship_to,
        "status": shipment.status.value,
        "plan_id": shipment.plan_id,
    }


class ShipmentRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def add(self, shipment: InboundShipment, new_id: Callable[[], str]) -> InboundShipment:
        """Store a planned shipment under a fresh shipment id; returns it as stored."""
        shipment_id = await insert_with_fresh_id(
            self._conn, inbound_shipments, "shipment_id", new_id, _planned(shipment)
        )
        await self._add_lines(shipment_id, shipment)
        stored = await self.get(shipment_id)
        assert stored is not None
        return stored

    async def record(self, shipment: InboundShipment) -> bool:
        """Store a planned shipment under its own id unless it is stored already; whether it was
        stored now. Looked up first, not inserted on conflict: an insert draws the next `seq` even
        when it conflicts, and a rebuild must number shipments as the requests numbered them."""
        known = await self._conn.execute(
            sa.select(inbound_shipments.c.shipment_id).where(
                inbound_shipments.c.shipment_id == shipment.shipment_id
            )
        )
        if known.first() is not None:
            return False
        await self._conn.execute(
            sa.insert(inbound_shipments).values(
                **_planned(shipment), shipment_id=shipment.shipment_id
            )
        )
        await self._add_lines(shipment.shipment_id, shipment)
        return True

    async def _add_lines(self, shipment_id: str, shipment: InboundShipment) -> None:
        await self._conn.execute(
            sa.insert(inbound_shipment_lines),
            [
                {"shipment_id": shipment_id, "line_number": n, **dataclasses.asdict(line)}
                for n, line in enumerate(shipment.lines, start=1)
            ],
        )

    async def get(
        self, shipment_id: str, *, seller_id: str | None = None, for_update: bool = False
    ) -> InboundShipment | None:
        """One shipment; with `seller_id`, only if it is that seller's (anyone else's reads as absent)."""
        query = sa.select(*_SHIPMENT_COLUMNS).where(inbound_shipments.c.shipment_id == shipment_id)
        if seller_id is not None:
            query = query.where(inbound_shipments.c.seller_id == seller_id)
        if for_update:
            query = query.with_for_update()
        row = (await self._conn.execute(query)).first()
        if row is None:
            return None
        return (await self._with_lines([row]))[0]

    async def save_status(self, shipment: InboundShipment) -> None:
        """Store a shipment's status and what came with it (carrier, tracking number, cancel reason)."""
        await self._conn.execute(
            sa.update(inbound_shipments)
            .where(inbound_shipments.c.shipment_id == shipment.shipment_id)
            .values(
                status=shipment.status.value,
                carrier=shipment.carrier,
                tracking_number=shipment.tracking_number,
                cancel_reason=shipment.cancel_reason,
                shipped_at=shipment.shipped_at,
                updated_at=sa.func.now(),
            )
        )

    async def page(
        self,
        seller_id: str | None,
        *,
        status: ShipmentStatus | None,
        limit: int,
        offset: int,
        plan_id: str | None = None,
    ) -> Page[InboundShipment]:
        """The seller's shipments, oldest first; with `plan_id`, only that inbound plan's (with no
        `seller_id`, the operator's read: anyone's)."""
        filters = [] if seller_id is None else [inbound_shipments.c.seller_id == seller_id]
        if plan_id is not None:
            filters.append(inbound_shipments.c.plan_id == plan_id)
        if status is not None:
            filters.append(inbound_shipments.c.status == status.value)
        total = (
            await self._conn.execute(
                sa.select(sa.func.count()).select_from(inbound_shipments).where(*filters)
            )
        ).scalar_one()
        rows = list(
            await self._conn.execute(
                sa.select(*_SHIPMENT_COLUMNS)
                .where(*filters)
                .order_by(inbound_shipments.c.seq)
                .limit(limit)
                .offset(offset)
            )
        )
        return Page(await self._with_lines(rows), total)

    async def _with_lines(self, rows) -> list[InboundShipment]:
        ids = [r.shipment_id for r in rows]
        lines: dict[str, list[ShipmentLine]] = {i: [] for i in ids}
        if ids:
            for line in await self._conn.execute(
                sa.select(inbound_shipment_lines)
                .where(inbound_shipment_lines.c.shipment_id.in_(ids))
                .order_by(
                    inbound_shipment_lines.c.shipment_id, inbound_shipment_lines.c.line_number
                )
            ):
                lines[line.shipment_id].append(
                    ShipmentLine(line.fnsku, line.seller_sku, line.quantity)
                )
        return [
            InboundShipment(
                shipment_id=r.shipment_id,
                seller_id=r.seller_id,
                fulfillment_center_id=r.fulfillment_center_id,
                ship_to=dict(r.ship_to),
                lines=tuple(lines[r.shipment_id]),
                status=ShipmentStatus(r.status),
                carrier=r.carrier,
                tracking_number=r.tracking_number,
                cancel_reason=r.cancel_reason,
                created_at=r.created_at,
                updated_at=r.updated_at,
                shipped_at=r.shipped_at,
                plan_id=r.plan_id,
            )
            for r in rows
        ]
