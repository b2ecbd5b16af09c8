"""Fulfillment orders and their lines: what each FC was instructed to ship, and what became of it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from order_router.adapters.tables import fulfillment_order_lines, fulfillment_orders
from order_router.domain.fulfillment import FulfillmentOrder, FulfillmentOrderStatus, Shipment
from order_router.domain.model import ResolvedLine
from stockpath_runtime.db import any_of, insert_rows

_WITH_LINES = (
    sa.select(fulfillment_orders, fulfillment_order_lines)
    .join(
        fulfillment_order_lines,
        fulfillment_order_lines.c.fulfillment_order_id == fulfillment_orders.c.fulfillment_order_id,
    )
    .order_by(
        fulfillment_orders.c.created_at,
        fulfillment_orders.c.fulfillment_order_id,
        fulfillment_order_lines.c.line_id,
    )
)


_CLAIM_EXCEPTION = sa.text(
    "INSERT INTO fulfillment_exceptions (fulfillment_order_id, cause_event_id) VALUES (:id, :cause) "
    "ON CONFLICT DO NOTHING RETURNING fulfillment_order_id"
)
_SET_LINE_QUANTITIES = sa.text(
    """
    UPDATE fulfillment_order_lines AS l SET quantity = q.quantity
      FROM unnest(CAST(:line_ids AS text[]), CAST(:quantities AS integer[])) AS q(line_id, quantity)
     WHERE l.fulfillment_order_id = :id AND l.line_id = q.line_id
    """
)


class FulfillmentOrderRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def add(self, instructed: Sequence[FulfillmentOrder]) -> None:
        """Record fulfillment orders and their lines, in two statements."""
        if not instructed:
            return
        await insert_rows(
            self._conn,
            fulfillment_orders,
            [
                {
                    "fulfillment_order_id": fo.fulfillment_order_id,
                    "order_id": fo.order_id,
                    "fulfillment_center_id": fo.fulfillment_center_id,
                    "status": fo.status.value,
                }
                for fo in instructed
            ],
        )
        await insert_rows(
            self._conn,
            fulfillment_order_lines,
            [
                {
                    "fulfillment_order_id": fo.fulfillment_order_id,
                    "line_id": line.line_id,
                    "fnsku": line.fnsku,
                    "seller_id": line.seller_id,
                    "seller_sku": line.seller_sku,
                    "quantity": line.quantity,
                }
                for fo in instructed
                for line in fo.lines
            ],
        )

    async def of_order(self, order_id: str) -> list[FulfillmentOrder]:
        """Every fulfillment order of an order, in the order they were instructed."""
        return _fulfillment_orders(
            await self._conn.execute(_WITH_LINES.where(fulfillment_orders.c.order_id == order_id))
        )

    async def of_orders(self, order_ids: Iterable[str]) -> dict[str, list[FulfillmentOrder]]:
        """The fulfillment orders of several orders, by order id, in one read."""
        ids = sorted(set(order_ids))
        found: dict[str, list[FulfillmentOrder]] = {order_id: [] for order_id in ids}
        if ids:
            rows = await self._conn.execute(
                _WITH_LINES.where(fulfillment_orders.c.order_id == any_of(ids))
            )
            for fulfillment_order in _fulfillment_orders(rows):
                found[fulfillment_order.order_id].append(fulfillment_order)
        return found

    async def get(self, fulfillment_order_id: str) -> FulfillmentOrder | None:
        rows = await self._conn.execute(
            _WITH_LINES.where(fulfillment_orders.c.fulfillment_order_id == fulfillment_order_id)
        )
        found = _fulfillment_orders(rows)
        return found[0] if found else None

    async def mark_cancelled(self, fulfillment_order_ids: Iterable[str]) -> None:
        ids = sorted(set(fulfillment_order_ids))
        if ids:
            await self._conn.execute(
                sa.update(fulfillment_orders)
                .where(fulfillment_orders.c.fulfillment_order_id == any_of(ids))
                .values(status=FulfillmentOrderStatus.CANCELLED.value)
            )

    async def mark_shipped(self, fulfillment_order_id: str, shipment: Shipment) -> None:
        await self._conn.execute(
            sa.update(fulfillment_orders)
            .where(fulfillment_orders.c.fulfillment_order_id == fulfillment_order_id)
            .values(
                status=FulfillmentOrderStatus.SHIPPED.value,
                carrier=shipment.carrier,
                tracking_number=shipment.tracking_number,
                shipped_at=shipment.shipped_at,
            )
        )

    async def claim_exception(self, fulfillment_order_id: str, cause_event_id: str) -> bool:
        """Record that an FC exception of this fulfillment order is handled; False when one was before."""
        found = await self._conn.execute(
            _CLAIM_EXCEPTION, {"id": fulfillment_order_id, "cause": cause_event_id}
        )
        return found.first() is not None

    async def keep_only(self, fulfillment_order_id: str, quantities: dict[str, int]) -> None:
        """What is left of a fulfillment order after an FC exception: its lines' units (line_id →
        units), FAILED when none is left."""
        pairs = sorted(quantities.items())
        await self._conn.execute(
            _SET_LINE_QUANTITIES,
            {
                "id": fulfillment_order_id,
                "line_ids": [p[0] for p in pairs],
                "quantities": [p[1] for p in pairs],
            },
        )
        if not any(quantities.values()):
            await self._conn.execute(
                sa.update(fulfillment_orders)
                .where(fulfillment_orders.c.fulfillment_order_id == fulfillment_order_id)
                .values(status=FulfillmentOrderStatus.FAILED.value)
            )


def _fulfillment_orders(rows) -> list[FulfillmentOrder]:
    """Rows of fulfillment orders joined with their lines, as fulfillment orders (in row order)."""
    heads: dict[str, object] = {}
    lines: dict[str, list[ResolvedLine]] = {}
    for r in rows:
        heads.setdefault(r.fulfillment_order_id, r)
        lines.setdefault(r.fulfillment_order_id, []).append(
            ResolvedLine(r.line_id, r.fnsku, r.seller_id, r.seller_sku, r.quantity)
        )
    return [
        FulfillmentOrder(
            fulfillment_order_id=fo_id,
            order_id=head.order_id,
            fulfillment_center_id=head.fulfillment_center_id,
            lines=tuple(lines[fo_id]),
            status=FulfillmentOrderStatus(head.status),
            shipment=Shipment(head.carrier, head.tracking_number, head.shipped_at)
            if head.carrier is not None
            else None,
        )
        for fo_id, head in heads.items()
    ]
