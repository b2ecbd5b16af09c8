"""Seller notifications' subscriptions, their delivery outbox with every attempt, and what the
consumer remembers to find a notification's seller; the only module that knows their SQL."""

from __future__ import annotations

import functools
import json
import secrets
from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from registration.adapters.tables import (
    notification_attempts,
    notification_deliveries,
    notification_subscriptions,
    notified_fulfillment_orders,
    notified_removal_orders,
    notified_stock_levels,
)
from registration.domain.notifications import (
    Attempt,
    Delivery,
    DeliveryStatus,
    Kind,
    Notification,
    Subscription,
)
from stockpath_runtime.db import any_of

#: Which of these sellers listen to which kinds.
_HEARD = sa.text(
    "SELECT DISTINCT seller_id, unnest(kinds) AS kind FROM notification_subscriptions "
    "WHERE seller_id = ANY(CAST(:sellers AS text[]))"
)
#: Deliveries of many notifications, in their order, for the subscriptions that hear them.
_ENQUEUE = sa.text(
    """
    INSERT INTO notification_deliveries (subscription_id, seller_id, notification_id, kind, payload)
    SELECT s.subscription_id, s.seller_id, n.notification_id, n.kind, n.payload
      FROM unnest(CAST(:sellers AS text[]), CAST(:ids AS text[]), CAST(:kinds AS text[]),
                  CAST(:payloads AS jsonb[]), CAST(:only AS text[]))
           WITH ORDINALITY AS n(seller_id, notification_id, kind, payload, only_subscription, ord)
      JOIN notification_subscriptions AS s
        ON s.seller_id = n.seller_id AND n.kind = ANY(s.kinds)
       AND (n.only_subscription IS NULL OR s.subscription_id = n.only_subscription)
     ORDER BY n.ord, s.subscription_id
    ON CONFLICT (subscription_id, notification_id) DO NOTHING
    """
)

subs, deliveries, attempts = (
    notification_subscriptions,
    notification_deliveries,
    notification_attempts,
)


def _subscription(row) -> Subscription:
    return Subscription(
        subscription_id=row.subscription_id,
        seller_id=row.seller_id,
        url=row.url,
        kinds=tuple(Kind(k) for k in row.kinds),
        low_stock_threshold=row.low_stock_threshold,
        low_stock_thresholds=dict(row.low_stock_thresholds),
        created_at=row.created_at,
    )


class SubscriptionRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def add(self, subscription: Subscription, secret: str) -> None:
        await self._conn.execute(
            sa.insert(subs).values(
                subscription_id=subscription.subscription_id,
                seller_id=subscription.seller_id,
                url=subscription.url,
                kinds=[k.value for k in subscription.kinds],
                secret=secret,
                low_stock_threshold=subscription.low_stock_threshold,
                low_stock_thresholds=subscription.low_stock_thresholds,
            )
        )

    async def of_seller(self, seller_id: str) -> list[Subscription]:
        rows = await self._conn.execute(
            sa.select(subs).where(subs.c.seller_id == seller_id).order_by(subs.c.created_at)
        )
        return [_subscription(r) for r in rows]

    async def hearing(self, seller_ids: Iterable[str], kind: Kind) -> list[Subscription]:
        """The subscriptions of these sellers to `kind`."""
        rows = await self._conn.execute(
            sa.select(subs).where(
                subs.c.seller_id == any_of(sorted(set(seller_ids))),
                sa.literal(kind.value) == sa.any_(subs.c.kinds),
            )
        )
        return [_subscription(r) for r in rows]

    async def remove(self, seller_id: str, subscription_id: str) -> bool:
        """Delete the seller's subscription and its deliveries; False when it has none so named."""
        removed = await self._conn.execute(
            sa.delete(subs)
            .where(subs.c.seller_id == seller_id, subs.c.subscription_id == subscription_id)
            .returning(subs.c.subscription_id)
        )
        return removed.first() is not None

    async def replace_secret(self, seller_id: str, subscription_id: str, secret: str) -> bool:
        changed = await self._conn.execute(
            sa.update(subs)
            .where(subs.c.seller_id == seller_id, subs.c.subscription_id == subscription_id)
            .values(secret=secret)
            .returning(subs.c.subscription_id)
        )
        return changed.first() is not None


def new_subscription_id() -> str:
    return "NS" + secrets.token_hex(8).upper()


class DeliveryRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def enqueue(self, notification: Notification) -> None:
        await self.enqueue_all([notification])

    async def enqueue_all(self, notifications: Sequence[Notification]) -> None:
        """Queue each notification for every subscription of its seller to its kind (or for the one
        it names), in order; a redelivered or replayed event queues nothing twice. Two statements
        with fixed texts however many come at once, one when no seller of theirs listens — the
        common case, so nothing is serialised for sellers without a subscription."""
        if not notifications:
            return
        sellers = sorted({n.seller_id for n in notifications})
        heard = {
            (r.seller_id, r.kind) for r in await self._conn.execute(_HEARD, {"sellers": sellers})
        }
        kept = [n for n in notifications if (n.seller_id, n.kind.value) in heard]
        if not kept:
            return
        await self._conn.execute(
            _ENQUEUE,
            {
                "sellers": [n.seller_id for n in kept],
                "ids": [n.notification_id for n in kept],
                "kinds": [n.kind.value for n in kept],
                "payloads": [json.dumps(n.payload()) for n in kept],
                "only": [n.subscription_id for n in kept],
            },
        )

    async def claim_due(self, limit: int) -> list[tuple[Delivery, str, str]]:
        """Due deliveries with their subscription's URL and secret, oldest first, locked until
        the transaction ends (rows another dispatcher holds are skipped)."""
        rows = await self._conn.execute(
            sa.select(deliveries, subs.c.url, subs.c.secret)
            .join(subs, subs.c.subscription_id == deliveries.c.subscription_id)
            .where(
                deliveries.c.status == DeliveryStatus.PENDING.value,
                deliveries.c.next_attempt_at <= sa.func.now(),
            )
            .order_by(deliveries.c.delivery_id)
            .limit(limit)
            .with_for_update(of=deliveries, skip_locked=True)
        )
        return [(_delivery(r, ()), r.url, r.secret) for r in rows]

    async def attempted(
        self,
        delivery: Delivery,
        *,
        status_code: int | None,
        error: str | None,
        retry_in_s: float | None,
    ) -> None:
        """Record one attempt: delivered when it had no error, otherwise retried after
        `retry_in_s`, or failed for good when that is None."""
        number = (
            await self._conn.execute(
                sa.update(deliveries)
                .where(deliveries.c.delivery_id == delivery.delivery_id)
                .values(
                    attempts=deliveries.c.attempts + 1,
                    tries=deliveries.c.tries + 1,
                    **_outcome(error, retry_in_s),
                )
                .returning(deliveries.c.attempts)
            )
        ).scalar_one()
        await self._conn.execute(
            sa.insert(attempts).values(
                delivery_id=delivery.delivery_id,
                number=number,
                status_code=status_code,
                error=error,
            )
        )

    async def of_seller(
        self, seller_id: str, *, status: DeliveryStatus | None = None, limit: int = 50
    ) -> list[Delivery]:
        """The seller's deliveries, newest first, each with its attempts."""
        query = (
            sa.select(deliveries)
            .where(deliveries.c.seller_id == seller_id)
            .order_by(deliveries.c.delivery_id.desc())
            .limit(limit)
        )
        if status is not None:
            query = query.where(deliveries.c.status == status.value)
        rows = (await self._conn.execute(query)).all()
        tried: dict[int, list[Attempt]] = {r.delivery_id: [] for r in rows}
        for a in await self._conn.execute(
            sa.select(attempts)
            .where(attempts.c.delivery_id.in_(list(tried)))
            .order_by(attempts.c.delivery_id, attempts.c.number)
        ):
            tried[a.delivery_id].append(Attempt(a.number, a.at, a.status_code, a.error))
        return [_delivery(r, tuple(tried[r.delivery_id])) for r in rows]

    async def redrive(self, seller_id: str, delivery_id: int | None = None) -> list[int]:
        """Queue the seller's failed deliveries (or the one named) again, due now, with a fresh
        round of attempts; the ids of those queued."""
        query = sa.update(deliveries).where(
            deliveries.c.seller_id == seller_id,
            deliveries.c.status == DeliveryStatus.FAILED.value,
        )
        if delivery_id is not None:
            query = query.where(deliveries.c.delivery_id == delivery_id)
        rows = await self._conn.execute(
            query.values(
                status=DeliveryStatus.PENDING.value, tries=0, next_attempt_at=sa.func.now()
            ).returning(deliveries.c.delivery_id)
        )
        return [r.delivery_id for r in rows]

    async def exists(self, seller_id: str, delivery_id: int) -> bool:
        row = await self._conn.execute(
            sa.select(deliveries.c.delivery_id).where(
                deliveries.c.seller_id == seller_id, deliveries.c.delivery_id == delivery_id
            )
        )
        return row.first() is not None


def _outcome(error: str | None, retry_in_s: float | None) -> dict:
    if error is None:
        return {"status": DeliveryStatus.DELIVERED.value, "delivered_at": sa.func.now()}
    if retry_in_s is None:
        return {"status": DeliveryStatus.FAILED.value}
    return {"next_attempt_at": sa.func.now() + timedelta(seconds=retry_in_s)}


def _delivery(row, tried: tuple[Attempt, ...]) -> Delivery:
    return Delivery(
        delivery_id=row.delivery_id,
        subscription_id=row.subscription_id,
        seller_id=row.seller_id,
        notification_id=row.notification_id,
        kind=Kind(row.kind),
        payload=row.payload,
        status=DeliveryStatus(row.status),
        attempts=tried,
        tries=row.tries,
        created_at=row.created_at,
        delivered_at=row.delivered_at,
    )


