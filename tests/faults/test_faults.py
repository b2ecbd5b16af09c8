"""Proof under fire (issue 8): the whole platform as separate processes — five services, an API and a
worker each, on their own Tansu broker and the real PostgreSQL — under a steady stream of orders
(OrderPlaced on `orders`) and FC receipts (inventory's HTTP API), while faults are injected one
after the other. After each fault the stream stops, and the invariant checker (invariants.py)
reads every topic from the beginning and every service's database until N, D, S, A, P and O hold
or a deadline passes. The faults × invariants table is printed and written to
artifacts/fault-matrix.md; any failing cell fails the test.

The faults, and what each can and cannot show:

0. baseline — the stream with no fault: the checker itself agrees with a healthy platform.
1. kill -9 of each service's worker (staggered, ~1 s apart), restarted 2 s later, mid-stream:
   uncommitted offsets are redelivered and the inbox absorbs what was already applied; a partition
   moves to the restarted member. It does not show a crash at a chosen instruction (the kill lands
   wherever the worker is), nor a kill of the API processes.
2. kill -9 of the outbox relay between publish and mark (STOCKPATH_FAULT=relay-crash-after-publish)
   in order-router and inventory: the batch is re-sent after the restart, the topic holds those
   events twice, consumers apply them once. The marker file names the batch; the test checks that
   those events really are on their topic twice.
3. broker restart (kill -9 of Tansu, started again on the same port): producers and consumers
   reconnect, topics are re-created, orders placed after the restart flow end to end, and outbox
   rows written while the broker was down (orders through order-router's HTTP ingress, receipts
   through inventory's API) are published once it is back. Every client reaches Tansu through a
   proxy that stays cut until the topics exist again: with clients producing while Tansu was still
   auto-creating the topics, Tansu's memory storage acknowledged two records it never served (its
   log: AlreadyExists on a partition's batch 0) — a fault of the test broker, not a property of
   the platform, so the suite does not race it. What it does NOT show: durability of the log —
   Tansu's memory storage loses every record and committed offset, so the stream is stopped and
   the platform drained before the restart (anything not yet consumed would be lost with the
   broker); the checker keeps what it read before the restart as an earlier epoch of the log.
4. PostgreSQL outage of inventory (its DATABASE_URL goes through an OutageProxy, cut for 4 s):
   the worker retries transient failures without skipping or dead-lettering, the API refuses
   receipts (the FC client retries them with the same receipt id), nothing is lost. Only one service
   and only a clean connection refusal: no slow or half-open database.
5. every order and receipt of the stream delivered 2–5 times, then `orders`, `inventory.events`
   and `registration.events` replayed whole (each message re-published byte for byte): no second
   effect. The replay is at the Kafka level (same event ids), not a rebuild of a store.
6. poison — undecodable bytes without headers, an invalid CloudEvent (no ce_id), a valid envelope
   with invalid data — on every consumed topic, mid-stream, typed so that every consumer of the
   topic handles one of them: each lands in `<topic>.dlq` from every consumer that handles its type
   (from every consumer when it has none; a consumer may skip a type it does not handle unread), the
   stream behind it keeps flowing, and nothing else is dead-lettered. Not shown: a message that
   decodes but keeps failing in its handler (the retry-then-dead-letter path).
7. a burst of concurrent orders (four producers) for three hot SKUs with 6 units each: never more
   allocated than received.

Bounded in time: one platform for every fault, faults in sequence, no fixed sleep as a wait (short
sleeps only let the stream run during a fault).
"""

from __future__ import annotations

import asyncio
import os
import random
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from invariants import (
    HANDLED,
    INVARIANTS,
    MATRIX,
    POISON_HEADER,
    SERVICES,
    Checker,
    Result,
    TopicLog,
)
from sqlalchemy.engine import make_url
from workload import Sku, Workload, order_event

from stockpath_cli.localstack import Broker, Platform, ServicePorts, free_port
from stockpath_cli.seed import create_seller, seed_catalog
from stockpath_runtime.kafka import all_topics, ensure_topics
from stockpath_testing import eventually
from stockpath_testing.processes import FAST_GROUP_TIMEOUTS
from stockpath_testing.proxy import OutageProxy

pytestmark = [pytest.mark.integration, pytest.mark.system, pytest.mark.timeout(420)]

