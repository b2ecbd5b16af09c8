"""Nothing too large for the broker can stall a pipe, against the real broker and PostgreSQL: an
outbox row the broker refuses is set aside and the rows after it are published (and can be handed
back once fixed); a poison message too large to dead-letter whole is dead-lettered truncated."""

from __future__ import annotations

import json
import uuid

import pytest
import sqlalchemy as sa
from test_unit_of_work import placed

from stockpath_events import KafkaMessage, encode
from stockpath_runtime import kafka, metrics
from stockpath_runtime.db import outbox
from stockpath_runtime.dead_letters import TRUNCATED_VALUE_BYTES, DeadLetters
from stockpath_runtime.relay import OutboxRelay
from stockpath_testing import consume

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]


async def add_row(engine, message: KafkaMessage, event_id: str) -> int:
    async with engine.begin() as conn:
        return (
            await conn.execute(
                sa.insert(outbox)
                .values(
                    event_id=event_id,
                    event_type="stockpath.orders.OrderPlaced.v1",
                    topic=message.topic,
                    key=message.key,
                    value=message.value,
                    headers=[[k, v.decode()] for k, v in message.headers],
                )
                .returning(outbox.c.id)
            )
        ).scalar_one()


async def test_a_row_the_broker_refuses_is_set_aside_and_the_next_is_published(
    engine, kafka_bootstrap
):
    from stockpath_cli.ops.outbox import retry, set_aside

    before, after = (
        placed(f"O-before-{uuid.uuid4().hex[:6]}"),
        placed(f"O-after-{uuid.uuid4().hex[:6]}"),
    )
    huge = encode(placed(f"O-huge-{uuid.uuid4().hex[:6]}"))
    huge = KafkaMessage(
        huge.topic, huge.key, huge.value + b" " * 2_000_000, huge.headers
    )  # > max_request_size
    await add_row(engine, encode(before), before.id)
    huge_row = await add_row(engine, huge, str(uuid.uuid4()))
    await add_row(engine, encode(after), after.id)
    producer = kafka.producer(kafka_bootstrap)
    await producer.start()
    try:
        relay = OutboxRelay(engine, producer, name=f"probe-{uuid.uuid4().hex[:6]}")
        while await relay.publish_batch():
            pass
    finally:
        await producer.stop()

    published = await consume(
        kafka_bootstrap,
        "orders",
        where=lambda m: m.key in {before.data.order_id.encode(), after.data.order_id.encode()},
        until=lambda ms: len(ms) >= 2,
    )
    assert {m.key.decode() for m in published} == {before.data.order_id, after.data.order_id}
    async with engine.connect() as conn:
        row = (await conn.execute(sa.select(outbox).where(outbox.c.id == huge_row))).one()
    assert (
        row.published_at is None
        and row.failed_at is not None
        and "MessageSizeTooLarge" in row.failure
    )
    assert metrics.OUTBOX_SET_ASIDE._value.get() >= 1
    assert await relay.backlog() == 0, "a set-aside row is not waited for"

    url = engine.url.render_as_string(hide_password=False)
    assert [r.id for r in await set_aside("probe", url) if r.id == huge_row] == [huge_row]
    assert await retry("probe", huge_row, url)
    async with engine.connect() as conn:
        assert (
            await conn.execute(sa.select(outbox.c.failed_at).where(outbox.c.id == huge_row))
        ).scalar() is None


async def test_a_poison_message_too_large_to_dead_letter_whole_is_dead_lettered_truncated(
    kafka_bootstrap,
):
    producer = kafka.producer(kafka_bootstrap)
    await producer.start()
    key = f"O-poison-{uuid.uuid4().hex[:8]}".encode()
    poison = KafkaMessage(
        "orders", key, b"{" + b"x" * 1_048_350, [("ce_type", b"stockpath.orders.OrderPlaced.v1")]
    )
    try:
        await DeadLetters(producer).send(
            poison,
            partition=0,
            offset=7,
            consumer="probe",
            error="MalformedEvent",
            reason="not JSON",
            attempts=1,
        )
    finally:
        await producer.stop()

    [dead] = await consume(
        kafka_bootstrap, "orders.dlq", where=lambda m: m.key == key, until=lambda ms: len(ms) >= 1
    )
    headers = dict(dead.headers)
    assert (
        len(dead.value) == TRUNCATED_VALUE_BYTES
        and dead.value == poison.value[:TRUNCATED_VALUE_BYTES]
    )
    assert headers["dlq_truncated_from"] == str(len(poison.value)).encode()
    assert headers["dlq_error"] == b"MalformedEvent" and headers["dlq_original_offset"] == b"7"
    assert json.loads(b"[" + headers["dlq_attempts"] + b"]") == [1]
