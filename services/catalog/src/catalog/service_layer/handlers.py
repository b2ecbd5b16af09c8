"""Catalog use cases. Each runs in one unit of work, so an item and its event commit together."""

from __future__ import annotations

from catalog.adapters.repository import CatalogRepository
from catalog.domain.model import CatalogItem
from stockpath_events import Dimensions as DimensionsData
from stockpath_events import Identifiers
from stockpath_events.types.catalog import CatalogItemCreated, CatalogItemUpdated
from stockpath_runtime.unit_of_work import UnitOfWork


def _payload(item: CatalogItem) -> dict:
    d = item.dimensions
    return dict(
        catalog_item_id=item.catalog_item_id,
        title=item.title,
        brand=item.brand,
        category=item.category,
        identifiers=Identifiers(**item.identifiers),
        dimensions=DimensionsData(length_cm=d.length_cm, width_cm=d.width_cm, height_cm=d.height_cm) if d else None,
        weight_g=item.weight_g,
        hazmat=item.hazmat,
        attributes=item.attributes,
    )


async def upsert_items(items: list[CatalogItem], uow: UnitOfWork) -> dict[str, str]:
    """Create or update items; returns each id's outcome: created, updated or unchanged.

    An unchanged item emits nothing, so re-running the seed is free of side effects.
    """
    outcomes: dict[str, str] = {}
    repo = CatalogRepository(uow.connection)
    existing = await repo.get_many([i.catalog_item_id for i in items])
    changed: dict[str, CatalogItem] = {}
    for item in items:
        before = existing.get(item.catalog_item_id)
        if before == item:
            outcomes[item.catalog_item_id] = "unchanged"
            continue
        changed[item.catalog_item_id] = item
        if before is None:
            uow.emit(CatalogItemCreated(**_payload(item)))
            outcomes[item.catalog_item_id] = "created"
        else:
            uow.emit(CatalogItemUpdated(**_payload(item)))
            outcomes[item.catalog_item_id] = "updated"
        existing[item.catalog_item_id] = item
    await repo.save_many(list(changed.values()))
    await uow.commit()
    return outcomes
