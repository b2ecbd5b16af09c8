"""What the consumers' fetch wait (KAFKA_CONSUMER_FETCH_MAX_WAIT_MS) costs on Tansu: the broker's CPU
while the whole platform is idle, and how long a record waits to be fetched after it was acknowledged.

    uv run python scripts/bench_fetch_wait.py            # waits of 25, 100, 250 and 500 ms
    uv run python scripts/bench_fetch_wait.py 50 100

For each wait it starts a Tansu broker and every service as processes on fresh databases of the
local PostgreSQL (STOCKPATH_DATABASE_SERVER to change), lets them settle for 15 s and reads the
broker's CPU over 10 s in which nothing happens; then, on a broker of its own, it produces 20
records one at a time at random moments and times each from its acknowledgement to the moment a
consumer with that wait fetched it. It prints figures; it asserts nothing.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from stockpath_cli.localstack import Broker
from stockpath_runtime.kafka import ensure_topics
from stockpath_testing.processes import running_platform

SERVER = os.environ.get(
    "STOCKPATH_DATABASE_SERVER", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def idle_broker_cpu(wait_ms: int, log_dir: Path) -> float:
    """The broker's share of a core while the whole platform, consuming with this wait, idles."""
    broker = Broker(log_path=log_dir / "tansu.log").start()
    try:
        asyncio.run(ensure_topics(broker.bootstrap_servers, partitions=6, replication=1))
        with running_platform(
            bootstrap=broker.bootstrap_servers,
            database_server=SERVER,
            prefix="fetchwait",
            log_dir=log_dir,
            extra_env={"KAFKA_CONSUMER_FETCH_MAX_WAIT_MS": str(wait_ms)},
        ):
            time.sleep(15)  # groups joined, start-up reads done
            before, started = cpu_seconds(broker.process.pid), time.monotonic()
            time.sleep(10)
            return (cpu_seconds(broker.process.pid) - before) / (time.monotonic() - started)
    finally:
        broker.stop()


async def fetch_delays(wait_ms: int, log_dir: Path) -> list[float]:
    """Milliseconds from each record's acknowledgement to its fetch, for 20 records."""
    broker = Broker(log_path=log_dir / "tansu-latency.log").start()
    try:
        await ensure_topics(broker.bootstrap_servers, partitions=6, replication=1, timeout_s=60)
        consumer = AIOKafkaConsumer(
            "orders",
            bootstrap_servers=broker.bootstrap_servers,
            group_id="fetch-wait",
            fetch_max_wait_ms=wait_ms,
            auto_offset_reset="latest",
        )
        producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap_servers, acks="all")
        await consumer.start()
        await producer.start()
        try:
            await asyncio.sleep(2)
            delays = []
            for n in range(20):
                await asyncio.sleep(random.uniform(0.05, 0.3))
                await producer.send_and_wait("orders", b"x", key=str(n).encode())
                acknowledged = time.perf_counter()
                while not any((await consumer.getmany(timeout_ms=2000)).values()):
                    pass
                delays.append((time.perf_counter() - acknowledged) * 1000)
            return delays
        finally:
            await consumer.stop()
            await producer.stop()
    finally:
        broker.stop()


def main() -> None:
    waits = [int(w) for w in sys.argv[1:]] or [25, 100, 250, 500]
    print("fetch wait | broker CPU, whole platform idle | fetched after ack: p50 / max")
    for wait in waits:
        log_dir = Path(tempfile.mkdtemp(prefix=f"fetch-wait-{wait}-"))
        share = idle_broker_cpu(wait, log_dir)
        delays = asyncio.run(fetch_delays(wait, log_dir))
        print(
            f"{wait:>7} ms | {100 * share:5.1f} % of a core"
            f"{'':17}| {statistics.median(delays):4.0f} / {max(delays):4.0f} ms",
            flush=True,
        )


if __name__ == "__main__":
    main()
