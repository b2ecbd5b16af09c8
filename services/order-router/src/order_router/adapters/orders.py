"""Orders and their lines: as placed, their status, and what became of each line (the FNSKU it
resolved to, units backordered or cancelled), and why an order was rejected or cancelled."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from order_router.adapters.tables import order_lines, orders
from order_router.domain.model import (
    Cancellation,
    LineFailure,
    LineOutcome,
    Order,
    OrderLine,
    OrderRecord,
    OrderStatus,
    OrderSummary,
    ReasonCode,
    Rejection,
    ResolvedLine,
    first_versions,
)
from stockpath_events import Address, FulfillmentPolicy, ShippingSpeed
from stockpath_runtime.db import any_of, insert_rows
from stockpath_runtime.paging import Page

# Set-based writes take whole columns as arrays (unnest), so each is one statement whose text
# never changes, whatever the number of orders and lines.
_SET_STATUSES = sa.text(
    """
    UPDATE orders AS o SET status = s.status, updated_at = now()
      FROM unnest(CAST(:order_ids AS text[]), CAST(:statuses AS text[])) AS s(order_id, status)
     WHERE o.order_id = ANY(CAST(:order_ids AS text[])) AND o.order_id = s.order_id
    """
)
_RESOLVED_COLUMNS = ("order_ids", "line_ids", "fnskus", "seller_ids", "seller_skus")
_SET_RESOLVED = sa.text(
    """
    UPDATE order_lines AS l
       SET fnsku = r.fnsku, resolved_seller_id = r.seller_id, resolved_seller_sku = r.seller_sku
      FROM unnest(CAST(:order_ids AS text[]), CAST(:line_ids AS text[]), CAST(:fnskus AS text[]),
                  CAST(:seller_ids AS text[]), CAST(:seller_skus AS text[]))
           AS r(order_id, line_id, fnsku, seller_id, seller_sku)
     WHERE l.order_id = ANY(CAST(:order_ids AS text[])) AND l.order_id = r.order_id AND l.line_id = r.line_id
    """
)


def _set_line_quantity(column: str) -> sa.TextClause:
    return sa.text(
        f"""
        UPDATE order_lines AS l SET {column} = q.quantity
          FROM unnest(CAST(:order_ids AS text[]), CAST(:line_ids AS text[]), CAST(:quantities AS int[]))
               AS q(order_id, line_id, quantity)
         WHERE l.order_id = ANY(CAST(:order_ids AS text[])) AND l.order_id = q.order_id AND l.line_id = q.line_id
        """
    )


_SET_BACKORDERED = _set_line_quantity("quantity_backordered")
_SET_CANCELLED = _set_line_quantity("quantity_cancelled")


class OrderRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def add(
        self,
        placed: Sequence[Order],
        *,
        resolved: Mapping[str, Sequence[ResolvedLine]] | None = None,
    ) -> set[str]:
        """Record orders as PENDING in two statements; the ids of those not known before (the
        first of several with one id wins). The lines of an order in `resolved` are recorded with
        what they resolved to (FNSKU, seller, seller SKU), as `set_resolved_lines` would."""
        resolved = resolved or {}
        first = first_versions(placed)
        if not first:
            return set()
        created = await insert_rows(
            self._conn,
            orders,
            [
                {
                    "order_id": order.order_id,
                    "channel": order.channel,
                    "status": OrderStatus.PENDING.value,
                    "shipping_speed": order.shipping_speed.value,
                    "fulfillment_policy": order.fulfillment_policy.value,
                    "currency": order.currency,
                    "ship_to": order.ship_to.model_dump(mode="json"),
                }
                for order in first
            ],
            on_conflict_do_nothing=True,
            returning=["order_id"],
        )
        new = {r.order_id for r in created or ()}
        rows = []
        for order in first:
            if order.order_id not in new:
                continue
            resolution = {line.line_id: line for line in resolved.get(order.order_id, ())}
            for n, line in enumerate(order.lines, start=1):
                to = resolution.get(line.line_id)
                rows.append(
                    {
                        "order_id": order.order_id,
                        "line_no": n,
                        "line_id": line.line_id,
                        "seller_id": line.seller_id,
                        "seller_sku": line.seller_sku,
                        "listing_id": line.listing_id,
                        "quantity": line.quantity,
                        "unit_price": line.unit_price,
                        "fnsku": to and to.fnsku,
                        "resolved_seller_id": to and to.seller_id,
                        "resolved_seller_sku": to and to.seller_sku,
                    }
                )
        await insert_rows(self._conn, order_lines, rows)
        return new

    async def get(self, order_id: str, *, lock: bool = False) -> tuple[Order, OrderStatus] | None:
        """An order as placed and its status; `lock` holds the order until the transaction ends."""
        found = await self._read(order_id, lock=lock)
        if found is None:
            return None
        row, lines = found
        return _order(row, lines), OrderStatus(row.status)

    async def record(self, order_id: str) -> OrderRecord | None:
        """An order with what became of it, in two reads."""
        found = await self._read(order_id)
        if found is None:
            return None
        row, lines = found
        return OrderRecord(
            order=_order(row, lines),
            status=OrderStatus(row.status),
            lines=tuple(
                LineOutcome(
                    _line(r),
                    fnsku=r.fnsku,
                    backordered=r.quantity_backordered,
                    cancelled=r.quantity_cancelled,
                    resolved_seller_id=r.resolved_seller_id,
                )
                for r in lines
            ),
            rejection=_rejection(row.rejection) if row.rejection else None,
            cancellation=Cancellation(row.cancellation.get("reason"))
            if row.cancellation is not None
            else None,
        )

    async def of_seller(
        self, seller_id: str, *, limit: int, offset: int
    ) -> Page[tuple[str, datetime]]:
        """(order id, placed at) of the orders with any line of `seller_id`'s (as resolved, or as
        the line named it), newest first."""
        mine = sa.select(order_lines.c.order_id).where(
            sa.func.coalesce(order_lines.c.resolved_seller_id, order_lines.c.seller_id) == seller_id
        )
        theirs = orders.c.order_id.in_(mine)
        total = await self._conn.scalar(sa.select(sa.func.count()).where(theirs))
        rows = await self._conn.execute(
            sa.select(orders.c.order_id, orders.c.created_at)
            .where(theirs)
            .order_by(orders.c.created_at.desc(), orders.c.order_id.desc())
            .limit(limit)
            .offset(offset)
        )
        return Page([(r.order_id, r.created_at) for r in rows], int(total or 0))

    async def set_statuses(self, statuses: Mapping[str, OrderStatus]) -> None:
        """Set the status of several orders in one statement."""
        if not statuses:
            return
        pairs = sorted(statuses.items())
        await self._conn.execute(
            _SET_STATUSES,
            {"order_ids": [o for o, _ in pairs], "statuses": [status.value for _, status in pairs]},
        )

    async def set_resolved_lines(self, resolved: Mapping[str, Sequence[ResolvedLine]]) -> None:
        """Remember what each line of each order ships (FNSKU, seller SKU), so backorders route
        without resolving again; one statement."""
        rows = [
            (order_id, line.line_id, line.fnsku, line.seller_id, line.seller_sku)
            for order_id, lines in resolved.items()
            for line in lines
        ]
        if rows:
            await self._conn.execute(
                _SET_RESOLVED,
                {name: [row[n] for row in rows] for n, name in enumerate(_RESOLVED_COLUMNS)},
            )

    async def set_backordered(self, quantities: Mapping[str, Mapping[str, int]]) -> None:
        """Set the units of each named line (order_id → line_id → units) that wait for stock; one
        statement for all the lines of all the orders."""
        await self._set_line_quantities(_SET_BACKORDERED, quantities)

    async def set_cancelled(self, quantities: Mapping[str, Mapping[str, int]]) -> None:
        """Set the units of each named line (order_id → line_id → units) that will never ship; one
        statement for all the lines of all the orders."""
        await self._set_line_quantities(_SET_CANCELLED, quantities)

    async def stop_backorders(self, order_ids: Iterable[str]) -> None:
        """Nothing of these orders waits for stock any more (they were cancelled); one statement."""
        ids = sorted(set(order_ids))
        if ids:
            await self._conn.execute(
                sa.update(order_lines)
                .where(
                    order_lines.c.order_id == any_of(ids), order_lines.c.quantity_backordered > 0
                )
                .values(quantity_backordered=0)
            )

    async def mark_rejected(self, order_id: str, failures: Sequence[LineFailure]) -> None:
        rejection = {
            "reason_code": failures[0].reason_code.value,
            "lines": [
                {"line_id": f.line_id, "reason_code": f.reason_code.value, "reason": f.reason}
                for f in failures
            ],
        }
        await self._conn.execute(
            sa.update(orders)
            .where(orders.c.order_id == order_id)
            .values(
                status=OrderStatus.REJECTED.value, rejection=rejection, updated_at=sa.func.now()
            )
        )

    async def mark_cancelled(self, order_id: str, reason: str | None) -> None:
        await self._conn.execute(
            sa.update(orders)
            .where(orders.c.order_id == order_id)
            .values(
                status=OrderStatus.CANCELLED.value,
                cancellation={"reason": reason},
                updated_at=sa.func.now(),
            )
        )

    async def backordered_lines(self, order_id: str) -> list[ResolvedLine]:
        """The lines of an order that wait for stock, each with the units it waits for."""
        rows = await self._conn.execute(
            sa.select(order_lines)
            .where(order_lines.c.order_id == order_id, order_lines.c.quantity_backordered > 0)
            .order_by(order_lines.c.line_no)
        )
        return [
            ResolvedLine(
                r.line_id,
                r.fnsku,
                r.resolved_seller_id,
                r.resolved_seller_sku,
                r.quantity_backordered,
            )
            for r in rows
        ]

    async def fnskus_with_backorders(self, fnskus: Iterable[str]) -> list[str]:
        """Which of these FNSKUs orders are waiting for."""
        wanted = sorted(set(fnskus))
        if not wanted:
            return []
        rows = await self._conn.execute(
            sa.select(order_lines.c.fnsku)
            .distinct()
            .join(orders, order_lines.c.order_id == orders.c.order_id)
            .where(
                order_lines.c.fnsku == any_of(wanted),
                order_lines.c.quantity_backordered > 0,
                orders.c.status == OrderStatus.BACKORDERED.value,
            )
            .order_by(order_lines.c.fnsku)
        )
        return [r.fnsku for r in rows]

    async def waiting_for(self, fnsku: str, *, limit: int) -> list[str]:
        """Backordered orders waiting for `fnsku`, oldest first (first come, first served)."""
        rows = await self._conn.execute(
            sa.select(orders.c.order_id)
            .join(order_lines, order_lines.c.order_id == orders.c.order_id)
            .where(
                order_lines.c.fnsku == fnsku,
                order_lines.c.quantity_backordered > 0,
                orders.c.status == OrderStatus.BACKORDERED.value,
            )
            .group_by(orders.c.order_id, orders.c.created_at)
            .order_by(orders.c.created_at, orders.c.order_id)
            .limit(limit)
        )
        return [r.order_id for r in rows]

    async def in_namespace(self, channel: str, prefix: str, *, limit: int) -> list[OrderSummary]:
        """The orders of `channel` whose id starts with `prefix` (a seller's mcf orders:
        `mcf:<seller_id>:`), newest first."""
        rows = await self._conn.execute(
            sa.select(
                orders.c.order_id, orders.c.status, orders.c.shipping_speed, orders.c.created_at
            )
            .where(
                orders.c.channel == channel,
                # A literal pattern (not `startswith`'s concatenation), so the index serves it.
                orders.c.order_id.like(_escaped(prefix) + "%", escape="\\"),
            )
            .order_by(orders.c.created_at.desc(), orders.c.order_id.desc())
            .limit(limit)
        )
        return [
            OrderSummary(
                r.order_id, OrderStatus(r.status), ShippingSpeed(r.shipping_speed), r.created_at
            )
            for r in rows
        ]

    async def _read(self, order_id: str, *, lock: bool = False):
        query = sa.select(orders).where(orders.c.order_id == order_id)
        if lock:
            query = query.with_for_update()
        row = (await self._conn.execute(query)).first()
        if row is None:
            return None
        lines = await self._conn.execute(
            sa.select(order_lines)
            .where(order_lines.c.order_id == order_id)
            .order_by(order_lines.c.line_no)
        )
        return row, lines.all()

    async def _set_line_quantities(
        self, statement: sa.TextClause, quantities: Mapping[str, Mapping[str, int]]
    ) -> None:
        rows = sorted(
            (order_id, line_id, q)
            for order_id, lines in quantities.items()
            for line_id, q in lines.items()
        )
        if rows:
            await self._conn.execute(
                statement,
                {
                    "order_ids": [order_id for order_id, _, _ in rows],
                    "line_ids": [line_id for _, line_id, _ in rows],
                    "quantities": [q for _, _, q in rows],
                },
            )


def _escaped(text: str) -> str:
    """`text` matched literally in a LIKE pattern (escape character: backslash)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _line(r) -> OrderLine:
    return OrderLine(
        line_id=r.line_id,
        quantity=r.quantity,
        unit_price=Decimal(r.unit_price),
        seller_id=r.seller_id,
        seller_sku=r.seller_sku,
        listing_id=r.listing_id,
    )


def _order(row, lines) -> Order:
    return Order(
        order_id=row.order_id,
        channel=row.channel,
        lines=tuple(_line(r) for r in lines),
        ship_to=Address.model_validate(row.ship_to),
        shipping_speed=ShippingSpeed(row.shipping_speed),
        fulfillment_policy=FulfillmentPolicy(row.fulfillment_policy),
        currency=row.currency,
    )


def _rejection(stored: dict) -> Rejection:
    return Rejection(
        tuple(
            LineFailure(f["line_id"], ReasonCode(f["reason_code"]), f["reason"])
            for f in stored["lines"]
        )
    )
