"""The SKUs the router knows, from what other services told it: the sellers' registrations (seller
SKU → FNSKU, live or withdrawn) and the channels' listings (listing → seller SKU, active or
closed). Enough to resolve an order line, and to know where its item may be ordered."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from order_router.adapters.tables import listings, registrations
from order_router.domain.model import Listing, Registration
from stockpath_runtime.db import any_of

LIVE, INACTIVE = "live", "inactive"
ACTIVE, CLOSED = "active", "closed"

_DEREGISTER = sa.text(
    """
    UPDATE registrations AS r SET status = 'inactive', updated_at = now()
      FROM unnest(CAST(:seller_ids AS text[]), CAST(:seller_skus AS text[]), CAST(:registration_ids AS text[]))
           AS d(seller_id, seller_sku, registration_id)
     WHERE r.seller_id = d.seller_id AND r.seller_sku = d.seller_sku AND r.registration_id = d.registration_id
    """
)
#: Reads of many keys joined with their columns as arrays: one statement text whatever the number
#: of keys (a tuple IN list has a new text, parsed and planned again, for every count).
_LISTED_ITEMS = sa.text(
    """
    SELECT DISTINCT l.channel, l.seller_id, l.seller_sku
      FROM listings AS l
      JOIN unnest(CAST(:channels AS text[]), CAST(:seller_ids AS text[]), CAST(:seller_skus AS text[]))
           AS k(channel, seller_id, seller_sku)
        ON l.channel = k.channel AND l.seller_id = k.seller_id AND l.seller_sku = k.seller_sku
     WHERE l.status = 'active'
    """
)
_REGISTRATIONS = sa.text(
    """
    SELECT r.seller_id, r.seller_sku, r.fnsku, r.catalog_item_id, r.status, r.size_tier,
           r.shipping_weight_g
      FROM registrations AS r
      JOIN unnest(CAST(:seller_ids AS text[]), CAST(:seller_skus AS text[])) AS k(seller_id, seller_sku)
        ON r.seller_id = k.seller_id AND r.seller_sku = k.seller_sku
    """
)


class SkuRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def save_registration(self, registration: Registration, *, registration_id: str) -> None:
        """Record a registration, replacing what was known of the same seller SKU (a registration
        again after a withdrawal makes it live)."""
        row = {
            "seller_id": registration.seller_id,
            "seller_sku": registration.seller_sku,
            "fnsku": registration.fnsku,
            "catalog_item_id": registration.catalog_item_id,
            "registration_id": registration_id,
            "status": LIVE if registration.live else INACTIVE,
            "size_tier": registration.size_tier,
            "shipping_weight_g": registration.shipping_weight_g,
        }
        await self._conn.execute(
            pg_insert(registrations)
            .values(**row)
            .on_conflict_do_update(
                index_elements=[registrations.c.seller_id, registrations.c.seller_sku],
                set_={**row, "updated_at": sa.func.now()},
            )
        )

    async def deregister(self, withdrawn: Sequence[tuple[str, str, str]]) -> None:
        """Withdraw registrations, each (seller_id, seller_sku, registration_id), in one statement.
        Only the registration named: a newer one of the same seller SKU stays live."""
        if withdrawn:
            columns = list(zip(*withdrawn, strict=True))
            await self._conn.execute(
                _DEREGISTER,
                {
                    "seller_ids": list(columns[0]),
                    "seller_skus": list(columns[1]),
                    "registration_ids": list(columns[2]),
                },
            )

    async def save_listing(self, listing: Listing) -> None:
        """Record a listing, replacing what was known of the same listing id (a closed listing
        published again is active again)."""
        row = {
            "listing_id": listing.listing_id,
            "channel": listing.channel,
            "seller_id": listing.seller_id,
            "seller_sku": listing.seller_sku,
            "fnsku": listing.fnsku,
            "status": ACTIVE if listing.active else CLOSED,
        }
        await self._conn.execute(
            pg_insert(listings)
            .values(**row)
            .on_conflict_do_update(
                index_elements=[listings.c.listing_id], set_={**row, "updated_at": sa.func.now()}
            )
        )

    async def close_listings(self, listing_ids: Iterable[str]) -> None:
        """These listings were taken down; one statement (an unknown listing changes nothing)."""
        ids = sorted(set(listing_ids))
        if ids:
            await self._conn.execute(
                sa.update(listings)
                .where(listings.c.listing_id == any_of(ids))
                .values(status=CLOSED, updated_at=sa.func.now())
            )

    async def listings(self, listing_ids: Iterable[str]) -> dict[str, Listing]:
        """The known listings among `listing_ids` (active or closed), by id, in one read."""
        ids = sorted(set(listing_ids))
        if not ids:
            return {}
        rows = await self._conn.execute(
            sa.select(listings).where(listings.c.listing_id == any_of(ids))
        )
        return {
            r.listing_id: Listing(
                r.listing_id,
                r.seller_id,
                r.seller_sku,
                r.fnsku,
                r.channel,
                active=r.status == ACTIVE,
            )
            for r in rows
        }

    async def listed_items(self, keys: Iterable[tuple[str, str, str]]) -> set[tuple[str, str, str]]:
        """Which of these (channel, seller_id, seller_sku) have an ACTIVE listing, in one read."""
        wanted = sorted(set(keys))
        if not wanted:
            return set()
        rows = await self._conn.execute(
            _LISTED_ITEMS,
            {
                "channels": [c for c, _, _ in wanted],
                "seller_ids": [s for _, s, _ in wanted],
                "seller_skus": [k for _, _, k in wanted],
            },
        )
        return {(r.channel, r.seller_id, r.seller_sku) for r in rows}

    async def registrations(
        self, keys: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], Registration]:
        """The known registrations of these (seller_id, seller_sku) pairs, by pair, in one read."""
        pairs = sorted(set(keys))
        if not pairs:
            return {}
        rows = await self._conn.execute(
            _REGISTRATIONS,
            {"seller_ids": [s for s, _ in pairs], "seller_skus": [k for _, k in pairs]},
        )
        return {(r.seller_id, r.seller_sku): _registration(r) for r in rows}

    async def seller_skus(self, seller_id: str, fnskus: Iterable[str]) -> dict[str, str]:
        """The seller SKU each of these FNSKUs is registered under by `seller_id` (live or not;
        another seller's FNSKU is not among them), by FNSKU, in one read."""
        wanted = sorted(set(fnskus))
        if not wanted:
            return {}
        rows = await self._conn.execute(
            sa.select(registrations.c.fnsku, registrations.c.seller_sku)
            .where(registrations.c.seller_id == seller_id, registrations.c.fnsku == any_of(wanted))
            .order_by(registrations.c.fnsku, registrations.c.updated_at)
        )
        return {r.fnsku: r.seller_sku for r in rows}  # the latest registration of an FNSKU wins


def _registration(row) -> Registration:
    return Registration(
        row.seller_id,
        row.seller_sku,
        row.fnsku,
        row.catalog_item_id,
        live=row.status == LIVE,
        size_tier=row.size_tier,
        shipping_weight_g=row.shipping_weight_g,
    )
