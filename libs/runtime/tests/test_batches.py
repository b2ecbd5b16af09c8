"""Several consumed events applied in one transaction (`MessageProcessor.process_batch`), against
the real PostgreSQL and broker: the same outcomes as one by one, in partition order, with one
bad event costing only itself.
"""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest
import sqlalchemy as sa
from probe.service import ProbeUnitOfWork, effects, on_orders_placed
from test_unit_of_work import placed

from stockpath_events import Envelope, encode
from stockpath_events.types.orders import OrderPlaced
from stockpath_runtime import kafka
from stockpath_runtime.consumer import Delivery, MessageProcessor, Outcome
from stockpath_runtime.db import inbox
from stockpath_runtime.dead_letters import DeadLetters
from stockpath_testing import consume

# The tests share the module event loop with the fixtures: the producer lives in it.
pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]


@pytest.fixture
async def dead_letters(kafka_bootstrap):
    producer = kafka.producer(kafka_bootstrap)
    await producer.start()
    yield DeadLetters(producer)
    await producer.stop()


class Transactions:
    """Counts the units of work a processor opens."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.opened = 0

    def __call__(self) -> ProbeUnitOfWork:
        self.opened += 1
        return ProbeUnitOfWork(self.engine, source="/services/probe")


def deliveries(*envelopes: Envelope) -> list[Delivery]:
    return [Delivery(encode(e), partition=0, offset=n) for n, e in enumerate(envelopes)]


async def applied(engine, prefix: str) -> list[str]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(effects.c.order_id).where(effects.c.order_id.startswith(prefix))
        )
        return sorted(r.order_id for r in rows)


async def test_a_batch_is_one_transaction_with_one_outcome_per_event(engine, dead_letters):
    run = f"b-{uuid.uuid4().hex[:8]}-"
    events = [placed(f"{run}{n}") for n in range(5)]
    transactions = Transactions(engine)
    processor = MessageProcessor(
        "probe", {OrderPlaced: on_orders_placed}, transactions, dead_letters
    )

    outcomes = await processor.process_batch(deliveries(*events, events[1], events[3]))

    assert outcomes == [Outcome.PROCESSED] * 5 + [Outcome.DUPLICATE] * 2
    assert transactions.opened == 1
    assert await applied(engine, run) == [f"{run}{n}" for n in range(5)]
    again = await processor.process_batch(deliveries(*events))
    assert again == [Outcome.DUPLICATE] * 5, "a redelivered batch changes nothing"
    assert await applied(engine, run) == [f"{run}{n}" for n in range(5)]


async def test_a_failing_event_costs_only_itself_and_the_dead_letter_keeps_partition_order(
    engine, dead_letters, kafka_bootstrap
):
    run = f"f-{uuid.uuid4().hex[:8]}-"
    good = [placed(f"{run}{n}") for n in range(3)]
    failing = placed(f"{run}bad", channel="always-fails")
    undecodable = replace(encode(placed(f"{run}bad")), value=b'{"order_id": 5}')
    batch = deliveries(good[0], failing, good[1])
    batch.insert(2, Delivery(undecodable, partition=0, offset=99))
    batch.append(deliveries(good[2])[0])
    processor = MessageProcessor(
        "probe", {OrderPlaced: on_orders_placed}, Transactions(engine), dead_letters
    )

    outcomes = await processor.process_batch(batch)

    assert outcomes == [
        Outcome.PROCESSED,
        Outcome.DEAD_LETTERED,
        Outcome.DEAD_LETTERED,
        Outcome.PROCESSED,
        Outcome.PROCESSED,
    ]
    assert await applied(engine, run) == sorted(f"{run}{n}" for n in range(3))
    dead = await consume(
        kafka_bootstrap,
        "orders.dlq",
        where=lambda m: m.key in {failing.data.order_id.encode(), undecodable.key},
        until=lambda ms: len(ms) >= 2,
    )
    errors = [dict(d.headers)["dlq_error"].decode() for d in dead]
    assert errors == ["ValueError", "MalformedEvent"], (
        "dead letters in the order their messages came"
    )
    async with engine.connect() as conn:
        claimed = await conn.execute(
            sa.select(inbox.c.event_id).where(inbox.c.event_id == failing.id)
        )
        assert claimed.first() is None, "a dead-lettered event is not recorded as applied"


async def test_a_handler_gets_each_run_of_its_event_type_in_order(engine, dead_letters):
    run = f"r-{uuid.uuid4().hex[:8]}-"
    events = [placed(f"{run}{n}") for n in range(4)]
    seen: list[list[str]] = []

    async def apply_all(batch: list[Envelope], uow: ProbeUnitOfWork) -> None:
        seen.append([e.data.order_id for e in batch])
        await on_orders_placed(batch, uow)

    processor = MessageProcessor(
        "probe", {OrderPlaced: apply_all}, Transactions(engine), dead_letters
    )

    await processor.process_batch(deliveries(*events, events[0]))

    assert seen == [[f"{run}{n}" for n in range(4)]], "one call for the run, duplicates left out"
    assert await applied(engine, run) == [f"{run}{n}" for n in range(4)]
