"""The faults injected into the run, 0 to 9, in the order test_faults.py runs them (its docstring
says what each can and cannot show). Each returns a note for the matrix; `FaultRun.fault` measures
it and checks the invariants after it."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from datetime import UTC, datetime

import httpx
from aiokafka import AIOKafkaProducer
from fault_platform import (
    HOT_SKUS,
    HOT_STOCK,
    LOAD_STOCK,
    OUTAGE_SERVICE,
    PARTITIONS,
    wait_allocatable,
)
from fault_run import Run
from invariants import HANDLED, POISON_HEADER, SERVICES, TopicLog
from workload import Sku, order_event

from stockpath_events import encode, new_event
from stockpath_events.types.fulfillment import (
    ExceptionLine,
    ExceptionReason,
    FulfillmentRejectedByCenter,
    RemovalShipped,
    ReturnCondition,
    ReturnedLine,
    ReturnReceived,
    ShipmentShipped,
    UnitsDisposed,
)
from stockpath_runtime.kafka import all_topics, ensure_topics
from stockpath_testing import eventually

#: The load case: order lines per second driven (what the load benchmark's target is built on), and for how long.
LOAD_RATE, LOAD_SECONDS = 1600, 8


class FaultRun(Run):
    """A run of the suite: the harness (`Run`) and the faults it injects."""

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
            worker.env = {
                **worker.env,
                "STOCKPATH_FAULT": "relay-crash-after-publish",
                "STOCKPATH_FAULT_MARKER": str(marker),
            }
            await asyncio.to_thread(worker.kill)
            worker.start()
            await eventually(
                lambda: not worker.alive(),
                timeout=60,
                interval=0.1,
                what=f"{service}'s relay to crash between publish and mark",
            )
            assert marker.exists(), f"{service} worker died without the injected fault"
            worker.start()  # the marker exists: this one does not crash again

        await asyncio.gather(crash("order-router"), crash("inventory"))
        await self.wait_workers(["order-router", "inventory"])
        await asyncio.sleep(2)
        self._relay_markers = markers
        return "relay killed after publish, before mark: " + ", ".join(
            f"{s} batch of {len(m.read_text().split(','))}" for s, m in markers.items()
        )

    async def relay_crash_resent(self) -> str | None:
        """The crashed batches' events are on their topics at least twice (they really were re-sent)."""
        import sqlalchemy as sa

        problems = []
        for service, marker in self._relay_markers.items():
            ids = [int(i) for i in marker.read_text().split(",") if i]
            engine = sa.create_engine(
                self.platform.direct_urls[service], poolclass=sa.pool.NullPool
            )
            with engine.connect() as conn:
                event_ids = [
                    r[0]
                    for r in conn.execute(
                        sa.text("SELECT event_id FROM outbox WHERE id = ANY(:ids)"), {"ids": ids}
                    )
                ]
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
        router = httpx.AsyncClient(
            base_url=self.platform.url("order-router"),
            timeout=10,
            headers={"Authorization": f"Bearer {self.platform.operator_token}"},
        )
        sku = self.workload.skus[0]
        for _ in range(3):
            order_id = f"O-down-{uuid.uuid4().hex[:8]}"
            r = await router.post(
                "/v1/orders",
                json={
                    "order_id": order_id,
                    "channel": "storefront",
                    "lines": [
                        {
                            "line_id": "1",
                            "seller_id": sku.seller_id,
                            "seller_sku": sku.seller_sku,
                            "quantity": 1,
                            "unit_price": "9.99",
                        }
                    ],
                    "ship_to": {
                        "name": "Grace Hopper",
                        "line1": "1 Navy Way",
                        "city": "Arlington",
                        "region": "VA",
                        "postal_code": "22202",
                    },
                },
            )
            assert r.status_code == 202, r.text
            self.workload.sent.order_ids.add(order_id)
        await router.aclose()
        for _ in range(2):
            await self.workload.post_receipt(
                {
                    "receipt_id": f"RC-down-{uuid.uuid4().hex[:8]}",
                    "shipment_id": sku.shipment_id,
                    "fulfillment_center_id": sku.fulfillment_center_id,
                    "lines": [{"fnsku": sku.fnsku, "received": 3}],
                }
            )
        await asyncio.sleep(2)  # the relays try, and fail, to publish
        # In this thread: Tansu dies with the thread that started it (PR_SET_PDEATHSIG), and a
        # to_thread worker ends with the test's event loop.
        self.broker.start()
        # Topics first, then the clients: with relays producing into topics Tansu was still
        # auto-creating, Tansu's memory storage acknowledged records it then did not serve
        # (its log: AlreadyExists on partition batch 0), which is the test broker's fault.
        self.broker.create_topics(all_topics(), PARTITIONS)
        self.kafka_proxy.restore()
        assert (
            await ensure_topics(self.broker.bootstrap_servers, partitions=PARTITIONS, replication=1)
            == []
        )
        self.log.new_epoch()
        self.workload.resume()
        await asyncio.sleep(6)
        await self.wait_workers()
        return (
            f"drained in {drained_in:.0f} s, Tansu killed -9 and restarted empty; "
            "3 orders + 2 receipts accepted while down"
        )

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
        producer = AIOKafkaProducer(
            bootstrap_servers=self.broker.bootstrap_servers,
            acks="all",
            enable_idempotence=False,
            linger_ms=5,
        )
        await producer.start()
        try:
            futures = [
                await producer.send(
                    r.topic,
                    value=r.value,
                    key=r.key,
                    headers=[(k, v.encode()) for k, v in r.headers.items()],
                )
                for r in replay
            ]
            await asyncio.gather(*futures)
        finally:
            await producer.stop()
        return f"stream delivered 2–5×; {len(replay)} messages of {', '.join(topics)} replayed"

    # 6
    async def poison(self):
        await asyncio.sleep(1)
        producer = AIOKafkaProducer(
            bootstrap_servers=self.broker.bootstrap_servers, acks="all", enable_idempotence=False
        )
        await producer.start()
        try:
            for topic, per_consumer in HANDLED.items():
                # Untyped bytes, then for types that together reach every consumer of the topic,
                # an invalid CloudEvent and a valid envelope with invalid data.
                types: list[str] = []
                for handled in per_consumer.values():
                    if not handled & set(types):
                        types.append(sorted(handled)[0])
                for kind, ce_type in [("bytes", None)] + [
                    (k, t) for t in types for k in ("cloudevent", "data")
                ]:
                    marker = f"poison-{kind}-{uuid.uuid4().hex[:8]}"
                    base = [(POISON_HEADER, marker.encode())]
                    now = datetime.now(UTC).isoformat()
                    ce = [
                        ("ce_specversion", b"1.0"),
                        ("ce_type", (ce_type or "").encode()),
                        ("ce_source", b"/faults/poison"),
                        ("ce_time", now.encode()),
                        ("content-type", b"application/json"),
                    ]
                    if kind == "bytes":
                        value, headers = b"\xff\xfe\x00{not json", base
                    elif kind == "cloudevent":  # no ce_id
                        value, headers = b"{}", base + ce
                    else:  # a valid envelope whose data does not validate
                        value, headers = (
                            b'{"poison": true}',
                            base + ce + [("ce_id", str(uuid.uuid4()).encode())],
                        )
                    await producer.send_and_wait(
                        topic, value=value, key=marker.encode(), headers=headers
                    )
                    self.workload.sent.poison[marker] = (topic, ce_type)
                await asyncio.sleep(0.1)
        finally:
            await producer.stop()
        await asyncio.sleep(2)
        return f"{len(self.workload.sent.poison)} poison messages on {len(HANDLED)} topics"

    # 7
    async def burst(self):
        for s in self.hot:
            await self.workload.post_receipt(
                {
                    "receipt_id": f"RC-hot-{uuid.uuid4().hex[:8]}",
                    "shipment_id": s.shipment_id,
                    "fulfillment_center_id": s.fulfillment_center_id,
                    "lines": [{"fnsku": s.fnsku, "received": HOT_STOCK}],
                }
            )
        await wait_allocatable(self.platform, self.hot, HOT_STOCK)
        rng = random.Random(7)
        orders = []
        for n in range(90):
            lines = (
                [(rng.choice(self.hot), 1)] if n % 6 else [(s, 1) for s in rng.sample(self.hot, 2)]
            )
            order_id = f"O-hot-{uuid.uuid4().hex[:10]}"
            self.workload.sent.order_ids.add(order_id)
            orders.append(order_event(order_id, lines))
        from stockpath_testing import publish

        await asyncio.gather(
            *(publish(self.broker.bootstrap_servers, *orders[k::4]) for k in range(4))
        )
        await asyncio.sleep(2)
        return f"90 orders from 4 producers for {HOT_SKUS} SKUs with {HOT_STOCK} units each"

    # 8
    async def kill_under_load(self):
        """What `scripts/bench_orders.py` drives — OrderPlaced at LOAD_RATE order lines/s from a
        channel's producer — while the order router's and inventory's workers are killed -9 (and
        restarted 2 s later), mid-batch wherever they are."""
        for s in self.load:
            await self.workload.post_receipt(
                {
                    "receipt_id": f"RC-load-{uuid.uuid4().hex[:8]}",
                    "shipment_id": s.shipment_id,
                    "fulfillment_center_id": s.fulfillment_center_id,
                    "lines": [{"fnsku": s.fnsku, "received": LOAD_STOCK}],
                }
            )
        await wait_allocatable(self.platform, self.load, LOAD_STOCK)
        producer = AIOKafkaProducer(
            bootstrap_servers=self.broker.bootstrap_servers,
            acks="all",
            enable_idempotence=False,
            linger_ms=5,
        )
        await producer.start()

        async def drive() -> tuple[int, int, float]:
            rng, lines_sent, orders, futures = random.Random(11), 0, 0, []
            started = time.perf_counter()
            while lines_sent < LOAD_RATE * LOAD_SECONDS:
                delay = started + lines_sent / LOAD_RATE - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                lines = [(s, 1) for s in rng.sample(self.load, rng.randint(1, 3))]
                order_id = f"O-load-{uuid.uuid4().hex[:10]}"
                self.workload.sent.order_ids.add(order_id)
                message = encode(order_event(order_id, lines))
                futures.append(
                    await producer.send(
                        message.topic, message.value, key=message.key, headers=message.headers
                    )
                )
                lines_sent, orders = lines_sent + len(lines), orders + 1
            rate = lines_sent / (time.perf_counter() - started)  # as produced, before the last acks
            await asyncio.gather(*futures)
            return orders, lines_sent, rate

        async def kill(service: str, after: float) -> None:
            await asyncio.sleep(after)
            worker = self.platform.process(service, "worker")
            await asyncio.to_thread(worker.kill)
            await asyncio.sleep(2)
            worker.start()

        try:
            (orders, lines, rate), _, _ = await asyncio.gather(
                drive(),
                kill("order-router", LOAD_SECONDS * 0.3),
                kill("inventory", LOAD_SECONDS * 0.5),
            )
        finally:
            await producer.stop()
        await self.wait_workers(["order-router", "inventory"])
        return (
            f"{orders} orders ({lines} lines) produced at {rate:,.0f} lines/s; the order router's and "
            f"inventory's workers killed -9 mid-load, restarted after 2 s"
        )

    # 9
    async def after_the_sale(self):
        """After the sale, in the stream: FCs report exceptions on 12 fulfillment orders instructed
        in this run (one unit short-picked, one damaged, or none of the order shipped, in turn);
        ship 6 others, whose buyers return a unit each (authorized at the router, received
        sellable, customer-damaged or defective, in turn); and the seller has 4 units removed (2
        disposed of, 1 shipped back, 1 cancelled). Every FC report is on the topic three times —
        the same event twice and the FC's re-sent report under a new id — while orders keep coming."""
        from stockpath_testing import publish

        await asyncio.sleep(1)
        await self.log.read()
        instructed = TopicLog.first(
            self.log.events("fulfillment.instructions", "FulfillmentInstructed")
        )
        recent = [r for r in instructed if r.epoch == self.log.epoch][-60:]
        picked = random.Random(15).sample(recent, min(18, len(recent)))
        excepted, shipped = picked[:12], picked[12:]
        reports = [_exception(r.envelope.data, n) for n, r in enumerate(excepted)]
        reports += [_shipped(r.envelope.data) for r in shipped]
        await publish(self.broker.bootstrap_servers, *[e for report in reports for e in report])
        returns = await self._returns_of([r.envelope.data for r in shipped])
        removals = await self._removals()
        await publish(
            self.broker.bootstrap_servers, *[e for report in returns + removals for e in report]
        )
        await asyncio.sleep(2)
        return (
            f"{len(excepted)} FC exceptions (short pick, damaged, none shipped), {len(shipped)} "
            f"shipments, {len(returns)} returns received (sellable, damaged, defective), "
            f"{len(removals)} removals carried out and 1 cancelled; each FC report on the topic 3×"
        )

    async def _returns_of(self, shipped) -> list[list]:
        """A return of one unit of each shipped fulfillment order, once the router knows it shipped,
        and the FC's report of it."""
        conditions = (
            ReturnCondition.SELLABLE,
            ReturnCondition.CUSTOMER_DAMAGED,
            ReturnCondition.DEFECTIVE,
        )
        reports = []
        async with httpx.AsyncClient(
            base_url=self.platform.url("order-router"),
            timeout=10,
            headers={"Authorization": f"Bearer {self.platform.operator_token}"},
        ) as router:

            async def shipped_at_router(d) -> bool:
                r = await router.get(f"/v1/orders/{d.order_id}")
                return r.status_code == 200 and any(
                    fo["fulfillment_order_id"] == d.fulfillment_order_id
                    and fo["status"] == "SHIPPED"
                    for fo in r.json()["fulfillment_orders"]
                )

            for n, d in enumerate(shipped):
                await eventually(
                    lambda d=d: shipped_at_router(d), timeout=30, what=f"{d.order_id} shipped"
                )
                line = d.lines[0]
                r = await router.post(
                    f"/v1/orders/{d.order_id}/returns",
                    json={
                        "lines": [{"line_id": line.line_id, "quantity": 1}],
                        "fulfillment_center_id": d.fulfillment_center_id,
                        "reason": "fault suite: a return",
                    },
                )
                assert r.status_code == 201, r.text
                received = ReturnReceived(
                    return_id=r.json()["return_id"],
                    order_id=d.order_id,
                    fulfillment_center_id=d.fulfillment_center_id,
                    lines=[
                        ReturnedLine(
                            fnsku=line.fnsku, quantity=1, condition=conditions[n % len(conditions)]
                        )
                    ],
                )
                reports.append(_three_times(received, d.fulfillment_center_id))
        return reports

    async def _removals(self) -> list[list]:
        """The seller has one unit of each of the four SKUs it holds most of removed: two disposed
        of, one shipped back (the FC's reports), one cancelled before the FC did anything."""
        reports = []
        async with httpx.AsyncClient(
            base_url=self.platform.url("inventory"),
            timeout=10,
            headers={"Authorization": f"Bearer {self.seller['token']}"},
        ) as inventory:
            # The stream keeps selling, and earlier cases sold some SKUs out: take the fullest.
            levels = (await inventory.get("/v1/inventory", params={"limit": 100})).json()["items"]
            fullest = sorted(levels, key=lambda row: -row["fulfillable"])[:4]
            assert fullest and fullest[-1]["fulfillable"] >= 5, levels
            skus = [
                Sku(
                    self.seller["seller_id"],
                    row["seller_sku"],
                    row["fnsku"],
                    row["fulfillment_center_id"],
                    "",
                )
                for row in fullest
            ]
            for n, s in enumerate(skus):
                body: dict = {
                    "fulfillment_center_id": s.fulfillment_center_id,
                    "disposition": "return" if n == 2 else "dispose",
                    "lines": [{"fnsku": s.fnsku, "source": "fulfillable", "quantity": 1}],
                }
                if n == 2:
                    body["ship_to"] = {
                        "name": "Fault Seller",
                        "line1": "1 Dock Rd",
                        "city": "Kent",
                        "region": "WA",
                        "postal_code": "98032",
                    }
                r = await inventory.post("/v1/removal-orders", json=body)
                assert r.status_code == 201, r.text
                removal_id = r.json()["removal_order_id"]
                if n == 3:
                    cancelled = await inventory.post(
                        f"/v1/removal-orders/{removal_id}/cancellation"
                    )
                    assert cancelled.status_code == 200, cancelled.text
                    continue
                done = (
                    RemovalShipped(
                        removal_order_id=removal_id,
                        fulfillment_center_id=s.fulfillment_center_id,
                        carrier="UPS",
                        tracking_number=f"1ZRMV{n}",
                    )
                    if n == 2
                    else UnitsDisposed(
                        removal_order_id=removal_id, fulfillment_center_id=s.fulfillment_center_id
                    )
                )
                reports.append(_three_times(done, s.fulfillment_center_id))
        return reports


