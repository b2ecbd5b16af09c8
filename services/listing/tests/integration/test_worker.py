"""The listing worker as a separate process on the real broker: registrations in, listings out."""

from __future__ import annotations

import uuid

import pytest

from listing.service_layer.unit_of_work import ListingUnitOfWork
from stockpath_events import decode_message
from stockpath_events.types.listing import ListingAvailabilityChanged, ListingPublished
from stockpath_testing import consume, eventually, publish
from stockpath_testing.processes import start_worker

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]


@pytest.fixture(scope="module")
def worker(database, kafka_bootstrap, unique_group, tmp_path_factory):
    process, _ = start_worker(
        "listing",
        prefix="listing",
        database_url=database,
        bootstrap=kafka_bootstrap,
        group=f"listing-{unique_group}",
        log_path=tmp_path_factory.mktemp("listing") / "worker.log",
    )
    yield process
    process.stop()


async def test_a_registration_on_the_topic_becomes_one_published_listing(
    worker, engine, kafka_bootstrap, item_registered, inventory_level
):
    fnsku = f"XW{uuid.uuid4().hex[:8].upper()}"
    registration = item_registered(fnsku)
    # Delivered twice, then re-registered under a new event id asking for one more channel: the
    # same key, so once the extra (held) listing exists, both copies before it were consumed.
    re_registration = item_registered(fnsku, channels=("storefront", "ebay"))
    await publish(kafka_bootstrap, registration, times=2)
    await publish(kafka_bootstrap, re_registration)

    async def stored(listing_id):
        async with ListingUnitOfWork(engine, source="/services/listing") as uow:
            return await uow.listings.get(listing_id)

    held = await eventually(
        lambda: stored(f"L-{fnsku}-ebay"), timeout=45, what="the re-registration to be applied"
    )
    assert not held.listing.live
    listing_id = f"L-{fnsku}-storefront"
    assert (await stored(listing_id)).listing.live

    # Written after every effect of the registrations, so the relay publishes it after them.
    await publish(kafka_bootstrap, inventory_level(fnsku, "SEA1", 6))
    messages = await consume(
        kafka_bootstrap,
        "listing.events",
        where=lambda m: m.key == listing_id.encode(),
        until=lambda ms: any(m.header("ce_type") == ListingAvailabilityChanged.ce_type for m in ms),
    )
    events = [decode_message(m) for m in messages]
    assert [e.type for e in events] == [
        ListingPublished.ce_type,
        ListingAvailabilityChanged.ce_type,
    ]
    published, changed = events
    assert (
        published.causation_id == registration.id
        and published.correlation_id == registration.correlation_id
    )
    assert (
        published.data.fnsku == registration.data.fnsku and published.data.channel == "storefront"
    )
    assert (changed.data.in_stock, changed.data.sellable_quantity) == (True, 6)
