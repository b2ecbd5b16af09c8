"""The broker operations the operator commands share: partitions, positions, committed offsets,
timestamp look-ups, and reading a fixed range of a topic.

Everything uses plain aiokafka clients. Where the local broker (Tansu 0.6) lacks a feature the
gap is handled here, once:

- ListOffsets by timestamp answers offset 0 for every partition, whatever the time; a real
  Kafka answers the first offset at or after the time. `offset_for_time` checks the answer
  against the records at and before it, and when it is wrong finds the offset by reading the
  partition.
- The admin OffsetFetch (``list_consumer_group_offsets``) fails to decode on Tansu; a group
  member's ``committed()`` works on both, so committed offsets are read that way.
- ListOffsets "latest" on Tansu answers the base offset of the partition's last record batch
  plus one, not the offset after its last record: a batch of three records at 4-6 reads as end 5.
  `end_offsets` reads the last batch from the reported end - 1 and takes the offset after the
  last record it holds (on Kafka that read confirms the answer and costs one small fetch).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import TopicPartition

from stockpath_events import KafkaMessage
from stockpath_runtime import kafka


@dataclass(frozen=True)
class Record:
    """One message read from a topic, with where it was and when it was written."""

    topic: str
    partition: int
    offset: int
    timestamp_ms: int
    message: KafkaMessage

    @property
    def ref(self) -> str:
        return f"{self.topic}:{self.partition}:{self.offset}"


@contextlib.asynccontextmanager
async def admin_client(bootstrap: str) -> AsyncIterator[AIOKafkaAdminClient]:
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap, request_timeout_ms=10_000, **kafka.client_options()
    )
    await admin.start()
    try:
        yield admin
    finally:
        await admin.close()


@contextlib.asynccontextmanager
async def plain_consumer(
    bootstrap: str, group_id: str | None = None
) -> AsyncIterator[AIOKafkaConsumer]:
    """A consumer that never joins a group: partitions are assigned by hand, nothing auto-commits."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        request_timeout_ms=15_000,
        **kafka.client_options(),
    )
    await consumer.start()
    try:
        yield consumer
    finally:
        await _stop(consumer)


async def _stop(consumer: AIOKafkaConsumer) -> None:
    """Stop a consumer. aiokafka can let the CancelledError of its own committed-offsets task
    escape from stop() when the consumer is stopped right after it started; that is not a
    cancellation of ours, so it is swallowed unless this task really is being cancelled."""
    try:
        await consumer.stop()
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise


@contextlib.asynccontextmanager
async def plain_producer(bootstrap: str) -> AsyncIterator[AIOKafkaProducer]:
    from stockpath_runtime.kafka import producer

    p = producer(bootstrap)
    await p.start()
    try:
        yield p
    finally:
        await p.stop()


async def partitions(consumer: AIOKafkaConsumer, topic: str) -> list[TopicPartition]:
    found = consumer.partitions_for_topic(topic)
    if not found:
        await consumer._client.force_metadata_update()
        found = consumer.partitions_for_topic(topic)
    if not found:
        raise LookupError(f"topic {topic!r} does not exist on the broker")
    return [TopicPartition(topic, p) for p in sorted(found)]


async def end_offsets(
    consumer: AIOKafkaConsumer, tps: list[TopicPartition]
) -> dict[TopicPartition, int]:
    """The offset after the last record of each partition (what Kafka calls the log end offset)."""
    if not tps:
        return {}
    reported = await consumer.end_offsets(tps)
    begin = await consumer.beginning_offsets(tps)
    last_batch = {tp: end - 1 for tp, end in reported.items() if end - 1 >= begin[tp]}
    true_end = dict(reported)
    if not last_batch:
        return true_end
    consumer.assign(list(last_batch))
    for tp, offset in last_batch.items():
        consumer.seek(tp, offset)
    pending = set(last_batch)
    deadline = time.monotonic() + 10
    while pending and time.monotonic() < deadline:
        for tp, records in (await consumer.getmany(*pending, timeout_ms=200)).items():
            if records:
                true_end[tp] = max(true_end[tp], records[-1].offset + 1)
                pending.discard(tp)
    return true_end


