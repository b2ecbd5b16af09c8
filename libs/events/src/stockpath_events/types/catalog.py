"""Events the catalog service writes to `catalog.events` (key: catalog_item_id)."""

from __future__ import annotations

from stockpath_events.base import CatalogItem, EventData


class CatalogItemCreated(EventData, CatalogItem):
    """An item was added to the catalog."""


class CatalogItemUpdated(EventData, CatalogItem):
    """An item's information changed; the payload is the whole item as it is now."""
