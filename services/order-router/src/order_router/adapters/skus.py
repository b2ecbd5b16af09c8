"""The SKUs the router knows, from what other services told it: the sellers' registrations (seller
SKU → FNSKU) and the channels' listings (listing → seller SKU). Enough to resolve an order line."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from order_router.adapters.tables import listings, registrations
from order_router.domain.model import Listing, Registration

LIVE, INACTIVE = "live", "inactive"


class SkuRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def save_registration(self, registration: Registration, *, registration_id: str) -> None:
        """Record a registration, replacing what was known of the same seller SKU."""
        row = {
            "seller_id": registration.seller_id,
            "seller_sku": registration.seller_sku,
            "fnsku": registration.fnsku,
            "catalog_item_id": registration.catalog_item_id,
            "registration_id": registration_id,
            "status": LIVE if registration.live else INACTIVE,
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
        """Record a listing, replacing what was known of the same listing id."""
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

    async def listings(self, listing_ids: Iterable[str]) -> dict[str, Listing]:
        """The known listings among `listing_ids`, by id, in one read."""
        ids = sorted(set(listing_ids))
        if not ids:
            return {}
        rows = await self._conn.execute(sa.select(listings).where(listings.c.listing_id.in_(ids)))
        return {r.listing_id: Listing(r.listing_id, r.seller_id, r.seller_sku, r.fnsku) for r in rows}

    async def registrations(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Registration]:
        """The known registrations of these (seller_id, seller_sku) pairs, by pair, in one read."""
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
