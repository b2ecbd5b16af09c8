"""Load benchmark: OrderPlaced → FulfillmentInstructed through the whole platform on this machine.

    uv run python scripts/bench_orders.py                       # fixed rate + max rate, 6 partitions, 1 router worker
    uv run python scripts/bench_orders.py --router-workers 2 --partitions 12
    uv run python scripts/bench_orders.py --passthrough-only    # the faust ceiling alone

It starts a Tansu broker (or uses KAFKA_BOOTSTRAP_SERVERS), every service as separate processes
on fresh databases of the local PostgreSQL (STOCKPATH_DATABASE_SERVER to change), registers
--skus items (the events registration would write), plans an inbound shipment of each to five FCs
and receives them through inventory's API, so inventory holds real stock to reserve; then it
drives OrderPlaced (1–5 lines, random SKUs and ship-to regions) at a fixed rate and then as fast
as the platform takes them. Latency runs from the moment an order is produced to the moment its
FulfillmentInstructed is read back from `fulfillment.instructions` (so it includes the commit,
the outbox relay and the broker). It prints figures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

import stockpath_network
from stockpath_cli.localstack import Broker, Platform, ServicePorts, ServiceProcess, free_port
from stockpath_events import Address, CatalogItemSnapshot, encode, new_event
from stockpath_events.types.orders import OrderPlaced
from stockpath_events.types.registration import (
    InboundShipmentLine,
    InboundShipmentPlanned,
    ItemRegistered,
)
from stockpath_runtime.db import drop_database
from stockpath_runtime.kafka import ensure_topics
from stockpath_runtime.settings import env_prefix

FCS = ["SEA1", "PHX3", "DFW7", "CMH2", "EWR4"]
ZIPS = ["98101", "94105", "85004", "75201", "60601", "30303", "10001", "02108", "33101", "80202"]
SELLER = "SBENCH00001"


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def produce_all(bootstrap: str, envelopes) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=False, linger_ms=5)
    await producer.start()
    try:
        futures = []
        for envelope in envelopes:
            m = encode(envelope)
            futures.append(await producer.send(m.topic, m.value, key=m.key, headers=m.headers))
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


def fnsku(i: int) -> str:
    return f"XB{i:08d}"


#: SKUs per inbound shipment while seeding; each FC gets skus / SHIPMENT_LINES shipments.
SHIPMENT_LINES = 200  # also the most lines one receipt may hold
UNITS_PER_SKU = 100_000


async def seed(bootstrap: str, skus: int, inventory_url: str) -> None:
    """Stock the way a seller and an FC would: items registered, inbound shipments planned to
    every FC (the events registration writes), then each shipment received through inventory's
    API. Inventory then holds real stock, and its levels reach the router and listing."""
    item = CatalogItemSnapshot(catalog_item_id="B0BENCH", title="Bench item", category="Kitchen")
    registered = (
        new_event(
            ItemRegistered(
                registration_id=f"RB{i}", seller_id=SELLER, seller_sku=f"SKU-{i}", catalog_item_id="B0BENCH",
                fnsku=fnsku(i), condition="new", price=Decimal("10.00"), channels=["storefront"], item=item,
            ),
            source="/services/registration",
        )
        for i in range(skus)
    )
    await produce_all(bootstrap, registered)
    shipments: dict[str, tuple[str, range]] = {}
    for fc in FCS:
        for start in range(0, skus, SHIPMENT_LINES):
            shipments[f"FBABENCH{fc}{start:06d}"] = (fc, range(start, min(skus, start + SHIPMENT_LINES)))
    await produce_all(
        bootstrap,
        (
            new_event(
                InboundShipmentPlanned(
                    shipment_id=shipment_id, seller_id=SELLER, fulfillment_center_id=fc,
                    ship_to=stockpath_network.get(fc).address,
                    lines=[InboundShipmentLine(fnsku=fnsku(i), seller_sku=f"SKU-{i}", quantity=UNITS_PER_SKU) for i in ids],
                ),
                source="/services/registration",
            )
            for shipment_id, (fc, ids) in shipments.items()
        ),
    )
    async with httpx.AsyncClient(base_url=inventory_url, timeout=60) as client:
        for shipment_id, (fc, ids) in shipments.items():
            while (await client.get(f"/v1/inbound-shipments/{shipment_id}/receipts")).status_code != 200:
                await asyncio.sleep(0.2)  # inventory has not consumed the plan yet
            r = await client.post(
                "/v1/receipts",
                json={"shipment_id": shipment_id, "fulfillment_center_id": fc,
                      "lines": [{"fnsku": fnsku(i), "received": UNITS_PER_SKU} for i in ids]},
            )
            if r.status_code != 201:
                raise RuntimeError(f"receipt of {shipment_id} refused: {r.status_code} {r.text}")


def make_order(rng: random.Random, skus: int) -> tuple[OrderPlaced, int]:
    n = rng.randint(1, 5)
    picked = rng.sample(range(skus), n)
    zip_code = rng.choice(ZIPS)
    order = OrderPlaced(
        order_id=f"OB-{uuid.uuid4().hex[:16]}",
        channel="bench",
        lines=[
            {"line_id": str(j + 1), "seller_id": SELLER, "seller_sku": f"SKU-{i}", "quantity": 1, "unit_price": "10.00"}
            for j, i in enumerate(picked)
        ],
        ship_to=Address(name="Bench Buyer", line1="1 Main St", city="Anytown", region="WA", postal_code=zip_code),
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
            "fulfillment.instructions", "order-router.events",
            bootstrap_servers=self.bootstrap, group_id=f"bench-{uuid.uuid4().hex[:6]}",
            auto_offset_reset="latest", enable_auto_commit=False, fetch_max_wait_ms=20,
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


async def drive(bootstrap: str, skus: int, *, lines_per_s: float | None, total_lines: int, watcher: Watcher, seed_: int):
    """Produce orders at `lines_per_s` (None: as fast as possible) until `total_lines`; return produce times."""
    rng = random.Random(seed_)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=False, linger_ms=2)
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
            m = encode(new_event(order, source="/upstream/bench"))
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


def report_latency(name: str, produced: dict, watcher: Watcher) -> dict:
    latencies = [(watcher.instructed[o] - t) * 1000 for o, (t, _) in produced.items() if o in watcher.instructed]
    outcomes = [watcher.outcomes.get(o, ("missing", 0))[0] for o in produced]
    routed = sum(1 for x in outcomes if x == "OrderRouted")
    return {
        "phase": name,
        "orders": len(produced),
        "lines": sum(n for _, n in produced.values()),
        "routed": routed,
        "other outcomes": len(produced) - routed - outcomes.count("missing"),
        "missing": outcomes.count("missing"),
        "p50 ms": round(percentile(latencies, 0.50), 1),
        "p95 ms": round(percentile(latencies, 0.95), 1),
        "p99 ms": round(percentile(latencies, 0.99), 1),
        "max ms": round(max(latencies), 1) if latencies else None,
    }


PASSTHROUGH_APP = '''
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
'''


async def passthrough(bootstrap: str, count: int, partitions: int) -> float:
    """The ceiling: a bare faust agent that consumes JSON events and produces them again, no database."""
    await ensure_topics(bootstrap, partitions=partitions, replication=1, topics=["bench.passthrough.in", "bench.passthrough.out"])
    order, _ = make_order(random.Random(1), 1000)
    m = encode(new_event(order, source="/upstream/bench"))
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=False, linger_ms=5)
    await producer.start()
    futures = [await producer.send("bench.passthrough.in", m.value, key=str(i).encode(), headers=m.headers) for i in range(count)]
    await asyncio.gather(*futures)
    await producer.stop()
    work = Path(tempfile.mkdtemp())
    (work / "passthrough_app.py").write_text(PASSTHROUGH_APP.format(bootstrap=bootstrap, datadir=work / "data"))
    consumer = AIOKafkaConsumer("bench.passthrough.out", bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    proc = subprocess.Popen(
        [sys.executable, "-m", "faust", "-A", "passthrough_app", "worker", "-l", "warn"],
        cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        seen, first, last = 0, None, None
        deadline = time.perf_counter() + 300
        while seen < count and time.perf_counter() < deadline:
            batches = await consumer.getmany(timeout_ms=200, max_records=10000)
            now = time.perf_counter()
            for records in batches.values():
                if records and first is None:
                    first = now
                seen += len(records)
                if records:
                    last = now
        return seen / (last - first) if first and last and last > first else float("nan")
    finally:
        proc.terminate()
        proc.wait(10)
        await consumer.stop()


def start_profiler(platform: Platform, output: str, service: str) -> subprocess.Popen:
    """py-spy on a service's worker (the order router's by default) while the max-rate phase runs: a flame graph (.svg) or
    collapsed stacks (any other name, e.g. .txt, for `summarize_profile`)."""
    pid = platform.process(service, "worker").process.pid
    fmt = "flamegraph" if output.endswith(".svg") else "raw"
    return subprocess.Popen(
        ["py-spy", "record", "--pid", str(pid), "--output", output, "--duration", "20", "--rate", "200",
         "--nonblocking", "--format", fmt],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )


async def batch_figures(platform: Platform) -> str:
    """Events per transaction and handler time per event, from each worker's /metrics."""
    lines = []
    async with httpx.AsyncClient(timeout=5) as client:
        for name in platform.names:
            text = (await client.get(f"{platform.worker_url(name)}/metrics")).text
            sums: dict[str, float] = {}
            for line in text.splitlines():
                for metric in ("stockpath_batch_events_sum", "stockpath_batch_events_count",
                               "stockpath_handler_seconds_sum", "stockpath_handler_seconds_count"):
                    if line.startswith(metric + "{"):
                        sums[metric] = sums.get(metric, 0.0) + float(line.rsplit(" ", 1)[1])
            if sums.get("stockpath_handler_seconds_count"):
                per_txn = sums.get("stockpath_batch_events_sum", 0) / max(1, sums.get("stockpath_batch_events_count", 0))
                per_event = sums["stockpath_handler_seconds_sum"] / sums["stockpath_handler_seconds_count"] * 1000
                lines.append(f"  {name}: {per_txn:.1f} events per batch transaction, {per_event:.2f} ms per event")
    return "worker figures (whole run):\n" + "\n".join(lines)


