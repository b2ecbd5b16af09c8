"""`stockpath replay <service>`: rebuild a service's store from the topics it consumes, check
that it is the live store, then switch the service over to it (blue/green).

How it works, and why it causes no duplicate downstream effect:

0. **The log must reach back**: a partition whose log begins above offset 0 (records deleted by
   retention or DeleteRecords) no longer holds events the live store applied (its consumer group
   started at the earliest offset), and a rebuild from it would be partial: refused, naming the
   partition. With ``--since`` the log must reach back to that time instead.
1. **Rebuild** (the live service keeps running): a fresh database (``<live database>_r<time>``)
   is migrated, then every message on the service's topics — from the beginning, or from
   ``--since`` — up to the offsets the live consumer group has committed is applied in this
   process by the service's own handlers through the runtime's `MessageProcessor`, under the
   service's own consumer name, so the inbox and every table come out as the live worker wrote
   them (ids included: handlers derive every id from the event that caused it). No relay runs
   on the new database, so the events the handlers emit stay in its outbox, unsent. A message
   that fails is reported, not dead-lettered again (the live consumer already did).
2. **Stop** the live API and worker (the running `stockpath up` does it on request, see
   `switch.py`), then publish whatever the live outbox still holds (what the live service
   committed but had not sent must not be lost).
3. **Check**: apply what the live service applied meanwhile (up to its committed offsets now),
   so both stores have applied the same events, and compare them table by table, every column
   (`equivalence.py`). When they differ the switch is refused and the live service is started
   again on its own database, unless the operator passed ``--accept-differences`` (the
   differences are then written to a report file).
4. **Catch up**: apply what arrived on the topics since, up to the new end offsets.
5. **Suppress**: an outbox row of the new database whose causing event (``ce_causationid``)
   is in the live inbox repeats an effect the live service already published — it is marked
   published without being sent. Rows caused by events the live service never applied stay
   unpublished: the new worker's relay publishes them, exactly once.
6. **Commit** the new consumer group's offsets at the catch-up end (a fresh group, so it can be
   committed without joining) and **start** the service on the new database and group.

The old database is kept until the operator drops it (it is no longer written to).
With ``--no-switch`` the rebuild stops after step 1, compares (the live service kept running, so
rows it changed since may show as differences) and marks every outbox row published: the rebuilt
database is for inspection and never goes live without a replay that switches.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import sqlalchemy as sa
from aiokafka.structs import OffsetAndMetadata, TopicPartition
from rich.console import Console
from rich.progress import (
    Progress,
    TaskID,
)
from sqlalchemy.engine import make_url

from stockpath_cli import stack as stack_module
from stockpath_cli.ops import context
from stockpath_cli.ops.equivalence import Equivalence
from stockpath_cli.ops.kafka_tools import (
    committed_offsets,
    end_offsets,
    offset_for_time,
    partitions,
    plain_consumer,
    read_range_in_time_order,
    timestamp_at,
)
from stockpath_events import KafkaMessage

console = Console()


class Switch(Protocol):
    """Stops and starts one service's processes: the running stack, or a test's `Platform`."""

    def stop(self, service: str) -> None: ...

    def start(self, service: str, *, database_url: str, consumer_group: str) -> None: ...


class ReplayFailures:
    """Stands where the worker's `DeadLetters` stands: a message that fails during a replay was
    already dead-lettered by the live consumer, so it is only counted and reported."""

    def __init__(self) -> None:
        self.failed: list[str] = []

    async def send(
        self, message: KafkaMessage, *, partition: int, offset: int, error: str, reason: str, **_
    ) -> None:
        self.failed.append(f"{message.topic}:{partition}:{offset} {error}: {reason}")


@dataclass
class ReplayReport:
    service: str
    database_url: str
    consumer_group: str
    outcomes: Counter = field(default_factory=Counter)
    failed: list[str] = field(default_factory=list)
    suppressed: int = 0
    left_to_publish: int = 0
    #: Applying events (the rate the command prints); `seconds` adds migrations and the switch.
    apply_seconds: float = 0.0
    seconds: float = 0.0
    switched: bool = False
    #: The equivalence check's result, the file its differences were written to, and whether
    #: the switch was refused because of them.
    equivalence: Equivalence | None = None
    differences_file: Path | None = None
    refused: bool = False
    #: Rows copied from the live store at the switch, per table it cannot rebuild (`carry_over`).
    carried_over: dict[str, int] = field(default_factory=dict)

    @property
    def events(self) -> int:
        return sum(self.outcomes.values())


def replay_database_url(live_url: str, stamp: str) -> str:
    u = make_url(live_url)
    if u.database is None:
        raise ValueError(f"the live database URL names no database: {u!r}")
    base = re.sub(r"_r\d{14}$", "", u.database)  # the live database may itself be a replay's
    return u.set(database=f"{base}_r{stamp}").render_as_string(hide_password=False)


class Replayer:
    """Applies a range of a service's topics to a database with the service's own handlers."""

    def __init__(self, service: str, database_url: str, bootstrap: str) -> None:
        from stockpath_runtime.consumer import MessageProcessor
        from stockpath_runtime.db import create_engine
        from stockpath_runtime.service import get_service

        self.definition = get_service(service)
        # The broker setting is read by its alias (the environment name), not the field name.
        self.settings = self.definition.load_settings(
            database_url=database_url, KAFKA_BOOTSTRAP_SERVERS=bootstrap
        )
        self.bootstrap = bootstrap
        self.engine = create_engine(database_url, pool_size=2)
        self.failures = ReplayFailures()
        self.processors = {
            s.topic: MessageProcessor(
                self.definition.name,
                s.handlers,
                lambda: self.definition.unit_of_work(self.engine, source=self.settings.source),
                self.failures,  # type: ignore[arg-type]  # a stand-in with DeadLetters.send; MessageProcessor names the class
                max_attempts=self.settings.max_handler_attempts,
            )
            for s in self.definition.consumed(self.settings)
        }
        self.outcomes: Counter = Counter()
        self.seconds = 0.0
        self._tasks: dict[TopicPartition, TaskID] = {}
        self._totals: dict[TopicPartition, int] = {}

    async def apply(
        self, ranges: dict[TopicPartition, tuple[int, int]], progress: Progress | None = None
    ) -> None:
        """Apply every record in `ranges`; one progress bar per partition that has any (a catch-up
        extends the bars of the first pass)."""
        work = {tp: end - start for tp, (start, end) in ranges.items() if end > start}
        if progress is not None:
            for tp, n in sorted(work.items()):
                if tp in self._tasks:
                    progress.update(self._tasks[tp], total=self._totals[tp] + n)
                else:
                    self._tasks[tp] = progress.add_task(f"{tp.topic}[{tp.partition}]", total=n)
                self._totals[tp] = self._totals.get(tp, 0) + n
        started = time.monotonic()
        async with plain_consumer(self.bootstrap) as consumer:
            async for record in read_range_in_time_order(consumer, ranges):
                outcome = await self.processors[record.topic].process(
                    record.message, partition=record.partition, offset=record.offset
                )
                self.outcomes[outcome.value] += 1
                if progress is not None:
                    progress.advance(self._tasks[TopicPartition(record.topic, record.partition)])
        self.seconds += time.monotonic() - started

    async def close(self) -> None:
        await self.engine.dispose()


class LogTooShort(ValueError):
    """A partition's log no longer reaches back to what the live store applied."""

    def __init__(self, short: dict[TopicPartition, str]) -> None:
        self.short = short
        named = "; ".join(f"{tp.topic}[{tp.partition}] {why}" for tp, why in sorted(short.items()))
        super().__init__(
            f"the log is shorter than what the live store applied, a rebuild would be partial: {named}"
        )


