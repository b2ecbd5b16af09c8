"""What the catalog is asked to do."""

from __future__ import annotations

from dataclasses import dataclass

from catalog.domain.model import CatalogItem


@dataclass(frozen=True)
class UpsertItems:
    """Add these items to the catalog, or replace the ones it has under their ids (catalog admin)."""

    items: tuple[CatalogItem, ...]
