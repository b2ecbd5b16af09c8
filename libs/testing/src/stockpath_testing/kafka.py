"""Reading and writing topics from tests with a plain aiokafka client."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.structs import TopicPartition

from stockpath_events import Envelope, KafkaMessage, encode


@contextlib.contextmanager
def own_broker(log_dir: Path) -> Iterator[str]:
    """A Tansu of its own, with every contract topic (``KAFKA_TOPIC_PARTITIONS`` partitions, 3 by
    default), stopped after; yields its bootstrap address. The session's broker, and a module's
    whose platform must start on an empty log: a fresh platform's consumer groups read every topic
    from the beginning, so the history other modules left on a shared broker would reach its
    stores (listings of other tests' sellers in its shop, a backlog in a replay's comparison)."""
    from stockpath_cli.localstack import Broker
    from stockpath_runtime.kafka import ensure_topics

    broker = Broker(log_path=log_dir / "tansu.log").start()
    try:
        asyncio.run(
            ensure_topics(
                broker.bootstrap_servers,
                partitions=int(os.environ.get("KAFKA_TOPIC_PARTITIONS", "3")),
                replication=1,
            )
        )
        yield broker.bootstrap_servers
    finally:
        broker.stop()


async def produce_raw(
    bootstrap: str, topic: str, value: bytes | None, *, key: bytes | None = None, headers=None
) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=False)
    await producer.start()
    try:
        await producer.send_and_wait(topic, value=value, key=key, headers=headers or [])
    finally:
        await producer.stop()


async def publish(bootstrap: str, *envelopes: Envelope, times: int = 1) -> None:
    """Publish events as a producer outside Stockpath would (optionally several times each)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=False)
    await producer.start()
    try:
        for envelope in envelopes:
            message = encode(envelope)
            for _ in range(times):
                await producer.send_and_wait(
                    message.topic, value=message.value, key=message.key, headers=message.headers
                )
    finally:
        await producer.stop()


async def consume(
    bootstrap: str,
    topic: str,
    *,
    until: Callable[[list[KafkaMessage]], bool],
    timeout: float = 30.0,
    where: Callable[[KafkaMessage], bool] = lambda m: True,
) -> list[KafkaMessage]:
    """Read `topic` from the beginning (no group) until `until(matching messages)` holds; fail on timeout."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        deadline = time.monotonic() + timeout
        partitions = None
        while not partitions:
            partitions = consumer.partitions_for_topic(topic)
            if not partitions:
                await consumer.force_metadata_update() if hasattr(
                    consumer, "force_metadata_update"
                ) else None
                await asyncio.sleep(0.05)
                if time.monotonic() > deadline:
                    raise AssertionError(f"topic {topic} not found")
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        found: list[KafkaMessage] = []
        while True:
            batches = await consumer.getmany(timeout_ms=100)
            for _, records in batches.items():
                for r in records:
                    m = KafkaMessage(
                        topic=r.topic, key=r.key, value=r.value, headers=list(r.headers or [])
                    )
                    object.__setattr__(m, "partition", r.partition)
                    object.__setattr__(m, "offset", r.offset)
                    if where(m):
                        found.append(m)
            if until(found):
                return found
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"timed out after {timeout}s reading {topic}; {len(found)} matching message(s)"
                )
    finally:
        await consumer.stop()


async def partition_count(bootstrap: str, topic: str) -> int:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False)
    await producer.start()
    try:
        return len(await producer.partitions_for(topic))
    finally:
        await producer.stop()
