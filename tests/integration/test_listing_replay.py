"""Replaying `registration.events` and `inventory.events` into an empty listing database rebuilds
the same listings: the operator's way to recover or re-platform the listing service's store.

The live store is built by the listing worker as a separate process, from events on the real
broker. The replay then runs the listing handlers, through the runtime's MessageProcessor
(decode, inbox, handler, commit), over every message read back from the two topics, into a
fresh database — inventory reports first, registrations after, the opposite of how they were
written, since two topics promise no order between them. Events the replay emits (its outbox
and webhook queue) are ignored: a replay rebuilds state, it does not re-announce it.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
import sqlalchemy as sa

from listing.adapters.tables import availability, listings
from listing.domain.channels import channel_directory
from listing.entrypoints import consumers
from listing.service_layer.unit_of_work import ListingUnitOfWork
from stockpath_events import (
    REGISTRY,
    CatalogItemSnapshot,
    Condition,
    Identifiers,
    encode,
    new_event,
)
from stockpath_events.types.inventory import InventoryLevelChanged
from stockpath_events.types.registration import (
    ItemDeregistered,
    ItemRegistered,
    ItemRegistrationUpdated,
)
from stockpath_runtime.consumer import MessageProcessor, subscribe
from stockpath_runtime.db import create_engine, inbox
from stockpath_testing import consume, eventually, publish
from stockpath_testing.processes import start_worker

pytestmark = [pytest.mark.integration, pytest.mark.system, pytest.mark.asyncio(loop_scope="module")]

WEBHOOK_URL = "http://127.0.0.1:9/partner"  # never called: only the listings are compared
CHANNELS = ["storefront", "marketplace-feed", "webhook"]
IGNORED = ("created_at", "updated_at")


class DeadLetterLog:
    """The replay reads whatever else is on the shared topics; it records, never sends, dead letters."""

    def __init__(self) -> None:
        self.sent: list[dict] = []

    async def send(self, message, **details) -> None:
        self.sent.append(details)


def registered(fnsku: str, seller: str, *, price: str, image: bool = True) -> ItemRegistered:
    attributes = {
        "color": "Red",
        **({"image_url": f"https://images.example.com/{fnsku}.jpg"} if image else {}),
    }
    return ItemRegistered(
        registration_id=f"R-{fnsku}",
        seller_id=seller,
        seller_sku=f"SKU-{fnsku}",
        catalog_item_id=f"B-{fnsku}",
        fnsku=fnsku,
        condition=Condition.NEW,
        price=Decimal(price),
        channels=CHANNELS,
        item=CatalogItemSnapshot(
            catalog_item_id=f"B-{fnsku}",
            title=f"Enamel Dutch Oven {fnsku}",
            brand="Staub",
            category="Kitchen",
            identifiers=Identifiers(ean="4009839250567"),
            attributes=attributes,
        ),
    )


def level(fnsku: str, seller: str, fc: str, fulfillable: int) -> InventoryLevelChanged:
    return InventoryLevelChanged(
        fulfillment_center_id=fc,
        fnsku=fnsku,
        seller_id=seller,
        inbound=0,
        fulfillable=fulfillable,
        reserved=0,
        unfulfillable=0,
    )


def history(run: str) -> tuple[list[str], list]:
    """Three items' lives: stock before and after listing, a price change, a channel dropped and
    another item deregistered, one held in the feed for want of an image."""
    seller = f"S-REPLAY-{run}"
    a, b, c = (f"XR{run}{n}" for n in "ABC")
    data = [
        level(a, seller, "SEA1", 4),
        registered(a, seller, price="79.00"),
        registered(b, seller, price="45.00", image=False),
        level(a, seller, "PHX1", 2),
        level(b, seller, "SEA1", 7),
        ItemRegistrationUpdated(
            registration_id=f"R-{a}",
            seller_id=seller,
            seller_sku=f"SKU-{a}",
            fnsku=a,
            price=Decimal("74.50"),
            channels=CHANNELS,
        ),
        registered(c, seller, price="12.00"),
        ItemRegistrationUpdated(
            registration_id=f"R-{b}",
            seller_id=seller,
            seller_sku=f"SKU-{b}",
            fnsku=b,
            price=Decimal("45.00"),
            channels=["storefront", "marketplace-feed"],
        ),
        level(a, seller, "SEA1", 1),
        ItemDeregistered(
            registration_id=f"R-{c}", seller_id=seller, seller_sku=f"SKU-{c}", fnsku=c
        ),
        level(c, seller, "SEA1", 3),
    ]
    return [a, b, c], [
        new_event(d, source=f"/services/{REGISTRY.for_model(type(d)).domain}") for d in data
    ]


async def store_of(engine, fnskus: list[str]) -> dict:
    """The listing service's state for these FNSKUs, without the wall-clock columns."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(listings).where(listings.c.fnsku.in_(fnskus)).order_by(listings.c.listing_id)
        )
        stock = await conn.execute(
            sa.select(
                availability.c.fnsku,
                availability.c.fulfillment_center_id,
                availability.c.fulfillable,
            )
            .where(availability.c.fnsku.in_(fnskus))
            .order_by(availability.c.fnsku, availability.c.fulfillment_center_id)
        )
        return {
            "listings": [
                {k: v for k, v in row._mapping.items() if k not in IGNORED} for row in rows
            ],
            "availability": [tuple(row) for row in stock],
        }


