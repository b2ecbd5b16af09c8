"""The catalog's unit of work: one transaction, with the catalog's items."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from catalog.adapters.catalog_items import CatalogItemRepository
from stockpath_runtime.unit_of_work import UnitOfWork


class CatalogUnitOfWork(UnitOfWork):
    #: The catalog's items and their identifier lookups.
    items: CatalogItemRepository

    def _bind(self, connection: AsyncConnection) -> None:
        self.items = CatalogItemRepository(connection)
