"""An idle outbox relay does not poll: a commit of outbox rows wakes it (PostgreSQL NOTIFY), so an
event is published at once even when the relay's fallback interval is long."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from test_unit_of_work import order

from stockpath_runtime import kafka
from stockpath_runtime.db import create_engine
from stockpath_runtime.relay import OutboxRelay
from stockpath_runtime.unit_of_work import UnitOfWork
from stockpath_testing import consume

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]


async def test_a_commit_wakes_the_idle_relay(probe_database, kafka_bootstrap):
    engine = create_engine(probe_database)
    producer = kafka.producer(kafka_bootstrap)
    await producer.start()
    relay = OutboxRelay(engine, producer, name=f"wakeup-{uuid.uuid4().hex}", idle_interval_s=60)
    running = asyncio.create_task(relay.run())
    try:
        for n in range(3):  # the relay is idle (waiting up to 60 s) before each commit
            order_id = f"wake-{n}-{uuid.uuid4().hex}"
            async with UnitOfWork(engine, source="orders") as uow:
                uow.emit(order(order_id))
                await uow.commit()
            published = await consume(
                kafka_bootstrap,
                "orders",
                where=lambda m, k=order_id.encode(): m.key == k,
                until=lambda ms: len(ms) >= 1,
                timeout=10,
            )
            assert len(published) == 1
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        await producer.stop()
        await engine.dispose()
