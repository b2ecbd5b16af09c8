"""`stockpath replay <service>`: rebuild a service's store from the topics it consumes, then
switch the service over to it (blue/green).

How it works, and why it causes no duplicate downstream effect:

1. **Rebuild** (the live service keeps running): a fresh database (``<live database>_r<time>``)
   is migrated, then every message on the service's topics — from the beginning, or from
   ``--since`` — up to the end offsets of that moment is applied in this process by the
   service's own handlers through the runtime's `MessageProcessor`, under the service's own
   consumer name, so the inbox and every table come out as the live worker wrote them. No relay
   runs on the new database, so the events the handlers emit stay in its outbox, unsent. A
   message that fails is reported, not dead-lettered again (the live consumer already did).
2. **Stop** the live API and worker (the running `stockpath up` does it on request, see
   `switch.py`), then publish whatever the live outbox still holds (what the live service
   committed but had not sent must not be lost).
3. **Catch up**: apply what arrived on the topics since step 1, up to the new end offsets.
4. **Suppress**: an outbox row of the new database whose causing event (``ce_causationid``)
   is in the live inbox repeats an effect the live service already published — it is marked
   published without being sent. Rows caused by events the live service never applied stay
   unpublished: the new worker's relay publishes them, exactly once.
5. **Commit** the new consumer group's offsets at the catch-up end (a fresh group, so it can be
   committed without joining) and **start** the service on the new database and group.

The old database is kept until the operator drops it (it is no longer written to).
With ``--no-switch`` the rebuild stops after step 1 and marks every outbox row published: the
rebuilt database is for inspection and never goes live without a replay that switches.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Protocol

import sqlalchemy as sa
import typer
from aiokafka.structs import OffsetAndMetadata, TopicPartition
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from sqlalchemy.engine import make_url

from stockpath_cli import stack as stack_module
from stockpath_cli.ops import context
from stockpath_cli.ops.kafka_tools import (
    end_offsets,
    offset_for_time,
    partitions,
    plain_consumer,
    read_range_in_time_order,
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

    async def send(self, message: KafkaMessage, *, partition: int, offset: int, error: str, reason: str, **_) -> None:
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
        self.settings = self.definition.load_settings(database_url=database_url, KAFKA_BOOTSTRAP_SERVERS=bootstrap)
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

    async def apply(self, ranges: dict[TopicPartition, tuple[int, int]], progress: Progress | None = None) -> None:
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


async def positions(bootstrap: str, topics: list[str], since: datetime | None = None) -> dict[TopicPartition, tuple[int, int]]:
    """Per partition: where a replay starts (the beginning, or the first offset at `since`) and the end now."""
    async with plain_consumer(bootstrap) as consumer:
        tps = [tp for t in topics for tp in await partitions(consumer, t)]
        end = await end_offsets(consumer, tps)
        if since is None:
            begin = await consumer.beginning_offsets(tps)
        else:
            begin = {tp: await offset_for_time(consumer, tp, int(since.timestamp() * 1000)) for tp in tps}
        return {tp: (begin[tp], end[tp]) for tp in tps}


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


async def suppress_repeated_effects(new_url: str, live_url: str | None, consumer: str) -> tuple[int, int]:
    """Mark published the new outbox rows whose cause the live consumer applied (all of them
    when `live_url` is None). Returns (marked, left for the new relay to publish)."""
    from stockpath_runtime.db import create_engine, inbox, outbox
    from stockpath_runtime.unit_of_work import headers_from_row

    applied: set[str] | None = None
    if live_url is not None:
        live = create_engine(live_url, pool_size=1)
        try:
            async with live.connect() as conn:
                applied = set((await conn.execute(sa.select(inbox.c.event_id).where(inbox.c.consumer == consumer))).scalars())
        finally:
            await live.dispose()
    engine = create_engine(new_url, pool_size=1)
    try:
        async with engine.begin() as conn:
            rows = (await conn.execute(sa.select(outbox.c.id, outbox.c.headers).where(outbox.c.published_at.is_(None)))).all()
            marked = []
            for row in rows:
                cause = dict(headers_from_row(row.headers)).get("ce_causationid", b"").decode()
                if applied is None or cause in applied:
                    marked.append(row.id)
            for start in range(0, len(marked), 5000):
                await conn.execute(
                    sa.update(outbox).where(outbox.c.id.in_(marked[start : start + 5000])).values(published_at=sa.func.now())
                )
            return len(marked), len(rows) - len(marked)
    finally:
        await engine.dispose()


async def commit_group(bootstrap: str, group: str, offsets: dict[TopicPartition, int]) -> None:
    async with plain_consumer(bootstrap, group_id=group) as consumer:
        consumer.assign(list(offsets))
        await consumer.commit({tp: OffsetAndMetadata(o, "") for tp, o in offsets.items()})


async def replay(
    service: str,
    *,
    bootstrap: str,
    live_url: str,
    live_group: str,
    new_url: str | None = None,
    since: datetime | None = None,
    switch: Switch | None = None,
    progress: Progress | None = None,
    say=lambda message: None,
) -> ReplayReport:
    from stockpath_runtime.migrations import upgrade

    started = time.monotonic()
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    new_url = new_url or replay_database_url(live_url, stamp)
    base_group = re.sub(r"-r\d{14}$", "", live_group)  # a group made by an earlier replay
    report = ReplayReport(service, new_url, f"{base_group}-r{stamp}")
    topics = context.consumed_topics(service)
    if not topics:
        raise ValueError(f"{service} consumes no topics: its store is not built from events, there is nothing to replay")
    upgrade(context_migrations(service), new_url)
    replayer = Replayer(service, new_url, bootstrap)
    try:
        ranges = await positions(bootstrap, topics, since)
        say(f"rebuilding {service} into {make_url(new_url).database} from {len(ranges)} partitions")
        await replayer.apply(ranges, progress)
        ends = {tp: end for tp, (_, end) in ranges.items()}
        if switch is None:
            report.suppressed, _ = await suppress_repeated_effects(new_url, None, replayer.definition.name)
        else:
            say(f"stopping the live {service}")
            switch.stop(service)
            drained = await drain_outbox(live_url, bootstrap, service)
            say(f"published {drained} event(s) left in the live outbox")
            now = await _end_offsets(bootstrap, list(ends))
            catch_up = {tp: (ends[tp], now[tp]) for tp in ends}
            say(f"catching up {sum(e - s for s, e in catch_up.values())} event(s) that arrived meanwhile")
            await replayer.apply(catch_up, progress)
            report.suppressed, report.left_to_publish = await suppress_repeated_effects(
                new_url, live_url, replayer.definition.name
            )
            await commit_group(bootstrap, report.consumer_group, now)
            say(f"starting {service} on {make_url(new_url).database} (group {report.consumer_group})")
            switch.start(service, database_url=new_url, consumer_group=report.consumer_group)
            report.switched = True
    finally:
        report.outcomes = replayer.outcomes
        report.failed = replayer.failures.failed
        report.apply_seconds = replayer.seconds
        await replayer.close()
    report.seconds = time.monotonic() - started
    return report


def context_migrations(service: str):
    from stockpath_runtime.service import get_service

    return get_service(service).migrations


def _log_to_file(service: str) -> Path:
    """The handlers log as they do in the worker (JSON lines, role ``replay``), into a file next to
    the stack's logs, so the terminal keeps the progress bars."""
    import logging

    from stockpath_runtime.logs import configure_logging

    directory = Path(context.stack_logs() or stack_module.STATE_DIR / "logs")
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{service}-replay.log"
    configure_logging(service, "replay", fmt="json", level="INFO")
    root = logging.getLogger()
    formatter = root.handlers[0].formatter
    for handler in list(root.handlers):
        root.removeHandler(handler)
    file_handler = logging.FileHandler(path)
    file_handler.setFormatter(formatter)
    root.addHandler(file_handler)
    return path


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description:<28}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=console
    )


