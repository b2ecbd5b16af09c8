"""The catalog's handler against an in-memory unit of work: items are created or replaced and
announced once, and an item sent again unchanged costs nothing and says nothing."""

from __future__ import annotations

from dataclasses import replace

from catalog_testkit import FakeCatalogUnitOfWork

from catalog.domain.commands import UpsertItems
from catalog.domain.model import CatalogItem, Dimensions
from catalog.service_layer.handlers import upsert_items
from stockpath_events import Identifiers
from stockpath_events.types.catalog import CatalogItemCreated, CatalogItemUpdated

KETTLE = CatalogItem(
    catalog_item_id="B-KETTLE",
    title="Fellow Stagg Kettle",
    category="Kitchen",
    brand="Fellow",
    identifiers={"upc": "036000291452"},
    dimensions=Dimensions(30.0, 20.0, 18.5),
    weight_g=1200.0,
    attributes={"color": "Matte Black"},
)
SKILLET = CatalogItem(catalog_item_id="B-SKILLET", title="Lodge Skillet", category="Kitchen")


async def test_new_items_are_stored_and_each_announced_as_created_in_one_commit():
    uow = FakeCatalogUnitOfWork()

    outcomes = await upsert_items(UpsertItems((KETTLE, SKILLET)), uow)

    assert outcomes == {"B-KETTLE": "created", "B-SKILLET": "created"}
    assert uow.items.items == {"B-KETTLE": KETTLE, "B-SKILLET": SKILLET}
    created, _ = uow.emitted()
    assert isinstance(created, CatalogItemCreated)
    assert (created.catalog_item_id, created.title, created.brand, created.category) == (
        "B-KETTLE",
        "Fellow Stagg Kettle",
        "Fellow",
        "Kitchen",
    )
    assert created.identifiers == Identifiers(upc="036000291452")
    assert (created.dimensions.length_cm, created.dimensions.height_cm, created.weight_g) == (
        30.0,
        18.5,
        1200.0,
    )
    assert created.attributes == {"color": "Matte Black"} and created.hazmat is False
    assert uow.commits == 1 and uow.items.saved == [2]


async def test_an_item_sent_again_unchanged_emits_and_writes_nothing():
    uow = FakeCatalogUnitOfWork(KETTLE)

    assert await upsert_items(UpsertItems((KETTLE,)), uow) == {"B-KETTLE": "unchanged"}

    assert uow.events == [] and uow.items.saved == [0]


async def test_a_changed_item_is_replaced_and_announced_with_its_whole_state():
    uow = FakeCatalogUnitOfWork(KETTLE, SKILLET)
    renamed = replace(KETTLE, title="Fellow Stagg EKG Kettle")

    outcomes = await upsert_items(UpsertItems((renamed, SKILLET)), uow)

    assert outcomes == {"B-KETTLE": "updated", "B-SKILLET": "unchanged"}
    [updated] = uow.emitted()
    assert isinstance(updated, CatalogItemUpdated)
    assert updated.title == "Fellow Stagg EKG Kettle" and updated.identifiers == Identifiers(
        upc="036000291452"
    )
    assert uow.items.items["B-KETTLE"] == renamed and uow.items.saved == [1]


async def test_the_same_id_twice_in_one_call_is_created_then_updated():
    uow = FakeCatalogUnitOfWork()
    renamed = replace(SKILLET, title="Lodge Cast Iron Skillet")

    outcomes = await upsert_items(UpsertItems((SKILLET, renamed)), uow)

    assert outcomes == {"B-SKILLET": "updated"}
    assert [type(e).__name__ for e in uow.emitted()] == ["CatalogItemCreated", "CatalogItemUpdated"]
    assert uow.items.items["B-SKILLET"] == renamed
