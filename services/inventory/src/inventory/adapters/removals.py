"""Sellers' removal orders: the only code that knows their SQL."""

from __future__ import annotations

import json

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from inventory.domain.removals import RemovalOrder, RemovalStatus, RemovalUnits
from stockpath_events import Address
from stockpath_events.types.inventory import RemovalDisposition, RemovalSource

_GET = sa.text("SELECT * FROM removal_orders WHERE removal_order_id = :id")
_GET_FOR_UPDATE = sa.text("SELECT * FROM removal_orders WHERE removal_order_id = :id FOR UPDATE")
_OF_SELLER = sa.text(
    "SELECT * FROM removal_orders WHERE (CAST(:seller_id AS text) IS NULL OR seller_id = :seller_id) "
    "ORDER BY created_at DESC, removal_order_id LIMIT :limit"
)
_ADD = sa.text(
    """
    INSERT INTO removal_orders (removal_order_id, seller_id, fulfillment_center_id, disposition, lines, ship_to,
                                status, fingerprint)
    VALUES (:removal_order_id, :seller_id, :fc, :disposition, CAST(:lines AS jsonb), CAST(:ship_to AS jsonb),
            :status, :fingerprint)
    ON CONFLICT (removal_order_id) DO NOTHING
    RETURNING removal_order_id
    """
)
_SET_STATUS = sa.text(
    """
    UPDATE removal_orders
       SET status = :status, carrier = COALESCE(:carrier, carrier),
           tracking_number = COALESCE(:tracking_number, tracking_number),
           completed_event_id = COALESCE(:completed_event_id, completed_event_id), updated_at = now()
     WHERE removal_order_id = :id
    """
)


def _order(row) -> RemovalOrder:
    return RemovalOrder(
        removal_order_id=row.removal_order_id,
        seller_id=row.seller_id,
        fulfillment_center_id=row.fulfillment_center_id,
        disposition=RemovalDisposition(row.disposition),
        lines=tuple(
            RemovalUnits(u["fnsku"], RemovalSource(u["source"]), u["quantity"], u.get("seller_sku"))
            for u in row.lines
        ),
        ship_to=Address.model_validate(row.ship_to) if row.ship_to else None,
        status=RemovalStatus(row.status),
        carrier=row.carrier,
        tracking_number=row.tracking_number,
    )


class RemovalOrderRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def get(self, removal_order_id: str, *, for_update: bool = False) -> RemovalOrder | None:
        row = (
            await self._conn.execute(
                _GET_FOR_UPDATE if for_update else _GET, {"id": removal_order_id}
            )
        ).first()
        return _order(row) if row else None

    async def fingerprint(self, removal_order_id: str) -> str | None:
        row = (await self._conn.execute(_GET, {"id": removal_order_id})).first()
        return row.fingerprint if row else None

    async def list(self, seller_id: str | None, *, limit: int = 100) -> list[RemovalOrder]:
        rows = await self._conn.execute(_OF_SELLER, {"seller_id": seller_id, "limit": limit})
        return [_order(r) for r in rows]

    async def add(self, order: RemovalOrder) -> bool:
        """Store a new removal order; False when its id is taken."""
        row = (
            await self._conn.execute(
                _ADD,
                {
                    "removal_order_id": order.removal_order_id,
                    "seller_id": order.seller_id,
                    "fc": order.fulfillment_center_id,
                    "disposition": order.disposition.value,
                    "lines": json.dumps(
                        [
                            {
                                "fnsku": u.fnsku,
                                "seller_sku": u.seller_sku,
                                "source": u.source.value,
                                "quantity": u.quantity,
                            }
                            for u in order.lines
                        ]
                    ),
                    "ship_to": json.dumps(order.ship_to.model_dump(mode="json"))
                    if order.ship_to
                    else None,
                    "status": order.status.value,
                    "fingerprint": order.fingerprint(),
                },
            )
        ).first()
        return row is not None

    async def set_status(
        self,
        removal_order_id: str,
        status: RemovalStatus,
        *,
        carrier: str | None = None,
        tracking_number: str | None = None,
        completed_event_id: str | None = None,
    ) -> None:
        await self._conn.execute(
            _SET_STATUS,
            {
                "id": removal_order_id,
                "status": status.value,
                "carrier": carrier,
                "tracking_number": tracking_number,
                "completed_event_id": completed_event_id,
            },
        )