async def positions(
    bootstrap: str, topics: list[str], since: datetime | None = None
) -> dict[TopicPartition, tuple[int, int]]:
    """Per partition: where a replay starts (the beginning, or the first offset at `since`) and
    the end now. Refuses (`LogTooShort`) when a partition's log begins after what the replay
    needs: above offset 0 (the live consumer group started at the earliest offset, so its store
    applied the records deleted since), or, with `since`, after that time."""
    async with plain_consumer(bootstrap) as consumer:
        tps = [tp for t in topics for tp in await partitions(consumer, t)]
        end = await end_offsets(consumer, tps)
        begin = await consumer.beginning_offsets(tps)
        short: dict[TopicPartition, str] = {}
        if since is None:
            start = begin
            for tp in tps:
                if begin[tp] > 0:
                    short[tp] = (
                        f"begins at offset {begin[tp]}: records 0-{begin[tp] - 1} were deleted"
                    )
        else:
            at = int(since.timestamp() * 1000)
            start = {tp: await offset_for_time(consumer, tp, at) for tp in tps}
            for tp in tps:
                first = (
                    await timestamp_at(consumer, tp, begin[tp], end[tp]) if begin[tp] > 0 else None
                )
                if first is not None and first > at:
                    short[tp] = (
                        f"begins at offset {begin[tp]}, written after {since.isoformat()}: earlier records were deleted"
                    )
        if short:
            raise LogTooShort(short)
        return {tp: (start[tp], end[tp]) for tp in tps}


async def live_positions(
    bootstrap: str, group: str, tps: list[TopicPartition]
) -> dict[TopicPartition, int | None]:
    """How far the live consumer group got per partition (None: it never committed there)."""
    async with plain_consumer(bootstrap, group_id=group) as consumer:
        return await committed_offsets(consumer, tps)