PARTITIONS = 3
OUTAGE_SERVICE = "inventory"
STREAM_SKUS, HOT_SKUS, HOT_STOCK = 10, 3, 6
SETTLE_TIMEOUT = 30
#: The finished run, for the checker's own test that follows.
COMPLETED: dict = {}
#: What the workers' logs say happened during a fault (evidence that the fault took effect).
EVIDENCE = {"transient retries": "transient failure", "dead-lettered": "message dead-lettered",
             "relay crashes": "fault injected"}


@pytest.fixture(scope="module")
def kafka_proxy():
    """Every client reaches the broker through this proxy (the broker advertises its port): fault 3
    cuts it while the broker restarts and its topics are created, so no client races that."""
    proxy = OutageProxy("127.0.0.1", free_port())
    yield proxy
    proxy.close()


@pytest.fixture(scope="module")
def broker(kafka_proxy, tmp_path_factory):
    """Our own Tansu on a fixed port: fault 3 restarts it, which the session broker must not suffer."""
    b = Broker(port=kafka_proxy.target[1], advertised_port=kafka_proxy.port,
               log_path=tmp_path_factory.mktemp("faults-tansu") / "tansu.log").start()
    kafka_proxy.start()
    asyncio.run(ensure_topics(b.bootstrap_servers, partitions=PARTITIONS, replication=1))
    yield b
    b.stop()


@pytest.fixture(scope="module")
def pg_proxy(database_server):
    url = make_url(database_server)
    proxy = OutageProxy(url.host or "127.0.0.1", url.port or 5432).start()
    yield proxy
    proxy.close()


@pytest.fixture(scope="module")
def platform(broker, pg_proxy, database_server, tmp_path_factory):
    from stockpath_runtime.db import drop_database

    run = uuid.uuid4().hex[:8]
    p = Platform(
        bootstrap_servers=broker.bootstrap_servers,
        database_server=database_server,
        database_prefix=f"faults_{run}",
        ports={n: ServicePorts(free_port(), free_port()) for n in SERVICES},
        log_dir=tmp_path_factory.mktemp("faults"),
        extra_env={**FAST_GROUP_TIMEOUTS, "STOCKPATH_LOG_LEVEL": "INFO", "KAFKA_TOPIC_PARTITIONS": str(PARTITIONS)},
        services=list(SERVICES),
        group_suffix=run,
    )
    #: The checker reads every database directly; the outage service's processes go through the proxy.
    p.direct_urls = {n: p.database_url(n) for n in SERVICES}
    p.database_overrides[OUTAGE_SERVICE] = (
        make_url(p.database_url(OUTAGE_SERVICE)).set(host="127.0.0.1", port=pg_proxy.port).render_as_string(hide_password=False)
    )
    p.migrate()
    p.start()
    try:
        p.wait_healthy(timeout_s=120)
        yield p
    finally:
        p.stop()
        for name in SERVICES:
            drop_database(p.direct_urls[name])


# --- setup through the public APIs ----------------------------------------------------------------
def stock_the_platform(platform: Platform) -> tuple[list[Sku], list[Sku], dict]:
    """A seller registers catalog items and plans two inbound shipments (stream SKUs, hot SKUs)."""
    from catalog.demo import generate

    seed_catalog(platform.url("catalog"), generate(60))
    seller = create_seller(platform.url("registration"), f"Fault Seller {uuid.uuid4().hex[:6]}")
    reg = httpx.Client(base_url=platform.url("registration"), timeout=30,
                       headers={"Authorization": f"Bearer {seller['token']}"})
    items = [{"catalog_item_id": f"B{n:09d}", "seller_sku": f"FLT-{n}", "condition": "new", "price": "9.99",
              "channels": ["storefront"]} for n in range(60)]
    r = reg.post("/v1/registrations", json={"items": items})
    assert r.status_code in (200, 201), r.text
    registered = [x for x in r.json()["results"] if x["status"] == "registered"]
    assert len(registered) >= STREAM_SKUS + HOT_SKUS, r.json()

    def plan(rows, quantity):
        r = reg.post("/v1/inbound-shipments",
                     json={"lines": [{"seller_sku": x["seller_sku"], "quantity": quantity} for x in rows]})
        assert r.status_code in (200, 201), r.text
        s = r.json()
        return [Sku(seller["seller_id"], x["seller_sku"], x["fnsku"], s["fulfillment_center_id"], s["shipment_id"])
                for x in rows]

    stream = plan(registered[:STREAM_SKUS], 1000)
    hot = plan(registered[STREAM_SKUS:STREAM_SKUS + HOT_SKUS], HOT_STOCK + 4)
    reg.close()
    return stream, hot, seller


