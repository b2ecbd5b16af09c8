"""Seller changes reaching every channel: price and channel updates, deregistration, and the
webhook deliveries queued with them — handlers driven through the runtime's MessageProcessor
against a real PostgreSQL, as the worker drives them."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa
from listing_testkit import IMAGE

from listing.adapters.tables import webhook_deliveries
from stockpath_events import Identifiers, decode
from stockpath_events.types.listing import (
    ListingAvailabilityChanged,
    ListingClosed,
    ListingPublished,
    ListingUpdated,
)
from stockpath_runtime.consumer import Outcome
from stockpath_runtime.db import outbox
from stockpath_runtime.unit_of_work import headers_from_row

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]

ALL = ("storefront", "marketplace-feed", "webhook")


@pytest.fixture(scope="module")
def consumer_settings() -> dict:
    """The webhook channel needs an endpoint to go live; nothing is delivered to it here."""
    return {"webhook": {"url": "http://127.0.0.1:9/unused"}}


async def events_of(engine, fnsku: str) -> list[tuple[str, str]]:
    """(event name, listing id) of every listing event written for an FNSKU, in order."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(outbox.c.value, outbox.c.headers)
            .where(outbox.c.topic == "listing.events")
            .order_by(outbox.c.id)
        )
        events = [decode(r.value, headers_from_row(r.headers)) for r in rows]
    return [(type(e.data).__name__, e.data.listing_id) for e in events if e.data.fnsku == fnsku]


async def listings_of(engine, fnsku: str) -> dict[str, tuple]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.text(
                "SELECT channel, status, price, issues FROM listings WHERE fnsku = :f ORDER BY channel"
            ),
            {"f": fnsku},
        )
        return {r.channel: (r.status, r.price, list(r.issues)) for r in rows}


async def deliveries_of(engine, fnsku: str) -> list[tuple[str, str, str]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(webhook_deliveries.c.change, webhook_deliveries.c.payload)
            .where(webhook_deliveries.c.listing_id == f"L-{fnsku}-webhook")
            .order_by(webhook_deliveries.c.id)
        )
        return [
            (r.change, r.payload["listing"]["price"], r.payload["listing"]["status"]) for r in rows
        ]


async def test_a_price_change_updates_the_listing_in_every_channel(
    engine, deliver, item_registered, registration_updated, inventory_level
):
    registration = item_registered(channels=ALL, attributes=IMAGE)
    fnsku = registration.data.fnsku
    assert await deliver(registration) is Outcome.PROCESSED
    assert await deliver(inventory_level(fnsku, "SEA1", 4)) is Outcome.PROCESSED
    update = registration_updated(registration, price="19.50", channels=ALL)
    assert await deliver(update) is Outcome.PROCESSED
    assert await deliver(update) is Outcome.DUPLICATE

    # Built in the order the seller listed the channels; changed afterwards in listing id order.
    ids = sorted(f"L-{fnsku}-{c}" for c in ALL)
    assert await events_of(engine, fnsku) == [
        *[("ListingPublished", f"L-{fnsku}-{c}") for c in ALL],
        *[("ListingAvailabilityChanged", i) for i in ids],
        *[("ListingUpdated", i) for i in ids],
    ]
    assert await listings_of(engine, fnsku) == {c: ("ACTIVE", Decimal("19.50"), []) for c in ALL}
    assert await deliveries_of(engine, fnsku) == [
        ("published", "24.99", "ACTIVE"),
        ("availability", "24.99", "ACTIVE"),
        ("updated", "19.50", "ACTIVE"),
    ]
    # The same state again under a new event id (a replay, a re-sent update) announces nothing.
    assert (
        await deliver(registration_updated(registration, price="19.50", channels=ALL))
        is Outcome.PROCESSED
    )
    assert len(await events_of(engine, fnsku)) == 9