def cpu_seconds(roles: dict[int, str], database_prefix: str) -> dict[str, float]:
    """CPU time (user + system) so far of everything this run involves, by role: each of its
    processes (`roles`: pid → role), PostgreSQL's backends serving its databases and PostgreSQL's
    background processes, and this driver. Other processes on the machine are left out."""
    ticks = os.sysconf("SC_CLK_TCK")
    roles = {**roles, os.getpid(): "bench driver"}
    found: dict[str, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        role = roles.get(int(entry.name))
        if role is None and title.startswith("postgres: "):
            if database_prefix in title:
                role = "PostgreSQL (its backends)"
            elif not any(c in title for c in ("idle", "(", "[local]")):  # checkpointer, WAL writer...
                role = "PostgreSQL (background)"
        if role is not None:
            found[role] = found.get(role, 0.0) + (int(fields[11]) + int(fields[12])) / ticks
    return found


def platform_roles(platform: Platform, extra: list[ServiceProcess], broker: Broker | None) -> dict[int, str]:
    roles = {p.process.pid: f"{p.service} {p.role}" for p in [*platform.processes, *extra] if p.process}
    if broker and broker.process:
        roles[broker.process.pid] = "broker (Tansu)"
    return roles


def cpu_table(before: dict[str, float], after: dict[str, float], seconds: float) -> str:
    used = {role: after.get(role, 0.0) - before.get(role, 0.0) for role in after}
    rows = sorted(((v, k) for k, v in used.items() if v > 0.05), reverse=True)
    total = sum(v for v, _ in rows)
    lines = [f"CPU during the max-rate phase ({seconds:.1f}s, {os.cpu_count()} cores = {seconds * (os.cpu_count() or 1):.0f} core-s):"]
    lines += [f"  {role:<24} {v:6.1f} core-s  {100 * v / total:5.1f}%" for v, role in rows]
    return "\n".join(lines)


async def wait_quiet(platform: Platform, timeout: float = 600) -> float:
    """Wait until every worker has consumed everything on its topics and published its outbox
    (consumer lag and outbox backlog 0 on every worker's /metrics, twice in a row), so a
    measured phase does not share the machine with the tail of the previous one."""
    started = time.perf_counter()
    quiet = 0
    async with httpx.AsyncClient(timeout=5) as client:
        while time.perf_counter() - started < timeout:
            busy = 0.0
            for name in platform.names:
                text = (await client.get(f"{platform.worker_url(name)}/metrics")).text
                for line in text.splitlines():
                    if line.startswith(("stockpath_consumer_lag{", "stockpath_outbox_backlog ")):
                        busy += float(line.rsplit(" ", 1)[1])
            quiet = quiet + 1 if busy == 0 else 0
            if quiet >= 2:
                return time.perf_counter() - started
            await asyncio.sleep(0.5)
    raise RuntimeError(f"the platform did not catch up within {timeout:.0f}s")


def print_table(rows: list[dict]) -> None:
    if not rows:
        return
    keys = list(rows[0])
    widths = {k: max(len(k), *(len(str(r.get(k))) for r in rows)) for k in keys}
    print("  ".join(k.ljust(widths[k]) for k in keys))
    for r in rows:
        print("  ".join(str(r.get(k)).ljust(widths[k]) for k in keys))


async def main_async(args) -> None:
    broker = None
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if not bootstrap:
        broker = Broker(log_path=Path(tempfile.gettempdir()) / "bench-tansu.log").start()
        bootstrap = broker.bootstrap_servers
    print(f"machine: {os.cpu_count()} cores; broker {bootstrap}; partitions {args.partitions}; router workers {args.router_workers}")
    try:
        ceiling = None
        if not args.skip_passthrough:
            ceiling = await passthrough(bootstrap, args.passthrough_events, args.partitions)
            print(f"faust pass-through ceiling: {ceiling:,.0f} events/s")
        if args.passthrough_only:
            return
        await ensure_topics(bootstrap, partitions=args.partitions, replication=1)
        server = os.environ.get("STOCKPATH_DATABASE_SERVER", "postgresql+psycopg://postgres@127.0.0.1:5432")
        run = uuid.uuid4().hex[:6]
        log_dir = Path(tempfile.mkdtemp(prefix="bench-logs-"))
        platform = Platform(
            bootstrap_servers=bootstrap, database_server=server, database_prefix=f"bench_{run}",
            ports={n: ServicePorts(free_port(), free_port()) for n in ("catalog", "registration", "listing", "inventory", "order-router")},
            log_dir=log_dir, group_suffix=run,
            extra_env={"STOCKPATH_LOG_LEVEL": "WARNING", "KAFKA_TOPIC_PARTITIONS": str(args.partitions)},
        )
        platform.migrate()
        platform.start()
        extra: list[ServiceProcess] = []
        try:
            platform.wait_healthy(timeout_s=120)
            env = platform.environment()
            for k in range(1, args.router_workers):
                worker_env = {**env, f"{env_prefix('order-router')}WORKER_PORT": "0"}
                p = ServiceProcess("order-router", "worker", worker_env, log_dir / f"order-router-worker-{k}.log")
                p.start()
                extra.append(p)
            t0 = time.perf_counter()
            await seed(bootstrap, args.skus, platform.url("inventory"))
            async with httpx.AsyncClient(base_url=platform.url("order-router"), timeout=10) as client:
                sample = [fnsku(i) for i in random.Random(2).sample(range(args.skus), 20)] + [fnsku(args.skus - 1)]
                while True:
                    ok = 0
                    for f in sample:
                        body = (await client.get("/v1/availability", params={"fnsku": f})).json()
                        ok += len(body.get("fulfillment_centers", [])) == len(FCS)
                    if ok == len(sample):
                        break
                    await asyncio.sleep(0.5)
            await wait_quiet(platform)
            print(f"seeded {args.skus:,} SKUs × {len(FCS)} FCs in {time.perf_counter() - t0:.1f}s (every consumer caught up)")
            watcher = Watcher(bootstrap)
            await watcher.start()
            rows = []
            # Warm-up, so the first measured orders do not pay for cold caches and connections.
            produced, _ = await drive(bootstrap, args.skus, lines_per_s=200, total_lines=400, watcher=watcher, seed_=3)
            await wait_outcomes(watcher, produced, 60)
            await wait_quiet(platform)
            produced, _ = await drive(
                bootstrap, args.skus, lines_per_s=args.rate, total_lines=int(args.rate * args.duration), watcher=watcher, seed_=4
            )
            await wait_outcomes(watcher, produced, 120)
            rows.append(report_latency(f"fixed {args.rate:.0f} lines/s", produced, watcher))
            await wait_quiet(platform)
            profiler = start_profiler(platform, args.profile, args.profile_service) if args.profile else None
            roles = platform_roles(platform, extra, broker)
            cpu_before = cpu_seconds(roles, platform.database_prefix)
            produced, started = await drive(bootstrap, args.skus, lines_per_s=None, total_lines=args.max_lines, watcher=watcher, seed_=5)
            produced_done = time.perf_counter()
            await wait_outcomes(watcher, produced, 600)
            ends = [watcher.instructed.get(o) or watcher.outcomes.get(o, (None, None))[1] for o in produced]
            finished = max(e for e in ends if e)
            cpu = cpu_table(cpu_before, cpu_seconds(roles, platform.database_prefix), time.perf_counter() - started)
            row = report_latency("max rate", produced, watcher)
            lines = sum(n for _, n in produced.values())
            row["lines/s"] = round(lines / (finished - started))
            rows[0]["lines/s"] = rows[0]["lines"] and round(args.rate)
            rows.append(row)
            await watcher.stop()
            if profiler:
                profiler.wait(60)
                print(f"profile of the {args.profile_service} worker: {args.profile}")
            print_table(rows)
            print(await batch_figures(platform))
            print(cpu)
            print(f"produce side of the max-rate phase took {produced_done - started:.1f}s for {lines:,} lines")
            if ceiling:
                print(f"end-to-end max rate / faust pass-through ceiling: {row['lines/s'] / ceiling:.0%} (lines vs events)")
            print(json.dumps({"rows": rows, "ceiling_events_per_s": ceiling}, default=str))
        finally:
            for p in extra:
                p.stop()
            platform.stop()
            for name in platform.names:
                drop_database(platform.database_url(name))
    finally:
        if broker:
            broker.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skus", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=1000, help="lines/s of the fixed-rate phase")
    parser.add_argument("--duration", type=float, default=20, help="seconds of the fixed-rate phase")
    parser.add_argument("--max-lines", type=int, default=30_000, help="lines of the max-rate phase")
    parser.add_argument("--partitions", type=int, default=6)
    parser.add_argument("--router-workers", type=int, default=1)
    parser.add_argument("--passthrough-events", type=int, default=50_000)
    parser.add_argument("--skip-passthrough", action="store_true")
    parser.add_argument("--passthrough-only", action="store_true")
    parser.add_argument("--profile", metavar="SVG", help="record a py-spy flame graph of a worker during the max-rate phase")
    parser.add_argument("--profile-service", default="order-router", help="whose worker --profile records")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
