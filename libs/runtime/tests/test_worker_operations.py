"""A worker's operations endpoints: /metrics reports consumer lag per partition, the garbage
collector's frozen start-up and time, and the outbox backlog as counted; /readyz fails while the
broker is unreachable and recovers with it."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
import sqlalchemy as sa
from probe import HERE, PROBE

from stockpath_cli.localstack import Broker
from stockpath_events import Address, new_event
from stockpath_events.types.orders import OrderPlaced
from stockpath_runtime.db import create_engine, outbox
from stockpath_runtime.kafka import ensure_topics, producer
from stockpath_runtime.relay import OutboxRelay
from stockpath_runtime.unit_of_work import UnitOfWork
from stockpath_testing import eventually, publish
from stockpath_testing.processes import start_worker

pytestmark = pytest.mark.integration

SHIP_TO = Address(name="A", line1="1 Main St", city="Seattle", region="WA", postal_code="98101")


def placed(order_id: str) -> OrderPlaced:
    return OrderPlaced(
        order_id=order_id,
        channel="web",
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


def metric(text: str, name: str, **labels) -> float | None:
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    for line in text.splitlines():
        head, _, value = line.rpartition(" ")
        if head == (f"{name}{{{wanted}}}" if labels else name):
            return float(value)
    return None


async def test_outbox_backlog_gauge_counts_the_rows_still_unpublished(
    fresh_database, kafka_bootstrap
):
    from stockpath_runtime import metrics

    engine = create_engine(fresh_database(PROBE))
    try:
        async with UnitOfWork(engine, source="/services/probe") as uow:
            for i in range(5):
                uow.emit(placed(f"O-backlog-{uuid.uuid4().hex[:6]}-{i}"))
            await uow.commit()
        p = producer(kafka_bootstrap)
        await p.start()
        try:
            relay = OutboxRelay(engine, p, name="probe-backlog", batch_size=2)
            assert await relay.publish_batch() == 2
            assert metrics.OUTBOX_BACKLOG._value.get() == 3
            await relay.publish_batch()
            await relay.publish_batch()
            assert metrics.OUTBOX_BACKLOG._value.get() == 0
        finally:
            await p.stop()
        async with engine.connect() as conn:
            left = (
                await conn.execute(
                    sa.select(sa.func.count())
                    .select_from(outbox)
                    .where(outbox.c.published_at.is_(None))
                )
            ).scalar()
        assert left == 0
    finally:
        await engine.dispose()


async def test_outbox_backlog_counts_from_the_scan_floor(fresh_database):
    """The relay counts its backlog from the floor of the batch it read, not through every row the
    partial index still holds; a count from 0 is the whole backlog."""
    engine = create_engine(fresh_database(PROBE))
    try:
        async with UnitOfWork(engine, source="/services/probe") as uow:
            for i in range(6):
                uow.emit(placed(f"O-floor-{uuid.uuid4().hex[:6]}-{i}"))
            await uow.commit()
        async with engine.connect() as conn:
            lowest = (await conn.execute(sa.select(sa.func.min(outbox.c.id)))).scalar_one()
        relay = OutboxRelay(engine, None, name="probe-floor")  # counts only: never publishes
        assert await relay.backlog() == 6
        assert await relay.backlog(above=lowest + 1) == 4
    finally:
        await engine.dispose()


async def test_worker_metrics_report_consumer_lag_per_partition(
    fresh_database, kafka_bootstrap, tmp_path
):
    process, url = start_worker(
        PROBE,
        prefix="probe",
        database_url=fresh_database(PROBE),
        bootstrap=kafka_bootstrap,
        group=f"probe-lag-{uuid.uuid4().hex[:8]}",
        log_path=tmp_path / "worker.log",
        pythonpath=[str(HERE)],
    )
    try:
        await publish(
            kafka_bootstrap,
            *(
                new_event(placed(f"O-lag-{i}-{uuid.uuid4().hex[:6]}"), source="/channels/web")
                for i in range(6)
            ),
        )

        def lag_reported():
            text = httpx.get(f"{url}/metrics", timeout=5).text
            figures = [
                line
                for line in text.splitlines()
                if line.startswith("stockpath_consumer_lag{")
                and 'consumer="probe"' in line
                and 'topic="orders"' in line
            ]
            assert figures, "no consumer lag reported yet"
            assert all(line.endswith(" 0.0") for line in figures), figures
            assert metric(text, "stockpath_outbox_backlog") is not None
            # What start-up made is frozen out of the collector's scans (stockpath_runtime.garbage),
            # and the collector's time is reported.
            assert (metric(text, "stockpath_gc_frozen_objects") or 0) > 10_000
            assert "# HELP stockpath_gc_seconds_total" in text
            return figures

        figures = await eventually(
            lag_reported, timeout=60, what="the worker to report its lag per partition"
        )
        assert {line.split('partition="')[1].split('"')[0] for line in figures} <= {
            "0",
            "1",
            "2",
            "3",
            "4",
            "5",
        }
    finally:
        process.stop()


def partitions_reported(url: str) -> set[str]:
    text = httpx.get(f"{url}/metrics", timeout=5).text
    return {
        line.split('partition="')[1].split('"')[0]
        for line in text.splitlines()
        if line.startswith("stockpath_consumer_lag{") and 'topic="orders"' in line
    }


async def test_after_a_rebalance_each_worker_reports_the_lag_of_its_own_partitions_only(
    fresh_database, kafka_bootstrap, tmp_path
):
    database, group = fresh_database(PROBE), f"probe-rebalance-{uuid.uuid4().hex[:8]}"
    first, first_url = start_worker(
        PROBE,
        prefix="probe",
        database_url=database,
        bootstrap=kafka_bootstrap,
        group=group,
        log_path=tmp_path / "first.log",
        pythonpath=[str(HERE)],
    )
    second = None
    try:

        async def orders_arrived():
            await publish(
                kafka_bootstrap,
                *(
                    new_event(placed(f"O-rb-{uuid.uuid4().hex[:8]}"), source="/channels/web")
                    for _ in range(24)
                ),
            )

        await orders_arrived()
        before = await eventually(
            lambda: partitions_reported(first_url), timeout=60, what="the first worker's lag"
        )
        second, second_url = start_worker(
            PROBE,
            prefix="probe",
            database_url=database,
            bootstrap=kafka_bootstrap,
            group=group,
            log_path=tmp_path / "second.log",
            pythonpath=[str(HERE)],
        )

        async def split_between_them():
            await orders_arrived()  # so both have processed something since the rebalance
            mine, theirs = partitions_reported(first_url), partitions_reported(second_url)
            assert mine and theirs and not (mine & theirs), (mine, theirs)
            return mine, theirs

        mine, theirs = await eventually(
            split_between_them, timeout=90, interval=1.0, what="the partitions to be split"
        )
        assert len(mine | theirs) <= 6 and before
    finally:
        if second is not None:
            second.stop()
        first.stop()


async def test_worker_is_not_ready_while_the_broker_is_unreachable(fresh_database, tmp_path):
    broker = Broker(log_path=tmp_path / "tansu.log").start()
    try:
        await ensure_topics(broker.bootstrap_servers, partitions=1, replication=1)
        process, url = start_worker(
            PROBE,
            prefix="probe",
            database_url=fresh_database(PROBE),
            bootstrap=broker.bootstrap_servers,
            group=f"probe-ready-{uuid.uuid4().hex[:8]}",
            log_path=tmp_path / "worker.log",
            pythonpath=[str(HERE)],
        )
        try:
            body = httpx.get(f"{url}/readyz", timeout=5).json()
            assert body["checks"]["broker"] is True
            broker.stop()

            def not_ready():
                r = httpx.get(f"{url}/readyz", timeout=5)
                assert r.status_code == 503 and r.json()["checks"]["broker"] is False, r.text
                return True

            await eventually(not_ready, timeout=20, what="/readyz to report the broker down")
            assert httpx.get(f"{url}/healthz", timeout=5).status_code == 200
        finally:
            process.stop()
    finally:
        broker.stop()
        await asyncio.sleep(0)
