"""aiokafka clients configured the one way Stockpath uses them.

acks=all and no idempotent producer or transactions: the local broker (Tansu) lacks them, and
the outbox + inbox already make delivery effectively-once without them.
"""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from stockpath_events import REGISTRY, dead_letter_topic


def producer(bootstrap_servers: str, **overrides) -> AIOKafkaProducer:
    options = dict(
        bootstrap_servers=bootstrap_servers,
        acks="all",
        enable_idempotence=False,
        linger_ms=2,
        max_batch_size=256 * 1024,
        request_timeout_ms=15_000,
        retry_backoff_ms=200,
    )
    options.update(overrides)
    return AIOKafkaProducer(**options)


def all_topics() -> list[str]:
    """Every topic of the contract and its dead-letter topic."""
    topics = REGISTRY.topics()
    return [*topics, *(dead_letter_topic(t) for t in topics)]


async def ensure_topics(
    bootstrap_servers: str, *, partitions: int, replication: int, topics: list[str] | None = None, timeout_s: float = 30
) -> list[str]:
    """Create missing topics from the registry; returns the ones created. Safe to run from many processes."""
    wanted = topics or all_topics()
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=10_000)
        try:
            await admin.start()
            existing = set(await admin.list_topics())
            missing = [t for t in wanted if t not in existing]
            created = []
            for topic in missing:
                try:
                    await admin.create_topics([NewTopic(topic, partitions, replication)])
                    created.append(topic)
                except TopicAlreadyExistsError:
                    pass
            return created
        except Exception:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.5)
        finally:
            await admin.close()
