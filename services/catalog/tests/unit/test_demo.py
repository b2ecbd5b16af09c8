"""The demo catalog must stay realistic at benchmark size: unique titles and identifiers, valid check digits."""

from catalog.demo import generate
from catalog.domain.model import CatalogItem


def test_fifty_thousand_demo_items_have_unique_titles_and_identifiers():
    items = generate(50_000)
    assert len({i["title"] for i in items}) == 50_000
    assert len({v for i in items for v in i["identifiers"].values()}) == 50_000
    assert len({i["catalog_item_id"] for i in items}) == 50_000


def test_demo_items_are_valid_catalog_items_and_generation_is_deterministic():
    items = generate(300)
    assert items == generate(300)
    for i in items:
        CatalogItem(
            catalog_item_id=i["catalog_item_id"],
            title=i["title"],
            category=i["category"],
            identifiers=i["identifiers"],
        )
