"""Benchmark of the listing service's own work on this machine, against the local PostgreSQL.

    uv run python services/listing/scripts/bench_listing.py [--items 1000]

On a fresh database it measures: registrations (three channels each) and stock reports applied
through the runtime's MessageProcessor (inbox, handler, outbox, commit — the worker's path minus
the broker); a seller's product feed rendered over HTTP and validated; storefront browse/search
and product page latency; and webhook deliveries drained against a local HTTP receiver.
It prints figures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import threading
import time
import uuid
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import sqlalchemy as sa
from fastapi.testclient import TestClient

from listing.adapters.merchant_feed import validate_feed
from listing.adapters.webhook import WebhookDispatcher
from listing.bootstrap import SERVICE, create_api
from listing.settings import Settings
from stockpath_events import CatalogItemSnapshot, Condition, Identifiers, encode, new_event
from stockpath_events.types.inventory import InventoryLevelChanged
from stockpath_events.types.registration import ItemRegistered
from stockpath_runtime.db import drop_database
from stockpath_runtime.migrations import upgrade
from stockpath_runtime.settings import LOCAL_POSTGRES
from stockpath_testing import ServiceConsumer

SELLER = "S-BENCH"
WORDS = [
    "Cast Iron Skillet",
    "Dutch Oven",
    "Chef Knife",
    "Mixing Bowl",
    "Salad Spinner",
    "Tea Kettle",
]


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def registration(n: int) -> ItemRegistered:
    fnsku = f"XB{n:08d}"
    return ItemRegistered(
        registration_id=f"R-{n}",
        seller_id=SELLER,
        seller_sku=f"SKU-{n}",
        catalog_item_id=f"B{n:09d}",
        fnsku=fnsku,
        condition=Condition.NEW,
        price=Decimal("19.99") + n % 50,
        channels=["storefront", "marketplace-feed", "webhook"],
        item=CatalogItemSnapshot(
            catalog_item_id=f"B{n:09d}",
            title=f"Acme {WORDS[n % len(WORDS)]} {n}",
            brand="Acme",
            category="Kitchen",
            identifiers=Identifiers(upc=f"{n:012d}"),
            attributes={"image_url": f"https://images.example.com/{fnsku}.jpg"},
        ),
    )


def report(name: str, count: int, seconds: float) -> None:
    print(f"{name:<52} {count:>6} in {seconds:6.2f} s  = {count / seconds:8.0f} /s")


def latency(name: str, samples: list[float]) -> None:
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[int(len(ms) * 0.95) - 1]
    print(
        f"{name:<52} p50 {statistics.median(ms):6.1f} ms  p95 {p95:6.1f} ms  ({len(ms)} requests)"
    )


async def apply_events(url: str, webhook_url: str, items: int) -> None:
    # The service's own subscriptions and unit of work, through the runtime's MessageProcessor.
    async with ServiceConsumer(SERVICE, url, webhook={"url": webhook_url}) as consumer:
        for name, events in (
            ("ItemRegistered applied (3 listings each)", [registration(n) for n in range(items)]),
            (
                "InventoryLevelChanged applied (3 listings each)",
                [
                    InventoryLevelChanged(
                        fulfillment_center_id="SEA1",
                        fnsku=f"XB{n:08d}",
                        seller_id=SELLER,
                        inbound=0,
                        fulfillable=1 + n % 7,
                        reserved=0,
                        unfulfillable=0,
                    )
                    for n in range(items)
                ],
            ),
        ):
            messages = [encode(new_event(e, source="/bench")) for e in events]
            started = time.perf_counter()
            for offset, message in enumerate(messages):
                await consumer.processors[message.topic].process(
                    message, partition=0, offset=offset
                )
            report(name, len(messages), time.perf_counter() - started)

        dispatcher = WebhookDispatcher(consumer.engine, webhook_url, poll_interval_s=0.01)
        started, attempts = time.perf_counter(), 0
        async with httpx.AsyncClient() as client:
            while True:
                attempted = await dispatcher.deliver_due(client)
                if not attempted:
                    break
                attempts += attempted
        async with consumer.engine.connect() as conn:
            delivered = (
                await conn.execute(
                    sa.text(
                        "SELECT count(*) FROM webhook_deliveries WHERE delivered_at IS NOT NULL"
                    )
                )
            ).scalar_one()
        report(
            f"webhook deliveries drained ({attempts} attempts)",
            delivered,
            time.perf_counter() - started,
        )


def serve_pages(url: str, items: int) -> None:
    with TestClient(create_api(Settings(database_url=url))) as client:
        started = time.perf_counter()
        feed = client.get(f"/v1/feeds/{SELLER}.xml")
        rendered = time.perf_counter() - started
        started = time.perf_counter()
        problems = validate_feed(feed.content)
        print(
            f"{'product feed rendered over HTTP (items, bytes)':<52} {items:>6} items, {len(feed.content):>8} bytes "
            f"in {rendered * 1000:6.0f} ms; validated in {(time.perf_counter() - started) * 1000:4.0f} ms, "
            f"{len(problems)} problems"
        )
        for name, path in (
            ("storefront browse page", "/shop"),
            ("storefront search page (?q=dutch oven)", "/shop?q=dutch+oven"),
            ("storefront product page", "/shop/products/L-XB00000007-storefront"),
        ):
            samples = []
            for _ in range(100):
                started = time.perf_counter()
                assert client.get(path).status_code == 200
                samples.append(time.perf_counter() - started)
            latency(name, samples)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--database-server", default=LOCAL_POSTGRES)
    args = parser.parse_args()

    ThreadingHTTPServer.request_queue_size = 256  # the dispatcher sends a batch side by side
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    webhook_url = f"http://127.0.0.1:{server.server_address[1]}/"
    url = f"{args.database_server}/bench_listing_{uuid.uuid4().hex[:8]}"
    upgrade(SERVICE.migrations, url)
    try:
        asyncio.run(apply_events(url, webhook_url, args.items))
        serve_pages(url, args.items)
    finally:
        drop_database(url)
        server.shutdown()


if __name__ == "__main__":
    main()
