"""The webhook channel's delivery queue; the only module that knows its SQL.

A listing change is queued in the same transaction as the change itself (so it is queued if and
only if it commits, like the outbox), and `listing.adapters.webhook.WebhookDispatcher` drains it.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from listing.adapters.tables import listings
from listing.adapters.tables import webhook_deliveries as table
from listing.domain.deliveries import WebhookDelivery
from listing.domain.model import Listing, ListingChange


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


def _from_row(row) -> WebhookDelivery:
    return WebhookDelivery(**{f.name: getattr(row, f.name) for f in fields(WebhookDelivery)})


class WebhookDeliveryRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def enqueue(
        self, listing: Listing, change: ListingChange, *, idempotency_key: str
    ) -> None:
        """Queue one change for delivery; the key is the id of the event announcing it, so a
        replayed or redelivered event cannot queue the same change twice."""
        await self._conn.execute(
            pg_insert(table)
            .values(
                idempotency_key=idempotency_key,
                listing_id=listing.listing_id,
                change=change.value,
                payload=change_payload(listing, change, idempotency_key=idempotency_key),
            )
            .on_conflict_do_nothing(index_elements=[table.c.idempotency_key])
        )

    async def claim_due(self, limit: int) -> list[WebhookDelivery]:
        """Due deliveries that are the oldest open one of their listing, oldest first, locked until
        the transaction ends; rows another dispatcher holds are skipped, so replicas share the queue."""
        open_ = sa.and_(table.c.delivered_at.is_(None), table.c.abandoned_at.is_(None))
        # The oldest open delivery of each listing: a later change never overtakes an earlier one.
        heads = (
            sa.select(table.c.id)
            .where(open_)
            .ext(distinct_on(table.c.listing_id))
            .order_by(table.c.listing_id, table.c.id)
        )
        rows = await self._conn.execute(
            sa.select(table)
            .where(
                table.c.id.in_(heads.scalar_subquery()), table.c.next_attempt_at <= sa.func.now()
            )
            .order_by(table.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [_from_row(row) for row in rows]

    async def delivered(self, delivery: WebhookDelivery, *, attempts: int) -> None:
        await self._conn.execute(
            sa.update(table)
            .where(table.c.id == delivery.id)
            .values(attempts=attempts, delivered_at=sa.func.now())
        )

    async def failed(
        self, delivery: WebhookDelivery, *, attempts: int, error: str, retry_in_s: float | None
    ) -> None:
        """Record a failed attempt: retried after `retry_in_s`, or abandoned when that is None."""
        when = (
            {"abandoned_at": sa.func.now()}
            if retry_in_s is None
            else {"next_attempt_at": sa.func.now() + timedelta(seconds=retry_in_s)}
        )
        await self._conn.execute(
            sa.update(table)
            .where(table.c.id == delivery.id)
            .values(attempts=attempts, last_error=error, **when)
        )

    async def recent(
        self, *, listing_id: str | None = None, seller_id: str | None = None, limit: int = 100
    ) -> list[WebhookDelivery]:
        """Recent deliveries (of one listing, of one seller's listings), newest first."""
        query = sa.select(table).order_by(table.c.id.desc()).limit(limit)
        if listing_id is not None:
            query = query.where(table.c.listing_id == listing_id)
        if seller_id is not None:
            query = query.where(
                table.c.listing_id.in_(
                    sa.select(listings.c.listing_id).where(listings.c.seller_id == seller_id)
                )
            )
        return [_from_row(row) for row in await self._conn.execute(query)]
