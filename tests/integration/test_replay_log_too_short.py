"""A log that falls short is refused, not rebuilt from: after DeleteRecords moved a partition's log
start above 0, `stockpath replay` refuses before it creates anything, naming the partition.

The broker must delete records. Apache Kafka does (a testcontainers KRaft broker where a Docker
engine answers); elsewhere the Kafka of `noida-db` (a dev dependency from PyPI: one local binary
that speaks the Kafka protocol, DeleteRecords included), started on a free port with a data
directory of the module's own. Tansu, the platform's local broker, does not delete records
(DeleteRecords closes the connection, retention is not applied), which is why it is not used here.
"""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from stockpath_cli.localstack import free_port, port_open
from stockpath_events import Address, new_event
from stockpath_events.types.orders import OrderPlaced

pytestmark = [pytest.mark.integration]


def _kafka_container():
    if (
        shutil.which("docker") is None
        or subprocess.run(["docker", "info"], capture_output=True).returncode != 0
    ):
        return None
    module = pytest.importorskip(
        "testcontainers.kafka", reason="the testcontainers package is not installed"
    )
    return module.KafkaContainer("apache/kafka:3.9.0").with_kraft()


def _noida_kafka(data_dir: Path) -> tuple[subprocess.Popen, str] | None:
    """noida-db's Kafka alone on a free port, and its address (None when the package is not
    installed)."""
    try:
        from importlib.resources import files

        binary = files("noida_db").joinpath("noida-db")
    except ModuleNotFoundError:
        return None
    port = free_port()
    process = subprocess.Popen(
        [str(binary), "start", "--only", "kafka", "--data-dir", str(data_dir)]
        + ["--host", "127.0.0.1", "--kafka-port", str(port)],
        stdout=(data_dir / "noida.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    return process, f"127.0.0.1:{port}"


@pytest.fixture(scope="module")
def deleting_broker(tmp_path_factory):
    """A broker of this module's own that deletes records: Apache Kafka where Docker answers,
    else noida-db's Kafka; skipped when neither can be had."""
    import asyncio

    from stockpath_runtime.kafka import ensure_topics

    container = _kafka_container()
    if container is not None:
        with container:
            bootstrap = container.get_bootstrap_server()
            asyncio.run(ensure_topics(bootstrap, partitions=3, replication=1))
            yield bootstrap
        return
    data_dir = tmp_path_factory.mktemp("noida")
    started = _noida_kafka(data_dir)
    if started is None:
        pytest.skip("no broker that deletes records: no Docker engine, noida-db not installed")
    process, bootstrap = started
    try:
        host, port = bootstrap.split(":")
        deadline = time.monotonic() + 30
        while not port_open(host, int(port)):
            assert process.poll() is None, (data_dir / "noida.log").read_text()
            assert time.monotonic() < deadline, "noida-db's Kafka did not open its port in 30 s"
            time.sleep(0.1)
        asyncio.run(ensure_topics(bootstrap, partitions=3, replication=1))
        yield bootstrap
    finally:
        process.terminate()
        process.wait(timeout=10)


async def delete_records(bootstrap: str, tp, before: int) -> str | None:
    """Delete the records of `tp` before offset `before`; None, or why the broker would not."""
    from aiokafka.admin import RecordsToDelete

    from stockpath_cli.ops.kafka_tools import admin_client

    try:
        async with admin_client(bootstrap) as admin:
            await admin.delete_records({tp: RecordsToDelete(before)}, timeout_ms=10_000)
    except Exception as e:  # the broker's refusal, whatever form it takes, is the skip's reason
        return f"{type(e).__name__}: {e}"
    return None


async def test_replay_refuses_a_partition_whose_log_begins_above_what_the_live_store_applied(
    deleting_broker, fresh_database
):
    from aiokafka.structs import TopicPartition
    from sqlalchemy.engine import make_url

    from stockpath_cli.ops.kafka_tools import plain_consumer
    from stockpath_cli.ops.replay import LogTooShort, replay, replay_database_url
    from stockpath_testing import publish

    order_id = f"O-short-{uuid.uuid4().hex[:8]}"
    ship_to = Address(
        name="Ada", line1="1 Main St", city="Seattle", region="WA", postal_code="98101"
    )
    for n in range(3):  # one key: one partition
        await publish(
            deleting_broker,
            new_event(
                OrderPlaced(
                    order_id=order_id,
                    channel="web",
                    ship_to=ship_to,
                    lines=[
                        {
                            "line_id": str(n),
                            "seller_id": "S1",
                            "seller_sku": "SKU",
                            "quantity": 1,
                            "unit_price": "1.00",
                        }
                    ],
                ),
                source="/channels/web",
            ),
        )
    async with plain_consumer(deleting_broker) as consumer:
        tps = [TopicPartition("orders", p) for p in range(3)]
        ends = await consumer.end_offsets(tps)
    [tp] = [tp for tp in tps if ends[tp] >= 3]
    why = await delete_records(deleting_broker, tp, 2)
    if why is not None:
        pytest.skip(f"this broker does not delete records ({why})")

    live_url = fresh_database("order-router")
    with pytest.raises(LogTooShort) as refused:
        await replay(
            "order-router", bootstrap=deleting_broker, live_url=live_url, live_group="order-router"
        )
    assert f"orders[{tp.partition}] begins at offset 2" in str(refused.value)
    assert list(refused.value.short) == [tp]
    # Refused before anything was created: no rebuilt database next to the live one.
    import sqlalchemy as sa

    from stockpath_runtime.db import async_url

    prefix = make_url(replay_database_url(live_url, "0" * 14)).database.removesuffix("0" * 14)
    engine = sa.create_engine(async_url(live_url))
    try:
        with engine.connect() as conn:
            names = conn.execute(sa.text("SELECT datname FROM pg_database")).scalars().all()
    finally:
        engine.dispose()
    assert not [n for n in names if n.startswith(prefix)]
