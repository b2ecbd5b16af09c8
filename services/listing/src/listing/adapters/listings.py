"""Reading and writing listings; the only module that knows the listings table's SQL."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from listing.adapters.tables import availability, listings
from listing.domain.model import Listing, ListingFilter, ListingStatus, Registration, StoredListing
from stockpath_events import CatalogItemSnapshot
from stockpath_runtime.db import any_of
from stockpath_runtime.paging import Page

# Set-based statements take whole columns as arrays, so each is one statement whose text never
# changes: prepared once by the server, compiled once by SQLAlchemy, whatever the batch size.
_LOCK_FNSKUS = sa.text(
    # unnest yields the array in order, so the locks are taken in that order.
    "SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest(CAST(:keys AS text[])) AS k"
)
_SAVE_SELLABLE_QUANTITIES = sa.text(
    """
    UPDATE listings AS l SET sellable_quantity = c.sellable_quantity, in_stock = c.in_stock, updated_at = now()
      FROM unnest(CAST(:listing_ids AS text[]), CAST(:quantities AS int[]), CAST(:in_stock AS boolean[]))
           AS c(listing_id, sellable_quantity, in_stock)
     WHERE l.listing_id = c.listing_id
    """
)
_LISTING_FIELDS = [f.name for f in fields(Listing)]


def _to_row(listing: Listing, registration_id: str, item: CatalogItemSnapshot | None) -> dict:
    return {
        **{name: getattr(listing, name) for name in _LISTING_FIELDS},
        "status": listing.status.value,
        "issues": list(listing.issues),
        # Stored, although it follows from sellable_quantity, so buyers can filter on it with an index.
        "in_stock": listing.in_stock,
        "registration_id": registration_id,
        "item": item.model_dump(mode="json") if item is not None else None,
    }


def _from_row(row) -> Listing:
    return Listing(
        **{
            **{name: getattr(row, name) for name in _LISTING_FIELDS},
            "identifiers": dict(row.identifiers or {}),
            "attributes": dict(row.attributes or {}),
            "status": ListingStatus(row.status),
            "issues": tuple(row.issues or ()),
        }
    )


class ListingRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def lock_fnskus(self, fnskus: Iterable[str]) -> None:
        """Serialise, until this transaction ends, every change to the listings and stock of these
        FNSKUs, taking the locks in sorted order (so two transactions locking overlapping sets
        queue instead of deadlocking).

        Registrations and stock reports arrive on different topics, so different agents may
        handle them at the same moment. Without this lock a new listing could read the stock
        before a concurrent report commits, while that report finds no listing to update yet,
        and the listing would keep a stale quantity. Row locks cannot help: the rows involved
        may not exist yet.
        """
        keys = [f"stockpath-listing:fnsku:{fnsku}" for fnsku in sorted(set(fnskus))]
        if keys:
            await self._conn.execute(_LOCK_FNSKUS, {"keys": keys})

    async def add_new(
        self, new: list[Listing], *, registration_id: str, item: CatalogItemSnapshot | None = None
    ) -> list[Listing]:
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

    async def for_fnskus(
        self, fnskus: Iterable[str], *, for_update: bool = False
    ) -> dict[str, list[Listing]]:
        """The listings of each FNSKU, in listing id order, in one statement."""
        wanted = sorted(set(fnskus))
        found: dict[str, list[Listing]] = {fnsku: [] for fnsku in wanted}
        if not wanted:
            return found
        query = (
            sa.select(listings)
            .where(listings.c.fnsku == any_of(wanted))
            .order_by(listings.c.listing_id)
        )
        if for_update:
            query = query.with_for_update()
        for row in await self._conn.execute(query):
            found[row.fnsku].append(_from_row(row))
        return found

    async def save_sellable_quantities(self, changed: Iterable[Listing]) -> None:
        """Store the sellable quantity (and so in/out of stock) of these listings, in one statement."""
        rows = sorted(
            (listing.listing_id, listing.sellable_quantity, listing.in_stock) for listing in changed
        )
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

    async def registration_of(self, fnsku: str) -> Registration | None:
        """The registration and catalog snapshot the FNSKU's listings were built from."""
        row = (
            await self._conn.execute(
                sa.select(listings.c.registration_id, listings.c.item)
                .where(listings.c.fnsku == fnsku)
                .order_by(listings.c.item.is_(None), listings.c.listing_id)
                .limit(1)
            )
        ).first()
        if row is None:
            return None
        return Registration(
            row.registration_id, CatalogItemSnapshot.model_validate(row.item) if row.item else None
        )

    async def get(self, listing_id: str) -> StoredListing | None:
        row = (
            await self._conn.execute(sa.select(listings).where(listings.c.listing_id == listing_id))
        ).first()
        return StoredListing(_from_row(row), row.updated_at) if row else None

    async def search(
        self, wanted: ListingFilter, *, limit: int, offset: int
    ) -> Page[StoredListing]:
        filters = []
        for word in (wanted.text or "").split()[:8]:
            # Every word must appear in the title, brand or category (case-insensitive).
            pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            filters.append(
                sa.or_(
                    listings.c.title.ilike(pattern),
                    listings.c.brand.ilike(pattern),
                    listings.c.category.ilike(pattern),
                )
            )
        for column in (listings.c.seller_id, listings.c.channel, listings.c.fnsku):
            value = getattr(wanted, column.name)
            if value is not None:
                filters.append(column == value)
        if wanted.in_stock is not None:
            filters.append(listings.c.in_stock.is_(wanted.in_stock))
        if wanted.status is not None:
            filters.append(listings.c.status == wanted.status.value)
        total = (
            await self._conn.execute(
                sa.select(sa.func.count()).select_from(listings).where(*filters)
            )
        ).scalar_one()
        # Ordered by the unique id, so consecutive pages never repeat or skip a listing.
        rows = await self._conn.execute(
            sa.select(listings)
            .where(*filters)
            .order_by(listings.c.listing_id)
            .limit(limit)
            .offset(offset)
        )
        return Page([StoredListing(_from_row(row), row.updated_at) for row in rows], total)

    async def stranded_fnskus(self, seller_id: str, *, limit: int, offset: int) -> Page[str]:
        """The seller's FNSKUs with fulfillable stock (as inventory last reported it, summed over
        the FCs) and no ACTIVE listing in any channel, in FNSKU order."""
        fulfillable = (
            sa.select(sa.func.coalesce(sa.func.sum(availability.c.fulfillable), 0))
            .where(availability.c.fnsku == listings.c.fnsku)
            .scalar_subquery()
        )
        stranded = (
            sa.select(listings.c.fnsku)
            .where(listings.c.seller_id == seller_id)
            .group_by(listings.c.fnsku)
            .having(
                sa.func.bool_and(listings.c.status != ListingStatus.ACTIVE.value),
                fulfillable > 0,
            )
        )
        total = await self._conn.scalar(sa.select(sa.func.count()).select_from(stranded.subquery()))
        rows = await self._conn.execute(
            stranded.order_by(listings.c.fnsku).limit(limit).offset(offset)
        )
        return Page([r.fnsku for r in rows], int(total or 0))
