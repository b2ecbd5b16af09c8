"""`stockpath offsets`, `dlq` and `lag` against the real broker, with the runtime's probe service
as the consumer (a real faust worker process on a fresh database)."""

from __future__ import annotations

import asyncio
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.structs import TopicPartition
from typer.testing import CliRunner

from stockpath_cli.main import app
from stockpath_cli.ops import dlq, lag
from stockpath_cli.ops.kafka_tools import plain_consumer, plain_producer, read_range_in_time_order
from stockpath_events import Address, encode, new_event
from stockpath_events.types.orders import OrderPlaced
from stockpath_runtime.dead_letters import DeadLetters
from stockpath_runtime.kafka import ensure_topics
from stockpath_testing import eventually, publish
from stockpath_testing.processes import start_worker

PROBE_DIR = Path(__file__).parents[2] / "runtime" / "tests"
if str(PROBE_DIR) not in sys.path:
    sys.path.insert(0, str(PROBE_DIR))
PROBE = "probe.service:SERVICE"

pytestmark = pytest.mark.integration
runner = CliRunner()
SHIP_TO = Address(name="A", line1="1 Main St", city="Seattle", region="WA", postal_code="98101")


def placed(order_id: str, channel: str = "web") -> OrderPlaced:
    return OrderPlaced(
        order_id=order_id,
        channel=channel,
        lines=[
            {
                "line_id": "1",
                "seller_id": "S1",
                "seller_sku": "SKU",
                "quantity": 1,
                "unit_price": "1.00",
            }
        ],
        ship_to=SHIP_TO,
    )


def cli(*args: str, bootstrap: str):
    result = runner.invoke(app, [*args, "--bootstrap", bootstrap], env={"COLUMNS": "250"})
    return result


async def committed(bootstrap: str, group: str, topic: str) -> list[int | None]:
    async with plain_consumer(bootstrap, group_id=group) as consumer:
        return [await consumer.committed(TopicPartition(topic, p)) for p in (0, 1)]


class GroupMember:
    """A consumer that stays in its group (in a thread with its own loop) until stopped."""

    def __init__(self, bootstrap: str, group: str, topic: str, expect: int) -> None:
        self.joined = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self._run(bootstrap, group, topic, expect)), daemon=True
        )
        self._thread.start()
        assert self.joined.wait(60), "the member did not join and consume in time"

    async def _run(self, bootstrap, group, topic, expect) -> None:
        consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=bootstrap,
            group_id=group,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            session_timeout_ms=6000,
            heartbeat_interval_ms=500,
        )
        await consumer.start()
        seen = 0
        while seen < expect:
            seen += sum(len(v) for v in (await consumer.getmany(timeout_ms=200)).values())
        await consumer.commit()
        self.joined.set()
        while not self._stop.is_set():
            await asyncio.sleep(0.1)
        await consumer.stop()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(30)


def test_records_of_the_same_millisecond_are_read_back_in_the_order_their_events_were_written(
    kafka_bootstrap,
):
    """A replay's merge across partitions: where record timestamps tie (one relay batch of one
    transaction's events, keyed to different partitions), the events' own times (``ce_time``)
    decide, not the partition number (issue 17)."""
    topic = f"ops-merge-{uuid.uuid4().hex[:8]}"
    asyncio.run(ensure_topics(kafka_bootstrap, partitions=3, replication=1, topics=[topic]))
    same_ms = int(time.time() * 1000)
    written = [datetime(2026, 12, 6, 21, 0, 0, n, tzinfo=UTC) for n in (1, 2, 3)]

    async def produce_then_read() -> list[bytes]:
        async with plain_producer(kafka_bootstrap) as producer:
            # The first event written goes to the last partition, the last one to the first.
            for n, at in enumerate(written):
                await producer.send_and_wait(
                    topic,
                    value=b"event %d" % n,
                    partition=2 - n,
                    timestamp_ms=same_ms,
                    headers=[("ce_time", at.isoformat().encode())],
                )
        async with plain_consumer(kafka_bootstrap) as consumer:
            ranges = {TopicPartition(topic, p): (0, 1) for p in range(3)}
            return [r.message.value async for r in read_range_in_time_order(consumer, ranges)]

    assert asyncio.run(produce_then_read()) == [b"event 0", b"event 1", b"event 2"]


