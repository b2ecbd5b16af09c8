"""Eligibility rules and size tiers, on plain values."""

from decimal import Decimal

import pytest

from registration.domain.eligibility import (
    MAX_LONGEST_SIDE_CM,
    MAX_WEIGHT_G,
    ReasonCode,
    SellerCatalogue,
    SizeTier,
    assess,
    size_tier,
)
from registration.domain.model import CatalogItem, Dimensions, Offer
from stockpath_events import Condition

RESTRICTED = ("Weapons",)


def item(**changes) -> CatalogItem:
    base = dict(
        catalog_item_id="B1",
        title="Mixing Bowl Set",
        category="Kitchen",
        dimensions=Dimensions(30, 30, 12),
        weight_g=1200.0,
    )
    return CatalogItem(**{**base, **changes})


def offer(catalog_item_id="B1", sku="SKU-1", condition=Condition.NEW) -> Offer:
    return Offer(catalog_item_id, sku, condition, Decimal("19.99"), ("storefront",))


def reason(offer_=None, item_=None, catalogue=None, restricted=RESTRICTED):
    rejection = assess(
        offer_ or offer(),
        item() if item_ is None else item_,
        catalogue or SellerCatalogue(),
        restricted_categories=restricted,
    )
    return rejection.code if rejection else None


def test_a_measured_ordinary_item_is_eligible():
    assert reason() is None


def test_an_item_the_catalog_does_not_know_is_rejected_as_unknown():
    rejection = assess(offer("NOPE"), None, SellerCatalogue(), restricted_categories=RESTRICTED)
    assert rejection.code is ReasonCode.UNKNOWN_CATALOG_ITEM and "NOPE" in rejection.reason


@pytest.mark.parametrize(
    "changes, code",
    [
        ({"dimensions": None}, ReasonCode.MISSING_DIMENSIONS),
        ({"weight_g": None}, ReasonCode.MISSING_WEIGHT),
        ({"category": "Weapons"}, ReasonCode.RESTRICTED_CATEGORY),
        ({"category": "weapons"}, ReasonCode.RESTRICTED_CATEGORY),
        ({"hazmat": True}, ReasonCode.HAZMAT_REVIEW_REQUIRED),
        ({"dimensions": Dimensions(10, MAX_LONGEST_SIDE_CM + 0.1, 10)}, ReasonCode.OVER_SIZE_LIMIT),
        ({"weight_g": MAX_WEIGHT_G + 1}, ReasonCode.OVER_SIZE_LIMIT),
    ],
)
def test_items_the_provider_cannot_handle_are_rejected_with_a_reason(changes, code):
    assert reason(item_=item(**changes)) is code


def test_the_size_limit_itself_is_still_accepted():
    assert (
        reason(
            item_=item(dimensions=Dimensions(MAX_LONGEST_SIDE_CM, 50, 50), weight_g=MAX_WEIGHT_G)
        )
        is None
    )


def test_the_most_basic_problem_is_reported_first():
    everything_wrong = item(dimensions=None, weight_g=None, category="Weapons", hazmat=True)
    assert reason(item_=everything_wrong) is ReasonCode.MISSING_DIMENSIONS
    assert reason(item_=item(category="Weapons", hazmat=True)) is ReasonCode.RESTRICTED_CATEGORY


def test_restricted_categories_are_configurable():
    assert reason(item_=item(category="Weapons"), restricted=()) is None
    assert (
        reason(item_=item(category="Kitchen"), restricted=("Kitchen",))
        is ReasonCode.RESTRICTED_CATEGORY
    )


def test_a_sku_already_used_for_another_item_is_a_duplicate():
    catalogue = SellerCatalogue.of([("SKU-1", "B2", Condition.NEW)])
    assert reason(offer(sku="SKU-1"), catalogue=catalogue) is ReasonCode.DUPLICATE_SELLER_SKU


def test_a_sku_already_used_for_the_same_item_in_another_condition_is_a_duplicate():
    catalogue = SellerCatalogue.of([("SKU-1", "B1", Condition.USED_GOOD)])
    assert reason(offer(sku="SKU-1"), catalogue=catalogue) is ReasonCode.DUPLICATE_SELLER_SKU


def test_the_same_item_and_condition_twice_is_already_registered_whatever_the_sku():
    catalogue = SellerCatalogue.of([("SKU-1", "B1", Condition.NEW)])
    for sku in ("SKU-1", "SKU-2"):
        rejection = assess(offer(sku=sku), item(), catalogue, restricted_categories=RESTRICTED)
        assert rejection.code is ReasonCode.ALREADY_REGISTERED and "SKU-1" in rejection.reason


def test_the_same_item_in_another_condition_under_another_sku_is_eligible():
    catalogue = SellerCatalogue.of([("SKU-1", "B1", Condition.NEW)])
    assert reason(offer(sku="SKU-2", condition=Condition.USED_GOOD), catalogue=catalogue) is None


def test_a_registered_offer_holds_its_sku_for_the_next_offers_of_the_same_request():
    catalogue = SellerCatalogue()
    catalogue.add(offer("B2", "SKU-1"))
    assert reason(offer("B1", "SKU-1"), catalogue=catalogue) is ReasonCode.DUPLICATE_SELLER_SKU


@pytest.mark.parametrize(
    "dimensions, weight_g, tier",
    [
        (Dimensions(38.1, 30.5, 1.9), 454, SizeTier.SMALL_STANDARD),
        (Dimensions(1.9, 38.1, 30.5), 454, SizeTier.SMALL_STANDARD),  # orientation does not matter
        (Dimensions(38.1, 30.5, 2.0), 454, SizeTier.LARGE_STANDARD),
        (Dimensions(38.1, 30.5, 1.9), 455, SizeTier.LARGE_STANDARD),
        (Dimensions(45.7, 35.6, 20.3), 9_072, SizeTier.LARGE_STANDARD),
        (Dimensions(45.8, 35.6, 20.3), 9_072, SizeTier.OVERSIZE),
        (Dimensions(45.7, 35.7, 20.3), 9_072, SizeTier.OVERSIZE),
        (Dimensions(45.7, 35.6, 20.4), 9_072, SizeTier.OVERSIZE),
        (Dimensions(45.7, 35.6, 20.3), 9_073, SizeTier.OVERSIZE),
    ],
)
def test_size_tier_is_the_smallest_whose_every_limit_the_item_fits(dimensions, weight_g, tier):
    assert size_tier(dimensions, weight_g) is tier


def test_size_tier_is_unknown_without_measurements():
    assert size_tier(None, 100) is None
    assert size_tier(Dimensions(1, 1, 1), None) is None
