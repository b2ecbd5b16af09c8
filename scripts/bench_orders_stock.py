"""The load benchmark's stock: items registered, inbound shipments planned to every FC and received
through inventory's API, the way a seller and an FC would; and the wait until the platform is
quiet (every consumer caught up, every outbox published) between phases."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal

import httpx
from aiokafka import AIOKafkaProducer

import stockpath_network
from stockpath_cli.localstack import Platform
from stockpath_events import CatalogItemSnapshot, encode, new_event
from stockpath_events.types.registration import (
    InboundShipmentLine,
    InboundShipmentPlanned,
    ItemRegistered,
)

FCS = ["SEA1", "PHX3", "DFW7", "CMH2", "EWR4"]
SELLER = "SBENCH00001"


async def produce_all(bootstrap: str, envelopes) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", enable_idempotence=False, linger_ms=5
    )
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


async def seed(bootstrap: str, skus: int, platform: Platform) -> None:
    """Stock the way a seller and an FC would: items registered, inbound shipments planned to
    every FC (the events registration writes), then each shipment received through inventory's
    API. Inventory then holds real stock, and its levels reach the router and listing."""
    item = CatalogItemSnapshot(catalog_item_id="B0BENCH", title="Bench item", category="Kitchen")
    registered = (
        new_event(
            ItemRegistered(
                registration_id=f"RB{i}",
                seller_id=SELLER,
                seller_sku=f"SKU-{i}",
                catalog_item_id="B0BENCH",
                fnsku=fnsku(i),
                condition="new",
                price=Decimal("10.00"),
                channels=["storefront"],
                item=item,
            ),
            source="/services/registration",
        )
        for i in range(skus)
    )
    await produce_all(bootstrap, registered)
    shipments: dict[str, tuple[str, range]] = {}
    for fc in FCS:
        for start in range(0, skus, SHIPMENT_LINES):
            shipments[f"FBABENCH{fc}{start:06d}"] = (
                fc,
                range(start, min(skus, start + SHIPMENT_LINES)),
            )
    await produce_all(
        bootstrap,
        (
            new_event(
                InboundShipmentPlanned(
                    shipment_id=shipment_id,
                    seller_id=SELLER,
                    fulfillment_center_id=fc,
                    ship_to=stockpath_network.get(fc).address,
                    lines=[
                        InboundShipmentLine(
                            fnsku=fnsku(i), seller_sku=f"SKU-{i}", quantity=UNITS_PER_SKU
                        )
                        for i in ids
                    ],
                ),
                source="/services/registration",
            )
            for shipment_id, (fc, ids) in shipments.items()
        ),
    )
    # Each FC records what arrived with its own credential, as a warehouse system would.
    fc_tokens = {fc: platform.issue("fulfillment-center", fc) for fc, _ in shipments.values()}
    async with httpx.AsyncClient(base_url=platform.url("inventory"), timeout=60) as client:
        for shipment_id, (fc, ids) in shipments.items():
            as_fc = {"Authorization": f"Bearer {fc_tokens[fc]}"}
            while (
                await client.get(f"/v1/inbound-shipments/{shipment_id}/receipts", headers=as_fc)
            ).status_code != 200:
                await asyncio.sleep(0.2)  # inventory has not consumed the plan yet
            r = await client.post(
                "/v1/receipts",
                headers=as_fc,
                json={
                    "shipment_id": shipment_id,
                    "fulfillment_center_id": fc,
                    "lines": [{"fnsku": fnsku(i), "received": UNITS_PER_SKU} for i in ids],
                },
            )
            if r.status_code != 201:
                raise RuntimeError(f"receipt of {shipment_id} refused: {r.status_code} {r.text}")


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


def analyze_databases(platform: Platform) -> None:
    """ANALYZE every service's database once the stock is seeded. The seeding stands for weeks of
    a platform's life, over which autovacuum would long have gathered the tables' statistics; in
    the two minutes a benchmark's databases have existed it has not (it visits each database once
    a minute at most), and statements planned without statistics on 10,000 listings read them all.
    The order tables start empty and are analyzed by autovacuum during the run, as in production."""
    import sqlalchemy as sa

    from stockpath_runtime.db import async_url

    for name in platform.names:
        engine = sa.create_engine(
            async_url(platform.database_url(name)), isolation_level="AUTOCOMMIT"
        )
        try:
            with engine.connect() as conn:
                conn.execute(sa.text("ANALYZE"))
        finally:
            engine.dispose()