async def committed_offsets(
    consumer: AIOKafkaConsumer, tps: list[TopicPartition]
) -> dict[TopicPartition, int | None]:
    """The group's committed position per partition (None: the group never committed one)."""
    return {tp: await consumer.committed(tp) for tp in tps}


async def offset_for_time(consumer: AIOKafkaConsumer, tp: TopicPartition, timestamp_ms: int) -> int:
    """The first offset of `tp` written at or after `timestamp_ms` (the end offset when none is)."""
    begin = (await consumer.beginning_offsets([tp]))[tp]
    end = (await end_offsets(consumer, [tp]))[tp]
    answer = (await consumer.offsets_for_times({tp: timestamp_ms})).get(tp)
    if answer is None:
        return end
    # Check the answer against the records themselves: Tansu answers offset 0 whatever the time.
    at = await timestamp_at(consumer, tp, answer.offset, end)
    before = (
        await timestamp_at(consumer, tp, answer.offset - 1, end) if answer.offset > begin else None
    )
    if at is not None and at >= timestamp_ms and (before is None or before < timestamp_ms):
        return answer.offset
    async for record in read_range(consumer, {tp: (begin, end)}):
        if record.timestamp_ms >= timestamp_ms:
            return record.offset
    return end


async def timestamp_at(
    consumer: AIOKafkaConsumer, tp: TopicPartition, offset: int, end: int
) -> int | None:
    if offset < 0 or offset >= end:
        return None
    async for record in read_range(consumer, {tp: (offset, offset + 1)}):
        return record.timestamp_ms
    return None


async def read_range(
    consumer: AIOKafkaConsumer,
    ranges: dict[TopicPartition, tuple[int, int]],
    *,
    idle_timeout_s: float = 15.0,
) -> AsyncIterator[Record]:
    """Every record with start <= offset < end on each partition, in order per partition."""
    wanted = _assign_ranges(consumer, ranges)
    if not wanted:
        return
    remaining = set(wanted)
    fetcher = _Fetcher(consumer, idle_timeout_s)
    while remaining:
        batches = await fetcher.fetch(remaining)
        for tp, records in batches.items():
            end = wanted[tp][1]
            for r in records:
                if r.offset >= end:
                    remaining.discard(tp)
                    break
                yield to_record(r)
                if r.offset + 1 >= end:
                    remaining.discard(tp)
            if tp in remaining and await consumer.position(tp) >= end:
                remaining.discard(tp)


async def read_range_in_time_order(
    consumer: AIOKafkaConsumer,
    ranges: dict[TopicPartition, tuple[int, int]],
    *,
    idle_timeout_s: float = 15.0,
) -> AsyncIterator[Record]:
    """Like `read_range`, but merged across partitions and topics by record timestamp, then by
    the event's own time where timestamps tie (a k-way merge: each partition's own order is kept). A consumer of several topics saw them roughly in
    this order live, so a replay in this order makes the same decisions where topics interact
    (e.g. an order routed only after the stock it needs arrived)."""
    from collections import deque

    wanted = _assign_ranges(consumer, ranges)
    if not wanted:
        return
    buffers: dict[TopicPartition, deque] = {tp: deque() for tp in wanted}
    unfinished = set(wanted)
    fetcher = _Fetcher(consumer, idle_timeout_s)
    while True:
        starving = [tp for tp in unfinished if not buffers[tp]]
        if starving:
            batches = await fetcher.fetch(starving)
            for tp, records in batches.items():
                end = wanted[tp][1]
                for r in records:
                    if r.offset < end:
                        buffers[tp].append(r)
                    if r.offset + 1 >= end:
                        unfinished.discard(tp)
                        break
            for tp in starving:
                if tp in unfinished and await consumer.position(tp) >= wanted[tp][1]:
                    unfinished.discard(tp)
            continue
        ready = [tp for tp, b in buffers.items() if b]
        if not ready:
            return
        tp = min(
            ready,
            key=lambda t: (
                buffers[t][0].timestamp,
                _event_time(buffers[t][0]),
                t.topic,
                t.partition,
            ),
        )
        yield to_record(buffers[tp].popleft())