async def test_replaying_the_topics_into_an_empty_database_rebuilds_the_same_listings(
    fresh_database, kafka_bootstrap, unique_group, artifacts_dir
):
    run = uuid.uuid4().hex[:6].upper()
    fnskus, events = history(run)
    live_database = fresh_database("listing")
    worker, _ = start_worker(
        "listing",
        prefix="listing",
        database_url=live_database,
        bootstrap=kafka_bootstrap,
        group=f"listing-replay-{unique_group}",
        log_path=artifacts_dir / f"listing-replay-{run}.log",
        extra_env={"LISTING_WEBHOOK__URL": WEBHOOK_URL},
    )
    live = create_engine(live_database)
    try:
        await publish(kafka_bootstrap, *events)
        ids = {e.id for e in events}

        async def all_applied():
            async with live.connect() as conn:
                seen = await conn.execute(
                    sa.select(inbox.c.event_id).where(inbox.c.event_id.in_(ids))
                )
                return len(seen.all()) == len(ids)

        await eventually(all_applied, timeout=60, what="the live worker to apply every event")
        before = await store_of(live, fnskus)
    finally:
        worker.stop()
        await live.dispose()

    # What the live service made of the history, so the comparison below compares something.
    a, b, c = fnskus
    summary = {
        (r["listing_id"], r["status"], str(r["price"]), r["sellable_quantity"])
        for r in before["listings"]
    }
    assert summary == {
        (f"L-{a}-storefront", "ACTIVE", "74.50", 3),
        (f"L-{a}-marketplace-feed", "ACTIVE", "74.50", 3),
        (f"L-{a}-webhook", "ACTIVE", "74.50", 3),
        (f"L-{b}-storefront", "ACTIVE", "45.00", 7),
        (f"L-{b}-marketplace-feed", "HELD", "45.00", 7),
        (f"L-{b}-webhook", "CLOSED", "45.00", 7),
        (f"L-{c}-storefront", "CLOSED", "12.00", 3),
        (f"L-{c}-marketplace-feed", "CLOSED", "12.00", 3),
        (f"L-{c}-webhook", "CLOSED", "12.00", 3),
    }

    replayed_database = fresh_database("listing")
    replayed = create_engine(replayed_database)
    dead_letters = DeadLetterLog()
    try:
        processors = {
            s.topic: MessageProcessor(
                "listing",
                s.handlers,
                lambda: ListingUnitOfWork(replayed, source="/services/listing"),
                dead_letters,
            )
            # Only what builds the listings: registrations and stock reports.
            for s in subscribe(
                consumers.LISTINGS, channels=channel_directory(webhook_url=WEBHOOK_URL)
            )
        }
        for topic in ("inventory.events", "registration.events"):
            mine = {encode(e).value for e in events if encode(e).topic == topic}
            messages = await consume(
                kafka_bootstrap,
                topic,
                timeout=30,
                until=lambda ms, mine=mine: mine <= {m.value for m in ms},
            )
            for offset, message in enumerate(messages):  # every message on the topic, ours or not
                await processors[topic].process(message, partition=0, offset=offset)
        after = await store_of(replayed, fnskus)
    finally:
        await replayed.dispose()

    assert after == before
