"""Reading and writing the router's state; the only module that knows its SQL."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from order_router.adapters.tables import (
    availability,
    fulfillment_order_lines,
    fulfillment_orders,
    listings,
    order_lines,
    orders,
    registrations,
)
from order_router.domain.model import (
    LineFailure,
    Listing,
    Order,
    OrderLine,
    OrderStatus,
    Registration,
    ResolvedLine,
)
from order_router.domain.routing import Allocation, StockLevel
from stockpath_events import Address, FulfillmentPolicy, ShippingSpeed

LIVE = "live"

# Set-based writes take whole columns as arrays (unnest), so each is one statement whose text
# never changes: prepared once by the server, compiled once by SQLAlchemy, whatever the batch size.
_RESERVE_ALL = sa.text(
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
_SET_STATUSES = sa.text(
    """
    UPDATE orders AS o SET status = s.status, updated_at = now()
      FROM unnest(CAST(:order_ids AS text[]), CAST(:statuses AS text[])) AS s(order_id, status)
     WHERE o.order_id = s.order_id
    """
)
_RESOLVED_COLUMNS = ("order_ids", "line_ids", "fnskus", "seller_ids", "seller_skus")
_RESOLVE_LINES = sa.text(
    """
    UPDATE order_lines AS l
       SET fnsku = r.fnsku, resolved_seller_id = r.seller_id, resolved_seller_sku = r.seller_sku
      FROM unnest(CAST(:order_ids AS text[]), CAST(:line_ids AS text[]), CAST(:fnskus AS text[]),
                  CAST(:seller_ids AS text[]), CAST(:seller_skus AS text[]))
           AS r(order_id, line_id, fnsku, seller_id, seller_sku)
     WHERE l.order_id = r.order_id AND l.line_id = r.line_id
    """
)


class OrderRouterRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    # --- what other services told us -------------------------------------------------------

    async def save_registration(self, registration: Registration, *, registration_id: str) -> None:
        row = {
            "seller_id": registration.seller_id,
            "seller_sku": registration.seller_sku,
            "fnsku": registration.fnsku,
            "catalog_item_id": registration.catalog_item_id,
            "registration_id": registration_id,
            "status": LIVE if registration.live else "inactive",
        }
        await self._conn.execute(
            pg_insert(registrations)
            .values(**row)
            .on_conflict_do_update(
                index_elements=[registrations.c.seller_id, registrations.c.seller_sku],
                set_={**row, "updated_at": sa.func.now()},
            )
        )

    async def save_listing(self, listing: Listing, *, channel: str) -> None:
        row = {
            "listing_id": listing.listing_id,
            "channel": channel,
            "seller_id": listing.seller_id,
            "seller_sku": listing.seller_sku,
            "fnsku": listing.fnsku,
        }
        await self._conn.execute(
            pg_insert(listings)
            .values(**row)
            .on_conflict_do_update(index_elements=[listings.c.listing_id], set_={**row, "updated_at": sa.func.now()})
        )

    async def record_stock_levels(
        self, levels: Sequence[tuple[str, str, str, int, datetime]]
    ) -> set[tuple[str, str]]:
        """Set the basis inventory reported, per (fnsku, fulfillment_center_id, seller_id, basis,
        as_of), one level per FNSKU and FC, in one statement; returns the (fnsku, FC) pairs set —
        a pair is left alone when a newer level is already recorded.

        `reservations_total` is ours and is left alone: the basis says how many units the FC ever
        had to sell (fulfillable + reserved + shipped), our reservations how many are promised.
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
                {"fnsku": f, "fulfillment_center_id": fc, "seller_id": seller, "basis": basis, "level_as_of": as_of}
                for f, fc, seller, basis, as_of in sorted(levels)
            ],
        )
        return {(r.fnsku, r.fulfillment_center_id) for r in result}

    async def listings_by_id(self, listing_ids: Iterable[str]) -> dict[str, Listing]:
        ids = sorted(set(listing_ids))
        if not ids:
            return {}
        rows = await self._conn.execute(sa.select(listings).where(listings.c.listing_id.in_(ids)))
        return {r.listing_id: Listing(r.listing_id, r.seller_id, r.seller_sku, r.fnsku) for r in rows}

    async def registrations_by_sku(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Registration]:
        pairs = sorted(set(keys))
        if not pairs:
            return {}
        rows = await self._conn.execute(
            sa.select(registrations).where(sa.tuple_(registrations.c.seller_id, registrations.c.seller_sku).in_(pairs))
        )
        return {
            (r.seller_id, r.seller_sku): Registration(
                r.seller_id, r.seller_sku, r.fnsku, r.catalog_item_id, live=r.status == LIVE
            )
            for r in rows
        }

    # --- stock -----------------------------------------------------------------------------

    async def lock_stock(self, fnskus: Iterable[str]) -> list[StockLevel]:
        """Lock every FC's row of these FNSKUs until the transaction ends, and return their levels.

        Always in (fnsku, fulfillment_center_id) order: two orders that share FNSKUs take their
        locks in the same sequence, so they queue behind each other instead of deadlocking.
        """
        wanted = sorted(set(fnskus))
        if not wanted:
            return []
        rows = await self._conn.execute(
            sa.select(
                availability.c.fnsku,
                availability.c.fulfillment_center_id,
                availability.c.basis,
                availability.c.reservations_total,
            )
            .where(availability.c.fnsku.in_(wanted))
            .order_by(availability.c.fnsku, availability.c.fulfillment_center_id)
            .with_for_update()
        )
        return [StockLevel(r.fnsku, r.fulfillment_center_id, r.basis - r.reservations_total) for r in rows]

    async def reserve_all(self, units: dict[tuple[str, str], int]) -> list[tuple[str, str]]:
        """Reserve units per (fnsku, fulfillment center) in one statement; returns the pairs that
        could NOT be reserved (nothing is changed for them).

        The rows are locked by `lock_stock`, so a refusal means a bug, never a race; the guard
        makes an oversell impossible even then.
        """
        if not units:
            return []
        pairs = sorted(units.items())
        result = await self._conn.execute(
            _RESERVE_ALL,
            {
                "fnskus": [fnsku for (fnsku, _), _ in pairs],
                "fcs": [fc for (_, fc), _ in pairs],
                "quantities": [q for _, q in pairs],
            },
        )
        done = {(r.fnsku, r.fulfillment_center_id) for r in result}
        return [pair for pair in sorted(units) if pair not in done]

    async def release(self, *, fnsku: str, fulfillment_center_id: str, quantity: int) -> None:
        """Give back units of a cancelled fulfillment order: they are allocatable again."""
        await self._conn.execute(
            sa.update(availability)
            .where(availability.c.fnsku == fnsku, availability.c.fulfillment_center_id == fulfillment_center_id)
            .values(reservations_total=availability.c.reservations_total - quantity, updated_at=sa.func.now())
        )

    async def stock_of(self, fnsku: str) -> list[dict]:
        rows = await self._conn.execute(
            sa.select(availability)
            .where(availability.c.fnsku == fnsku)
            .order_by(availability.c.fulfillment_center_id)
        )
        return [
            {
                "fulfillment_center_id": r.fulfillment_center_id,
                "seller_id": r.seller_id,
                "basis": r.basis,
                "reservations_total": r.reservations_total,
                "level_as_of": r.level_as_of,
            }
            for r in rows
        ]

    # --- orders ----------------------------------------------------------------------------

    async def add_order(self, order: Order) -> bool:
        """Record a new order as PENDING; False when the order_id is already known (nothing written)."""
        return order.order_id in await self.add_orders([order])

    async def add_orders(self, new_orders: Sequence[Order]) -> set[str]:
        """Record orders as PENDING in two statements; the ids of those not known before (the
        first of several with one id wins)."""
        first = list({o.order_id: o for o in reversed(new_orders)}.values())
        if not first:
            return set()
        # executemany: SQLAlchemy sends it as multi-row INSERTs from one cached statement.
        created = await self._conn.execute(
            pg_insert(orders).on_conflict_do_nothing(index_elements=[orders.c.order_id]).returning(orders.c.order_id),
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
        )
        new = {r.order_id for r in created}
        if new:
            await self._conn.execute(
                sa.insert(order_lines),
                [
                    {
                        "order_id": order.order_id,
                        "line_no": n,
                        "line_id": line.line_id,
                        "seller_id": line.seller_id,
                        "seller_sku": line.seller_sku,
                        "listing_id": line.listing_id,
                        "quantity": line.quantity,
                        "unit_price": line.unit_price,
                    }
                    for order in first
                    if order.order_id in new
                    for n, line in enumerate(order.lines, start=1)
                ],
            )
        return new

    async def get_order(self, order_id: str, *, for_update: bool = False) -> tuple[Order, OrderStatus] | None:
        query = sa.select(orders).where(orders.c.order_id == order_id)
        if for_update:
            query = query.with_for_update()
        row = (await self._conn.execute(query)).first()
        if row is None:
            return None
        lines = await self._conn.execute(
            sa.select(order_lines).where(order_lines.c.order_id == order_id).order_by(order_lines.c.line_no)
        )
        order = Order(
            order_id=row.order_id,
            channel=row.channel,
            lines=tuple(
                OrderLine(
                    line_id=r.line_id,
                    quantity=r.quantity,
                    unit_price=Decimal(r.unit_price),
                    seller_id=r.seller_id,
                    seller_sku=r.seller_sku,
                    listing_id=r.listing_id,
                )
                for r in lines
            ),
            ship_to=Address.model_validate(row.ship_to),
            shipping_speed=ShippingSpeed(row.shipping_speed),
            fulfillment_policy=FulfillmentPolicy(row.fulfillment_policy),
            currency=row.currency,
        )
        return order, OrderStatus(row.status)

    async def add_fulfillment_orders(self, new: Sequence[tuple[str, str, Allocation]]) -> None:
        """(fulfillment_order_id, order_id, allocation) each, INSTRUCTED, in two statements."""
        if not new:
            return
        await self._conn.execute(
            sa.insert(fulfillment_orders),
            [
                {
                    "fulfillment_order_id": fo_id,
                    "order_id": order_id,
                    "fulfillment_center_id": allocation.fulfillment_center_id,
                    "status": "INSTRUCTED",
                }
                for fo_id, order_id, allocation in new
            ],
        )
        await self._conn.execute(
            sa.insert(fulfillment_order_lines),
            [
                {
                    "fulfillment_order_id": fo_id,
                    "line_id": line.line_id,
                    "fnsku": line.fnsku,
                    "seller_id": line.seller_id,
                    "seller_sku": line.seller_sku,
                    "quantity": line.quantity,
                }
                for fo_id, _, allocation in new
                for line in allocation.lines
            ],
        )

    async def set_status(self, order_id: str, status: OrderStatus, **extra) -> None:
        await self._conn.execute(
            sa.update(orders)
            .where(orders.c.order_id == order_id)
            .values(status=status.value, updated_at=sa.func.now(), **extra)
        )

    async def set_statuses(self, statuses: dict[str, OrderStatus]) -> None:
        """Set the status of several orders in one statement."""
        if not statuses:
            return
        pairs = sorted(statuses.items())
        await self._conn.execute(
            _SET_STATUSES, {"order_ids": [o for o, _ in pairs], "statuses": [status.value for _, status in pairs]}
        )

    async def resolve_lines(self, resolved: dict[str, Sequence[ResolvedLine]]) -> None:
        """Remember what each line of each order ships (FNSKU, seller SKU), so backorders route
        without re-resolving; one statement."""
        rows = [
            (order_id, line.line_id, line.fnsku, line.seller_id, line.seller_sku)
            for order_id, lines in resolved.items()
            for line in lines
        ]
        if not rows:
            return
        await self._conn.execute(
            _RESOLVE_LINES, {name: [row[n] for row in rows] for n, name in enumerate(_RESOLVED_COLUMNS)}
        )

    async def set_line_quantities(self, order_id: str, column: str, quantities: dict[str, int]) -> None:
        """Set `quantity_backordered` or `quantity_cancelled` of each named line."""
        for line_id, quantity in quantities.items():
            await self._conn.execute(
                sa.update(order_lines)
                .where(order_lines.c.order_id == order_id, order_lines.c.line_id == line_id)
                .values({column: quantity})
            )

    async def backordered_lines(self, order_id: str) -> list[ResolvedLine]:
        rows = await self._conn.execute(
            sa.select(order_lines)
            .where(order_lines.c.order_id == order_id, order_lines.c.quantity_backordered > 0)
            .order_by(order_lines.c.line_no)
        )
        return [
            ResolvedLine(r.line_id, r.fnsku, r.resolved_seller_id, r.resolved_seller_sku, r.quantity_backordered)
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
                order_lines.c.fnsku.in_(wanted),
                order_lines.c.quantity_backordered > 0,
                orders.c.status == OrderStatus.BACKORDERED.value,
            )
            .order_by(order_lines.c.fnsku)
        )
        return [r.fnsku for r in rows]

    async def backordered_orders(self, fnsku: str, *, limit: int) -> list[str]:
        """Orders waiting for `fnsku`, oldest first (first come, first served)."""
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

    async def fulfillment_orders_of(self, order_id: str) -> list[dict]:
        """Each fulfillment order of an order with its status and lines."""
        rows = await self._conn.execute(
            sa.select(fulfillment_orders, fulfillment_order_lines.c.line_id, fulfillment_order_lines.c.fnsku,
                      fulfillment_order_lines.c.quantity)
            .join(
                fulfillment_order_lines,
                fulfillment_order_lines.c.fulfillment_order_id == fulfillment_orders.c.fulfillment_order_id,
            )
            .where(fulfillment_orders.c.order_id == order_id)
            .order_by(fulfillment_orders.c.fulfillment_order_id, fulfillment_order_lines.c.line_id)
        )
        found: dict[str, dict] = {}
        for r in rows:
            fo = found.setdefault(
                r.fulfillment_order_id,
                {"fulfillment_order_id": r.fulfillment_order_id, "fulfillment_center_id": r.fulfillment_center_id,
                 "order_id": r.order_id, "status": r.status, "lines": []},
            )
            fo["lines"].append((r.line_id, r.fnsku, r.quantity))
        return list(found.values())

    async def fulfillment_order(self, fulfillment_order_id: str) -> dict | None:
        order_id = (
            await self._conn.execute(
                sa.select(fulfillment_orders.c.order_id).where(
                    fulfillment_orders.c.fulfillment_order_id == fulfillment_order_id
                )
            )
        ).scalar()
        if order_id is None:
            return None
        return next(fo for fo in await self.fulfillment_orders_of(order_id) if fo["fulfillment_order_id"] == fulfillment_order_id)

    async def set_fulfillment_order_status(self, fulfillment_order_id: str, status: str, **extra) -> None:
        await self._conn.execute(
            sa.update(fulfillment_orders)
            .where(fulfillment_orders.c.fulfillment_order_id == fulfillment_order_id)
            .values(status=status, **extra)
        )

    async def mark_rejected(self, order_id: str, failures: Sequence[LineFailure]) -> None:
        rejection = {
            "reason_code": failures[0].reason_code.value,
            "lines": [
                {"line_id": f.line_id, "reason_code": f.reason_code.value, "reason": f.reason} for f in failures
            ],
        }
        await self._conn.execute(
            sa.update(orders)
            .where(orders.c.order_id == order_id)
            .values(status=OrderStatus.REJECTED.value, rejection=rejection, updated_at=sa.func.now())
        )

    async def order_details(self, order_id: str) -> dict | None:
        """Everything `GET /v1/orders/{id}` shows, in one read."""
        row = (await self._conn.execute(sa.select(orders).where(orders.c.order_id == order_id))).first()
        if row is None:
            return None
        lines = await self._conn.execute(
            sa.select(order_lines).where(order_lines.c.order_id == order_id).order_by(order_lines.c.line_no)
        )
        fo_rows = await self._conn.execute(
            sa.select(fulfillment_orders, fulfillment_order_lines)
            .join(
                fulfillment_order_lines,
                fulfillment_order_lines.c.fulfillment_order_id == fulfillment_orders.c.fulfillment_order_id,
            )
            .where(fulfillment_orders.c.order_id == order_id)
            .order_by(fulfillment_orders.c.created_at, fulfillment_orders.c.fulfillment_order_id, fulfillment_order_lines.c.line_id)
        )
        by_id: dict[str, dict] = {}
        for r in fo_rows:
            fo = by_id.setdefault(
                r.fulfillment_order_id,
                {
                    "fulfillment_order_id": r.fulfillment_order_id,
                    "fulfillment_center_id": r.fulfillment_center_id,
                    "status": r.status,
                    "carrier": r.carrier,
                    "tracking_number": r.tracking_number,
                    "shipped_at": r.shipped_at,
                    "lines": [],
                },
            )
            fo["lines"].append(
                {
                    "line_id": r.line_id,
                    "fnsku": r.fnsku,
                    "seller_id": r.seller_id,
                    "seller_sku": r.seller_sku,
                    "quantity": r.quantity,
                }
            )
        return {
            "order_id": row.order_id,
            "status": row.status,
            "channel": row.channel,
            "shipping_speed": row.shipping_speed,
            "fulfillment_policy": row.fulfillment_policy,
            "currency": row.currency,
            "ship_to": row.ship_to,
            "lines": [
                {
                    "line_id": r.line_id,
                    "seller_id": r.seller_id,
                    "seller_sku": r.seller_sku,
                    "listing_id": r.listing_id,
                    "fnsku": r.fnsku,
                    "quantity": r.quantity,
                    "quantity_backordered": r.quantity_backordered,
                    "quantity_cancelled": r.quantity_cancelled,
                    "unit_price": r.unit_price,
                }
                for r in lines
            ],
            "fulfillment_orders": list(by_id.values()),
            "rejection": row.rejection,
            "cancellation": row.cancellation,
        }