_LINES_OF = sa.text(
    "SELECT fulfillment_order_id, lines FROM notified_fulfillment_orders "
    "WHERE fulfillment_order_id = ANY(CAST(:ids AS text[]))"
)


@functools.cache
def _meet_statement(table: str, key: str, mine: str, theirs: str) -> sa.TextClause:
    # A row whose side is set already is neither changed nor returned (`WHERE ... IS NULL`).
    return sa.text(
        f"""
        INSERT INTO {table} AS t ({key}, {mine})
        SELECT * FROM unnest(CAST(:keys AS text[]), CAST(:values AS jsonb[]))
        ON CONFLICT ({key}) DO UPDATE SET {mine} = EXCLUDED.{mine} WHERE t.{mine} IS NULL
        RETURNING {key}, {theirs}
        """
    )


@functools.cache
def _forget_statement(table: str) -> sa.TextClause:
    return sa.text(
        f"DELETE FROM {table} WHERE ctid IN (SELECT ctid FROM {table} "
        "WHERE remembered_at < now() - make_interval(days => :days) LIMIT :chunk)"
    )


class NotificationMemory:
    """What the consumer remembers to find a notification's seller and whether it is due."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def fulfillment_orders_instructed(
        self, lines: Mapping[str, dict[str, list[dict]]]
    ) -> dict[str, dict | None]:
        """Remember each new fulfillment order's sellers' lines (by fulfillment order id); for
        each, the shipment read before them (None when none waits). An order remembered before
        (instructed again) is left out: it has been told already."""
        return await self._meet_all(notified_fulfillment_orders, "lines", "shipped", lines)

    async def fulfillment_orders_shipped(
        self, shipped: Mapping[str, dict]
    ) -> dict[str, dict[str, list[dict]] | None]:
        """For each newly shipped fulfillment order, its sellers' lines when its instruction was
        read (None: the shipment is kept until it is). One shipped before (reported again) is left
        out: it has been told already."""
        return await self._meet_all(notified_fulfillment_orders, "shipped", "lines", shipped)

    async def lines_of(
        self, fulfillment_order_ids: Iterable[str]
    ) -> dict[str, dict[str, list[dict]]]:
        """The sellers' lines of those of these fulfillment orders whose instruction was read."""
        rows = await self._conn.execute(_LINES_OF, {"ids": sorted(set(fulfillment_order_ids))})
        return {r.fulfillment_order_id: r.lines for r in rows if r.lines is not None}

    async def removal_orders_created(self, orders: Mapping[str, dict]) -> dict[str, dict | None]:
        """Remember whose each new removal order is; the shipment read before it, if one waits."""
        return await self._meet_all(notified_removal_orders, "removal_order", "shipped", orders)

    async def removal_orders_shipped(self, shipped: Mapping[str, dict]) -> dict[str, dict | None]:
        """Each newly shipped removal order as remembered, when its creation was read (None: the
        shipment is kept until it is)."""
        return await self._meet_all(notified_removal_orders, "shipped", "removal_order", shipped)

    async def _meet_all(
        self, table: sa.Table, mine: str, theirs: str, kept: Mapping[str, dict]
    ) -> dict[str, dict | None]:
        """Two events about one thing, read in either order on different topics: keep this one's
        side (`mine`) in each thing's row and return the other's (`theirs`, None until read) — for
        the things whose side was not kept before; one statement with a fixed text."""
        if not kept:
            return {}
        key = table.primary_key.columns.values()[0].name
        rows = await self._conn.execute(
            _meet_statement(table.name, key, mine, theirs),
            {"keys": list(kept), "values": [json.dumps(v) for v in kept.values()]},
        )
        return {getattr(r, key): getattr(r, theirs) for r in rows}

    async def forget_older_than(self, days: int, *, chunk: int = 10_000) -> int:
        """Forget the orders first remembered more than `days` ago, `chunk` rows a statement (a
        long backlog never holds one huge delete); how many were forgotten."""
        forgotten = 0
        for table in ("notified_fulfillment_orders", "notified_removal_orders"):
            while True:
                done = await self._conn.execute(
                    _forget_statement(table), {"days": days, "chunk": chunk}
                )
                forgotten += done.rowcount
                if done.rowcount < chunk:
                    break
        return forgotten

    async def swap_level(
        self, fulfillment_center_id: str, fnsku: str, fulfillable: int
    ) -> int | None:
        """Store the level; the one stored before (None the first time)."""
        levels = notified_stock_levels
        key = sa.and_(
            levels.c.fulfillment_center_id == fulfillment_center_id, levels.c.fnsku == fnsku
        )
        previous = (
            await self._conn.execute(sa.select(levels.c.fulfillable).where(key).with_for_update())
        ).scalar_one_or_none()
        await self._conn.execute(
            pg_insert(levels)
            .values(
                fulfillment_center_id=fulfillment_center_id, fnsku=fnsku, fulfillable=fulfillable
            )
            .on_conflict_do_update(
                index_elements=[levels.c.fulfillment_center_id, levels.c.fnsku],
                set_={"fulfillable": fulfillable},
            )
        )
        return previous
