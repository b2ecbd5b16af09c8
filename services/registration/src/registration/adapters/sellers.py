"""Sellers: who they are (the only module with sellers' SQL). How a seller proves who it is is
its credential's business (the runtime's `credentials` table)."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from registration.adapters.fresh_ids import insert_with_fresh_id
from registration.adapters.tables import sellers
from registration.domain.model import Seller


class SellerRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def add(self, name: str, new_id: Callable[[], str]) -> Seller:
        seller_id = await insert_with_fresh_id(
            self._conn, sellers, "seller_id", new_id, {"name": name}
        )
        return Seller(seller_id, name)

    async def record(self, seller: Seller) -> bool:
        """Store a seller under its own id unless it is stored already; whether it was stored now."""
        inserted = await self._conn.execute(
            pg_insert(sellers)
            .values(seller_id=seller.seller_id, name=seller.name)
            .on_conflict_do_nothing(index_elements=[sellers.c.seller_id])
            .returning(sellers.c.seller_id)
        )
        return inserted.first() is not None

    async def get(self, seller_id: str) -> Seller | None:
        row = (
            await self._conn.execute(
                sa.select(sellers.c.seller_id, sellers.c.name).where(
                    sellers.c.seller_id == seller_id
                )
            )
        ).first()
        return Seller(row.seller_id, row.name) if row else None

    async def lock(self, seller_id: str) -> None:
        """Serialise a seller's registrations: eligibility reads the seller's SKUs, then writes one."""
        await self._conn.execute(
            sa.select(sellers.c.seller_id).where(sellers.c.seller_id == seller_id).with_for_update()
        )
