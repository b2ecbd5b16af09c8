"""Sellers: who they are and the digest of their bearer token (the only module with sellers' SQL)."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from registration.adapters.fresh_ids import insert_with_fresh_id
from registration.adapters.tables import sellers
from registration.domain.model import Seller


class SellerRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def add(self, name: str, token_sha256: str, new_id: Callable[[], str]) -> Seller:
        seller_id = await insert_with_fresh_id(
            self._conn, sellers, "seller_id", new_id, {"name": name, "token_sha256": token_sha256}
        )
        return Seller(seller_id, name)

    async def by_token(self, token_sha256: str) -> Seller | None:
        row = (
            await self._conn.execute(
                sa.select(sellers.c.seller_id, sellers.c.name).where(sellers.c.token_sha256 == token_sha256)
            )
        ).first()
        return Seller(row.seller_id, row.name) if row else None

    async def lock(self, seller_id: str) -> None:
        """Serialise a seller's registrations: eligibility reads the seller's SKUs, then writes one."""
        await self._conn.execute(
            sa.select(sellers.c.seller_id).where(sellers.c.seller_id == seller_id).with_for_update()
        )
