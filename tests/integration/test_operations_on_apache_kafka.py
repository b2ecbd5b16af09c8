"""The same operator paths on Apache Kafka (KRaft) and PostgreSQL started by testcontainers.

Runs only where a Docker engine answers and the `testcontainers` package is installed; these
development machines have neither, so it is skipped with the reason. Everything it exercises
also runs against Tansu in the rest of the suite; here it proves the Kafka-specific branches:
ListOffsets by timestamp answered by the broker, and an idle group that is really empty.
"""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from datetime import UTC, datetime

import pytest

pytestmark = [pytest.mark.integration]


def _docker_engine() -> str | None:
    """None when an engine answers, else why not."""
    if shutil.which("docker") is None:
        return "no docker command on this machine"
    try:
        result = subprocess.run(["docker", "info"], capture_output=True, timeout=15)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"docker info failed: {e}"
    return None if result.returncode == 0 else "docker info failed: no Docker engine is running"


@pytest.fixture(scope="module")
def apache_kafka():
    reason = _docker_engine()
    if reason:
        pytest.skip(f"needs a Docker engine for testcontainers ({reason})")
    kafka_module = pytest.importorskip(
        "testcontainers.kafka", reason="the testcontainers package is not installed"
    )
    postgres_module = pytest.importorskip("testcontainers.postgres")
    kafka = kafka_module.KafkaContainer("apache/kafka:3.9.0").with_kraft()
    postgres = postgres_module.PostgresContainer(
        "postgres:16", username="postgres", password="postgres"
    )
    with kafka, postgres:
        yield kafka.get_bootstrap_server(), postgres.get_connection_url()


async def test_operator_commands_on_apache_kafka(apache_kafka):
    from aiokafka import AIOKafkaProducer
    from aiokafka.structs import TopicPartition

    from stockpath_cli.ops import offsets
    from stockpath_cli.ops.kafka_tools import offset_for_time, plain_consumer
    from stockpath_runtime.kafka import ensure_topics
    from stockpath_runtime.migrations import upgrade
    from stockpath_runtime.service import get_service

    bootstrap, database = apache_kafka
    topic, group = f"ops-{uuid.uuid4().hex[:8]}", f"ops-{uuid.uuid4().hex[:8]}"
    await ensure_topics(bootstrap, partitions=1, replication=1, topics=[topic])
    t0 = int(time.time() * 1000) - 60_000
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False)
    await producer.start()
    for i in range(6):
        await producer.send_and_wait(topic, value=b"m", partition=0, timestamp_ms=t0 + i * 1000)
    await producer.stop()
    async with plain_consumer(bootstrap) as consumer:
        assert await offset_for_time(consumer, TopicPartition(topic, 0), t0 + 3500) == 4
    plan = await offsets.reset(bootstrap, group, "earliest", [topic], dry_run=True)
    assert [p.new for p in plan] == [0]
    moment = datetime.fromtimestamp((t0 + 2500) / 1000, UTC)
    assert [p.new for p in await offsets.reset(bootstrap, group, moment, [topic])] == [3]
    assert [p.committed for p in await offsets.show(bootstrap, group, [topic])] == [3]
    # The services' migrations run on a stock PostgreSQL as they do on the local one.
    upgrade(get_service("order-router").migrations, database)
