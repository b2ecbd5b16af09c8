"""The fulfillment orders inventory keeps and the stock each holds: the only code that knows
their SQL. Every method takes many orders at once, in a fixed number of statements."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import fields

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from inventory.adapters.tables import (
    fulfillment_exceptions,
    fulfillment_order_stock,
    fulfillment_orders,
)
from inventory.domain.charges import ChargedEvent
from inventory.domain.fulfillment_orders import (
    FulfillmentOrder,
    FulfillmentOrderStatus,
    FulfillmentOrderStock,
)
from stockpath_runtime.db import insert_rows

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

_CLAIM_EXCEPTION = sa.text(
    "INSERT INTO fulfillment_exceptions (fulfillment_order_id, cause_event_id) VALUES (:id, :cause) "
    "ON CONFLICT DO NOTHING RETURNING fulfillment_order_id"
)
_UPDATE_RESERVED = sa.text(
    """
    UPDATE fulfillment_order_stock AS s SET quantity_reserved = c.quantity_reserved
      FROM unnest(CAST(:ids AS text[]), CAST(:fnskus AS text[]), CAST(:reserved AS bigint[]))
           AS c(fulfillment_order_id, fnsku, quantity_reserved)
     WHERE s.fulfillment_order_id = c.fulfillment_order_id AND s.fnsku = c.fnsku
    """
)

_STOCK_FIELDS = tuple(f.name for f in fields(FulfillmentOrderStock))

#: The carrier and tracking number of shipped orders, by fulfillment order id.
ShippedBy = dict[str, tuple[str, str | None]]


class FulfillmentOrderRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def get(
        self, fulfillment_order_id: str, *, for_update: bool = False
    ) -> FulfillmentOrder | None:
        return (await self.get_all([fulfillment_order_id], for_update=for_update)).get(
            fulfillment_order_id
        )

    async def get_all(
        self, ids: Iterable[str], *, for_update: bool = False
    ) -> dict[str, FulfillmentOrder]:
        """`get` for several fulfillment orders in two statements (rows locked in id order)."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        query = _GET_FULFILLMENT_ORDERS_FOR_UPDATE if for_update else _GET_FULFILLMENT_ORDERS
        found = {
            r.fulfillment_order_id: FulfillmentOrder(
                r.fulfillment_order_id,
                r.order_id,
                r.fulfillment_center_id,
                FulfillmentOrderStatus(r.status),
                r.instructed,
                [],
                shipment=ChargedEvent(r.shipment_event_id, r.shipment_event_type, r.shipped_at)
                if r.shipment_event_id
                else None,
            )
            for r in await self._conn.execute(query, {"ids": wanted})
        }
        if found:
            for r in await self._conn.execute(_GET_FULFILLMENT_ORDER_STOCK, {"ids": sorted(found)}):
                found[r.fulfillment_order_id].stock.append(
                    FulfillmentOrderStock(
                        r.fnsku, r.seller_id, r.seller_sku, r.quantity_ordered, r.quantity_reserved
                    )
                )
        return found

    async def add_all(
        self, orders: Sequence[FulfillmentOrder], *, shipped_by: ShippedBy | None = None
    ) -> set[str]:
        """Insert new fulfillment orders and their stock in two statements; returns the ids inserted
        (those already known are left alone, their stock not written). `shipped_by` gives the
        (carrier, tracking number) of orders stored as shipped."""
        if not orders:
            return set()
        shipped_by = shipped_by or {}
        none = (None, None)
        created = await insert_rows(
            self._conn,
            fulfillment_orders,
            [
                {
                    "fulfillment_order_id": order.fulfillment_order_id,
                    "order_id": order.order_id,
                    "fulfillment_center_id": order.fulfillment_center_id,
                    "status": order.status.value,
                    "instructed": order.instructed,
                    "carrier": shipped_by.get(order.fulfillment_order_id, none)[0],
                    "tracking_number": shipped_by.get(order.fulfillment_order_id, none)[1],
                    "shipment_event_id": order.shipment.event_id if order.shipment else None,
                    "shipment_event_type": order.shipment.event_type if order.shipment else None,
                    "shipped_at": order.shipment.occurred_at if order.shipment else None,
                }
                for order in orders
            ],
            on_conflict_do_nothing=True,
            returning=["fulfillment_order_id"],
        )
        inserted = {r.fulfillment_order_id for r in created or ()}
        await self.add_stock_all([o for o in orders if o.fulfillment_order_id in inserted])
        return inserted

    async def add_stock_all(self, orders: Sequence[FulfillmentOrder]) -> None:
        """Store the stock of orders stored before without it (in one statement)."""
        # Not dataclasses.asdict: its deep copy was a tenth of the worker's time under load.
        rows = [
            {
                "fulfillment_order_id": o.fulfillment_order_id,
                **{f: getattr(s, f) for f in _STOCK_FIELDS},
            }
            for o in orders
            for s in o.stock
        ]
        if rows:
            await insert_rows(self._conn, fulfillment_order_stock, rows)

    async def update_all(
        self, orders: Sequence[FulfillmentOrder], *, shipped_by: ShippedBy | None = None
    ) -> None:
        """Write the status of several fulfillment orders in one statement (`shipped_by` as in `add_all`)."""
        if not orders:
            return
        shipped_by = shipped_by or {}
        ordered = sorted(orders, key=lambda o: o.fulfillment_order_id)
        told = [shipped_by.get(o.fulfillment_order_id, (None, None)) for o in ordered]
        await self._conn.execute(
            _UPDATE_FULFILLMENT_ORDERS,
            {
                "ids": [o.fulfillment_order_id for o in ordered],
                "statuses": [o.status.value for o in ordered],
                "instructed": [o.instructed for o in ordered],
                "carriers": [carrier for carrier, _ in told],
                "tracking_numbers": [tracking for _, tracking in told],
            },
        )

    async def exception_told(self, fulfillment_order_id: str) -> bool:
        """Whether an FC exception of this fulfillment order was applied."""
        found = await self._conn.execute(
            sa.select(fulfillment_exceptions.c.fulfillment_order_id).where(
                fulfillment_exceptions.c.fulfillment_order_id == fulfillment_order_id
            )
        )
        return found.first() is not None

    async def claim_exception(self, fulfillment_order_id: str, cause_event_id: str) -> bool:
        """Record that an FC exception of this fulfillment order is applied; False when one was before."""
        found = await self._conn.execute(
            _CLAIM_EXCEPTION, {"id": fulfillment_order_id, "cause": cause_event_id}
        )
        return found.first() is not None

    async def update_reserved_all(self, orders: Sequence[FulfillmentOrder]) -> None:
        """Write the units still reserved of every FNSKU of these orders (one statement)."""
        rows = [
            (o.fulfillment_order_id, s.fnsku, s.quantity_reserved) for o in orders for s in o.stock
        ]
        if rows:
            ids, fnskus, reserved = (list(column) for column in zip(*sorted(rows), strict=True))
            await self._conn.execute(
                _UPDATE_RESERVED, {"ids": ids, "fnskus": fnskus, "reserved": reserved}
            )
