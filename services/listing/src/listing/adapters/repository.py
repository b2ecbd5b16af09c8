"""Reading and writing listings and availability; the only module that knows the listing SQL."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from listing.adapters.tables import availability, listings
from listing.domain.model import Listing, ListingStatus, sellable_quantity

# Set-based statements take whole columns as arrays, so each is one statement whose text never
# changes: prepared once by the server, compiled once by SQLAlchemy, whatever the batch size.
_LOCK_FNSKUS = sa.text(
    # unnest yields the array in order, so the locks are taken in that order.
    "SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest(CAST(:keys AS text[])) AS k"
)
_RECORD_FULFILLABLE = sa.text(
    """
    INSERT INTO availability (fnsku, fulfillment_center_id, fulfillable)
    SELECT * FROM unnest(CAST(:fnskus AS text[]), CAST(:fcs AS text[]), CAST(:fulfillable AS int[]))
    ON CONFLICT (fnsku, fulfillment_center_id) DO UPDATE SET fulfillable = EXCLUDED.fulfillable, updated_at = now()
    """
)
_SAVE_SELLABLE_QUANTITIES = sa.text(
    """
    UPDATE listings AS l SET sellable_quantity = c.sellable_quantity, in_stock = c.in_stock, updated_at = now()
      FROM unnest(CAST(:listing_ids AS text[]), CAST(:quantities AS int[]), CAST(:in_stock AS boolean[]))
           AS c(listing_id, sellable_quantity, in_stock)
     WHERE l.listing_id = c.listing_id
    """
)


def _any_of(values: list[str]):
    """``= ANY(:array)``: one statement text however many values (unlike ``IN``)."""
    return sa.any_(sa.cast(sa.bindparam("values", values, type_=postgresql.ARRAY(sa.Text)), postgresql.ARRAY(sa.Text)))


@dataclass(frozen=True)
class StoredListing:
    """A listing as stored, with when it last changed (buyers and channels sync on it)."""

    listing: Listing
    updated_at: datetime


@dataclass(frozen=True)
class Page:
    items: list[StoredListing]
    total: int


def _to_row(listing: Listing, registration_id: str, item: dict | None = None) -> dict:
    return {
        "item": item,
        "listing_id": listing.listing_id,
        "channel": listing.channel,
        "seller_id": listing.seller_id,
        "seller_sku": listing.seller_sku,
        "fnsku": listing.fnsku,
        "catalog_item_id": listing.catalog_item_id,
        "registration_id": registration_id,
        "title": listing.title,
        "brand": listing.brand,
        "category": listing.category,
        "identifiers": listing.identifiers,
        "attributes": listing.attributes,
        "price": listing.price,
        "currency": listing.currency,
        "condition": listing.condition,
        "status": listing.status.value,
        "issues": list(listing.issues),
        "in_stock": listing.in_stock,
        "sellable_quantity": listing.sellable_quantity,
    }


def _from_row(row) -> Listing:
    return Listing(
        listing_id=row.listing_id,
        channel=row.channel,
        seller_id=row.seller_id,
        seller_sku=row.seller_sku,
        fnsku=row.fnsku,
        catalog_item_id=row.catalog_item_id,
        title=row.title,
        category=row.category,
        brand=row.brand,
        identifiers=dict(row.identifiers or {}),
        attributes=dict(row.attributes or {}),
        price=row.price,
        currency=row.currency,
        condition=row.condition,
        status=ListingStatus(row.status),
        issues=tuple(row.issues or ()),
        sellable_quantity=row.sellable_quantity,
    )


class ListingRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def lock_fnsku(self, fnsku: str) -> None:
        """Serialise, until this transaction ends, every change to the listings and stock of one FNSKU.

        Registrations and stock reports arrive on different topics, so different agents may
        handle them at the same moment. Without this lock a new listing could read the stock
        before a concurrent report commits, while that report finds no listing to update yet,
        and the listing would keep a stale quantity. Row locks cannot help: the rows involved
        may not exist yet.
        """
        await self.lock_fnskus([fnsku])

    async def lock_fnskus(self, fnskus: Iterable[str]) -> None:
        """`lock_fnsku` for several FNSKUs in one statement, taken in sorted order (so two
        transactions locking overlapping sets queue instead of deadlocking)."""
        keys = [f"stockpath-listing:fnsku:{fnsku}" for fnsku in sorted(set(fnskus))]
        if keys:
            await self._conn.execute(_LOCK_FNSKUS, {"keys": keys})

    async def add_new(self, new: list[Listing], *, registration_id: str, item: dict | None = None) -> list[Listing]:
        """Store the listings whose id is not taken yet; returns those stored, in order.

        An existing listing is left exactly as it is, so a replayed or repeated registration
        neither overwrites it nor publishes it twice.
        """
        if not new:
            return []
        result = await self._conn.execute(
            pg_insert(listings)
            .values([_to_row(listing, registration_id, item) for listing in new])
            .on_conflict_do_nothing(index_elements=[listings.c.listing_id])
            .returning(listings.c.listing_id)
        )
        stored = {row.listing_id for row in result}
        return [listing for listing in new if listing.listing_id in stored]

    async def for_fnsku(self, fnsku: str, *, for_update: bool = False) -> list[Listing]:
        query = sa.select(listings).where(listings.c.fnsku == fnsku).order_by(listings.c.listing_id)
        if for_update:
            query = query.with_for_update()
        return [_from_row(row) for row in await self._conn.execute(query)]

    async def for_fnskus(self, fnskus: Iterable[str], *, for_update: bool = False) -> dict[str, list[Listing]]:
        """`for_fnsku` for several FNSKUs in one statement: each FNSKU's listings in listing id order."""
        wanted = sorted(set(fnskus))
        found: dict[str, list[Listing]] = {fnsku: [] for fnsku in wanted}
        if not wanted:
            return found
        query = sa.select(listings).where(listings.c.fnsku == _any_of(wanted)).order_by(listings.c.listing_id)
        if for_update:
            query = query.with_for_update()
        for row in await self._conn.execute(query):
            found[row.fnsku].append(_from_row(row))
        return found

    async def save_sellable_quantities(self, changed: Iterable[Listing]) -> None:
        """Store the sellable quantity (and so in/out of stock) of these listings, in one statement."""
        rows = sorted((listing.listing_id, listing.sellable_quantity, listing.in_stock) for listing in changed)
        if rows:
            await self._conn.execute(
                _SAVE_SELLABLE_QUANTITIES,
                {
                    "listing_ids": [r[0] for r in rows],
                    "quantities": [r[1] for r in rows],
                    "in_stock": [r[2] for r in rows],
                },
            )

    async def save(self, listing: Listing) -> None:
        """Store what a seller's change (price, channels, deregistration) made of a listing."""
        await self._conn.execute(
            sa.update(listings)
            .where(listings.c.listing_id == listing.listing_id)
            .values(
                price=listing.price,
                currency=listing.currency,
                status=listing.status.value,
                issues=list(listing.issues),
                updated_at=sa.func.now(),
            )
        )

    async def registration_of(self, fnsku: str) -> tuple[str, dict | None] | None:
        """The registration id and catalog snapshot the FNSKU's listings were built from."""
        row = (
            await self._conn.execute(
                sa.select(listings.c.registration_id, listings.c.item)
                .where(listings.c.fnsku == fnsku)
                .order_by(listings.c.item.is_(None), listings.c.listing_id)
                .limit(1)
            )
        ).first()
        return (row.registration_id, row.item) if row else None

    async def record_fulfillable_all(self, fulfillable: dict[tuple[str, str], int]) -> None:
        """Keep the latest fulfillable quantity of each (fnsku, FC) (reports replace, not add), in one statement."""
        pairs = sorted(fulfillable.items())
        if pairs:
            await self._conn.execute(
                _RECORD_FULFILLABLE,
                {
                    "fnskus": [f for (f, _), _ in pairs],
                    "fcs": [fc for (_, fc), _ in pairs],
                    "fulfillable": [q for _, q in pairs],
                },
            )

    async def fulfillable_by_center(self, fnskus: Iterable[str]) -> dict[str, dict[str, int]]:
        """The fulfillable quantity recorded per FC of each FNSKU, in one statement."""
        wanted = sorted(set(fnskus))
        found: dict[str, dict[str, int]] = {fnsku: {} for fnsku in wanted}
        if wanted:
            rows = await self._conn.execute(
                sa.select(availability.c.fnsku, availability.c.fulfillment_center_id, availability.c.fulfillable)
                .where(availability.c.fnsku == _any_of(wanted))
            )
            for row in rows:
                found[row.fnsku][row.fulfillment_center_id] = row.fulfillable
        return found

    async def sellable_quantity(self, fnsku: str) -> int:
        rows = await self._conn.execute(sa.select(availability.c.fulfillable).where(availability.c.fnsku == fnsku))
        return sellable_quantity(row.fulfillable for row in rows)

    async def get(self, listing_id: str) -> StoredListing | None:
        row = (await self._conn.execute(sa.select(listings).where(listings.c.listing_id == listing_id))).first()
        return StoredListing(_from_row(row), row.updated_at) if row else None

    async def search(
        self,
        *,
        seller_id: str | None = None,
        channel: str | None = None,
        fnsku: str | None = None,
        in_stock: bool | None = None,
        status: ListingStatus | None = None,
        text: str | None = None,
        limit: int,
        offset: int,
    ) -> Page:
        filters = []
        for word in (text or "").split()[:8]:
            # Every word must appear in the title, brand or category (case-insensitive).
            pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            filters.append(
                sa.or_(
                    listings.c.title.ilike(pattern),
                    listings.c.brand.ilike(pattern),
                    listings.c.category.ilike(pattern),
                )
            )
        if seller_id is not None:
            filters.append(listings.c.seller_id == seller_id)
        if channel is not None:
            filters.append(listings.c.channel == channel)
        if fnsku is not None:
            filters.append(listings.c.fnsku == fnsku)
        if in_stock is not None:
            filters.append(listings.c.in_stock.is_(in_stock))
        if status is not None:
            filters.append(listings.c.status == status.value)
        total = (
            await self._conn.execute(sa.select(sa.func.count()).select_from(listings).where(*filters))
        ).scalar_one()
        # Ordered by the unique id, so consecutive pages never repeat or skip a listing.
        rows = await self._conn.execute(
            sa.select(listings).where(*filters).order_by(listings.c.listing_id).limit(limit).offset(offset)
        )
        return Page([StoredListing(_from_row(row), row.updated_at) for row in rows], total)
