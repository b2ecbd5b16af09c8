"""Storing storefront orders and the status updates the platform reports on them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from listing.adapters.tables import buyer_orders
from listing.domain.orders import BuyerOrderStatus


@dataclass(frozen=True)
class BuyerOrder:
    order_id: str
    lines: list[dict]
    ship_to: dict
    shipping_speed: str
    total: Decimal
    currency: str
    status: BuyerOrderStatus
    status_detail: str | None
    fulfillment_orders: int
    shipments: list[dict]
    created_at: datetime
    updated_at: datetime


def _from_row(row) -> BuyerOrder:
    return BuyerOrder(
        order_id=row.order_id,
        lines=list(row.lines),
        ship_to=dict(row.ship_to),
        shipping_speed=row.shipping_speed,
        total=row.total,
        currency=row.currency,
        status=BuyerOrderStatus(row.status),
        status_detail=row.status_detail,
        fulfillment_orders=row.fulfillment_orders,
        shipments=list(row.shipments or []),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class BuyerOrders:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def add(self, *, order_id: str, checkout_token: str, lines: list[dict], ship_to: dict,
                  shipping_speed: str, total: Decimal, currency: str) -> str | None:
        """Store a new order; None when this checkout form was submitted before (nothing stored)."""
        result = await self._conn.execute(
            pg_insert(buyer_orders)
            .values(order_id=order_id, checkout_token=checkout_token, lines=lines, ship_to=ship_to,
                    shipping_speed=shipping_speed, total=total, currency=currency,
                    status=BuyerOrderStatus.PLACED.value)
            .on_conflict_do_nothing(index_elements=[buyer_orders.c.checkout_token])
            .returning(buyer_orders.c.order_id)
        )
        row = result.first()
        return row.order_id if row else None

    async def order_id_for_checkout(self, checkout_token: str) -> str | None:
        return (
            await self._conn.execute(
                sa.select(buyer_orders.c.order_id).where(buyer_orders.c.checkout_token == checkout_token)
            )
        ).scalar_one_or_none()

    async def placed_here(self, order_ids: set[str]) -> set[str]:
        """Which of these orders the storefront placed, in one statement."""
        if not order_ids:
            return set()
        ids = sa.bindparam("ids", type_=postgresql.ARRAY(sa.Text))
        rows = await self._conn.execute(
            sa.select(buyer_orders.c.order_id).where(buyer_orders.c.order_id == sa.any_(ids)), {"ids": sorted(order_ids)}
        )
        return {r.order_id for r in rows}

    async def get(self, order_id: str, *, for_update: bool = False) -> BuyerOrder | None:
        query = sa.select(buyer_orders).where(buyer_orders.c.order_id == order_id)
        if for_update:
            query = query.with_for_update()
        row = (await self._conn.execute(query)).first()
        return _from_row(row) if row else None

    async def update(self, order_id: str, **values) -> None:
        await self._conn.execute(
            sa.update(buyer_orders).where(buyer_orders.c.order_id == order_id).values(updated_at=sa.func.now(), **values)
        )
