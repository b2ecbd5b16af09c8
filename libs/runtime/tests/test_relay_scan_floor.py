"""The relay reads the outbox from a scan floor (the highest id it published minus a lookback), so
it does not walk every published row still in the index; a row that took its id early and
committed after more than the lookback was published still goes out, by the periodic full scan."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from test_unit_of_work import order

from stockpath_events import new_event
from stockpath_runtime import kafka
from stockpath_runtime.db import create_engine, outbox
from stockpath_runtime.relay import OutboxRelay
from stockpath_runtime.unit_of_work import UnitOfWork, encode_within_limit
from stockpath_testing import eventually

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]


async def emit(engine, n: int) -> list[str]:
    async with UnitOfWork(engine, source="orders") as uow:
        ids = [uow.emit(order(f"floor-{uuid.uuid4().hex}")).id for _ in range(n)]
        await uow.commit()
    return ids


async def published(engine, event_id: str) -> bool:
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                sa.select(outbox.c.published_at).where(outbox.c.event_id == event_id)
            )
        ).one()
    return row.published_at is not None


async def test_a_row_committed_late_below_the_scan_floor_is_still_published(
    probe_database, kafka_bootstrap
):
    engine = create_engine(probe_database)
    producer = kafka.producer(kafka_bootstrap)
    await producer.start()
    try:
        relay = OutboxRelay(
            engine,
            producer,
            name=f"floor-{uuid.uuid4().hex}",
            batch_size=50,
            scan_lookback=5,
            full_scan_interval_s=0.5,
        )
        while await relay.publish_batch():  # whatever earlier tests left, and the first full scan
            pass
        # A transaction takes its outbox id now and commits only after 20 later rows were published.
        late = new_event(order(f"late-{uuid.uuid4().hex}"), source="/channels/web")
        message = encode_within_limit(late)
        async with engine.connect() as slow:
            await slow.begin()
            await slow.execute(
                sa.insert(outbox).values(
                    event_id=late.id,
                    event_type=late.type,
                    topic=message.topic,
                    key=message.key,
                    value=message.value,
                    headers=[[k, v.decode()] for k, v in message.headers],
                )
            )
            later = await emit(engine, 20)
            assert await relay.publish_batch() == 20
            await slow.commit()
        assert all([await published(engine, i) for i in later])

        async def late_row_published() -> bool:
            await relay.publish_batch()
            return await published(engine, late.id)

        await eventually(
            late_row_published, what="the row committed below the scan floor to be published"
        )
    finally:
        await producer.stop()
        await engine.dispose()


async def test_the_scan_floor_skips_rows_below_it_until_the_full_scan(
    probe_database, kafka_bootstrap
):
    """Without a floor the relay would find the late row at once; with one it waits for the full scan."""
    engine = create_engine(probe_database)
    producer = kafka.producer(kafka_bootstrap)
    await producer.start()
    try:
        relay = OutboxRelay(
            engine,
            producer,
            name=f"floor-{uuid.uuid4().hex}",
            batch_size=50,
            scan_lookback=5,
            full_scan_interval_s=3600,
        )
        while await relay.publish_batch():
            pass
        (early,) = await emit(engine, 1)
        assert await relay.publish_batch() == 1
        await emit(engine, 20)
        assert await relay.publish_batch() == 20
        async with engine.begin() as conn:  # as if it had committed only now, far below the floor
            await conn.execute(
                sa.update(outbox).where(outbox.c.event_id == early).values(published_at=None)
            )
        await emit(engine, 20)
        assert await relay.publish_batch() == 20  # only the rows above the floor
        assert not await published(engine, early)
        relay._full_scan_due = 0.0  # the full scan is due
        assert await relay.publish_batch() == 1
        assert await published(engine, early)
    finally:
        await producer.stop()
        await engine.dispose()
