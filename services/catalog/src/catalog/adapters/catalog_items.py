"""Reading and writing catalog items; the only module that knows the catalog's SQL."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from catalog.adapters.tables import catalog_identifiers, catalog_items
from catalog.domain import identifiers
from catalog.domain.model import CatalogItem, Dimensions
from stockpath_runtime.paging import Page


def _to_row(item: CatalogItem) -> dict:
    d = item.dimensions
    return {
        "catalog_item_id": item.catalog_item_id,
        "title": item.title,
        "brand": item.brand,
        "category": item.category,
        "identifiers": item.identifiers,
        "length_cm": d.length_cm if d else None,
        "width_cm": d.width_cm if d else None,
        "height_cm": d.height_cm if d else None,
        "weight_g": item.weight_g,
        "hazmat": item.hazmat,
        "attributes": item.attributes,
    }


def _from_row(row) -> CatalogItem:
    dims = (
        Dimensions(row.length_cm, row.width_cm, row.height_cm)
        if row.length_cm and row.width_cm and row.height_cm
        else None
    )
    return CatalogItem(
        catalog_item_id=row.catalog_item_id,
        title=row.title,
        brand=row.brand,
        category=row.category,
        identifiers=dict(row.identifiers or {}),
        dimensions=dims,
        weight_g=row.weight_g,
        hazmat=row.hazmat,
        attributes=dict(row.attributes or {}),
    )


_ITEM_COLUMNS = [c for c in catalog_items.c if c.name not in ("search", "created_at", "updated_at")]


#: Totals above this are reported as "more than COUNT_CAP".
COUNT_CAP = 10_000


@dataclass(frozen=True)
class SearchResults(Page[CatalogItem]):
    """One page of a search, how many items match, and how they matched."""

    #: True when there are more than `total` matches (counting stopped at COUNT_CAP).
    total_capped: bool = False
    #: How the items matched: "all" (no keywords), "keywords" (full text) or "similar" (typo-tolerant).
    match: str = "all"


class CatalogItemRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def get(self, catalog_item_id: str) -> CatalogItem | None:
        query = sa.select(*_ITEM_COLUMNS).where(catalog_items.c.catalog_item_id == catalog_item_id)
        row = (await self._conn.execute(query)).first()
        return _from_row(row) if row else None

    async def get_many(self, ids: list[str]) -> dict[str, CatalogItem]:
        rows = await self._conn.execute(
            sa.select(*_ITEM_COLUMNS).where(catalog_items.c.catalog_item_id.in_(ids))
        )
        return {r.catalog_item_id: _from_row(r) for r in rows}

    async def save_many(self, items: list[CatalogItem]) -> None:
        """Insert or replace items and their identifier rows in a few statements, whatever their number
        (a row-by-row save made seeding 50,000 items take minutes)."""
        if not items:
            return
        rows = [_to_row(item) for item in items]
        insert = pg_insert(catalog_items).values(rows)
        await self._conn.execute(
            insert.on_conflict_do_update(
                index_elements=[catalog_items.c.catalog_item_id],
                set_={
                    **{c: insert.excluded[c] for c in rows[0] if c != "catalog_item_id"},
                    "updated_at": sa.func.now(),
                },
            )
        )
        ids = [item.catalog_item_id for item in items]
        await self._conn.execute(
            sa.delete(catalog_identifiers).where(catalog_identifiers.c.catalog_item_id.in_(ids))
        )
        keys = sorted(
            {
                (key, kind, item.catalog_item_id)
                for item in items
                for kind, value in item.identifiers.items()
                for key in identifiers.lookup_keys(value)
            }
        )
        if keys:
            await self._conn.execute(
                pg_insert(catalog_identifiers)
                .values([{"value": v, "kind": k, "catalog_item_id": i} for v, k, i in keys])
                .on_conflict_do_nothing()
            )

    async def by_identifier(self, raw: str) -> list[CatalogItem]:
        keys = identifiers.lookup_keys(raw)
        rows = await self._conn.execute(
            sa.select(*_ITEM_COLUMNS)
            .join(
                catalog_identifiers,
                catalog_identifiers.c.catalog_item_id == catalog_items.c.catalog_item_id,
            )
            .where(catalog_identifiers.c.value.in_(keys))
            .distinct()
            .order_by(catalog_items.c.catalog_item_id)
        )
        return [_from_row(r) for r in rows]

    async def search(
        self, q: str | None, *, brand: str | None, category: str | None, limit: int, offset: int
    ) -> SearchResults:
        """Keyword search ranked by relevance; when no item contains the words, titles that
        resemble them (trigram word similarity), so a typo still finds the item. Every order ends
        with the item id, so pages are stable: none repeats or skips an item."""
        filters = []
        if brand:
            filters.append(sa.func.lower(catalog_items.c.brand) == brand.lower())
        if category:
            filters.append(sa.func.lower(catalog_items.c.category) == category.lower())
        if not q:
            return await self._browse(filters, limit, offset)
        tsquery = sa.func.websearch_to_tsquery("english", q)
        rank = sa.func.ts_rank_cd(catalog_items.c.search, tsquery)
        page = await self._ranked(
            [*filters, catalog_items.c.search.op("@@")(tsquery)],
            rank,
            limit,
            offset,
            match="keywords",
        )
        if page.total:
            return page
        # `<%` is word similarity above pg_trgm.word_similarity_threshold, served by the trigram index.
        words = q.lower()
        title = sa.func.lower(catalog_items.c.title)
        return await self._ranked(
            [*filters, sa.literal(words).op("<%")(title)],
            sa.func.word_similarity(words, title),
            limit,
            offset,
            match="similar",
        )

    async def _ranked(
        self, filters: list, score, limit: int, offset: int, *, match: str
    ) -> SearchResults:
        # Ranking sorts every match anyway, so a window count in the same scan gives the total
        # for free instead of a second pass over the matches.
        query = (
            sa.select(*_ITEM_COLUMNS, sa.func.count().over().label("total"))
            .where(*filters)
            .order_by(score.desc(), catalog_items.c.catalog_item_id)
            .limit(limit)
            .offset(offset)
        )
        rows = list(await self._conn.execute(query))
        if rows:
            return SearchResults([_from_row(r) for r in rows], rows[0].total, match=match)
        # Past the last page (or nothing matched): the count alone.
        total = (
            await self._conn.execute(
                sa.select(sa.func.count()).select_from(catalog_items).where(*filters)
            )
        ).scalar_one()
        return SearchResults([], total, match=match)

    async def _browse(self, filters: list, limit: int, offset: int) -> SearchResults:
        # Deferred join: the page's ids come from an index-only walk of the primary key, then
        # only those rows are read, so page 2,000 costs about as much as page 1.
        ids = (
            sa.select(catalog_items.c.catalog_item_id)
            .where(*filters)
            .order_by(catalog_items.c.catalog_item_id)
            .limit(limit)
            .offset(offset)
            .subquery()
        )
        query = (
            sa.select(*_ITEM_COLUMNS)
            .join(ids, ids.c.catalog_item_id == catalog_items.c.catalog_item_id)
            .order_by(catalog_items.c.catalog_item_id)
        )
        rows = await self._conn.execute(query)
        # Counting a whole filter costs more than finding the page; past COUNT_CAP the total is
        # reported as "more than" instead, as large search engines do.
        counted = (
            sa.select(sa.literal(1))
            .select_from(catalog_items)
            .where(*filters)
            .limit(COUNT_CAP + 1)
            .subquery()
        )
        total = (
            await self._conn.execute(sa.select(sa.func.count()).select_from(counted))
        ).scalar_one()
        return SearchResults(
            [_from_row(r) for r in rows],
            min(total, COUNT_CAP),
            total_capped=total > COUNT_CAP,
            match="all",
        )
