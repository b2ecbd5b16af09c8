"""The webhook channel's delivery queue: listing changes pushed to an external endpoint.

Why a table rather than an HTTP call in the event handler: the handler runs on a consumer
partition, and an endpoint that is slow or down would stall every listing behind it. Instead
the handler inserts a delivery row in the same transaction as the listing change (so a change
is queued if and only if it commits, like the outbox), and `WebhookDispatcher` drains the table
in the background: oldest first, one listing's changes strictly in order, retried with
exponential backoff, each attempt carrying the same ``Idempotency-Key`` so a receiver that
saw an earlier attempt succeed (but whose answer was lost) applies the change only once.
Rows are claimed with ``FOR UPDATE SKIP LOCKED``, so several dispatchers (API replicas) can run.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import sqlalchemy as sa
import structlog
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from listing.adapters.tables import webhook_deliveries
from listing.domain.model import Listing, ListingChange

log = structlog.get_logger("stockpath.listing.webhook")


def change_payload(listing: Listing, change: ListingChange, *, idempotency_key: str) -> dict:
    """The JSON body the endpoint receives: the change and the listing as it now is."""
    return {
        "idempotency_key": idempotency_key,
        "change": change.value,
        "listing": {
            "listing_id": listing.listing_id,
            "channel": listing.channel,
            "seller_id": listing.seller_id,
            "seller_sku": listing.seller_sku,
            "fnsku": listing.fnsku,
            "title": listing.title,
            "brand": listing.brand,
            "category": listing.category,
            "identifiers": listing.identifiers,
            "price": format(listing.price, "f"),
            "currency": listing.currency,
            "condition": listing.condition,
            "in_stock": listing.in_stock,
            "sellable_quantity": listing.sellable_quantity,
            "status": listing.status.value,
        },
    }


async def enqueue(conn: AsyncConnection, listing: Listing, change: ListingChange, *, idempotency_key: str) -> None:
    """Queue one change for delivery; the key is the id of the event announcing it, so a
    replayed or redelivered event cannot queue the same change twice."""
    await conn.execute(
        pg_insert(webhook_deliveries)
        .values(
            idempotency_key=idempotency_key,
            listing_id=listing.listing_id,
            change=change.value,
            payload=change_payload(listing, change, idempotency_key=idempotency_key),
        )
        .on_conflict_do_nothing(index_elements=[webhook_deliveries.c.idempotency_key])
    )


def backoff_delay(attempts: int, *, initial_s: float, max_s: float) -> float:
    """Seconds to wait after the `attempts`-th failure: initial, 2×, 4×… capped at `max_s`."""
    return min(initial_s * 2 ** max(attempts - 1, 0), max_s)


class WebhookDispatcher:
    def __init__(
        self,
        engine: AsyncEngine,
        url: str,
        *,
        timeout_s: float = 5.0,
        max_attempts: int = 10,
        initial_backoff_s: float = 0.5,
        max_backoff_s: float = 60.0,
        poll_interval_s: float = 0.5,
        batch_size: int = 50,
    ) -> None:
        self._engine = engine
        self.url = url
        self._timeout_s = timeout_s
        self._max_attempts = max_attempts
        self._initial_backoff_s = initial_backoff_s
        self._max_backoff_s = max_backoff_s
        self._poll_interval_s = poll_interval_s
        self._batch_size = batch_size

    async def run(self) -> None:
        """Deliver due changes until cancelled; a database outage only delays deliveries."""
        async with httpx.AsyncClient(timeout=self._timeout_s) as client:
            while True:
                try:
                    delivered = await self.deliver_due(client)
                except Exception as e:  # noqa: BLE001 — the loop must outlive outages; rows stay queued
                    log.warning("webhook dispatch failed; retrying", error=repr(e))
                    delivered = 0
                if not delivered:
                    await asyncio.sleep(self._poll_interval_s)

    async def deliver_due(self, client: httpx.AsyncClient) -> int:
        """Attempt every due delivery that is the oldest pending one of its listing; returns
        how many attempts were made."""
        table = webhook_deliveries
        open_ = sa.and_(table.c.delivered_at.is_(None), table.c.abandoned_at.is_(None))
        # The oldest open delivery of each listing: a later change never overtakes an earlier one.
        heads = (
            sa.select(table.c.id).where(open_).ext(distinct_on(table.c.listing_id)).order_by(table.c.listing_id, table.c.id)
        )
        async with self._engine.connect() as conn, conn.begin():
            rows = (
                await conn.execute(
                    sa.select(table)
                    .where(table.c.id.in_(heads.scalar_subquery()), table.c.next_attempt_at <= sa.func.now())
                    .order_by(table.c.id)
                    .limit(self._batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            # The rows stay locked while their requests run, so no other dispatcher sends them too.
            # They belong to different listings, so they may be sent side by side.
            errors = await asyncio.gather(*(self._post(client, row) for row in rows))
            for row, error in zip(rows, errors, strict=True):
                await self._record(conn, row, error)
        return len(rows)

    async def _post(self, client: httpx.AsyncClient, row) -> str | None:
        """One attempt; the error that makes it a failure, or None when the endpoint took it."""
        try:
            response = await client.post(
                self.url,
                json=row.payload,
                headers={"Idempotency-Key": row.idempotency_key, "X-Stockpath-Change": row.change},
            )
        except httpx.HTTPError as e:
            return f"{type(e).__name__}: {e}"
        return None if response.is_success else f"HTTP {response.status_code}"

    async def _record(self, conn: AsyncConnection, row, error: str | None) -> None:
        attempts = row.attempts + 1
        table = webhook_deliveries
        if error is None:
            await conn.execute(
                sa.update(table).where(table.c.id == row.id).values(attempts=attempts, delivered_at=sa.func.now())
            )
            log.info("webhook delivered", listing_id=row.listing_id, change=row.change, attempts=attempts)
            return
        if attempts >= self._max_attempts:
            # Given up, and said so: later changes of the listing may go out instead of waiting forever.
            log.error("webhook delivery abandoned", listing_id=row.listing_id, attempts=attempts, error=error)
            values = {"abandoned_at": sa.func.now()}
        else:
            delay = backoff_delay(attempts, initial_s=self._initial_backoff_s, max_s=self._max_backoff_s)
            log.warning("webhook delivery failed; will retry", listing_id=row.listing_id, attempts=attempts,
                        error=error, retry_in_s=delay)
            values = {"next_attempt_at": sa.func.now() + timedelta(seconds=delay)}
        await conn.execute(
            sa.update(table).where(table.c.id == row.id).values(attempts=attempts, last_error=error, **values)
        )


async def delivery_status(conn: AsyncConnection, *, listing_id: str | None = None, limit: int = 100) -> list[dict]:
    """Recent deliveries (newest first), for the operations API."""
    table = webhook_deliveries
    query = sa.select(table).order_by(table.c.id.desc()).limit(limit)
    if listing_id is not None:
        query = query.where(table.c.listing_id == listing_id)
    return [
        {
            "idempotency_key": r.idempotency_key,
            "listing_id": r.listing_id,
            "change": r.change,
            "attempts": r.attempts,
            "state": "delivered" if r.delivered_at else "abandoned" if r.abandoned_at else "pending",
            "last_error": r.last_error,
            "created_at": r.created_at,
            "delivered_at": r.delivered_at,
        }
        for r in await conn.execute(query)
    ]
