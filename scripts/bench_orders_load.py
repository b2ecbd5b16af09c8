"""The load of the benchmark: random OrderPlaced events produced at a fixed rate or as fast as the
broker takes them, the `Watcher` that notes when each order's outcome appears, and the
pass-through ceilings (a bare faust agent and a plain aiokafka loop, no database) to compare with."""

from __future__ import annotations

import asyncio
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from bench_orders_stock import SELLER

from stockpath_events import Address, encode, new_event
from stockpath_events.types.orders import OrderPlaced
from stockpath_runtime.kafka import ensure_topics

ZIPS = ["98101", "94105", "85004", "75201", "60601", "30303", "10001", "02108", "33101", "80202"]


def make_order(rng: random.Random, skus: int) -> tuple[OrderPlaced, int]:
    n = rng.randint(1, 5)
    picked = rng.sample(range(skus), n)
    zip_code = rng.choice(ZIPS)
    order = OrderPlaced(
        order_id=f"OB-{uuid.uuid4().hex[:16]}",
        channel="storefront",
        lines=[
            {
                "line_id": str(j + 1),
                "seller_id": SELLER,
                "seller_sku": f"SKU-{i}",
                "quantity": 1,
                "unit_price": "10.00",
            }
            for j, i in enumerate(picked)
        ],
        ship_to=Address(
            name="Bench Buyer", line1="1 Main St", city="Anytown", region="WA", postal_code=zip_code
        ),
    )
    return order, n


class Watcher:
    """Reads fulfillment.instructions and order-router.events; records when each order's outcome appeared."""

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap
        self.instructed: dict[str, float] = {}
        self.outcomes: dict[str, tuple[str, float]] = {}
        self._task = None

    async def start(self) -> None:
        self.consumer = AIOKafkaConsumer(
            "fulfillment.instructions",
            "order-router.events",
            bootstrap_servers=self.bootstrap,
            group_id=f"bench-{uuid.uuid4().hex[:6]}",
            auto_offset_reset="latest",
            enable_auto_commit=False,
            fetch_max_wait_ms=20,
        )
        await self.consumer.start()
        while not self.consumer.assignment():
            await asyncio.sleep(0.05)
        for tp in self.consumer.assignment():
            await self.consumer.seek_to_end(tp)
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            batches = await self.consumer.getmany(timeout_ms=50, max_records=5000)
            now = time.perf_counter()
            for records in batches.values():
                for r in records:
                    order_id = r.key.decode()
                    ce_type = dict(r.headers).get("ce_type", b"").decode()
                    if ce_type.endswith("FulfillmentInstructed.v1"):
                        self.instructed.setdefault(order_id, now)
                    elif ".order-router." in ce_type:
                        self.outcomes.setdefault(order_id, (ce_type.split(".")[2], now))

    async def stop(self) -> None:
        self._task.cancel()
        await self.consumer.stop()


async def drive(
    bootstrap: str,
    skus: int,
    *,
    lines_per_s: float | None,
    total_lines: int,
    watcher: Watcher,
    seed_: int,
):
    """Produce orders at `lines_per_s` (None: as fast as possible) until `total_lines`; return produce times."""
    rng = random.Random(seed_)
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", enable_idempotence=False, linger_ms=2
    )
    await producer.start()
    produced: dict[str, tuple[float, int]] = {}
    lines = 0
    started = time.perf_counter()
    try:
        pending = []
        while lines < total_lines:
            order, n = make_order(rng, skus)
            if lines_per_s:
                due = started + lines / lines_per_s
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
            m = encode(new_event(order, source=f"/channels/{order.channel}"))
            produced[order.order_id] = (time.perf_counter(), n)
            pending.append(await producer.send(m.topic, m.value, key=m.key, headers=m.headers))
            lines += n
            if len(pending) > 500:
                await asyncio.gather(*pending)
                pending = []
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    return produced, started


async def wait_outcomes(watcher: Watcher, produced: dict, timeout: float) -> None:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if all(o in watcher.outcomes for o in produced):
            return
        await asyncio.sleep(0.1)