def _three_times(report, fulfillment_center_id: str) -> list:
    """An FC's report as the topic gets it in the suite: the same event twice, then re-sent under a
    new id."""
    source = f"/fulfillment-centers/{fulfillment_center_id}"
    first = new_event(report, source=source)
    return [first, first, new_event(report, source=source)]


def _exception(d, n: int) -> list:
    """One unit short-picked, one damaged, or none of the order shipped (by `n`), three times."""
    reason = (ExceptionReason.SHORT_PICK, ExceptionReason.DAMAGED, None)[n % 3]
    lines = (
        None
        if reason is None
        else [
            ExceptionLine(
                line_id=d.lines[0].line_id, fnsku=d.lines[0].fnsku, quantity=1, reason_code=reason
            )
        ]
    )
    report = FulfillmentRejectedByCenter(
        fulfillment_order_id=d.fulfillment_order_id,
        order_id=d.order_id,
        fulfillment_center_id=d.fulfillment_center_id,
        reason="fault suite: pick exception",
        lines=lines,
    )
    return _three_times(report, d.fulfillment_center_id)


def _shipped(d) -> list:
    """The FC shipped the fulfillment order (told twice: the same event redelivered)."""
    shipped = new_event(
        ShipmentShipped(
            fulfillment_order_id=d.fulfillment_order_id,
            order_id=d.order_id,
            fulfillment_center_id=d.fulfillment_center_id,
            carrier="UPS",
            tracking_number=f"1Z{d.fulfillment_order_id[-10:]}",
        ),
        source=f"/fulfillment-centers/{d.fulfillment_center_id}",
    )
    return [shipped, shipped]