def register(app: typer.Typer) -> None:
    @app.command("replay")
    def replay_command(
        service: Annotated[str, typer.Argument(help="The service whose store to rebuild, e.g. listing")],
        since: Annotated[
            str | None,
            typer.Option(help="Start at this ISO-8601 time instead of the beginning (e.g. with --database-url of a restored backup)"),
        ] = None,
        database_url: Annotated[str | None, typer.Option(help="Rebuild into this database (default: a new one next to the live one)")] = None,
        switch: Annotated[bool, typer.Option("--switch/--no-switch", help="Switch the running service over when done")] = True,
        stopped: Annotated[
            bool,
            typer.Option("--stopped", help="The service is already stopped (e.g. scaled to 0): finish the switch, then start it yourself"),
        ] = False,
        bootstrap: Annotated[str | None, typer.Option(help="Broker list (default: the running stack)")] = None,
    ) -> None:
        """Rebuild one service's store from the topics it consumes, then switch it over (blue/green)."""
        from stockpath_cli.ops.offsets import parse_target
        from stockpath_cli.ops.switch import StackSwitch

        moment = None
        if since is not None:
            target = parse_target(since)
            if not isinstance(target, datetime):
                raise typer.BadParameter("--since takes an ISO-8601 time such as 2026-11-26T14:00:00Z")
            moment = target
        if switch and not stopped and not context.service_state(service):
            console.print("[red]no `stockpath up` stack runs this service: stop it yourself and pass --stopped, "
                          "or use --no-switch to only rebuild[/red]")
            raise typer.Exit(1)
        from stockpath_cli.ops.switch import AlreadyStopped

        chosen = (AlreadyStopped() if stopped else StackSwitch()) if switch else None
        log_file = _log_to_file(service)
        console.print(f"handler logs go to {log_file}")
        try:
            with progress_bar() as progress:
                report = asyncio.run(
                    replay(
                        service,
                        bootstrap=context.bootstrap_servers(bootstrap),
                        live_url=context.database_url(service),
                        live_group=context.consumer_group(service),
                        new_url=database_url,
                        since=moment,
                        switch=chosen,
                        progress=progress,
                        say=progress.console.print,
                    )
                )
        except (ValueError, LookupError, TimeoutError) as e:
            console.print(f"[red]replay failed: {e}[/red]")
            raise typer.Exit(1) from None
        rate = report.events / report.apply_seconds if report.apply_seconds else 0
        console.print(
            f"replayed {report.events} event(s) in {report.apply_seconds:.2f}s ({rate:.0f}/s; "
            f"{report.seconds:.1f}s with migrations and the switch): "
            + ", ".join(f"{k} {v}" for k, v in sorted(report.outcomes.items()))
        )
        console.print(f"outbox: {report.suppressed} repeated effect(s) suppressed, {report.left_to_publish} left to publish")
        for failure in report.failed:
            console.print(f"[yellow]failed (already dead-lettered by the live consumer): {failure}[/yellow]")
        console.print(json.dumps({"database_url": report.database_url, "consumer_group": report.consumer_group}))
        if report.switched and stopped:
            prefix = service.upper().replace("-", "_")
            console.print(f"start {service} with {prefix}_DATABASE_URL={report.database_url} "
                          f"{prefix}_CONSUMER_GROUP={report.consumer_group}")
        elif report.switched:
            console.print(f"{service} now runs on the rebuilt database; the old one is kept until you drop it")