async def _end_offsets(bootstrap: str, tps: list[TopicPartition]) -> dict[TopicPartition, int]:
    async with plain_consumer(bootstrap) as consumer:
        return await end_offsets(consumer, tps)


async def drain_outbox(database_url: str, bootstrap: str, name: str) -> int:
    """Publish every row the (stopped) live service committed to its outbox but had not sent."""
    from stockpath_cli.ops.kafka_tools import plain_producer
    from stockpath_runtime.db import create_engine
    from stockpath_runtime.relay import OutboxRelay

    engine = create_engine(database_url, pool_size=1)
    sent = 0
    try:
        async with plain_producer(bootstrap) as producer:
            relay = OutboxRelay(engine, producer, name=name)
            while n := await relay.publish_batch():
                sent += n
    finally:
        await engine.dispose()
    return sent


async def suppress_repeated_effects(
    new_url: str, live_url: str | None, consumer: str
) -> tuple[int, int]:
    """Mark published the new outbox rows whose cause the live consumer applied (all of them
    when `live_url` is None). Returns (marked, left for the new relay to publish)."""
    from stockpath_runtime.db import create_engine, inbox, outbox
    from stockpath_runtime.unit_of_work import headers_from_row

    applied: set[str] | None = None
    if live_url is not None:
        live = create_engine(live_url, pool_size=1)
        try:
            async with live.connect() as conn:
                applied = set(
                    (
                        await conn.execute(
                            sa.select(inbox.c.event_id).where(inbox.c.consumer == consumer)
                        )
                    ).scalars()
                )
        finally:
            await live.dispose()
    engine = create_engine(new_url, pool_size=1)
    try:
        async with engine.begin() as conn:
            rows = (
                await conn.execute(
                    sa.select(outbox.c.id, outbox.c.headers).where(outbox.c.published_at.is_(None))
                )
            ).all()
            marked = []
            for row in rows:
                cause = dict(headers_from_row(row.headers)).get("ce_causationid", b"").decode()
                if applied is None or cause in applied:
                    marked.append(row.id)
            for start in range(0, len(marked), 5000):
                await conn.execute(
                    sa.update(outbox)
                    .where(outbox.c.id.in_(marked[start : start + 5000]))
                    .values(published_at=sa.func.now())
                )
            return len(marked), len(rows) - len(marked)
    finally:
        await engine.dispose()


async def commit_group(bootstrap: str, group: str, offsets: dict[TopicPartition, int]) -> None:
    async with plain_consumer(bootstrap, group_id=group) as consumer:
        consumer.assign(list(offsets))
        await consumer.commit({tp: OffsetAndMetadata(o, "") for tp, o in offsets.items()})


class SwitchRefused(Exception):
    """The rebuilt store differs from the live one: the live service runs on its own store again."""

    def __init__(self, report: ReplayReport) -> None:
        self.report = report
        check = report.equivalence
        super().__init__(
            f"the rebuilt store differs from the live one: {check.named() if check else '?'}"
        )


def _upto(
    ranges: dict[TopicPartition, tuple[int, int]], stops: dict[TopicPartition, int | None]
) -> dict:
    """`ranges` cut at `stops` (where the live group had got; its end where the group never committed)."""
    cut = {}
    for tp, (begin, end) in ranges.items():
        stop = stops.get(tp)
        cut[tp] = (begin, end if stop is None else min(end, max(begin, stop)))
    return cut


async def check_equivalence(
    report: ReplayReport, live_url: str, consumer: str, progress: Progress | None
) -> None:
    """Compare the stores (in a thread: the comparison is synchronous), one progress step a table."""
    from stockpath_cli.ops import equivalence, rebuildable

    task = (
        progress.add_task("comparing tables", total=equivalence.table_count(report.database_url))
        if progress
        else None
    )

    def advance(_: str) -> None:
        if progress is not None and task is not None:
            progress.advance(task)

    report.equivalence = await asyncio.to_thread(
        equivalence.compare,
        live_url,
        report.database_url,
        not_rebuilt=rebuildable.not_rebuilt(report.service),
        consumer=consumer,
        advance=advance,
    )


def _write_differences(report: ReplayReport, report_dir: Path, live_url: str) -> None:
    from stockpath_cli.ops import equivalence

    assert report.equivalence is not None
    name = f"{report.service}-replay-{report.consumer_group.rsplit('-r', 1)[-1]}-differences.json"
    report.differences_file = equivalence.write_report(
        report.equivalence,
        report_dir / name,
        service=report.service,
        live_database=make_url(live_url).database,
        rebuilt_database=make_url(report.database_url).database,
    )


