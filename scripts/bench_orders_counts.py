"""Messages per order line: what the broker's offsets say was produced and consumed during a phase.

Produced is the growth of every topic's end offsets; consumed is the growth of every consumer
group's committed offsets (a group commits a partition's offset after it processed what it
fetched, so that counts every record it read, those of types it skips included). Both are read
with plain aiokafka clients and the operator tools' helpers, which handle what Tansu lacks: its
admin OffsetFetch does not decode, so committed offsets come from a consumer with the group's id
asking the group's coordinator (what `committed()` does) without joining; its "latest" offset is
the base of the last record batch, so end offsets are checked against that batch.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from aiokafka.structs import TopicPartition

from stockpath_cli.ops.kafka_tools import end_offsets, list_groups, plain_consumer


@dataclass
class Offsets:
    """Where every partition ends and where every group has committed, at one moment."""

    ends: dict[TopicPartition, int] = field(default_factory=dict)
    #: group → partition → committed offset (partitions the group never committed are absent)
    committed: dict[str, dict[TopicPartition, int]] = field(default_factory=dict)


async def read_offsets(bootstrap: str) -> Offsets:
    async with plain_consumer(bootstrap) as consumer:
        topics = sorted(t for t in await consumer.topics() if not t.startswith("__"))
        tps = [
            TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t))
        ]
        ends = await end_offsets(consumer, tps)
    committed: dict[str, dict[TopicPartition, int]] = {}
    for group in await list_groups(bootstrap):
        async with plain_consumer(bootstrap, group_id=group) as member:
            # One OffsetFetch for all partitions: `committed()` asks one partition per request,
            # ~130 requests per group (seconds here, and broker CPU inside the measured window).
            found = await member._coordinator.fetch_committed_offsets(tps)
        committed[group] = {tp: m.offset for tp, m in found.items() if m.offset >= 0}
    return Offsets(ends, committed)


def behind(offsets: Offsets, groups: list[str]) -> int:
    """Records `groups` have not committed yet on the partitions they consume."""
    return sum(
        max(0, offsets.ends.get(tp, 0) - o)
        for g in groups
        for tp, o in offsets.committed.get(g, {}).items()
    )


async def read_offsets_caught_up(bootstrap: str, groups: list[str], timeout: float = 60) -> Offsets:
    """The offsets once `groups` (the platform's) have committed everything on their partitions:
    a worker reports no lag as soon as it fetched, and commits only after its batch committed."""
    deadline = time.perf_counter() + timeout
    while True:
        offsets = await read_offsets(bootstrap)
        if not behind(offsets, groups) or time.perf_counter() > deadline:
            return offsets
        await asyncio.sleep(0.2)


def message_counts(before: Offsets, after: Offsets, lines: int) -> dict:
    """Records produced per topic and consumed per group between two readings, their totals and
    the totals per order line. A partition a group first commits in between counts from where
    that partition ended before (the group had caught up, so it had nothing of it to read)."""
    produced: dict[str, int] = {}
    for tp, end in after.ends.items():
        grew = end - before.ends.get(tp, 0)
        if grew:
            produced[tp.topic] = produced.get(tp.topic, 0) + grew
    consumed: dict[str, int] = {}
    for group, offsets in after.committed.items():
        earlier = before.committed.get(group, {})
        grew = sum(o - earlier.get(tp, before.ends.get(tp, 0)) for tp, o in offsets.items())
        if grew:
            consumed[group] = grew
    total_produced, total_consumed = sum(produced.values()), sum(consumed.values())
    return {
        "lines": lines,
        "produced": dict(sorted(produced.items())),
        "consumed": dict(sorted(consumed.items())),
        "produced total": total_produced,
        "consumed total": total_consumed,
        "produced per line": round(total_produced / lines, 2) if lines else None,
        "consumed per line": round(total_consumed / lines, 2) if lines else None,
    }


def counts_table(counts: dict) -> str:
    lines = counts["lines"]

    def per_line(n: int) -> str:
        return f"{n / lines:6.2f} per line" if lines else ""

    out = [f"messages during the max-rate phase ({lines:,} lines):", "  produced, by topic:"]
    out += [f"    {t:<36} {n:>9,}  {per_line(n)}" for t, n in counts["produced"].items()]
    out.append(
        f"    {'total':<36} {counts['produced total']:>9,}  {per_line(counts['produced total'])}"
    )
    out.append("  consumed (committed), by group:")
    out += [f"    {g:<36} {n:>9,}  {per_line(n)}" for g, n in counts["consumed"].items()]
    out.append(
        f"    {'total':<36} {counts['consumed total']:>9,}  {per_line(counts['consumed total'])}"
    )
    return "\n".join(out)