def _event_time(r) -> datetime:
    """When the event was written (``ce_time``): what orders records that reached the broker in
    the same millisecond, e.g. the events of one transaction keyed to different partitions (the
    items of one registration request), the way their service wrote them."""
    for name, value in r.headers or ():
        if name == "ce_time":
            with contextlib.suppress(ValueError):
                at = datetime.fromisoformat(value.decode())
                return at if at.tzinfo else at.replace(tzinfo=UTC)
    return _NO_TIME


_NO_TIME = datetime.min.replace(tzinfo=UTC)


def _assign_ranges(
    consumer: AIOKafkaConsumer, ranges: dict[TopicPartition, tuple[int, int]]
) -> dict[TopicPartition, tuple[int, int]]:
    """The ranges that hold records (start < end), the consumer assigned to them at their starts."""
    wanted = {tp: r for tp, r in ranges.items() if r[1] > r[0]}
    if wanted:
        consumer.assign(list(wanted))
        for tp, (start, _) in wanted.items():
            consumer.seek(tp, start)
    return wanted


class _Fetcher:
    """Fetches from some partitions of an assigned consumer; gives up (TimeoutError) when nothing
    has arrived for `idle_timeout_s`, rather than waiting forever on a range the broker lost."""

    def __init__(self, consumer: AIOKafkaConsumer, idle_timeout_s: float) -> None:
        self.consumer = consumer
        self.idle_timeout_s = idle_timeout_s
        self.last_progress = time.monotonic()

    async def fetch(self, partitions) -> dict:
        batches = await self.consumer.getmany(*partitions, timeout_ms=200, max_records=2000)
        if batches:
            self.last_progress = time.monotonic()
        elif time.monotonic() - self.last_progress > self.idle_timeout_s:
            raise TimeoutError(
                f"no records arrived for {self.idle_timeout_s:.0f}s; still waiting on {sorted(map(str, partitions))}"
            )
        return batches


def to_record(r) -> Record:
    return Record(
        topic=r.topic,
        partition=r.partition,
        offset=r.offset,
        timestamp_ms=r.timestamp,
        message=KafkaMessage(
            topic=r.topic, key=r.key, value=r.value, headers=list(r.headers or [])
        ),
    )


async def read_topics(
    bootstrap: str,
    topics: list[str],
    *,
    on_start: Callable[[dict[TopicPartition, tuple[int, int]]], None] | None = None,
) -> AsyncIterator[Record]:
    """Every record now on `topics`, from the beginning up to the end offsets at the time of the call."""
    async with plain_consumer(bootstrap) as consumer:
        tps = [tp for topic in topics for tp in await partitions(consumer, topic)]
        begin = await consumer.beginning_offsets(tps)
        end = await end_offsets(consumer, tps)
        ranges = {tp: (begin[tp], end[tp]) for tp in tps}
        if on_start:
            on_start(ranges)
        async for record in read_range(consumer, ranges):
            yield record


async def active_members(bootstrap: str, group: str) -> list[str]:
    """Member ids the broker lists for `group` (DescribeGroups); empty when nobody consumes."""
    async with admin_client(bootstrap) as admin:
        response = await admin.describe_consumer_groups([group])
    members: list[str] = []
    for r in response:
        for g in r.groups:
            # (error_code, group, state, protocol_type, protocol, members[, authorized_operations])
            members.extend(m[0] for m in g[5])
    return members


async def list_groups(bootstrap: str) -> list[str]:
    async with admin_client(bootstrap) as admin:
        return sorted(g[0] for g in await admin.list_consumer_groups())
