"""The outbox relay: publishes committed outbox rows in order, then marks them published.

At-least-once by construction: a row is marked only after the broker acknowledged it (acks=all),
so a crash between publish and mark re-sends the row on the next run, and the consumers'
inboxes absorb the duplicate. One relay per database is active at a time (a PostgreSQL
advisory lock), which keeps the publication order equal to the outbox order.

A row the broker refuses for good (larger than it accepts, say) cannot be published by trying
again, and must not hold back every row after it: the relay sets it aside (``failed_at`` and
``failure``; the `stockpath_outbox_set_aside` gauge; `stockpath outbox`) and goes on with the rest,
in order. A transient failure (the broker away) is retried with the whole batch, as before.

An idle relay does not poll: it waits for the NOTIFY a unit of work sends when it commits outbox
rows, and looks at the table anyway every `idle_interval_s`, in case a notification was missed
(e.g. while its listening connection was being re-established).

Reading cheaply: the rows it publishes stay in the partial index of unpublished rows until VACUUM
removes them, so a query "unpublished, in id order" walks every row published since the last
vacuum before it finds a new one. The relay therefore reads from a *scan floor*: ids above the
highest it published minus `scan_lookback` (a transaction that took its id earlier but committed
later still lands above the floor unless `scan_lookback` rows were published meanwhile). A full
scan every `full_scan_interval_s` is the safety net for a row that committed later still: it is
published then, never lost. The backlog gauge is counted at most once a second, only after a
full batch (after a partial one the relay has just taken every row it could see), and from the
batch's floor.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
from collections.abc import Awaitable, Callable

import psycopg
import sqlalchemy as sa
import structlog
from aiokafka import AIOKafkaProducer
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine

from stockpath_runtime import metrics, tracing
from stockpath_runtime.db import OUTBOX_CHANNEL, outbox
from stockpath_runtime.retry import Backoff, is_transient
from stockpath_runtime.unit_of_work import headers_from_row

log = structlog.get_logger("stockpath.relay")


#: How often the active relay deletes rows published longer ago than its retention, and how many
#: it deletes per transaction.
PRUNE_INTERVAL_S = 60.0
PRUNE_CHUNK = 10_000
_PRUNE = sa.text(
    """
    DELETE FROM outbox WHERE id IN (
        SELECT id FROM outbox
         WHERE published_at IS NOT NULL AND published_at < now() - make_interval(secs => :seconds)
         ORDER BY id LIMIT :chunk)
    """
)


#: The relay's hot statements, with fixed texts (prepared once by the server).
_UNPUBLISHED = (
    sa.select(
        outbox.c.id,
        outbox.c.topic,
        outbox.c.key,
        outbox.c.value,
        outbox.c.headers,
        outbox.c.event_type,
        outbox.c.created_at,
    )
    .where(
        outbox.c.published_at.is_(None),
        outbox.c.failed_at.is_(None),
        outbox.c.id > sa.bindparam("floor"),
    )
    .order_by(outbox.c.id)
    .limit(sa.bindparam("limit"))
)
_MARK_PUBLISHED = sa.text(
    "UPDATE outbox SET published_at = now() WHERE id = ANY(CAST(:ids AS bigint[]))"
)
#: How often the backlog gauge may be counted (a count walks every unpublished row).
BACKLOG_INTERVAL_S = 1.0


def _lock_id(name: str) -> int:
    return int.from_bytes(
        hashlib.sha256(f"stockpath-outbox-relay:{name}".encode()).digest()[:8], "big", signed=True
    )


class OutboxRelay:
    def __init__(
        self,
        engine: AsyncEngine,
        producer: AIOKafkaProducer,
        *,
        name: str,
        batch_size: int = 500,
        idle_interval_s: float = 1.0,
        retention_s: float = 24 * 3600,
        after_publish: Callable[[list[int]], Awaitable[None] | None] | None = None,
        scan_lookback: int = 5000,
        full_scan_interval_s: float = 5.0,
    ) -> None:
        self._engine = engine
        self._producer = producer
        self._name = name
        self._batch_size = batch_size
        self._idle = idle_interval_s
        self._commits = CommitSignal(engine.url)
        #: Published rows older than this are deleted (0 keeps them): the log is the broker's job.
        self._retention_s = retention_s
        # When each periodic step is due next (time.monotonic()); 0: at once. Due times rather than
        # "last done" times, because the monotonic clock starts near zero when the host boots.
        self._prune_due = 0.0
        #: Test and fault-injection hook, called between publish and mark.
        self._after_publish = after_publish
        self.published = 0
        self._scan_lookback = scan_lookback
        self._full_scan_interval_s = full_scan_interval_s
        #: Highest id published so far (None: not known yet, so the next read is a full scan).
        self._last_published: int | None = None
        self._full_scan_due = 0.0
        self._count_due = 0.0

    async def run(self) -> None:
        """Publish forever; survives database and broker outages (retries with backoff)."""
        backoff = Backoff()
        while True:
            try:
                async with self._leadership() as leader:
                    if not leader:
                        await asyncio.sleep(1.0)
                        continue
                    log.info("outbox relay is active", relay=self._name)
                    while True:
                        sent = await self.publish_batch()
                        backoff.reset()
                        if time.monotonic() >= self._prune_due:
                            await self.prune()
                        if sent < self._batch_size:
                            await self._commits.wait(self._idle)
            except asyncio.CancelledError:
                await self._commits.close()
                raise
            except Exception as e:
                delay = backoff.next()
                log.warning(
                    "outbox relay failed; retrying",
                    relay=self._name,
                    error=repr(e),
                    transient=is_transient(e),
                    retry_in_s=round(delay, 2),
                )
                await asyncio.sleep(delay)

    @contextlib.asynccontextmanager
    async def _leadership(self):
        async with self._engine.connect() as conn:
            got = (
                await conn.execute(sa.select(sa.func.pg_try_advisory_lock(_lock_id(self._name))))
            ).scalar()
            await conn.commit()
            try:
                yield bool(got)
            finally:
                if got:
                    with contextlib.suppress(Exception):
                        await conn.execute(
                            sa.select(sa.func.pg_advisory_unlock(_lock_id(self._name)))
                        )
                        await conn.commit()

    async def publish_batch(self) -> int:
        """Publish up to one batch of unpublished rows; returns how many were published."""
        now = time.monotonic()
        if self._last_published is None or now >= self._full_scan_due:
            floor = 0  # the safety net: rows that committed below the floor are published too
            self._full_scan_due = now + self._full_scan_interval_s
        else:
            floor = max(0, self._last_published - self._scan_lookback)
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(_UNPUBLISHED, {"floor": floor, "limit": self._batch_size})
            ).all()
            await conn.commit()
        if not rows:
            metrics.OUTBOX_BACKLOG.set(0)
            return 0
        full = len(rows) == self._batch_size
        highest = rows[-1].id
        refused = await self._send_all(rows)
        if refused:
            await self._set_aside(refused)
            rows = [r for r in rows if r.id not in refused]
        ids = [r.id for r in rows]
        if self._after_publish is not None:
            result = self._after_publish(ids)
            if asyncio.iscoroutine(result):
                await result
        if ids:
            async with self._engine.begin() as conn:
                await conn.execute(_MARK_PUBLISHED, {"ids": ids})
        self._last_published = max(highest, self._last_published or 0)
        now_s = time.time()
        produced: dict[str, int] = {}
        for r in rows:
            produced[r.event_type] = produced.get(r.event_type, 0) + 1
            metrics.OUTBOX_DELAY.observe(max(0.0, now_s - r.created_at.timestamp()))
        for event_type, n in produced.items():
            metrics.EVENTS_PRODUCED.labels(event_type=event_type).inc(n)
        self.published += len(rows)
        if not full:
            # It took every row it could see: what committed meanwhile is the next batch.
            metrics.OUTBOX_BACKLOG.set(0)
        elif time.monotonic() >= self._count_due:
            # Counted, not guessed from the batch size, but at most once a second.
            self._count_due = time.monotonic() + BACKLOG_INTERVAL_S
            metrics.OUTBOX_BACKLOG.set(await self.backlog(above=floor))
        return len(rows)

    async def _send_all(self, rows) -> dict[int, BaseException]:
        """Send the rows and wait for every acknowledgement; the rows refused for good, with why.

        Raises on a transient failure: nothing is marked then, and the whole batch goes again."""
        refused: dict[int, BaseException] = {}
        sent: list[tuple[object, asyncio.Future]] = []
        for r in rows:  # send() only enqueues; aiokafka keeps per-partition order
            headers = tracing.relayed(
                r.topic, r.event_type, r.created_at, headers_from_row(r.headers)
            )  # a producer span
            try:
                sent.append(
                    (
                        r,
                        await self._producer.send(
                            r.topic, value=r.value, key=r.key, headers=headers
                        ),
                    )
                )
            except Exception as e:
                if is_transient(e):
                    raise
                refused[r.id] = e  # refused before it left (too large for the producer)
        results = await asyncio.gather(*(future for _, future in sent), return_exceptions=True)
        failed = [
            (r, e) for (r, _), e in zip(sent, results, strict=True) if isinstance(e, BaseException)
        ]
        if any(is_transient(e) for _, e in failed):
            raise next(e for _, e in failed if is_transient(e))
        for r, _ in failed:
            # A refused produce request fails every record that travelled with it: try each alone.
            try:
                await self._producer.send_and_wait(
                    r.topic, value=r.value, key=r.key, headers=headers_from_row(r.headers)
                )
            except Exception as e:
                if is_transient(e):
                    raise
                refused[r.id] = e
        return refused

    async def _set_aside(self, refused: dict[int, BaseException]) -> None:
        async with self._engine.begin() as conn:
            for row_id, error in sorted(refused.items()):
                await conn.execute(
                    sa.update(outbox)
                    .where(outbox.c.id == row_id)
                    .values(
                        failed_at=sa.func.now(), failure=f"{type(error).__name__}: {error}"[:2000]
                    )
                )
        for row_id, error in sorted(refused.items()):
            log.error(
                "outbox row refused by the broker; set aside",
                relay=self._name,
                outbox_id=row_id,
                error=repr(error),
            )
        metrics.OUTBOX_SET_ASIDE.set(await self.set_aside_count())

    async def set_aside_count(self) -> int:
        async with self._engine.connect() as conn:
            return (
                await conn.execute(
                    sa.select(sa.func.count())
                    .select_from(outbox)
                    .where(outbox.c.published_at.is_(None), outbox.c.failed_at.is_not(None))
                )
            ).scalar_one()

    async def prune(self) -> int:
        """Delete rows published longer ago than the retention, a chunk at a time so no
        transaction grows large; returns how many were deleted. Unpublished rows are never touched."""
        self._prune_due = time.monotonic() + PRUNE_INTERVAL_S
        if self._retention_s <= 0:
            return 0
        deleted = 0
        while True:
            async with self._engine.begin() as conn:
                n = (
                    await conn.execute(_PRUNE, {"seconds": self._retention_s, "chunk": PRUNE_CHUNK})
                ).rowcount
            deleted += n
            if n < PRUNE_CHUNK:
                break
        if deleted:
            log.info("published outbox rows pruned", relay=self._name, rows=deleted)
        return deleted

    async def backlog(self, *, above: int = 0) -> int:
        """Rows waiting to be published, of ids above `above`. The relay counts from the scan floor
        of the batch it just read: the rows it published stay in the partial index of unpublished
        rows until VACUUM, and counting the whole index walked all of them (134 ms a count at
        1,800 lines/s, docs/performance.md); a row that committed below the floor is counted after
        the next full scan's batch."""
        async with self._engine.connect() as conn:
            return (
                await conn.execute(
                    sa.select(sa.func.count())
                    .select_from(outbox)
                    .where(
                        outbox.c.published_at.is_(None),
                        outbox.c.failed_at.is_(None),
                        outbox.c.id > above,
                    )
                )
            ).scalar_one()


class CommitSignal:
    """Waits for units of work to commit outbox rows (LISTEN on `OUTBOX_CHANNEL`) on a connection
    of its own; when that connection cannot be had, it just waits out the timeout."""

    def __init__(self, url: URL) -> None:
        self._conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._conn: psycopg.AsyncConnection | None = None

    async def wait(self, timeout: float) -> None:
        try:
            if self._conn is None or self._conn.closed:
                self._conn = await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True)
                await self._conn.execute(f"LISTEN {OUTBOX_CHANNEL}")
                return  # rows may have committed before it listened: look at the table first
            async for _ in self._conn.notifies(timeout=timeout, stop_after=1):
                pass
        except asyncio.CancelledError:
            raise
        except Exception as e:
            log.warning("cannot listen for outbox commits; polling", error=repr(e))
            await self.close()
            await asyncio.sleep(timeout)

    async def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.close()
            self._conn = None