async def test_a_removed_channel_closes_and_an_added_one_publishes_the_full_item(
    engine, deliver, item_registered, registration_updated
):
    registration = item_registered(channels=("storefront", "webhook"), attributes=IMAGE)
    fnsku = registration.data.fnsku
    assert await deliver(registration) is Outcome.PROCESSED
    assert await deliver(
        registration_updated(
            registration, price="24.99", channels=("storefront", "marketplace-feed")
        )
    )
    assert await events_of(engine, fnsku) == [
        ("ListingPublished", f"L-{fnsku}-storefront"),
        ("ListingPublished", f"L-{fnsku}-webhook"),
        ("ListingClosed", f"L-{fnsku}-webhook"),
        ("ListingPublished", f"L-{fnsku}-marketplace-feed"),
    ]
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                sa.select(outbox.c.value, outbox.c.headers).where(
                    outbox.c.key == f"L-{fnsku}-marketplace-feed".encode()
                )
            )
        ).one()
    published = decode(row.value, headers_from_row(row.headers))
    assert (
        isinstance(published.data, ListingPublished)
        and published.data.item == registration.data.item
    )
    assert await deliveries_of(engine, fnsku) == [
        ("published", "24.99", "ACTIVE"),
        ("closed", "24.99", "CLOSED"),
    ]

    # Asked for again, the closed webhook listing reopens.
    assert await deliver(registration_updated(registration, price="24.99", channels=("webhook",)))
    assert await listings_of(engine, fnsku) == {
        "marketplace-feed": ("CLOSED", Decimal("24.99"), []),
        "storefront": ("CLOSED", Decimal("24.99"), []),
        "webhook": ("ACTIVE", Decimal("24.99"), []),
    }
    assert (await events_of(engine, fnsku))[-3:] == [
        ("ListingClosed", f"L-{fnsku}-marketplace-feed"),
        ("ListingClosed", f"L-{fnsku}-storefront"),
        ("ListingPublished", f"L-{fnsku}-webhook"),
    ]


async def test_a_missing_feed_attribute_holds_only_that_channel_and_a_zero_price_holds_all(
    engine, deliver, item_registered, registration_updated
):
    registration = item_registered(
        channels=ALL, brand=None, identifiers=Identifiers(), attributes={}
    )
    fnsku = registration.data.fnsku
    assert await deliver(registration) is Outcome.PROCESSED
    listings = await listings_of(engine, fnsku)
    assert listings["storefront"][0] == listings["webhook"][0] == "ACTIVE"
    assert listings["marketplace-feed"][0] == "HELD" and len(listings["marketplace-feed"][2]) == 3

    assert await deliver(registration_updated(registration, price="0", channels=ALL))
    assert {c: (s, issues) for c, (s, _, issues) in (await listings_of(engine, fnsku)).items()} == {
        "marketplace-feed": (
            "HELD",
            [
                "marketplace-feed: price must be greater than zero",
                "marketplace-feed: image_link is required (an http(s) image_url attribute in the catalog)",
                "marketplace-feed: brand is required",
                "marketplace-feed: a GTIN (UPC, EAN, ISBN) or an mpn attribute is required",
            ],
        ),
        "storefront": ("HELD", ["storefront: price must be greater than zero"]),
        "webhook": ("HELD", ["webhook: price must be greater than zero"]),
    }
    assert (await events_of(engine, fnsku))[-2:] == [
        ("ListingClosed", f"L-{fnsku}-storefront"),
        ("ListingClosed", f"L-{fnsku}-webhook"),
    ]


async def test_deregistration_closes_every_listing_once(
    engine, deliver, item_registered, item_deregistered
):
    registration = item_registered(channels=ALL, attributes=IMAGE)
    fnsku = registration.data.fnsku
    assert await deliver(registration) is Outcome.PROCESSED
    assert await deliver(item_deregistered(registration)) is Outcome.PROCESSED
    assert await deliver(item_deregistered(registration)) is Outcome.PROCESSED, (
        "a second one (new id) is harmless"
    )
    closed = [(n, i) for n, i in await events_of(engine, fnsku) if n == ListingClosed.__name__]
    assert closed == [("ListingClosed", f"L-{fnsku}-{c}") for c in sorted(ALL)]
    assert {s for s, _, _ in (await listings_of(engine, fnsku)).values()} == {"CLOSED"}
    assert (await deliveries_of(engine, fnsku))[-1] == ("closed", "24.99", "CLOSED")


async def test_an_update_for_an_item_never_listed_changes_nothing(
    engine, deliver, item_registered, registration_updated
):
    never_delivered = item_registered()
    assert (
        await deliver(registration_updated(never_delivered, price="1.00", channels=ALL))
        is Outcome.PROCESSED
    )
    assert await listings_of(engine, never_delivered.data.fnsku) == {}


async def test_stock_changes_of_a_closed_listing_are_not_announced(
    engine, deliver, item_registered, item_deregistered, inventory_level
):
    registration = item_registered(channels=("storefront",))
    fnsku = registration.data.fnsku
    assert await deliver(registration) is Outcome.PROCESSED
    assert await deliver(item_deregistered(registration)) is Outcome.PROCESSED
    assert await deliver(inventory_level(fnsku, "SEA1", 9)) is Outcome.PROCESSED
    assert [n for n, _ in await events_of(engine, fnsku)] == ["ListingPublished", "ListingClosed"]
    assert (
        ListingAvailabilityChanged and ListingUpdated
    )  # the announcements a live listing would get
