"""Events the catalog service writes to `catalog.events` (key: catalog_item_id)."""

from __future__ import annotations

from pydantic import Field

from stockpath_events.base import Dimensions, EventData, Identifiers


class _CatalogItem(EventData):
    catalog_item_id: str
    title: str
    brand: str | None = None
    category: str
    identifiers: Identifiers = Identifiers()
    dimensions: Dimensions | None = None
    weight_g: float | None = Field(default=None, gt=0)
    hazmat: bool = False
    attributes: dict[str, str] = Field(default_factory=dict)


class CatalogItemCreated(_CatalogItem):
    """An item was added to the catalog."""


class CatalogItemUpdated(_CatalogItem):
    """An item's information changed; the payload is the whole item as it is now."""