async def wait_allocatable(platform: Platform, skus: list[Sku], at_least: int) -> None:
    async with httpx.AsyncClient(base_url=platform.url("order-router"), timeout=10) as router:
        async def ready():
            for s in skus:
                r = await router.get("/v1/availability", params={"fnsku": s.fnsku})
                if r.status_code != 200 or r.json()["allocatable"] < at_least:
                    return False
            return True

        await eventually(ready, timeout=60, interval=0.2, what="order-router to learn of the stock")


async def wait_shipments_known(platform: Platform, skus: list[Sku]) -> None:
    async with httpx.AsyncClient(base_url=platform.url("inventory"), timeout=10) as inventory:
        async def known():
            for shipment_id in {s.shipment_id for s in skus}:
                if (await inventory.get(f"/v1/inbound-shipments/{shipment_id}/receipts")).status_code != 200:
                    return False
            return True

        await eventually(known, timeout=60, interval=0.2, what="inventory to expect the shipments")


# --- the run --------------------------------------------------------------------------------------
class Run:
    def __init__(self, platform: Platform, broker: Broker, proxy: OutageProxy, kafka_proxy: OutageProxy,
                 workload: Workload, checker: Checker, log: TopicLog, hot: list[Sku], tmp: Path) -> None:
        self.platform, self.broker, self.proxy, self.kafka_proxy = platform, broker, proxy, kafka_proxy
        self.workload, self.checker, self.log = workload, checker, log
        self.hot, self.tmp = hot, tmp
        self.rows: list[tuple[str, dict[str, Result], float, str]] = []

    async def settle(self) -> dict[str, Result]:
        """Poll the checker until every invariant holds or the deadline passes (then the last answer)."""
        deadline = time.monotonic() + SETTLE_TIMEOUT
        while True:
            results = await self.checker.check()
            if all(r.ok for r in results.values()) or time.monotonic() > deadline:
                return results
            await asyncio.sleep(0.5)

    def log_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(EVIDENCE, 0)
        for path in self.platform.log_dir.glob("*-worker.log"):
            text = path.read_text(errors="replace")
            for label, needle in EVIDENCE.items():
                counts[label] += text.count(needle)
        return counts

    async def duplicates_absorbed(self) -> dict[str, int]:
        """Per worker, events its inbox recognised as already applied (its Prometheus counter)."""
        counts = {}
        async with httpx.AsyncClient(timeout=5) as client:
            for service in SERVICES:
                try:
                    text = (await client.get(f"{self.platform.worker_url(service)}/metrics")).text
                except httpx.HTTPError:
                    continue
                counts[service] = sum(
                    float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                    if line.startswith("stockpath_events_consumed_total{") and 'outcome="duplicate"' in line
                )
        return counts

    async def fault(self, name: str, inject) -> None:
        started = time.monotonic()
        before, dup_before = self.log_counts(), await self.duplicates_absorbed()
        self.workload.resume()
        note = await inject() or ""
        injected = time.monotonic()
        await self.workload.pause()
        results = await self.settle()
        note += f" [fault {injected - started:.0f} s, settle {time.monotonic() - injected:.0f} s]"
        after, dup_after = self.log_counts(), await self.duplicates_absorbed()
        # A restarted worker counts from zero again.
        dups = sum(v - dup_before.get(k, 0) if v >= dup_before.get(k, 0) else v for k, v in dup_after.items())
        after["redeliveries absorbed by inboxes"], before["redeliveries absorbed by inboxes"] = int(dups), 0
        seen = ", ".join(f"{label} {after[label] - before[label]}" for label in after if after[label] > before[label])
        self.rows.append((name, results, time.monotonic() - started, note + (f" — logs: {seen}" if seen else "")))

    async def wait_workers(self, services=SERVICES) -> None:
        workers = [self.platform.process(s, "worker") for s in services]
        await asyncio.to_thread(self.platform.wait_healthy, 90, workers)

    # 0
    async def baseline(self):
        await asyncio.sleep(3)
        return f"{self.workload.sent.orders_sent} orders so far"

    # 1
    async def kill_workers(self):
        async def kill_and_restart(service: str, delay: float) -> None:
            await asyncio.sleep(delay)
            worker = self.platform.process(service, "worker")
            await asyncio.to_thread(worker.kill)  # SIGKILL
            await asyncio.sleep(2)
            worker.start()

        await asyncio.sleep(1)
        await asyncio.gather(*(kill_and_restart(s, 1.0 * n) for n, s in enumerate(SERVICES)))
        await self.wait_workers()
        await asyncio.sleep(2)
        return "5 workers killed -9, restarted after 2 s"

    # 2
    async def relay_crash(self):
        markers = {}

        async def crash(service: str) -> None:
            worker = self.platform.process(service, "worker")
            markers[service] = marker = self.tmp / f"relay-crash-{service}"
            worker.env = {**worker.env, "STOCKPATH_FAULT": "relay-crash-after-publish",
                          "STOCKPATH_FAULT_MARKER": str(marker)}
            await asyncio.to_thread(worker.kill)
            worker.start()
            await eventually(lambda: not worker.alive(), timeout=60, interval=0.1,
                             what=f"{service}'s relay to crash between publish and mark")
            assert marker.exists(), f"{service} worker died without the injected fault"
            worker.start()  # the marker exists: this one does not crash again

        await asyncio.gather(crash("order-router"), crash("inventory"))
        await self.wait_workers(["order-router", "inventory"])
        await asyncio.sleep(2)
        self._relay_markers = markers
        return "relay killed after publish, before mark: " + ", ".join(
            f"{s} batch of {len(m.read_text().split(','))}" for s, m in markers.items())

    async def relay_crash_resent(self) -> str | None:
        """The crashed batches' events are on their topics at least twice (they really were re-sent)."""
        import sqlalchemy as sa

        problems = []
        for service, marker in self._relay_markers.items():
            ids = [int(i) for i in marker.read_text().split(",") if i]
            engine = sa.create_engine(self.platform.direct_urls[service], poolclass=sa.pool.NullPool)
            with engine.connect() as conn:
                event_ids = [r[0] for r in conn.execute(sa.text("SELECT event_id FROM outbox WHERE id = ANY(:ids)"), {"ids": ids})]
            engine.dispose()
            seen = {}
            for r in self.log.records:
                if r.envelope and r.envelope.id in event_ids:
                    seen[r.envelope.id] = seen.get(r.envelope.id, 0) + 1
            once = [e for e in event_ids if seen.get(e, 0) < 2]
            if once:
                problems.append(f"{service}: {len(once)} of the crashed batch's events not re-sent")
        return "; ".join(problems) or None

    # 3
    async def committed_everything(self) -> bool:
        """Every consumer group has committed the end of every partition it consumes."""
        from aiokafka import AIOKafkaConsumer
        from aiokafka.structs import TopicPartition

        await self.log.read()
        ends = self.log.positions
        for service in SERVICES:
            topics = {t for t, per in HANDLED.items() if service in per}
            if not topics:
                continue
            consumer = AIOKafkaConsumer(bootstrap_servers=self.broker.bootstrap_servers, enable_auto_commit=False,
                                        group_id=self.platform.consumer_group(service))
            await consumer.start()
            try:
                for (topic, partition), end in ends.items():
                    if topic in topics and (await consumer.committed(TopicPartition(topic, partition)) or 0) < end:
                        return False
            finally:
                await consumer.stop()
        return True

    async def drain(self) -> None:
        """Stop the stream and wait until nothing is left to do: every invariant holds, every
        consumer committed the end of its topics, and that produced nothing new."""
        await self.workload.pause()
        for _ in range(5):
            results = await self.settle()
            assert all(r.ok for r in results.values()), {k: r.problems for k, r in results.items() if not r.ok}
            await eventually(self.committed_everything, timeout=30, interval=0.5,
                             what="every consumer group to commit the end of its topics")
            read = len(self.log.records)
            await self.settle()
            if len(self.log.records) == read:
                return
        raise AssertionError("the platform did not come to rest")

    async def broker_restart(self):
        # Drain first: Tansu's memory storage keeps nothing, so only a drained platform loses nothing.
        drain_started = time.monotonic()
        await self.drain()
        drained_in = time.monotonic() - drain_started
        self.kafka_proxy.cut()
        self.broker.process.kill()
        self.broker.process.wait(10)
        # While the broker is down: orders through the HTTP ingress and receipts through inventory's
        # API are accepted into the outboxes.
        router = httpx.AsyncClient(base_url=self.platform.url("order-router"), timeout=10)
        sku = self.workload.skus[0]
        for _ in range(3):
            order_id = f"O-down-{uuid.uuid4().hex[:8]}"
            r = await router.post("/v1/orders", json={
                "order_id": order_id, "channel": "storefront",
                "lines": [{"line_id": "1", "seller_id": sku.seller_id, "seller_sku": sku.seller_sku, "quantity": 1,
                           "unit_price": "9.99"}],
                "ship_to": {"name": "Grace Hopper", "line1": "1 Navy Way", "city": "Arlington", "region": "VA",
                            "postal_code": "22202"}})
            assert r.status_code == 202, r.text
            self.workload.sent.order_ids.add(order_id)
        await router.aclose()
        for _ in range(2):
            await self.workload.post_receipt({
                "receipt_id": f"RC-down-{uuid.uuid4().hex[:8]}", "shipment_id": sku.shipment_id,
                "fulfillment_center_id": sku.fulfillment_center_id, "lines": [{"fnsku": sku.fnsku, "received": 3}]})
        await asyncio.sleep(2)  # the relays try, and fail, to publish
        # In this thread: Tansu dies with the thread that started it (PR_SET_PDEATHSIG), and a
        # to_thread worker ends with the test's event loop.
        self.broker.start()
        # Topics first, then the clients: with relays producing into topics Tansu was still
        # auto-creating, Tansu's memory storage acknowledged records it then did not serve
        # (its log: AlreadyExists on partition batch 0), which is the test broker's fault.
        self.broker.create_topics(all_topics(), PARTITIONS)
        self.kafka_proxy.restore()
        assert await ensure_topics(self.broker.bootstrap_servers, partitions=PARTITIONS, replication=1) == []
        self.log.new_epoch()
        self.workload.resume()
        await asyncio.sleep(6)
        await self.wait_workers()
        return (f"drained in {drained_in:.0f} s, Tansu killed -9 and restarted empty; "
                "3 orders + 2 receipts accepted while down")

    # 4
    async def database_outage(self):
        await asyncio.sleep(1)
        self.proxy.cut()
        await asyncio.sleep(4)
        self.proxy.restore()
        await asyncio.sleep(2)
        return f"{OUTAGE_SERVICE}'s PostgreSQL cut for 4 s; {self.workload.sent.send_failures} send(s) retried so far"

    # 5
    async def duplicates_and_replay(self):
        self.workload.duplicates = (2, 5)
        await asyncio.sleep(5)
        self.workload.duplicates = (1, 1)
        await self.workload.pause()
        await self.log.read()
        topics = ("orders", "inventory.events", "registration.events")
        replay = [r for r in self.log.records if r.epoch == self.log.epoch and r.topic in topics]
        producer = AIOKafkaProducer(bootstrap_servers=self.broker.bootstrap_servers, acks="all",
                                    enable_idempotence=False, linger_ms=5)
        await producer.start()
        try:
            futures = [await producer.send(r.topic, value=r.value, key=r.key,
                                           headers=[(k, v.encode()) for k, v in r.headers.items()]) for r in replay]
            await asyncio.gather(*futures)
        finally:
            await producer.stop()
        return f"stream delivered 2–5×; {len(replay)} messages of {', '.join(topics)} replayed"

    # 6
    async def poison(self):
        await asyncio.sleep(1)
        producer = AIOKafkaProducer(bootstrap_servers=self.broker.bootstrap_servers, acks="all", enable_idempotence=False)
        await producer.start()
        try:
            for topic, per_consumer in HANDLED.items():
                # Untyped bytes, then for types that together reach every consumer of the topic,
                # an invalid CloudEvent and a valid envelope with invalid data.
                types: list[str] = []
                for handled in per_consumer.values():
                    if not handled & set(types):
                        types.append(sorted(handled)[0])
                for kind, ce_type in [("bytes", None)] + [(k, t) for t in types for k in ("cloudevent", "data")]:
                    marker = f"poison-{kind}-{uuid.uuid4().hex[:8]}"
                    base = [(POISON_HEADER, marker.encode())]
                    now = datetime.now(UTC).isoformat()
                    ce = [("ce_specversion", b"1.0"), ("ce_type", (ce_type or "").encode()),
                          ("ce_source", b"/faults/poison"), ("ce_time", now.encode()), ("content-type", b"application/json")]
                    if kind == "bytes":
                        value, headers = b"\xff\xfe\x00{not json", base
                    elif kind == "cloudevent":  # no ce_id
                        value, headers = b"{}", base + ce
                    else:  # a valid envelope whose data does not validate
                        value, headers = b'{"poison": true}', base + ce + [("ce_id", str(uuid.uuid4()).encode())]
                    await producer.send_and_wait(topic, value=value, key=marker.encode(), headers=headers)
                    self.workload.sent.poison[marker] = (topic, ce_type)
                await asyncio.sleep(0.1)
        finally:
            await producer.stop()
        await asyncio.sleep(2)
        return f"{len(self.workload.sent.poison)} poison messages on {len(HANDLED)} topics"

    # 7
    async def burst(self):
        for s in self.hot:
            await self.workload.post_receipt({
                "receipt_id": f"RC-hot-{uuid.uuid4().hex[:8]}", "shipment_id": s.shipment_id,
                "fulfillment_center_id": s.fulfillment_center_id, "lines": [{"fnsku": s.fnsku, "received": HOT_STOCK}]})
        await wait_allocatable(self.platform, self.hot, HOT_STOCK)
        rng = random.Random(7)
        orders = []
        for n in range(90):
            lines = [(rng.choice(self.hot), 1)] if n % 6 else [(s, 1) for s in rng.sample(self.hot, 2)]
            order_id = f"O-hot-{uuid.uuid4().hex[:10]}"
            self.workload.sent.order_ids.add(order_id)
            orders.append(order_event(order_id, lines))
        from stockpath_testing import publish

        await asyncio.gather(*(publish(self.broker.bootstrap_servers, *orders[k::4]) for k in range(4)))
        await asyncio.sleep(2)
        return f"90 orders from 4 producers for {HOT_SKUS} SKUs with {HOT_STOCK} units each"