async def replay(
    service: str,
    *,
    bootstrap: str,
    live_url: str,
    live_group: str,
    new_url: str | None = None,
    since: datetime | None = None,
    switch: Switch | None = None,
    accept_differences: bool = False,
    report_dir: Path | None = None,
    progress: Progress | None = None,
    say=lambda message: None,
) -> ReplayReport:
    """Rebuild, check, switch (see the module's docstring). Raises `LogTooShort` before anything
    is written, and `SwitchRefused` (after starting the live service again) when the stores differ."""
    from stockpath_runtime.migrations import upgrade

    started = time.monotonic()
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    new_url = new_url or replay_database_url(live_url, stamp)
    base_group = re.sub(r"-r\d{14}$", "", live_group)  # a group made by an earlier replay
    report = ReplayReport(service, new_url, f"{base_group}-r{stamp}")
    report_dir = report_dir or stack_module.STATE_DIR / "replays"
    topics = context.consumed_topics(service)
    if not topics:
        raise ValueError(
            f"{service} consumes no topics: its store is not built from events, there is nothing to replay"
        )
    ranges = await positions(
        bootstrap, topics, since
    )  # refuses a log too short, before anything is created
    upgrade(context_migrations(service), new_url)
    replayer = Replayer(service, new_url, bootstrap)
    consumer = replayer.definition.name
    try:
        first = _upto(ranges, await live_positions(bootstrap, live_group, list(ranges)))
        say(f"rebuilding {service} into {make_url(new_url).database} from {len(ranges)} partitions")
        await replayer.apply(first, progress)
        done = {tp: end for tp, (_, end) in first.items()}
        if switch is None:
            await check_equivalence(report, live_url, consumer, progress)
            if report.equivalence and not report.equivalence.equal:
                _write_differences(report, report_dir, live_url)
            report.suppressed, _ = await suppress_repeated_effects(new_url, None, consumer)
            return report
        say(f"stopping the live {service}")
        switch.stop(service)
        drained = await drain_outbox(live_url, bootstrap, service)
        say(f"published {drained} event(s) left in the live outbox")
        # What the live worker applied while the rebuild ran: its committed offsets now it stopped.
        stopped_at = await live_positions(bootstrap, live_group, list(done))
        applied_live = {tp: (done[tp], max(done[tp], stopped_at[tp] or 0)) for tp in done}
        await replayer.apply(applied_live, progress)
        done = {tp: end for tp, (_, end) in applied_live.items()}
        await check_equivalence(report, live_url, consumer, progress)
        assert report.equivalence is not None
        if not report.equivalence.equal:
            _write_differences(report, report_dir, live_url)
            if not accept_differences:
                say(f"the stores differ: starting {service} again on its own database")
                switch.start(service, database_url=live_url, consumer_group=live_group)
                report.refused = True
                raise SwitchRefused(report)
        await _carry_over(report, live_url, say)
        now = await _end_offsets(bootstrap, list(done))
        catch_up = {tp: (done[tp], max(done[tp], now[tp])) for tp in done}
        say(
            f"catching up {sum(e - s for s, e in catch_up.values())} event(s) that arrived meanwhile"
        )
        await replayer.apply(catch_up, progress)
        report.suppressed, report.left_to_publish = await suppress_repeated_effects(
            new_url, live_url, consumer
        )
        await commit_group(
            bootstrap, report.consumer_group, {tp: e for tp, (_, e) in catch_up.items()}
        )
        say(f"starting {service} on {make_url(new_url).database} (group {report.consumer_group})")
        switch.start(service, database_url=new_url, consumer_group=report.consumer_group)
        report.switched = True
    finally:
        report.outcomes = replayer.outcomes
        report.failed = replayer.failures.failed
        report.apply_seconds = replayer.seconds
        report.seconds = time.monotonic() - started
        await replayer.close()
    return report


async def _carry_over(report: ReplayReport, live_url: str, say) -> None:
    """The tables a replay cannot rebuild, copied from the stopped live store (see `carry_over`)."""
    from stockpath_cli.ops import rebuildable
    from stockpath_cli.ops.carry_over import carry_over

    tables = list(rebuildable.not_rebuilt(report.service))
    if not tables:
        return
    report.carried_over = await asyncio.to_thread(carry_over, live_url, report.database_url, tables)
    say(
        "carried over from the live store: "
        + ", ".join(f"{table} {rows}" for table, rows in report.carried_over.items())
    )


def context_migrations(service: str):
    from stockpath_runtime.service import get_service

    return get_service(service).migrations


def register(app) -> None:
    """The `replay` command (in `replay_command.py`, which builds on this module)."""
    from stockpath_cli.ops import replay_command

    replay_command.register(app)
