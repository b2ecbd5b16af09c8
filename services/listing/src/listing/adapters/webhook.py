"""The webhook channel's sender: queued listing changes pushed to an external endpoint.

Why a queue rather than an HTTP call in the event handler: the handler runs on a consumer
partition, and an endpoint that is slow or down would stall every listing behind it. Instead
the handler queues a delivery in the same transaction as the listing change
(`listing.adapters.webhook_deliveries`), and `WebhookDispatcher` drains the queue in the
background: oldest first, one listing's changes strictly in order, retried with exponential
backoff, each attempt carrying the same ``Idempotency-Key`` so a receiver that saw an earlier
attempt succeed (but whose answer was lost) applies the change only once. Rows are claimed with
``FOR UPDATE SKIP LOCKED``, so several dispatchers (API replicas) can run.
"""

from __future__ import annotations

import asyncio

import httpx
import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from listing.adapters.webhook_deliveries import WebhookDeliveryRepository
from listing.domain.deliveries import WebhookDelivery
from stockpath_runtime.background import drain_forever
from stockpath_runtime.retry import backoff_delay

log = structlog.get_logger("stockpath.listing.webhook")


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
            await drain_forever(
                lambda: self.deliver_due(client),
                poll_interval_s=self._poll_interval_s,
                log=log,
                what="webhook dispatch",
            )

    async def deliver_due(self, client: httpx.AsyncClient) -> int:
        """Attempt every due delivery that is the oldest pending one of its listing; returns
        how many attempts were made."""
        async with self._engine.connect() as conn, conn.begin():
            queue = WebhookDeliveryRepository(conn)
            due = await queue.claim_due(self._batch_size)
            # The rows stay locked while their requests run, so no other dispatcher sends them too.
            # They belong to different listings, so they may be sent side by side.
            errors = await asyncio.gather(*(self._post(client, delivery) for delivery in due))
            for delivery, error in zip(due, errors, strict=True):
                await self._record(queue, delivery, error)
        return len(due)

    async def _post(self, client: httpx.AsyncClient, delivery: WebhookDelivery) -> str | None:
        """One attempt; the error that makes it a failure, or None when the endpoint took it."""
        try:
            response = await client.post(
                self.url,
                json=delivery.payload,
                headers={
                    "Idempotency-Key": delivery.idempotency_key,
                    "X-Stockpath-Change": delivery.change,
                },
            )
        except httpx.HTTPError as e:
            return f"{type(e).__name__}: {e}"
        return None if response.is_success else f"HTTP {response.status_code}"

    async def _record(
        self, queue: WebhookDeliveryRepository, delivery: WebhookDelivery, error: str | None
    ) -> None:
        attempts = delivery.attempts + 1
        if error is None:
            await queue.delivered(delivery, attempts=attempts)
            log.info(
                "webhook delivered",
                listing_id=delivery.listing_id,
                change=delivery.change,
                attempts=attempts,
            )
            return
        if attempts >= self._max_attempts:
            # Given up, and said so: later changes of the listing may go out instead of waiting forever.
            log.error(
                "webhook delivery abandoned",
                listing_id=delivery.listing_id,
                attempts=attempts,
                error=error,
            )
            await queue.failed(delivery, attempts=attempts, error=error, retry_in_s=None)
            return
        delay = backoff_delay(
            attempts, initial_s=self._initial_backoff_s, max_s=self._max_backoff_s
        )
        log.warning(
            "webhook delivery failed; will retry",
            listing_id=delivery.listing_id,
            attempts=attempts,
            error=error,
            retry_in_s=delay,
        )
        await queue.failed(delivery, attempts=attempts, error=error, retry_in_s=delay)
