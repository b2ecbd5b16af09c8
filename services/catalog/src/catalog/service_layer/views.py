"""The reads the catalog API needs, each in its own unit of work (read-only: nothing is committed)."""

from __future__ import annotations

from catalog.adapters.catalog_items import SearchResults
from catalog.domain.model import CatalogItem, UnknownCatalogItem
from catalog.service_layer.unit_of_work import CatalogUnitOfWork


async def search(
    uow: CatalogUnitOfWork,
    q: str | None,
    *,
    brand: str | None,
    category: str | None,
    limit: int,
    offset: int,
) -> SearchResults:
    """Items matching the keywords (or resembling them), filtered by brand and category, paged."""
    async with uow:
        return await uow.items.search(q, brand=brand, category=category, limit=limit, offset=offset)


async def by_identifier(uow: CatalogUnitOfWork, raw: str) -> list[CatalogItem]:
    """Items carrying this UPC, EAN, ISBN or GTIN in any of its forms (`InvalidIdentifier` when
    it cannot be one)."""
    async with uow:
        return await uow.items.by_identifier(raw)


async def item(uow: CatalogUnitOfWork, catalog_item_id: str) -> CatalogItem:
    """One item; `UnknownCatalogItem` when there is none by that id."""
    async with uow:
        found = await uow.items.get(catalog_item_id)
    if found is None:
        raise UnknownCatalogItem(catalog_item_id)
    return found