PASSTHROUGH_APP = """
import faust
app = faust.App("bench-passthrough", broker="kafka://{bootstrap}", store="memory://", topic_disable_leader=True,
    topic_allow_declare=False, web_enabled=False, consumer_auto_offset_reset="earliest", stream_wait_empty=False,
    broker_session_timeout=6, broker_heartbeat_interval=1, broker_rebalance_timeout=6, datadir="{datadir}")
source = app.topic("bench.passthrough.in", key_serializer="raw", value_serializer="raw")
sink = app.topic("bench.passthrough.out", key_serializer="raw", value_serializer="raw")

@app.agent(source, concurrency=1)
async def forward(stream):
    async for event in stream.events():
        m = event.message
        await sink.send(key=m.key, value=m.value, headers=m.headers)
"""


AIOKAFKA_PASSTHROUGH = """
import asyncio
from aiokafka import AIOKafkaConsumer
from stockpath_runtime.kafka import producer

async def main():
    consumer = AIOKafkaConsumer("bench.passthrough.in", bootstrap_servers="{bootstrap}",
        auto_offset_reset="earliest", enable_auto_commit=False, fetch_max_wait_ms=25)
    sink = producer("{bootstrap}")
    await consumer.start()
    await sink.start()
    while True:
        batches = await consumer.getmany(timeout_ms=200, max_records=1000)
        sent = [await sink.send("bench.passthrough.aiokafka", r.value, key=r.key, headers=list(r.headers))
                for records in batches.values() for r in records]
        await asyncio.gather(*sent)

asyncio.run(main())
"""


async def passthrough(bootstrap: str, count: int, partitions: int) -> dict[str, float]:
    """The ceilings: events/s a bare consumer produces again, no database, first through a faust
    agent (what the framework costs per event) and then through plain aiokafka (`getmany` batches,
    the platform's producer with acks=all, each batch's sends awaited), from the same input."""
    await ensure_topics(
        bootstrap,
        partitions=partitions,
        replication=1,
        topics=["bench.passthrough.in", "bench.passthrough.out", "bench.passthrough.aiokafka"],
    )
    order, _ = make_order(random.Random(1), 1000)
    m = encode(new_event(order, source=f"/channels/{order.channel}"))
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", enable_idempotence=False, linger_ms=5
    )
    await producer.start()
    futures = [
        await producer.send("bench.passthrough.in", m.value, key=str(i).encode(), headers=m.headers)
        for i in range(count)
    ]
    await asyncio.gather(*futures)
    await producer.stop()
    work = Path(tempfile.mkdtemp())
    (work / "passthrough_app.py").write_text(
        PASSTHROUGH_APP.format(bootstrap=bootstrap, datadir=work / "data")
    )
    faust = [sys.executable, "-m", "faust", "-A", "passthrough_app", "worker", "-l", "warn"]
    plain = [sys.executable, "-c", AIOKAFKA_PASSTHROUGH.format(bootstrap=bootstrap)]
    return {
        "faust": await _rate_out(bootstrap, "bench.passthrough.out", count, faust, work),
        "aiokafka": await _rate_out(bootstrap, "bench.passthrough.aiokafka", count, plain, work),
    }


async def _rate_out(bootstrap: str, topic: str, count: int, command: list[str], cwd: Path) -> float:
    """Run `command` and return the rate at which it wrote `count` records to `topic`, from the
    records' own timestamps (set when the pass-through sent each): a fast pass-through delivers
    thousands between two of this reader's fetches, so their arrival here would not time it."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    proc = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        seen, first_ms, last_ms = 0, None, None
        deadline = time.perf_counter() + 300
        while seen < count and time.perf_counter() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"the pass-through writing {topic} exited with {proc.returncode}"
                )
            batches = await consumer.getmany(timeout_ms=200, max_records=10000)
            for records in batches.values():
                for r in records:
                    first_ms = min(first_ms or r.timestamp, r.timestamp)
                    last_ms = max(last_ms or r.timestamp, r.timestamp)
                seen += len(records)
        return passthrough_rate(seen, first_ms, last_ms)
    finally:
        proc.terminate()
        proc.wait(10)
        await consumer.stop()


def passthrough_rate(records: int, first_ms: int | None, last_ms: int | None) -> float:
    """Records per second between the first and the last record's timestamp (NaN when they share one)."""
    if records < 2 or first_ms is None or last_ms is None or last_ms <= first_ms:
        return float("nan")
    return (records - 1) / ((last_ms - first_ms) / 1000)
