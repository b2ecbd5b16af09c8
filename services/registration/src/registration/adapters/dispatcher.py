"""The sender of seller notifications: queued deliveries POSTed, signed, to the sellers' endpoints.

Like listing's webhook channel (`listing.adapters.webhook`), the consumer only queues (in the
transaction that consumed the event) and this loop drains the queue beside the API: due rows
claimed with ``FOR UPDATE SKIP LOCKED`` (so API replicas share it), every attempt recorded with
its outcome, retried on the runtime's schedule (`stockpath_runtime.retry.backoff_delay`), and
marked failed — kept and re-drivable, never dropped — after the last attempt. Unlike the
listing channel, deliveries are not ordered per key: each notification stands alone.

Before every attempt the endpoint's host is resolved and each of its addresses checked
(`check_address`), so a name that resolves to a private or link-local address (the cloud
metadata service) is refused even when it did not when the seller subscribed.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time

import httpx
import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from registration.adapters.notifications import DeliveryRepository
from registration.domain.notifications import (
    EVENT_ID_HEADER,
    KIND_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    Delivery,
    DestinationRefused,
    check_address,
    check_url,
    signature,
)
from stockpath_runtime.background import drain_forever
from stockpath_runtime.retry import backoff_delay

log = structlog.get_logger("stockpath.registration.notifications")


class NotificationDispatcher:
    def __init__(
        self,
        engine: AsyncEngine,
        *,
        allow_local: bool = False,
        timeout_s: float = 5.0,
        max_attempts: int = 8,
        initial_backoff_s: float = 30.0,
        max_backoff_s: float = 3600.0,
        poll_interval_s: float = 1.0,
        batch_size: int = 50,
    ) -> None:
        self._engine = engine
        self._allow_local = allow_local
        self._timeout_s = timeout_s
        self._max_attempts = max_attempts
        self._initial_backoff_s = initial_backoff_s
        self._max_backoff_s = max_backoff_s
        self._poll_interval_s = poll_interval_s
        self._batch_size = batch_size

    async def run(self) -> None:
        """Deliver due notifications until cancelled; a database outage only delays them."""
        # Redirects are not followed: a public endpoint must not bounce a delivery inside.
        async with httpx.AsyncClient(timeout=self._timeout_s, follow_redirects=False) as client:
            await drain_forever(
                lambda: self.deliver_due(client),
                poll_interval_s=self._poll_interval_s,
                log=log,
                what="notification dispatch",
            )

    async def deliver_due(self, client: httpx.AsyncClient) -> int:
        """Attempt every due delivery (a batch); how many attempts were made."""
        async with self._engine.connect() as conn, conn.begin():
            queue = DeliveryRepository(conn)
            due = await queue.claim_due(self._batch_size)
            outcomes = await asyncio.gather(
                *(self._post(client, delivery, url, secret) for delivery, url, secret in due)
            )
            for (delivery, _, _), (status_code, error) in zip(due, outcomes, strict=True):
                await self._record(queue, delivery, status_code, error)
        return len(due)

    async def _post(
        self, client: httpx.AsyncClient, delivery: Delivery, url: str, secret: str
    ) -> tuple[int | None, str | None]:
        """One attempt: the endpoint's status, and the error that makes it a failure (None when
        the endpoint took it)."""
        try:
            await self._check_destination(url)
        except DestinationRefused as e:
            return None, str(e)
        body = json.dumps(delivery.payload, separators=(",", ":")).encode()
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: signature(secret, timestamp, body),
            EVENT_ID_HEADER: delivery.notification_id,
            KIND_HEADER: delivery.kind.value,
        }
        try:
            response = await client.post(url, content=body, headers=headers)
        except httpx.HTTPError as e:
            return None, f"{type(e).__name__}: {e}"
        if response.is_success:
            return response.status_code, None
        return response.status_code, f"HTTP {response.status_code}"

    async def _check_destination(self, url: str) -> None:
        host = check_url(url, allow_local=self._allow_local)
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host.strip("[]"), None, type=socket.SOCK_STREAM
            )
        except OSError as e:
            raise DestinationRefused(url, f"{host} does not resolve ({e})") from e
        for info in infos:
            check_address(url, str(info[4][0]), allow_local=self._allow_local)

    async def _record(
        self,
        queue: DeliveryRepository,
        delivery: Delivery,
        status_code: int | None,
        error: str | None,
    ) -> None:
        tries = delivery.tries + 1
        retry_in_s = None
        if error is not None and tries < self._max_attempts:
            retry_in_s = backoff_delay(
                tries, initial_s=self._initial_backoff_s, max_s=self._max_backoff_s
            )
        await queue.attempted(delivery, status_code=status_code, error=error, retry_in_s=retry_in_s)
        if error is None:
            log.info("notification delivered", delivery_id=delivery.delivery_id, tries=tries)
        elif retry_in_s is None:
            log.error(
                "notification failed; the seller may re-drive it",
                delivery_id=delivery.delivery_id,
                tries=tries,
                error=error,
            )
        else:
            log.warning(
                "notification attempt failed; will retry",
                delivery_id=delivery.delivery_id,
                tries=tries,
                error=error,
                retry_in_s=retry_in_s,
            )
