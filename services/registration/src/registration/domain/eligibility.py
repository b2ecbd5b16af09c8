"""Whether an item may be registered for fulfillment, and its size tier.

An item is refused when the provider cannot store or ship it safely (no measurements, a
restricted category, hazardous material awaiting review, beyond what a conveyor and a
single picker can handle) or when it would make the seller's own catalogue ambiguous (one
SKU for two items, or the same item and condition registered twice). The rules run in a
fixed order and the first one that fails is the reason given, so a seller fixes the most
basic problem first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from registration.domain.model import CatalogItem, Dimensions, Offer
from stockpath_events import Condition

#: Beyond these an item needs special handling the skeleton's FCs do not offer.
MAX_LONGEST_SIDE_CM = 274.0
MAX_WEIGHT_G = 68_000.0


class SizeTier(StrEnum):
    """FBA-like tiers: they decide fees and which FC equipment handles the item."""

    SMALL_STANDARD = "small_standard"
    LARGE_STANDARD = "large_standard"
    OVERSIZE = "oversize"


@dataclass(frozen=True)
class _TierLimit:
    tier: SizeTier
    longest_cm: float
    median_cm: float
    shortest_cm: float
    weight_g: float


_TIER_LIMITS = (
    _TierLimit(SizeTier.SMALL_STANDARD, 38.1, 30.5, 1.9, 454.0),
    _TierLimit(SizeTier.LARGE_STANDARD, 45.7, 35.6, 20.3, 9_072.0),
)


def size_tier(dimensions: Dimensions | None, weight_g: float | None) -> SizeTier | None:
    """The smallest tier whose every limit the item fits; None when a measurement is missing."""
    if dimensions is None or weight_g is None:
        return None
    longest, median, shortest = dimensions.sorted_sides()
    for limit in _TIER_LIMITS:
        if (
            longest <= limit.longest_cm
            and median <= limit.median_cm
            and shortest <= limit.shortest_cm
            and weight_g <= limit.weight_g
        ):
            return limit.tier
    return SizeTier.OVERSIZE


class ReasonCode(StrEnum):
    UNKNOWN_CATALOG_ITEM = "UNKNOWN_CATALOG_ITEM"
    MISSING_DIMENSIONS = "MISSING_DIMENSIONS"
    MISSING_WEIGHT = "MISSING_WEIGHT"
    RESTRICTED_CATEGORY = "RESTRICTED_CATEGORY"
    HAZMAT_REVIEW_REQUIRED = "HAZMAT_REVIEW_REQUIRED"
    OVER_SIZE_LIMIT = "OVER_SIZE_LIMIT"
    DUPLICATE_SELLER_SKU = "DUPLICATE_SELLER_SKU"
    ALREADY_REGISTERED = "ALREADY_REGISTERED"


@dataclass(frozen=True)
class Rejection:
    code: ReasonCode
    reason: str


@dataclass
class SellerCatalogue:
    """What a seller has registered so far: which item and condition each SKU stands for.

    Rejected registrations hold nothing, so a seller may reuse the SKU of a refused item.
    """

    items_by_sku: dict[str, tuple[str, Condition]] = field(default_factory=dict)

    @classmethod
    def of(cls, registered: Iterable[tuple[str, str, Condition]]) -> SellerCatalogue:
        """From (seller_sku, catalog_item_id, condition) of the seller's registered items."""
        return cls({sku: (item, condition) for sku, item, condition in registered})

    def sku_for(self, catalog_item_id: str, condition: Condition) -> str | None:
        return next(
            (
                sku
                for sku, offered in self.items_by_sku.items()
                if offered == (catalog_item_id, condition)
            ),
            None,
        )

    def add(self, offer: Offer) -> None:
        self.items_by_sku[offer.seller_sku] = (offer.catalog_item_id, offer.condition)


def assess(
    offer: Offer,
    item: CatalogItem | None,
    catalogue: SellerCatalogue,
    *,
    restricted_categories: Iterable[str],
) -> Rejection | None:
    """None when `offer` can be registered; otherwise the first rule it breaks."""
    if item is None:
        return Rejection(
            ReasonCode.UNKNOWN_CATALOG_ITEM,
            f"catalog item {offer.catalog_item_id} does not exist; search the catalog and pick an existing item",
        )
    if item.dimensions is None:
        return Rejection(
            ReasonCode.MISSING_DIMENSIONS,
            f"catalog item {item.catalog_item_id} has no package dimensions; an FC cannot plan storage without them",
        )
    if item.weight_g is None:
        return Rejection(
            ReasonCode.MISSING_WEIGHT,
            f"catalog item {item.catalog_item_id} has no weight; an FC cannot plan handling without it",
        )
    if item.category.casefold() in {c.casefold() for c in restricted_categories}:
        return Rejection(
            ReasonCode.RESTRICTED_CATEGORY,
            f"items in the category {item.category!r} cannot be registered for fulfillment",
        )
    if item.hazmat:
        return Rejection(
            ReasonCode.HAZMAT_REVIEW_REQUIRED,
            f"catalog item {item.catalog_item_id} is marked as hazardous material and needs a safety review first",
        )
    longest, _, _ = item.dimensions.sorted_sides()
    if longest > MAX_LONGEST_SIDE_CM or item.weight_g > MAX_WEIGHT_G:
        return Rejection(
            ReasonCode.OVER_SIZE_LIMIT,
            f"catalog item {item.catalog_item_id} is {longest:g} cm long and weighs {item.weight_g:g} g; "
            f"the limit is {MAX_LONGEST_SIDE_CM:g} cm and {MAX_WEIGHT_G:g} g",
        )
    taken = catalogue.items_by_sku.get(offer.seller_sku)
    if taken is not None and taken != (offer.catalog_item_id, offer.condition):
        return Rejection(
            ReasonCode.DUPLICATE_SELLER_SKU,
            f"seller SKU {offer.seller_sku} is already used for catalog item {taken[0]} ({taken[1].value})",
        )
    existing_sku = catalogue.sku_for(offer.catalog_item_id, offer.condition)
    if existing_sku is not None:
        return Rejection(
            ReasonCode.ALREADY_REGISTERED,
            f"catalog item {offer.catalog_item_id} in condition {offer.condition.value} is already registered "
            f"as seller SKU {existing_sku}",
        )
    return None
