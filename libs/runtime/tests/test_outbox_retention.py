"""Published outbox rows do not pile up forever: the relay deletes those published longer ago than
its retention, and never a row still waiting to be published."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from test_unit_of_work import order

from stockpath_runtime import kafka
from stockpath_runtime.db import create_engine, outbox
from stockpath_runtime.relay import OutboxRelay
from stockpath_runtime.unit_of_work import UnitOfWork

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]


async def emit(engine, n: int) -> list[str]:
    async with UnitOfWork(engine, source="orders") as uow:
        ids = [uow.emit(order(f"ret-{uuid.uuid4().hex}")).id for _ in range(n)]
        await uow.commit()
    return ids


async def test_the_relay_prunes_rows_published_longer_ago_than_its_retention(
    probe_database, kafka_bootstrap
):
    engine = create_engine(probe_database)
    producer = kafka.producer(kafka_bootstrap)
    await producer.start()
    try:
        relay = OutboxRelay(
            engine, producer, name=f"retention-{uuid.uuid4().hex}", retention_s=3600
        )
        old, recent = await emit(engine, 3), await emit(engine, 2)
        assert await relay.publish_batch() == 5
        waiting = await emit(engine, 2)
        async with engine.begin() as conn:  # the first three were published two hours ago
            await conn.execute(
                sa.update(outbox)
                .where(outbox.c.event_id.in_(old))
                .values(published_at=sa.func.now() - sa.text("interval '2 hours'"))
            )
            # an unpublished row, however old, is never pruned
            await conn.execute(
                sa.update(outbox)
                .where(outbox.c.event_id.in_(waiting))
                .values(created_at=sa.func.now() - sa.text("interval '3 days'"))
            )

        assert await relay.prune() == 3

        async with engine.connect() as conn:
            left = {r.event_id for r in await conn.execute(sa.select(outbox.c.event_id))}
        assert left == set(recent) | set(waiting)
        assert await OutboxRelay(engine, producer, name="keep", retention_s=0).prune() == 0
    finally:
        await producer.stop()
        await engine.dispose()