def matrix_lines(rows, wall: float) -> list[str]:
    header = "| fault | " + " | ".join(INVARIANTS) + " | time | what happened |"
    lines = [header, "|" + "---|" * (len(INVARIANTS) + 3)]
    for name, results, seconds, note in rows:
        cells = [results[i].cell() if i in results else "—" for i in INVARIANTS]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {seconds:.0f} s | {note} |")
    lines.append(f"\nTest run (stocking the platform to the last check, platform start-up not included): {wall:.0f} s")
    for name, results, _, _ in rows:
        for i, r in results.items():
            if not r.ok:
                lines.append(f"- {name} / {i}: " + "; ".join(r.problems[:10]))
    return lines


async def test_invariants_hold_under_every_fault(platform, broker, pg_proxy, kafka_proxy, artifacts_dir, tmp_path):
    started = time.monotonic()
    stream, hot, _seller = await asyncio.to_thread(stock_the_platform, platform)
    await wait_shipments_known(platform, stream + hot)
    workload = Workload(broker.bootstrap_servers, platform.url("inventory"), stream)
    await workload.start()
    for s in stream:
        await workload.post_receipt({"receipt_id": f"RC-init-{s.fnsku}", "shipment_id": s.shipment_id,
                                     "fulfillment_center_id": s.fulfillment_center_id,
                                     "lines": [{"fnsku": s.fnsku, "received": 150}]})
    await wait_allocatable(platform, stream, 150)

    log = TopicLog(broker.bootstrap_servers)
    checker = Checker(log, platform.direct_urls, workload.sent)
    run = Run(platform, broker, pg_proxy, kafka_proxy, workload, checker, log, hot, tmp_path)
    try:
        await run.fault("0 baseline (no fault)", run.baseline)
        await run.fault("1 kill -9 each worker", run.kill_workers)
        await run.fault("2 relay crash publish→mark", run.relay_crash)
        resent = await run.relay_crash_resent()
        if resent:
            name, results, seconds, note = run.rows[-1]
            results["A"] = Result(False, resent, [resent])
        await run.fault("3 broker restart", run.broker_restart)
        await run.fault(f"4 PostgreSQL outage ({OUTAGE_SERVICE})", run.database_outage)
        await run.fault("5 duplicates ×2–5 + topic replay", run.duplicates_and_replay)
        await run.fault("6 poison on every topic", run.poison)
        await run.fault("7 hot-SKU burst", run.burst)
        async with httpx.AsyncClient(base_url=platform.url("order-router"), timeout=10) as router:
            allocated = [(await router.get("/v1/availability", params={"fnsku": s.fnsku})).json()["reservations_total"]
                         for s in hot]
        name, results, seconds, note = run.rows[-1]
        run.rows[-1] = (name, results, seconds, note + f"; allocated {'/'.join(map(str, allocated))} of {HOT_STOCK} each")
        COMPLETED["run"] = run
    finally:
        await workload.close()
        checker.close()
        lines = matrix_lines(run.rows, time.monotonic() - started)
        MATRIX[:] = lines
        sent = workload.sent
        MATRIX.append(f"Stream: {sent.orders_sent} orders ({sent.order_deliveries} deliveries), "
                      f"{len(sent.receipts)} receipts ({sent.receipt_posts} posts), {sent.send_failures} failed sends retried")
        (artifacts_dir / "fault-matrix.md").write_text("# Fault matrix\n\n" + "\n".join(MATRIX) + "\n")
        print("\n".join(MATRIX))
        if os.environ.get("STOCKPATH_FAULTS_KEEP_LOGS"):
            print("service logs:", platform.log_dir)

    failures = {name: {i: r.problems for i, r in results.items() if not r.ok}
                for name, results, _, _ in run.rows if not all(r.ok for r in results.values())}
    assert not failures, failures


