"""Storing storefront orders and the status the platform reports on them; the only module that
knows the buyer_orders table's SQL."""

from __future__ import annotations

from dataclasses import asdict

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from listing.adapters.tables import buyer_orders
from listing.domain.orders import BuyerOrder, BuyerOrderStatus, PlacedOrder, Shipment
from stockpath_runtime.db import any_of


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
        shipments=tuple(Shipment(**s) for s in row.shipments or ()),
        created_at=row.created_at,
        updated_at=row.updated_at,
        buyer_sha256=row.buyer_sha256,
    )


class BuyerOrderRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def add(self, order: PlacedOrder) -> str | None:
        """Store a new order; None when this checkout form was submitted before (nothing stored)."""
        result = await self._conn.execute(
            pg_insert(buyer_orders)
            .values(**asdict(order), status=BuyerOrderStatus.PLACED.value)
            .on_conflict_do_nothing(index_elements=[buyer_orders.c.checkout_token])
            .returning(buyer_orders.c.order_id)
        )
        row = result.first()
        return row.order_id if row else None

    async def order_id_for_checkout(self, checkout_token: str) -> str | None:
        return (
            await self._conn.execute(
                sa.select(buyer_orders.c.order_id).where(
                    buyer_orders.c.checkout_token == checkout_token
                )
            )
        ).scalar_one_or_none()

    async def get(self, order_id: str) -> BuyerOrder | None:
        row = (
            await self._conn.execute(
                sa.select(buyer_orders).where(buyer_orders.c.order_id == order_id)
            )
        ).first()
        return _from_row(row) if row else None

    async def placed_here(self, order_ids: set[str]) -> dict[str, BuyerOrder]:
        """Those of these orders the storefront placed, locked until the transaction ends, in one
        statement (reports name orders of every channel; most are not ours)."""
        if not order_ids:
            return {}
        rows = await self._conn.execute(
            sa.select(buyer_orders)
            .where(buyer_orders.c.order_id == any_of(sorted(order_ids)))
            # Locked in one order whatever the run, so two runs naming the same orders queue.
            .order_by(buyer_orders.c.order_id)
            .with_for_update()
        )
        return {row.order_id: _from_row(row) for row in rows}

    async def save(self, order: BuyerOrder) -> None:
        """Store what a report made of an order: its status, fulfillment orders and parcels."""
        await self._conn.execute(
            sa.update(buyer_orders)
            .where(buyer_orders.c.order_id == order.order_id)
            .values(
                status=order.status.value,
                status_detail=order.status_detail,
                fulfillment_orders=order.fulfillment_orders,
                shipments=[asdict(s) for s in order.shipments],
                updated_at=sa.func.now(),
            )
        )
