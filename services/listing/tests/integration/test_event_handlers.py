"""The worker's handlers against a real PostgreSQL, driven through the runtime's MessageProcessor
(decode, inbox claim, handler, commit) exactly as the worker drives them, minus the broker."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
import sqlalchemy as sa

from listing.domain.channels import default_channels
from listing.domain.model import ListingFilter, ListingStatus
from listing.entrypoints import consumers
from listing.service_layer import handlers
from listing.service_layer.unit_of_work import ListingUnitOfWork
from stockpath_events import decode
from stockpath_events.types.listing import ListingAvailabilityChanged, ListingPublished
from stockpath_runtime.consumer import Outcome
from stockpath_runtime.db import outbox
from stockpath_runtime.unit_of_work import headers_from_row
from stockpath_testing import eventually

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]

SOURCE = "/services/listing"


async def emitted(engine, model, *, key: str):
    """Events of type `model` in the outbox for one listing, in the order they were written."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(outbox.c.value, outbox.c.headers)
            .where(outbox.c.event_type == model.ce_type, outbox.c.key == key.encode())
            .order_by(outbox.c.id)
        )
        return [decode(r.value, headers_from_row(r.headers)) for r in rows]


async def stored(engine, listing_id: str):
    async with ListingUnitOfWork(engine, source=SOURCE) as uow:
        found = await uow.listings.get(listing_id)
    return found.listing if found else None


async def test_a_registration_creates_a_listing_per_channel_and_publishes_the_live_ones(
    engine, deliver, item_registered
):
    event = item_registered(channels=("storefront", "ebay"))
    fnsku = event.data.fnsku
    assert await deliver(event) is Outcome.PROCESSED

    storefront = await stored(engine, f"L-{fnsku}-storefront")
    assert storefront.status is ListingStatus.ACTIVE
    assert (storefront.seller_id, storefront.seller_sku, storefront.fnsku) == (
        "S-ACME",
        f"SKU-{fnsku}",
        fnsku,
    )
    assert (storefront.title, storefront.brand, storefront.price) == (
        "Lodge 10-inch Cast Iron Skillet",
        "Lodge",
        Decimal("24.99"),
    )
    assert storefront.identifiers == {"upc": "036000291452"} and storefront.attributes == {
        "color": "Black"
    }
    assert storefront.sellable_quantity == 0 and not storefront.in_stock
    ebay = await stored(engine, f"L-{fnsku}-ebay")
    assert ebay.status is ListingStatus.HELD and ebay.issues == ("unknown channel: ebay",)

    [published] = await emitted(engine, ListingPublished, key=f"L-{fnsku}-storefront")
    assert published.causation_id == event.id and published.correlation_id == event.correlation_id
    assert published.subject == f"L-{fnsku}-storefront"
    assert published.data.channel == "storefront" and published.data.fnsku == fnsku
    assert published.data.price == Decimal("24.99") and published.data.condition == "new"
    assert published.data.item == event.data.item and published.data.sellable_quantity == 0
    assert await emitted(engine, ListingPublished, key=f"L-{fnsku}-ebay") == [], (
        "a held listing is not published"
    )


async def test_the_same_registration_delivered_twice_lists_and_publishes_once(
    engine, deliver, item_registered
):
    event = item_registered()
    assert await deliver(event) is Outcome.PROCESSED
    assert await deliver(event) is Outcome.DUPLICATE
    listing_id = f"L-{event.data.fnsku}-storefront"
    assert len(await emitted(engine, ListingPublished, key=listing_id)) == 1
    async with ListingUnitOfWork(engine, source=SOURCE) as uow:
        page = await uow.listings.search(ListingFilter(fnsku=event.data.fnsku), limit=10, offset=0)
    assert [s.listing.listing_id for s in page.items] == [listing_id]


async def test_a_repeated_registration_leaves_existing_listings_as_they_are(
    engine, deliver, item_registered
):
    first = item_registered()
    fnsku = first.data.fnsku
    assert await deliver(first) is Outcome.PROCESSED
    # A new event id (a re-registration, or a replay after the inbox was pruned), other content.
    again = item_registered(fnsku, channels=("storefront", "ebay"), price="99.00", title="Changed")
    assert again.id != first.id
    assert await deliver(again) is Outcome.PROCESSED

    storefront = await stored(engine, f"L-{fnsku}-storefront")
    assert (
        storefront.price == Decimal("24.99")
        and storefront.title == "Lodge 10-inch Cast Iron Skillet"
    )
    assert len(await emitted(engine, ListingPublished, key=f"L-{fnsku}-storefront")) == 1
    assert (await stored(engine, f"L-{fnsku}-ebay")).status is ListingStatus.HELD, (
        "a newly asked channel is added"
    )


