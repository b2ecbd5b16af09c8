"""A catalog item: what the platform knows about a product, whoever sells it."""

from __future__ import annotations

from dataclasses import dataclass, field

from catalog.domain import identifiers


@dataclass(frozen=True)
class Dimensions:
    length_cm: float
    width_cm: float
    height_cm: float


@dataclass(frozen=True)
class CatalogItem:
    catalog_item_id: str
    title: str
    category: str
    brand: str | None = None
    identifiers: dict[str, str] = field(default_factory=dict)  # kind -> normalised value
    dimensions: Dimensions | None = None
    weight_g: float | None = None
    hazmat: bool = False
    attributes: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Every identifier must be well formed and carry a right check digit.
        for value in self.identifiers.values():
            identifiers.parse(value)


class UnknownCatalogItem(LookupError):
    """A catalog item id that names no item."""

    def __init__(self, catalog_item_id: str) -> None:
        super().__init__(f"catalog item {catalog_item_id} does not exist")
        self.catalog_item_id = catalog_item_id