async def test_the_checker_sees_each_kind_of_violation(platform, broker):
    """The checker is not vacuous: after the run, one violation per invariant is planted (events
    written as a faulty service would, rows changed as a faulty handler would) and every one is seen."""
    import sqlalchemy as sa

    run = COMPLETED.get("run")
    if run is None:
        pytest.skip("the fault run did not complete")
    log = run.log  # it holds the epoch before the broker restart too
    checker = Checker(log, platform.direct_urls, run.workload.sent)
    try:
        assert all(r.ok for r in (await checker.check()).values())

        def copy(record, **changes) -> tuple:
            headers = {**record.headers, "ce_id": str(uuid.uuid4()), **changes}
            return record.topic, record.value, record.key, [(k, v.encode()) for k, v in headers.items()]

        first = {name: next(r for r in log.records if r.name == name)
                 for name in ("FulfillmentInstructed", "OrderRejected", "InventoryLevelChanged")}
        planted = [
            copy(first["FulfillmentInstructed"]),  # D: a second instruction for one fulfillment order
            copy(first["OrderRejected"]),  # N: a second outcome for one order
            copy(first["InventoryLevelChanged"], ce_time="2000-01-01T00:00:00+00:00"),  # O: a level from the past
            ("orders.dlq", b"{}", b"not-poison", []),  # P: a dead letter that is not poison
        ]
        producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap_servers, acks="all", enable_idempotence=False)
        await producer.start()
        try:
            for topic, value, key, headers in planted:
                await producer.send_and_wait(topic, value=value, key=key, headers=headers)
        finally:
            await producer.stop()

        def tamper():
            for service, sql in (
                ("order-router", "UPDATE fulfillment_order_lines SET quantity = quantity + 100000 "
                                 "WHERE fulfillment_order_id = (SELECT min(fulfillment_order_id) FROM fulfillment_order_lines)"),  # S
                ("inventory", "UPDATE inventory_levels SET fulfillable = fulfillable + 1 "
                              "WHERE fnsku = (SELECT min(fnsku) FROM inventory_levels)"),  # A
            ):
                engine = sa.create_engine(platform.direct_urls[service], poolclass=sa.pool.NullPool)
                with engine.begin() as conn:
                    conn.execute(sa.text(sql))
                engine.dispose()

        await asyncio.to_thread(tamper)
        results = await checker.check()
        assert [i for i in INVARIANTS if results[i].ok] == [], {i: r.detail for i, r in results.items()}
    finally:
        checker.close()
