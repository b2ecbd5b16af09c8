"""An in-memory stand-in for the catalog's item repository and a fake unit of work holding it,
for the handler unit tests."""

from __future__ import annotations

from catalog.domain.model import CatalogItem
from stockpath_testing import FakeUnitOfWork


class FakeCatalogItemRepository:
    def __init__(self, *items: CatalogItem) -> None:
        self.items = {item.catalog_item_id: item for item in items}
        #: How many items each save_many call wrote.
        self.saved: list[int] = []

    async def get(self, catalog_item_id: str) -> CatalogItem | None:
        return self.items.get(catalog_item_id)

    async def get_many(self, ids: list[str]) -> dict[str, CatalogItem]:
        return {i: self.items[i] for i in ids if i in self.items}

    async def save_many(self, items: list[CatalogItem]) -> None:
        self.saved.append(len(items))
        self.items.update((item.catalog_item_id, item) for item in items)


class FakeCatalogUnitOfWork(FakeUnitOfWork):
    def __init__(self, *items: CatalogItem) -> None:
        super().__init__(source="/services/catalog")
        self.items = FakeCatalogItemRepository(*items)
