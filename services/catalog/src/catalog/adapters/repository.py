"""Reading and writing catalog items; the only module that knows the catalog's SQL."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from catalog.adapters.tables import catalog_identifiers, catalog_items
from catalog.domain import identifiers
from catalog.domain.model import CatalogItem, Dimensions


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


@dataclass(frozen=True)
class Page:
    items: list[CatalogItem]
    total: int


class CatalogRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def get(self, catalog_item_id: str, *, for_update: bool = False) -> CatalogItem | None:
        query = sa.select(*_ITEM_COLUMNS).where(catalog_items.c.catalog_item_id == catalog_item_id)
        if for_update:
            query = query.with_for_update()
        row = (await self._conn.execute(query)).first()
        return _from_row(row) if row else None

    async def get_many(self, ids: list[str]) -> dict[str, CatalogItem]:
        rows = await self._conn.execute(sa.select(*_ITEM_COLUMNS).where(catalog_items.c.catalog_item_id.in_(ids)))
        return {r.catalog_item_id: _from_row(r) for r in rows}

    async def save(self, item: CatalogItem) -> None:
        row = _to_row(item)
        await self._conn.execute(
            pg_insert(catalog_items)
            .values(**row)
            .on_conflict_do_update(
                index_elements=[catalog_items.c.catalog_item_id],
                set_={**{k: v for k, v in row.items() if k != "catalog_item_id"}, "updated_at": sa.func.now()},
            )
        )
        await self._conn.execute(sa.delete(catalog_identifiers).where(catalog_identifiers.c.catalog_item_id == item.catalog_item_id))
        keys = {
            (key, kind)
            for kind, value in item.identifiers.items()
            for key in identifiers.lookup_keys(value)
        }
        if keys:
            await self._conn.execute(
                pg_insert(catalog_identifiers).on_conflict_do_nothing(),
                [{"value": v, "kind": k, "catalog_item_id": item.catalog_item_id} for v, k in sorted(keys)],
            )

    async def by_identifier(self, raw: str) -> list[CatalogItem]:
        keys = identifiers.lookup_keys(raw)
        rows = await self._conn.execute(
            sa.select(*_ITEM_COLUMNS)
            .join(catalog_identifiers, catalog_identifiers.c.catalog_item_id == catalog_items.c.catalog_item_id)
            .where(catalog_identifiers.c.value.in_(keys))
            .distinct()
            .order_by(catalog_items.c.catalog_item_id)
        )
        return [_from_row(r) for r in rows]

    async def search(
        self, q: str | None, *, brand: str | None, category: str | None, limit: int, offset: int
    ) -> Page:
        filters = []
        if brand:
            filters.append(sa.func.lower(catalog_items.c.brand) == brand.lower())
        if category:
            filters.append(sa.func.lower(catalog_items.c.category) == category.lower())
        query = sa.select(*_ITEM_COLUMNS)
        if q:
            tsquery = sa.func.websearch_to_tsquery("english", q)
            filters.append(catalog_items.c.search.op("@@")(tsquery))
            rank = sa.func.ts_rank_cd(catalog_items.c.search, tsquery)
            # Rank, then id: a stable order, so pages never repeat or skip an item.
            query = query.order_by(rank.desc(), catalog_items.c.catalog_item_id)
        else:
            query = query.order_by(catalog_items.c.catalog_item_id)
        query = query.where(*filters)
        total = (
            await self._conn.execute(sa.select(sa.func.count()).select_from(catalog_items).where(*filters))
        ).scalar_one()
        rows = await self._conn.execute(query.limit(limit).offset(offset))
        return Page([_from_row(r) for r in rows], total)
