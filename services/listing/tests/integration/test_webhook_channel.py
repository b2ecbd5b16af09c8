"""The webhook channel against a real local HTTP receiver: changes queued with the listing
change, delivered in order per listing, retried with backoff, never applied twice."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
import sqlalchemy as sa

from listing.adapters.tables import webhook_deliveries
from listing.adapters.webhook import WebhookDispatcher
from stockpath_runtime.consumer import Outcome
from stockpath_testing import ServiceConsumer, eventually

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]


@contextlib.asynccontextmanager
async def dispatching(engine, url: str, **options):
    dispatcher = WebhookDispatcher(
        engine, url, initial_backoff_s=0.05, max_backoff_s=0.2, poll_interval_s=0.02, **options
    )
    task = asyncio.create_task(dispatcher.run())
    try:
        yield dispatcher
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def handle(database, url: str, *events) -> None:
    """The events through the listing consumer, its webhook channel pointing at `url`."""
    async with ServiceConsumer("listing", database, webhook={"url": url}) as consumer:
        assert set(await consumer.deliver(*events)) == {Outcome.PROCESSED}


async def delivery_rows(engine, listing_id: str):
    async with engine.connect() as conn:
        return (
            await conn.execute(
                sa.select(webhook_deliveries)
                .where(webhook_deliveries.c.listing_id == listing_id)
                .order_by(webhook_deliveries.c.id)
            )
        ).all()


async def test_a_failing_receiver_is_retried_until_it_takes_the_listing_once(
    database, engine, item_registered, registration_updated, webhook_receiver
):
    receiver = webhook_receiver(fail_first=3)
    registration = item_registered(channels=("webhook",))
    listing_id = f"L-{registration.data.fnsku}-webhook"
    # Both changes are queued before the receiver answers once: they must arrive in order.
    await handle(
        database,
        receiver.url,
        registration,
        registration_updated(registration, price="30.00", channels=("webhook",)),
    )

    async with dispatching(engine, receiver.url):
        rows = await eventually(
            lambda: _all_delivered(engine, listing_id),
            timeout=15,
            what="both changes to be delivered",
        )
    published, updated = rows
    assert (published.change, published.attempts, updated.change, updated.attempts) == (
        "published",
        4,
        "updated",
        1,
    )
    assert published.last_error == "HTTP 503"
    assert [(key, status) for key, _, status in receiver.requests] == [
        (published.idempotency_key, 503),
        (published.idempotency_key, 503),
        (published.idempotency_key, 503),
        (published.idempotency_key, 200),
        (updated.idempotency_key, 200),
    ]
    assert list(receiver.listings) == [listing_id], (
        "one listing at the receiver, not one per attempt"
    )
    assert receiver.listings[listing_id]["price"] == "30.00"
    assert [body["change"] for body in receiver.applied.values()] == ["published", "updated"]


async def _all_delivered(engine, listing_id):
    rows = await delivery_rows(engine, listing_id)
    return rows if rows and all(r.delivered_at is not None for r in rows) else None


async def test_a_retry_after_a_lost_answer_is_not_applied_twice(
    database, engine, item_registered, webhook_receiver
):
    # The receiver applies the first attempt but its answer never counts as success (a timeout,
    # a proxy error): the retry carries the same key, and the receiver ignores it.
    receiver = webhook_receiver(fail_first=1, apply_before_failing=True)
    registration = item_registered(channels=("webhook",))
    listing_id = f"L-{registration.data.fnsku}-webhook"
    await handle(database, receiver.url, registration)
    async with dispatching(engine, receiver.url):
        await eventually(
            lambda: _all_delivered(engine, listing_id), timeout=15, what="the delivery"
        )
    assert [status for _, _, status in receiver.requests] == [503, 200]
    assert len({key for key, _, _ in receiver.requests}) == 1
    assert len(receiver.applied) == 1 and list(receiver.listings) == [listing_id]


async def test_a_delivery_that_keeps_failing_is_abandoned_and_the_next_goes_out(
    database, engine, item_registered, registration_updated, webhook_receiver
):
    receiver = webhook_receiver(fail_first=2)
    registration = item_registered(channels=("webhook",))
    listing_id = f"L-{registration.data.fnsku}-webhook"
    await handle(
        database,
        receiver.url,
        registration,
        registration_updated(registration, price="31.00", channels=("webhook",)),
    )

    async def settled():
        rows = await delivery_rows(engine, listing_id)
        return (
            rows if rows[0].abandoned_at is not None and rows[1].delivered_at is not None else None
        )

    async with dispatching(engine, receiver.url, max_attempts=2):
        first, second = await eventually(
            settled, timeout=15, what="the first to be abandoned, the second delivered"
        )
    assert (first.attempts, first.delivered_at, second.attempts) == (2, None, 1)
    assert receiver.listings[listing_id]["price"] == "31.00"


async def test_an_unreachable_endpoint_is_retried_with_the_error_recorded(
    database, engine, item_registered
):
    registration = item_registered(channels=("webhook",))
    listing_id = f"L-{registration.data.fnsku}-webhook"
    url = "http://127.0.0.1:9/listings"  # the discard port: nothing listens
    await handle(database, url, registration)

    async def retried():
        [row] = await delivery_rows(engine, listing_id)
        return row if row.attempts >= 2 else None

    async with dispatching(engine, url):
        row = await eventually(retried, timeout=15, what="two failed attempts")
    assert (
        row.delivered_at is None
        and row.abandoned_at is None
        and row.last_error.startswith("ConnectError")
    )
