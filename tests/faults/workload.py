"""The steady workload the faults are injected into: OrderPlaced events written to `orders` as an
upstream order system would, and FC receipts recorded through inventory's HTTP API.

Everything sent is remembered (order ids, receipt ids, poison markers) so the invariant checker
can tell what must have an effect. Sends that fail during a fault (broker down, database cut) are
kept and retried with the same ids — exactly what a real upstream system or FC client does.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import uuid
from dataclasses import dataclass, field

import httpx
from aiokafka import AIOKafkaProducer

from stockpath_events import Address, encode, new_event
from stockpath_events.types.orders import OrderPlaced

BUYERS = [
    Address(
        name="Ada Buyer", line1="400 Pine St", city="Seattle", region="WA", postal_code="98101"
    ),
    Address(
        name="Grace Hopper", line1="1 Navy Way", city="Arlington", region="VA", postal_code="22202"
    ),
    Address(
        name="Alan Turing", line1="1 Main St", city="Columbus", region="OH", postal_code="43215"
    ),
]


@dataclass
class Sku:
    seller_id: str
    seller_sku: str
    fnsku: str
    fulfillment_center_id: str
    shipment_id: str


@dataclass
class Sent:
    """What the workload put into the platform."""

    order_ids: set[str] = field(default_factory=set)
    #: receipt_id -> (shipment_id, fc, fnsku, received): receipts the inventory API accepted.
    receipts: dict[str, tuple[str, str, str, int]] = field(default_factory=dict)
    #: Poison markers -> (topic, its ce_type header or None).
    poison: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    orders_sent: int = 0
    order_deliveries: int = 0
    receipt_posts: int = 0
    send_failures: int = 0


def order_event(order_id: str, lines: list[tuple[Sku, int]]):
    return new_event(
        OrderPlaced(
            order_id=order_id,
            channel="storefront",
            ship_to=random.choice(BUYERS),
            lines=[
                {
                    "line_id": str(n + 1),
                    "seller_id": s.seller_id,
                    "seller_sku": s.seller_sku,
                    "quantity": q,
                    "unit_price": "9.99",
                }
                for n, (s, q) in enumerate(lines)
            ],
        ),
        source="/channels/storefront",
    )


class Workload:
    """A background stream: `orders_per_s` orders and `receipts_per_s` receipts while running."""

    def __init__(
        self,
        bootstrap: str,
        inventory_url: str,
        skus: list[Sku],
        *,
        fc_tokens: dict[str, str],
        orders_per_s: float = 6,
        receipts_per_s: float = 1.5,
    ) -> None:
        self.bootstrap = bootstrap
        self.inventory_url = inventory_url
        #: Each FC records its own receipts, with its own credential.
        self.fc_tokens = fc_tokens
        self.skus = skus
        self.orders_per_s = orders_per_s
        self.receipts_per_s = receipts_per_s
        self.sent = Sent()
        #: Each order (and receipt) delivered this many times (a random count in the range).
        self.duplicates = (1, 1)
        self._running = asyncio.Event()
        self._stopped = False
        self._tasks: list[asyncio.Task] = []
        self._pending_orders: list[tuple[str, object, int]] = []
        self._pending_receipts: list[dict] = []
        self._producer: AIOKafkaProducer | None = None
        self._http: httpx.AsyncClient | None = None
        self._rng = random.Random(8)
        #: The stream's tasks and `pause` both flush: one sender at a time keeps the queues consistent.
        self._order_lock = asyncio.Lock()
        self._receipt_lock = asyncio.Lock()

    async def start(self) -> None:
        self._http = httpx.AsyncClient(base_url=self.inventory_url, timeout=5)
        self._tasks = [asyncio.create_task(self._orders()), asyncio.create_task(self._receipts())]

    def resume(self) -> None:
        self._running.set()

    async def pause(self, *, flush_timeout: float = 60) -> None:
        """Stop generating, then deliver whatever a fault left pending (polling, with a deadline)."""
        self._running.clear()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + flush_timeout
        while self._pending_orders or self._pending_receipts:
            await self._flush()
            if loop.time() > deadline:
                raise AssertionError(
                    f"workload could not deliver {len(self._pending_orders)} order(s) and "
                    f"{len(self._pending_receipts)} receipt(s) within {flush_timeout}s"
                )
            if self._pending_orders or self._pending_receipts:
                await asyncio.sleep(0.2)

    async def close(self) -> None:
        self._stopped = True
        self._running.set()
        for t in self._tasks:
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._drop_producer()
        if self._http:
            await self._http.aclose()

    # --- orders -----------------------------------------------------------------------------
    async def _orders(self) -> None:
        while not self._stopped:
            await self._running.wait()
            n_lines = self._rng.choice([1, 1, 2, 3])
            lines = [(s, self._rng.randint(1, 2)) for s in self._rng.sample(self.skus, n_lines)]
            order_id = f"O-{uuid.uuid4().hex[:12]}"
            times = self._rng.randint(*self.duplicates)
            self.sent.order_ids.add(order_id)
            self.sent.orders_sent += 1
            self._pending_orders.append((order_id, order_event(order_id, lines), times))
            await self._flush_orders()
            await asyncio.sleep(1 / self.orders_per_s)

    async def _producer_ready(self) -> AIOKafkaProducer:
        if self._producer is None:
            p = AIOKafkaProducer(
                bootstrap_servers=self.bootstrap,
                acks="all",
                enable_idempotence=False,
                request_timeout_ms=5000,
            )
            await asyncio.wait_for(p.start(), 5)
            self._producer = p
        return self._producer

    async def _drop_producer(self) -> None:
        p, self._producer = self._producer, None
        if p is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(p.stop(), 5)

    async def _flush_orders(self) -> None:
        async with self._order_lock:
            await self._send_orders()

    async def _send_orders(self) -> None:
        while self._pending_orders:
            order_id, envelope, times = self._pending_orders[0]
            message = encode(envelope)
            try:
                producer = await self._producer_ready()
                for _ in range(times):
                    await asyncio.wait_for(
                        producer.send_and_wait(
                            message.topic,
                            value=message.value,
                            key=message.key,
                            headers=message.headers,
                        ),
                        6,
                    )
                    self.sent.order_deliveries += 1
            except Exception:
                self.sent.send_failures += 1
                await self._drop_producer()
                return
            self._pending_orders.pop(0)

    # --- receipts ---------------------------------------------------------------------------
    async def _receipts(self) -> None:
        while not self._stopped:
            await self._running.wait()
            s = self._rng.choice(self.skus)
            body = {
                "receipt_id": f"RC-{uuid.uuid4().hex[:12]}",
                "shipment_id": s.shipment_id,
                "fulfillment_center_id": s.fulfillment_center_id,
                "lines": [{"fnsku": s.fnsku, "received": self._rng.randint(2, 5)}],
            }
            for _ in range(self._rng.randint(*self.duplicates)):
                self._pending_receipts.append(body)
            await self._flush_receipts()
            await asyncio.sleep(1 / self.receipts_per_s)

    async def post_receipt(self, body: dict) -> None:
        self._pending_receipts.append(body)
        await self._flush_receipts()

    async def _flush_receipts(self) -> None:
        async with self._receipt_lock:
            await self._send_receipts()

    async def _send_receipts(self) -> None:
        while self._pending_receipts:
            body = self._pending_receipts[0]
            try:
                r = await self._http.post(
                    "/v1/receipts",
                    json=body,
                    headers={
                        "Authorization": f"Bearer {self.fc_tokens[body['fulfillment_center_id']]}"
                    },
                )
            except httpx.HTTPError:
                self.sent.send_failures += 1
                return
            self.sent.receipt_posts += 1
            if r.status_code >= 500:
                self.sent.send_failures += 1
                return
            assert r.status_code in (200, 201), r.text
            line = body["lines"][0]
            self.sent.receipts[body["receipt_id"]] = (
                body["shipment_id"],
                body["fulfillment_center_id"],
                line["fnsku"],
                line["received"],
            )
            self._pending_receipts.pop(0)

    async def _flush(self) -> None:
        await self._flush_orders()
        await self._flush_receipts()