def test_offsets_reset_prints_a_dry_run_plan_refuses_a_live_group_and_moves_positions(
    kafka_bootstrap,
):
    topic, group = f"ops-offsets-{uuid.uuid4().hex[:8]}", f"ops-group-{uuid.uuid4().hex[:8]}"
    asyncio.run(ensure_topics(kafka_bootstrap, partitions=2, replication=1, topics=[topic]))
    t0 = int(time.time() * 1000) - 100_000

    async def produce():
        producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, enable_idempotence=False)
        await producer.start()
        try:  # message i on partition i % 2, written at t0 + i seconds
            for i in range(10):
                await producer.send_and_wait(
                    topic, value=b"m%d" % i, partition=i % 2, timestamp_ms=t0 + i * 1000
                )
        finally:
            await producer.stop()

    asyncio.run(produce())
    member = GroupMember(kafka_bootstrap, group, topic, expect=10)
    try:
        shown = cli("offsets", "show", group, "--topic", topic, bootstrap=kafka_bootstrap)
        assert shown.exit_code == 0, shown.output
        assert shown.output.count(topic) == 2 and " 5 " in shown.output

        refused = cli(
            "offsets",
            "reset",
            group,
            "--to",
            "earliest",
            "--topic",
            topic,
            bootstrap=kafka_bootstrap,
        )
        assert refused.exit_code == 1 and "active member" in refused.output

        plan = cli(
            "offsets",
            "reset",
            group,
            "--to",
            "earliest",
            "--topic",
            topic,
            "--dry-run",
            bootstrap=kafka_bootstrap,
        )
        assert plan.exit_code == 0, plan.output
        assert "dry run: nothing changed" in plan.output and "-5" in plan.output
        assert asyncio.run(committed(kafka_bootstrap, group, topic)) == [5, 5]
    finally:
        member.stop()

    def reset(to: str):
        r = cli(
            "offsets",
            "reset",
            group,
            "--to",
            to,
            "--topic",
            topic,
            "--evict-stale-members",
            bootstrap=kafka_bootstrap,
        )
        assert r.exit_code == 0, r.output
        return asyncio.run(committed(kafka_bootstrap, group, topic))

    assert reset("earliest") == [0, 0]
    # Partition 0 holds messages written at t0+0,2,4,6,8 s; partition 1 at t0+1,3,5,7,9 s.
    moment = datetime.fromtimestamp((t0 + 6500) / 1000, UTC).isoformat()
    assert reset(moment) == [4, 3]
    assert reset("2") == [2, 2]
    assert reset("latest") == [5, 5]
    bad = cli(
        "offsets", "reset", group, "--to", "yesterday", "--topic", topic, bootstrap=kafka_bootstrap
    )
    assert bad.exit_code == 2 and "ISO-8601" in bad.output


@pytest.fixture()
def probe_worker(fresh_database, kafka_bootstrap, tmp_path):
    url = fresh_database(PROBE)
    group = f"probe-ops-{uuid.uuid4().hex[:8]}"
    process, _ = start_worker(
        PROBE,
        prefix="probe",
        database_url=url,
        bootstrap=kafka_bootstrap,
        group=group,
        log_path=tmp_path / "probe.log",
        pythonpath=[str(PROBE_DIR)],
    )
    yield url, group
    process.stop()


def effects(url: str, order_id: str) -> int:
    from stockpath_runtime.db import async_url

    engine = sa.create_engine(async_url(url))
    try:
        with engine.connect() as conn:
            return conn.execute(
                sa.text("SELECT count(*) FROM effects WHERE order_id = :o"), {"o": order_id}
            ).scalar()
    finally:
        engine.dispose()


