"""`stockpath offsets <group> show|reset`: a consumer group's positions, and moving them.

A reset commits new positions for the group the way a group-less consumer does (OffsetCommit
with no generation), which brokers accept only while the group has no members — and we refuse
before trying, from DescribeGroups, so the operator gets a clear message instead of a broker
error. `--dry-run` prints the plan (current → new, per partition) and changes nothing.

Tansu gap: it keeps listing a member that left (LeaveGroup, or a stopped worker) until the
group rebalances, so a group whose workers are all stopped still looks active. With
``--evict-stale-members`` the command joins the group itself: the rebalance drops members that
no longer heartbeat (after their rebalance timeout, ~10 s with our settings); if any other
member is still there it is alive, and we leave without committing; otherwise we commit the
plan as the group's only member and leave. On Apache Kafka a stopped group is simply empty.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

import typer
from aiokafka.structs import OffsetAndMetadata, TopicPartition
from rich.console import Console
from rich.table import Table

from stockpath_cli.ops import context
from stockpath_cli.ops.kafka_tools import (
    active_members,
    committed_offsets,
    end_offsets,
    offset_for_time,
    partitions,
    plain_consumer,
)

console = Console()


class GroupIsActive(RuntimeError):
    """The group has members; moving its offsets under them would be overwritten or lost."""


@dataclass(frozen=True)
class PartitionPosition:
    topic: str
    partition: int
    committed: int | None
    end: int
    new: int | None = None

    @property
    def lag(self) -> int | None:
        return None if self.committed is None else max(0, self.end - self.committed)


def parse_target(value: str) -> str | int | datetime:
    """``earliest``, ``latest``, an offset (``42``) or an ISO-8601 time (``2026-11-26T14:00:00Z``)."""
    if value in ("earliest", "latest"):
        return value
    if value.isdigit():
        return int(value)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not earliest, latest, an offset or an ISO-8601 time such as 2026-11-26T14:00:00Z"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def group_topics(consumer, topics: list[str] | None) -> list[TopicPartition]:
    """The partitions to look at: the given topics, or every contract topic the group has committed on."""
    from stockpath_runtime.kafka import all_topics

    if topics:
        return [tp for t in topics for tp in await partitions(consumer, t)]
    found = []
    for topic in all_topics():
        try:
            tps = await partitions(consumer, topic)
        except LookupError:
            continue
        committed = await committed_offsets(consumer, tps)
        if any(v is not None for v in committed.values()):
            found.extend(tps)
    return found


async def show(
    bootstrap: str, group: str, topics: list[str] | None = None
) -> list[PartitionPosition]:
    async with plain_consumer(bootstrap, group_id=group) as consumer:
        tps = await group_topics(consumer, topics)
        committed = await committed_offsets(consumer, tps)
        end = await end_offsets(consumer, tps)
        return [PartitionPosition(tp.topic, tp.partition, committed[tp], end[tp]) for tp in tps]


async def plan_reset(
    bootstrap: str, group: str, target: str | int | datetime, topics: list[str] | None = None
) -> list[PartitionPosition]:
    """Where each partition would move; an explicit offset is clamped to the partition's range."""
    async with plain_consumer(bootstrap, group_id=group) as consumer:
        tps = await group_topics(consumer, topics)
        if not tps:
            raise LookupError(
                f"group {group!r} has no committed offsets; name the topics with --topic"
            )
        committed = await committed_offsets(consumer, tps)
        begin = await consumer.beginning_offsets(tps)
        end = await end_offsets(consumer, tps)
        plan = []
        for tp in tps:
            if target == "earliest":
                new = begin[tp]
            elif target == "latest":
                new = end[tp]
            elif isinstance(target, int):
                new = min(max(target, begin[tp]), end[tp])
            elif isinstance(target, datetime):
                new = await offset_for_time(consumer, tp, int(target.timestamp() * 1000))
            else:
                raise ValueError(
                    f"not an offset target: {target!r} (earliest, latest, an offset or a time)"
                )
            plan.append(PartitionPosition(tp.topic, tp.partition, committed[tp], end[tp], new))
        return plan


async def reset(
    bootstrap: str,
    group: str,
    target: str | int | datetime,
    topics: list[str] | None = None,
    *,
    dry_run: bool = False,
    evict_stale_members: bool = False,
) -> list[PartitionPosition]:
    members = await active_members(bootstrap, group)
    if members and not dry_run and not evict_stale_members:
        raise GroupIsActive(
            f"group {group!r} has {len(members)} active member(s); stop its workers first "
            f"(members: {', '.join(members)}). If they are stopped and the broker still lists them, "
            f"add --evict-stale-members"
        )
    plan = await plan_reset(bootstrap, group, target, topics)
    if dry_run:
        return plan
    offsets = {TopicPartition(p.topic, p.partition): OffsetAndMetadata(p.new, "") for p in plan}
    if members:
        await _commit_as_only_member(bootstrap, group, offsets)
    else:
        async with plain_consumer(bootstrap, group_id=group) as consumer:
            consumer.assign(list(offsets))
            await consumer.commit(offsets)
    return plan