async def test_stock_reported_before_the_listing_exists_is_picked_up_when_it_is_created(
    engine, deliver, item_registered, inventory_level
):
    registration = item_registered()
    fnsku = registration.data.fnsku
    assert await deliver(inventory_level(fnsku, "SEA1", 5)) is Outcome.PROCESSED
    assert await deliver(inventory_level(fnsku, "PHX1", 2, reserved=1)) is Outcome.PROCESSED
    assert await deliver(registration) is Outcome.PROCESSED

    listing_id = f"L-{fnsku}-storefront"
    listing = await stored(engine, listing_id)
    assert listing.sellable_quantity == 7 and listing.in_stock
    [published] = await emitted(engine, ListingPublished, key=listing_id)
    assert published.data.sellable_quantity == 7
    assert await emitted(engine, ListingAvailabilityChanged, key=listing_id) == []


async def test_each_real_availability_change_is_announced_exactly_once(
    engine, deliver, item_registered, inventory_level
):
    registration = item_registered()
    fnsku = registration.data.fnsku
    listing_id = f"L-{fnsku}-storefront"
    assert await deliver(registration) is Outcome.PROCESSED

    steps = [
        (inventory_level(fnsku, "SEA1", 5), (True, 5)),
        (
            inventory_level(fnsku, "SEA1", 5, reserved=2, inbound=10),
            None,
        ),  # nothing buyers see changed
        (inventory_level(fnsku, "PHX1", 3), (True, 8)),
        (inventory_level(fnsku, "SEA1", 0, unfulfillable=1), (True, 3)),
        (inventory_level(fnsku, "PHX1", 0), (False, 0)),
        (inventory_level(fnsku, "PHX1", 0, inbound=4), None),
    ]
    for level, _ in steps:
        assert await deliver(level) is Outcome.PROCESSED
    assert await deliver(steps[0][0]) is Outcome.DUPLICATE

    announced = await emitted(engine, ListingAvailabilityChanged, key=listing_id)
    expected = [
        (level.id, level.correlation_id, change) for level, change in steps if change is not None
    ]
    assert [
        (e.causation_id, e.correlation_id, (e.data.in_stock, e.data.sellable_quantity))
        for e in announced
    ] == expected
    assert all(e.data.channel == "storefront" and e.data.fnsku == fnsku for e in announced)
    listing = await stored(engine, listing_id)
    assert listing.sellable_quantity == 0 and not listing.in_stock


async def test_a_held_listing_follows_stock_without_being_announced(
    engine, deliver, item_registered, inventory_level
):
    registration = item_registered(channels=("ebay",))
    fnsku = registration.data.fnsku
    assert await deliver(registration) is Outcome.PROCESSED
    assert await deliver(inventory_level(fnsku, "SEA1", 4)) is Outcome.PROCESSED
    listing = await stored(engine, f"L-{fnsku}-ebay")
    assert listing.sellable_quantity == 4 and listing.in_stock
    assert await emitted(engine, ListingAvailabilityChanged, key=f"L-{fnsku}-ebay") == []


async def _waiting_on_a_lock(engine) -> bool:
    async with engine.connect() as conn:
        return bool(
            (
                await conn.execute(
                    sa.text(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                    )
                )
            ).scalar_one()
        )


async def test_a_stock_report_waits_for_a_registration_of_the_same_fnsku_in_flight(
    engine, item_registered, inventory_level
):
    """Registrations and stock reports come from different topics, so different agents run them
    concurrently. Without serialising them per FNSKU, the report would find no listing to update
    while the registration read the stock before the report, and the listing would stay at 0."""
    registration = item_registered()
    fnsku = registration.data.fnsku
    level = inventory_level(fnsku, "SEA1", 5)

    async def report_stock() -> None:
        async with ListingUnitOfWork(engine, source=SOURCE) as uow:
            await handlers.record_inventory_levels(
                [consumers.record_inventory_level(level)], uow, channels=default_channels()
            )
            await uow.commit()

    async with ListingUnitOfWork(engine, source=SOURCE) as registering:
        await handlers.list_items(
            [consumers.list_item(registration)], registering, channels=default_channels()
        )
        reporting = asyncio.create_task(report_stock())
        try:
            await eventually(
                lambda: _waiting_on_a_lock(engine), timeout=5, what="the stock report to wait"
            )
        finally:
            await registering.commit()
    await reporting

    listing_id = f"L-{fnsku}-storefront"
    assert (await stored(engine, listing_id)).sellable_quantity == 5
    [announced] = await emitted(engine, ListingAvailabilityChanged, key=listing_id)
    assert (announced.data.in_stock, announced.data.sellable_quantity) == (True, 5)