def test_dead_letters_are_listed_redriven_once_without_duplicate_effects_and_discarded(
    probe_worker, kafka_bootstrap
):
    url, _ = probe_worker
    poison = new_event(
        placed(f"O-poison-{uuid.uuid4().hex[:8]}", channel="always-fails"),
        source="/channels/always-fails",
    )
    fixable = new_event(placed(f"O-fixable-{uuid.uuid4().hex[:8]}"), source="/channels/web")

    async def arrange():
        await publish(kafka_bootstrap, poison)
        # A message a consumer gave up on (say its database was read-only), dead-lettered by the
        # runtime's own DeadLetters exactly as the worker does; the cause is fixed since.
        async with plain_producer(kafka_bootstrap) as producer:
            await DeadLetters(producer).send(
                encode(fixable),
                partition=0,
                offset=0,
                consumer="probe",
                error="ReadOnlySqlTransaction",
                reason="database was read-only",
                attempts=3,
            )

        async def both_dead_lettered():
            ids = {
                x.header("ce_id"): x
                for x in await dlq.dead_letters(kafka_bootstrap, ["orders.dlq"])
            }
            assert poison.id in ids and fixable.id in ids
            return ids

        return await eventually(both_dead_lettered, timeout=60, what="both messages in orders.dlq")

    letters = asyncio.run(arrange())
    bad, good = letters[poison.id], letters[fixable.id]
    assert (bad.header("dlq_error"), bad.header("dlq_consumer"), bad.header("dlq_attempts")) == (
        "ValueError",
        "probe",
        "3",
    )
    listed = cli("dlq", "list", "--topic", "orders.dlq", bootstrap=kafka_bootstrap)
    assert listed.exit_code == 0 and bad.ref in listed.output and good.ref in listed.output
    shown = cli("dlq", "show", good.ref, bootstrap=kafka_bootstrap)
    assert (
        shown.exit_code == 0
        and "database was read-only" in shown.output
        and fixable.id in shown.output
    )

    redriven = cli("dlq", "redrive", good.ref, bootstrap=kafka_bootstrap)
    assert redriven.exit_code == 0 and "1 re-driven" in redriven.output, redriven.output
    asyncio.run(
        eventually(
            lambda: effects(url, fixable.data.order_id) == 1, timeout=30, what="the re-driven order"
        )
    )

    again = cli("dlq", "redrive", good.ref, bootstrap=kafka_bootstrap)
    assert again.exit_code == 1 and "already handled" in again.output

    async def copy_arrives_and_changes_nothing():
        # The same event delivered once more (another route, same id): the inbox absorbs it.
        await publish(kafka_bootstrap, fixable)
        marker = new_event(placed(fixable.data.order_id + "-marker"), source="/channels/web")
        await publish(kafka_bootstrap, marker)
        await eventually(
            lambda: effects(url, marker.data.order_id) == 1, timeout=30, what="the marker order"
        )

    asyncio.run(copy_arrives_and_changes_nothing())
    assert effects(url, fixable.data.order_id) == 1

    no_reason = cli("dlq", "discard", bad.ref, "--reason", " ", bootstrap=kafka_bootstrap)
    assert no_reason.exit_code == 1 and "needs a reason" in no_reason.output
    dropped = cli(
        "dlq",
        "discard",
        bad.ref,
        "--reason",
        "test order from a retired channel",
        bootstrap=kafka_bootstrap,
    )
    assert dropped.exit_code == 0, dropped.output
    open_letters = {
        x.ref
        for x in asyncio.run(
            dlq.dead_letters(kafka_bootstrap, ["orders.dlq"], include_handled=False)
        )
    }
    assert bad.ref not in open_letters and good.ref not in open_letters
    everything = cli("dlq", "list", "--topic", "orders.dlq", "--all", bootstrap=kafka_bootstrap)
    assert "discarded" in everything.output and "redriven" in everything.output
    assert effects(url, poison.data.order_id) == 0


def test_lag_is_reported_per_partition_until_the_worker_catches_up(
    fresh_database, kafka_bootstrap, tmp_path
):
    group = f"probe-lag-{uuid.uuid4().hex[:8]}"
    asyncio.run(
        publish(
            kafka_bootstrap,
            *(
                new_event(placed(f"O-lag-{i}-{uuid.uuid4().hex[:6]}"), source="/channels/web")
                for i in range(5)
            ),
        )
    )
    before = asyncio.run(lag.service_lag(kafka_bootstrap, "probe", group, ["orders"]))
    assert [r.partition for r in before] == [0, 1, 2] and all(r.committed is None for r in before)
    assert sum(r.lag for r in before) >= 5

    process, _ = start_worker(
        PROBE,
        prefix="probe",
        database_url=fresh_database(PROBE),
        bootstrap=kafka_bootstrap,
        group=group,
        log_path=tmp_path / "probe.log",
        pythonpath=[str(PROBE_DIR)],
    )
    try:

        async def caught_up():
            rows = await lag.service_lag(kafka_bootstrap, "probe", group, ["orders"])
            assert sum(r.lag for r in rows) == 0, rows
            return rows

        rows = asyncio.run(eventually(caught_up, timeout=60, what="the worker to catch up"))
        shown = cli("lag", "--service", PROBE, "--group", group, bootstrap=kafka_bootstrap)
        assert shown.exit_code == 0, shown.output
        written_to = sum(1 for r in rows if r.end > 0)  # partitions never written to are not listed
        assert "total lag: 0" in shown.output and shown.output.count("orders") == written_to
        every = cli(
            "lag", "--service", PROBE, "--group", group, "--empty", bootstrap=kafka_bootstrap
        )
        assert every.output.count("orders") == 3, every.output
    finally:
        process.stop()
