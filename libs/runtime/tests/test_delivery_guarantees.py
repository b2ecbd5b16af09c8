"""The delivery guarantees, against the real broker and PostgreSQL, with the worker as a separate process.

(b) a relay killed between publish and mark re-sends, and the inbox absorbs the duplicate;
(c) one event delivered three times changes state once;
(d) a malformed message and an always-failing one go to the dead-letter topic with error
    headers, and the next messages on the same partition are processed;
(e) a database outage during handling delays processing and loses nothing;
and a plain aiokafka consumer reads an event's key and CloudEvents headers without our code.
"""

from __future__ import annotations

import json
import signal
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer
from aiokafka.structs import TopicPartition
from probe import HERE, PROBE
from probe.service import effects
from sqlalchemy.engine import make_url
from test_unit_of_work import order, placed

from stockpath_events import decode_message
from stockpath_events.asyncapi import DLQ_HEADERS
from stockpath_runtime import kafka
from stockpath_runtime.db import create_engine, outbox
from stockpath_runtime.relay import OutboxRelay
from stockpath_runtime.unit_of_work import UnitOfWork
from stockpath_testing import consume, eventually, produce_raw, publish
from stockpath_testing.processes import start_worker
from stockpath_testing.proxy import OutageProxy

pytestmark = pytest.mark.integration


async def effects_for(engine, order_id: str) -> int:
    async with engine.connect() as conn:
        return (
            await conn.execute(
                sa.select(sa.func.count())
                .select_from(effects)
                .where(effects.c.order_id == order_id)
            )
        ).scalar_one()


@pytest.fixture(scope="module")
def db_proxy(probe_database):
    url = make_url(probe_database)
    proxy = OutageProxy(url.host or "127.0.0.1", url.port or 5432).start()
    yield proxy
    proxy.close()


@pytest.fixture(scope="module")
def probe_worker(probe_database, db_proxy, kafka_bootstrap, tmp_path_factory):
    """The probe service's worker, reaching its database through a proxy the tests can cut."""
    via_proxy = (
        make_url(probe_database)
        .set(host="127.0.0.1", port=db_proxy.port)
        .render_as_string(hide_password=False)
    )
    log = tmp_path_factory.mktemp("probe") / "worker.log"
    process, url = start_worker(
        PROBE,
        prefix="probe",
        database_url=via_proxy,
        bootstrap=kafka_bootstrap,
        group=f"probe-{uuid.uuid4().hex[:8]}",
        log_path=log,
        pythonpath=[str(HERE)],
    )
    yield process
    process.stop()


async def test_a_plain_kafka_consumer_reads_key_and_cloudevents_headers(engine, kafka_bootstrap):
    order_id = f"plain-{uuid.uuid4().hex}"
    async with UnitOfWork(engine, source="/services/probe", correlation_id="corr-42") as uow:
        envelope = uow.emit(order(order_id))
        await uow.commit()
    producer = kafka.producer(kafka_bootstrap)
    await producer.start()
    try:
        assert await OutboxRelay(engine, producer, name=f"test-{order_id}").publish_batch() >= 1
    finally:
        await producer.stop()

    # No Stockpath code below: what any Kafka client in any language would do.
    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka_bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    try:
        partitions = [
            TopicPartition("orders", p) for p in consumer.partitions_for_topic("orders") or []
        ]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        record = None
        for _ in range(100):
            for records in (await consumer.getmany(timeout_ms=100)).values():
                record = next((r for r in records if r.key == order_id.encode()), record)
            if record:
                break
    finally:
        await consumer.stop()
    assert record is not None
    headers = {k: v.decode() for k, v in record.headers}
    assert headers["ce_specversion"] == "1.0"
    assert headers["ce_id"] == envelope.id
    assert headers["ce_type"] == "stockpath.orders.OrderPlaced.v1"
    assert headers["ce_source"] == "/services/probe"
    assert headers["ce_subject"] == order_id
    assert headers["ce_correlationid"] == "corr-42"
    assert headers["content-type"] == "application/json"
    assert "ce_time" in headers
    assert json.loads(record.value)["order_id"] == order_id


async def test_the_relay_publishes_in_outbox_order(engine, kafka_bootstrap):
    order_id = f"ordered-{uuid.uuid4().hex}"
    async with UnitOfWork(engine, source="/services/probe") as uow:
        ids = [uow.emit(order(order_id)).id for _ in range(20)]
        await uow.commit()
    producer = kafka.producer(kafka_bootstrap)
    await producer.start()
    try:
        await OutboxRelay(engine, producer, name=f"test-{order_id}").publish_batch()
    finally:
        await producer.stop()
    messages = await consume(
        kafka_bootstrap,
        "orders",
        where=lambda m: m.key == order_id.encode(),
        until=lambda ms: len(ms) >= 20,
    )
    assert [m.header("ce_id") for m in messages] == ids


async def test_one_event_delivered_three_times_changes_state_once(
    probe_worker, engine, kafka_bootstrap
):
    order_id = f"thrice-{uuid.uuid4().hex}"
    await publish(kafka_bootstrap, placed(order_id), times=3)
    marker = f"after-{uuid.uuid4().hex}"
    await publish(kafka_bootstrap, placed(marker))
    await eventually(lambda: effects_for(engine, marker), what="the marker order to be applied")
    assert await effects_for(engine, order_id) == 1