async def _commit_as_only_member(
    bootstrap: str,
    group: str,
    offsets: dict[TopicPartition, OffsetAndMetadata],
    timeout_s: float = 90,
) -> None:
    """Join `group` (which evicts members that stopped heartbeating), and commit only if no other
    member survived the rebalance. Nothing is consumed; the consumer leaves at once."""
    from aiokafka import AIOKafkaConsumer

    from stockpath_cli.ops.kafka_tools import _stop

    consumer = AIOKafkaConsumer(
        *sorted({tp.topic for tp in offsets}),
        bootstrap_servers=bootstrap,
        group_id=group,
        enable_auto_commit=False,
        session_timeout_ms=10_000,
        heartbeat_interval_ms=1_000,
        rebalance_timeout_ms=10_000,
    )
    await consumer.start()
    try:
        deadline = asyncio.get_running_loop().time() + timeout_s
        while not consumer.assignment():
            if asyncio.get_running_loop().time() > deadline:
                raise GroupIsActive(f"could not join group {group!r} within {timeout_s:.0f}s")
            await asyncio.sleep(0.1)
        me = consumer._coordinator.member_id
        others = [m for m in await active_members(bootstrap, group) if m != me]
        if others:
            raise GroupIsActive(
                f"group {group!r} still has live member(s) after a rebalance: {', '.join(others)}"
            )
        await consumer.commit(offsets)
    finally:
        await _stop(consumer)


def _table(rows: list[PartitionPosition], *, planned: bool) -> Table:
    table = Table(
        "topic",
        "partition",
        "committed",
        "end",
        "lag" if not planned else "new",
        *(["moves"] if planned else []),
    )
    for r in rows:
        committed = "-" if r.committed is None else str(r.committed)
        if planned:
            assert r.new is not None  # plan_reset gives every row its new offset
            delta = r.new - (r.committed or 0)
            table.add_row(
                r.topic, str(r.partition), committed, str(r.end), str(r.new), f"{delta:+d}"
            )
        else:
            table.add_row(
                r.topic,
                str(r.partition),
                committed,
                str(r.end),
                "-" if r.lag is None else str(r.lag),
            )
    return table


Group = Annotated[str, typer.Argument(help="Consumer group, e.g. stockpath-order-router")]
Topic = Annotated[
    list[str] | None, typer.Option("--topic", "-t", help="Limit to these topics (repeatable)")
]
Bootstrap = Annotated[str | None, typer.Option(help="Broker list (default: the running stack)")]


def register(app: typer.Typer) -> None:
    offsets = typer.Typer(no_args_is_help=True, help="Show or reset a consumer group's offsets.")
    app.add_typer(offsets, name="offsets")

    @offsets.command("show")
    def show_command(group: Group, topic: Topic = None, bootstrap: Bootstrap = None) -> None:
        """Committed offset, end offset and lag per partition."""
        rows = asyncio.run(show(context.bootstrap_servers(bootstrap), group, topic))
        if not rows:
            console.print(f"group {group} has no committed offsets")
            raise typer.Exit(1)
        console.print(_table(rows, planned=False))

    @offsets.command("reset")
    def reset_command(
        group: Group,
        to: Annotated[
            str, typer.Option("--to", help="earliest | latest | <offset> | <ISO-8601 time>")
        ],
        topic: Topic = None,
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="Print the plan, change nothing")
        ] = False,
        evict_stale_members: Annotated[
            bool,
            typer.Option(
                "--evict-stale-members",
                help="Join the group to drop members that left but are still listed (Tansu)",
            ),
        ] = False,
        bootstrap: Bootstrap = None,
    ) -> None:
        """Move the group's offsets; refuses while the group has active members."""
        target = parse_target(to)
        try:
            plan = asyncio.run(
                reset(
                    context.bootstrap_servers(bootstrap),
                    group,
                    target,
                    topic,
                    dry_run=dry_run,
                    evict_stale_members=evict_stale_members,
                )
            )
        except (GroupIsActive, LookupError) as e:
            console.print(f"[red]{e}[/red]")
            raise typer.Exit(1) from None
        console.print(_table(plan, planned=True))
        console.print(
            "dry run: nothing changed" if dry_run else f"committed new offsets for {group}"
        )
