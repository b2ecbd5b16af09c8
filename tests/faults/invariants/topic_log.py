"""Every message of every contract topic and DLQ, as the invariant checker reads it.

Topics are read incrementally into `TopicLog`, which keeps what it read: a broker restart (Tansu
in memory mode) empties every topic, so the log keeps the earlier *epoch* and reads the new one
from offset 0. Messages are identified by (epoch, topic, partition, offset); events by their
CloudEvents id (the relay is at-least-once, so one id may appear more than once — that is allowed;
a second *event* for the same effect is not).

Poison is recognised by its marker (header ``x-stockpath-poison``, kept by the dead-letter writer).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer
from aiokafka.structs import TopicPartition

from stockpath_events import Envelope, MalformedEvent, decode
from stockpath_runtime.kafka import all_topics

POISON_HEADER = "x-stockpath-poison"


@dataclass
class Record:
    epoch: int
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: dict[str, str]
    timestamp: int
    envelope: Envelope | None = None

    @property
    def poison(self) -> str | None:
        return self.headers.get(POISON_HEADER)

    @property
    def name(self) -> str | None:
        """The event name (e.g. OrderRouted) of a decodable event."""
        return self.envelope.type.split(".")[2] if self.envelope else None


def _headers(raw) -> dict[str, str]:
    return {
        k: (v.decode("utf-8", "replace") if isinstance(v, bytes | bytearray) else str(v))
        for k, v in raw or []
    }


class TopicLog:
    """Every message of every contract topic and DLQ, read from the beginning, across broker epochs."""

    def __init__(self, bootstrap: str, topics: Iterable[str] | None = None) -> None:
        self.bootstrap = bootstrap
        self.topics = list(topics or all_topics())
        self.epoch = 0
        self.records: list[Record] = []
        self._positions: dict[tuple[str, int], int] = {}

    @property
    def positions(self) -> dict[tuple[str, int], int]:
        """(topic, partition) -> the offset after the last record read, in the current epoch."""
        return dict(self._positions)

    def new_epoch(self) -> None:
        """The broker restarted empty: later reads start again at offset 0."""
        self.epoch += 1
        self._positions.clear()

    async def read(self, timeout: float = 20) -> int:
        """Read what was added since the last read; returns the number of new records."""
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            request_timeout_ms=10_000,
        )
        added = 0
        try:
            await consumer.start()
            known = await consumer.topics()
            tps = [
                TopicPartition(t, p)
                for t in self.topics
                if t in known
                for p in sorted(consumer.partitions_for_topic(t) or [])
            ]
            if not tps:
                return 0
            consumer.assign(tps)
            for tp in tps:
                pos = self._positions.get((tp.topic, tp.partition))
                if pos is None:
                    await consumer.seek_to_beginning(tp)
                else:
                    consumer.seek(tp, pos)
            ends = await consumer.end_offsets(tps)
            loop = asyncio.get_running_loop()
            deadline = loop.time() + timeout
            while True:
                batches = await consumer.getmany(timeout_ms=200, max_records=5000)
                for records in batches.values():
                    for r in records:
                        self.records.append(self._record(r))
                        added += 1
                for tp in tps:
                    self._positions[(tp.topic, tp.partition)] = await consumer.position(tp)
                caught_up = all(self._positions[(tp.topic, tp.partition)] >= ends[tp] for tp in tps)
                if caught_up and not batches:
                    return added
                if loop.time() > deadline:
                    raise AssertionError(
                        "reading the topics did not catch up with their end offsets"
                    )
        finally:
            await consumer.stop()

    def _record(self, r) -> Record:
        headers = _headers(r.headers)
        rec = Record(
            self.epoch, r.topic, r.partition, r.offset, r.key, r.value, headers, r.timestamp
        )
        if not r.topic.endswith(".dlq"):
            try:
                rec.envelope = decode(r.value, list(r.headers or []))
            except MalformedEvent:
                rec.envelope = None
        return rec

    def on(self, topic: str) -> list[Record]:
        return [r for r in self.records if r.topic == topic]

    def events(self, topic: str, *names: str) -> list[Record]:
        """Decodable events on `topic` (of the given names), in log order, duplicates included."""
        return [r for r in self.on(topic) if r.envelope and (not names or r.name in names)]

    @staticmethod
    def first(records: Iterable[Record]) -> list[Record]:
        """The first occurrence of each event id, in log order."""
        seen: set[str] = set()
        out = []
        for r in records:
            if r.envelope and r.envelope.id not in seen:
                seen.add(r.envelope.id)
                out.append(r)
        return out