async def test_poison_is_dead_lettered_and_the_partition_moves_on(
    probe_worker, engine, kafka_bootstrap
):
    key = f"poison-{uuid.uuid4().hex}"
    # Same key, so the same partition: poison first, a good order after it.
    await produce_raw(
        kafka_bootstrap, "orders", b"{not json", key=key.encode(), headers=[("ce_type", b"x")]
    )
    bad = placed(key, channel="always-fails")
    await publish(kafka_bootstrap, bad)
    invalid = placed(key)
    from stockpath_events import encode

    m = encode(invalid)
    await produce_raw(kafka_bootstrap, "orders", b'{"order_id": 5}', key=m.key, headers=m.headers)
    good = placed(key)
    await publish(kafka_bootstrap, good)

    await eventually(lambda: effects_for(engine, key), what="the good order after the poison")
    dead = await consume(
        kafka_bootstrap,
        "orders.dlq",
        where=lambda m: m.key == key.encode(),
        until=lambda ms: len(ms) >= 3,
    )
    assert len(dead) == 3
    headers = [dict((k, v.decode()) for k, v in d.headers) for d in dead]
    for h in headers:
        assert {k for k in h if k.startswith("dlq_")} == set(DLQ_HEADERS)
        assert h["dlq_original_topic"] == "orders"
        assert h["dlq_consumer"] == "probe"
        assert h["dlq_original_partition"].isdigit() and h["dlq_original_offset"].isdigit()
        assert h["dlq_reason"]
    assert (
        headers[0]["dlq_error"] == "MalformedEvent"
        and "missing CloudEvents header" in headers[0]["dlq_reason"]
    )
    assert headers[0]["dlq_attempts"] == "1", "what cannot be decoded is not retried"
    assert dead[0].value == b"{not json", "a dead letter keeps the original value unchanged"
    assert headers[1]["dlq_error"] == "ValueError" and headers[1]["dlq_attempts"] == "3"
    assert headers[1]["ce_id"] == bad.id, "a dead letter keeps the original CloudEvents headers"
    assert headers[2]["dlq_error"] == "MalformedEvent" and "order_id" in headers[2]["dlq_reason"]
    assert await effects_for(engine, key) == 1


async def test_a_database_outage_delays_processing_and_loses_nothing(
    probe_worker, db_proxy, engine, kafka_bootstrap
):
    prefix = f"outage-{uuid.uuid4().hex}"
    db_proxy.cut()
    try:
        await publish(kafka_bootstrap, *[placed(f"{prefix}-{i}") for i in range(10)])
        # While the database is unreachable nothing can be applied, and the worker stays up.
        await eventually(
            lambda: "transient failure" in probe_worker.log_path.read_text(),
            what="the worker to hit the outage",
        )
        assert probe_worker.alive()
    finally:
        db_proxy.restore()

    async def all_applied():
        return all([await effects_for(engine, f"{prefix}-{i}") == 1 for i in range(10)])

    await eventually(all_applied, timeout=45, what="every order to be applied after the outage")


async def test_a_relay_killed_between_publish_and_mark_resends_and_the_inbox_absorbs_it(
    fresh_database, kafka_bootstrap, tmp_path: Path
):
    database = fresh_database(PROBE)
    engine = create_engine(database)
    try:
        order_id = f"crash-{uuid.uuid4().hex}"
        # The probe's outbox stands in for a sales channel's: its orders are the channel's to publish.
        async with UnitOfWork(engine, source="/channels/web") as uow:
            envelope = uow.emit(order(order_id))
            await uow.commit()
        group = f"probe-crash-{uuid.uuid4().hex[:8]}"
        marker = tmp_path / "crashed"
        common = dict(
            prefix="probe",
            database_url=database,
            bootstrap=kafka_bootstrap,
            group=group,
            pythonpath=[str(HERE)],
        )
        worker, _ = start_worker(
            PROBE,
            log_path=tmp_path / "crashing.log",
            extra_env={
                "STOCKPATH_FAULT": "relay-crash-after-publish",
                "STOCKPATH_FAULT_MARKER": str(marker),
            },
            wait=False,
            **common,
        )
        await eventually(
            lambda: worker.process.poll() is not None, timeout=60, what="the relay to be killed"
        )
        assert worker.process.returncode == -signal.SIGKILL
        async with engine.connect() as conn:
            row = (
                await conn.execute(
                    sa.select(outbox.c.published_at).where(outbox.c.event_id == envelope.id)
                )
            ).one()
        assert row.published_at is None, "the crash came before the mark"

        worker, _ = start_worker(PROBE, log_path=tmp_path / "restarted.log", **common)
        try:
            copies = await consume(
                kafka_bootstrap,
                "orders",
                where=lambda m: m.header("ce_id") == envelope.id,
                until=lambda ms: len(ms) >= 2,
            )
            assert len(copies) == 2, "published once before the crash and again after the restart"
            assert all(decode_message(c).id == envelope.id for c in copies)
            await eventually(lambda: effects_for(engine, order_id), what="the order to be applied")

            async def marked():
                async with engine.connect() as conn:
                    return (
                        await conn.execute(
                            sa.select(outbox.c.published_at).where(outbox.c.event_id == envelope.id)
                        )
                    ).scalar_one() is not None

            await eventually(marked, what="the outbox row to be marked published")
            # The second copy was consumed too (the worker is past it): still one effect.
            await publish(kafka_bootstrap, placed(f"{order_id}-after"))
            await eventually(lambda: effects_for(engine, f"{order_id}-after"), what="a later order")
            assert await effects_for(engine, order_id) == 1
        finally:
            worker.stop()
    finally:
        await engine.dispose()
