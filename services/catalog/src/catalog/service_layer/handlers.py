"""Catalog use cases. Each runs in one unit of work, so an item and its event commit together."""

from __future__ import annotations

from catalog.domain.commands import UpsertItems
from catalog.service_layer.unit_of_work import CatalogUnitOfWork
from stockpath_events.types.catalog import CatalogItemCreated, CatalogItemUpdated


async def upsert_items(command: UpsertItems, uow: CatalogUnitOfWork) -> dict[str, str]:
    """Create or update items; returns each id's outcome: created, updated or unchanged.

    An unchanged item emits nothing, so re-running the seed is free of side effects.
    """
    outcomes: dict[str, str] = {}
    async with uow:
        existing = await uow.items.get_many([i.catalog_item_id for i in command.items])
        changed = {}
        for item in command.items:
            before = existing.get(item.catalog_item_id)
            if before == item:
                outcomes[item.catalog_item_id] = "unchanged"
                continue
            changed[item.catalog_item_id] = item
            event = CatalogItemCreated if before is None else CatalogItemUpdated
            # The event's fields are the item's own (identifiers and dimensions as their contract types).
            uow.emit(event.model_validate(item, from_attributes=True))
            outcomes[item.catalog_item_id] = "created" if before is None else "updated"
            existing[item.catalog_item_id] = item
        await uow.items.save_many(list(changed.values()))
        await uow.commit()
    return outcomes
