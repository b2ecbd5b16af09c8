"""The order router's worker as a separate process on the real broker: registrations and stock
levels arrive as events, an order arrives (from an upstream producer, or through the HTTP
ingress and the outbox), and a FulfillmentInstructed reaches `fulfillment.instructions`."""

from __future__ import annotations

import json
import uuid

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from order_router_testkit import level, line, listed, placed, registered, unique

from order_router.adapters import tables
from order_router.adapters.tables import availability, registrations
from order_router.bootstrap import create_api
from order_router.settings import Settings
from stockpath_events import decode_message
from stockpath_testing import consume, eventually, publish
from stockpath_testing.authorization import SUBJECTS
from stockpath_testing.processes import start_worker

pytestmark = pytest.mark.integration

#: The channel the HTTP test orders as (its credential's subject).
STOREFRONT = SUBJECTS["channel"]


@pytest.fixture(scope="module")
def worker(database, kafka_bootstrap, tmp_path_factory):
    process, _ = start_worker(
        "order-router",
        prefix="order-router",
        database_url=database,
        bootstrap=kafka_bootstrap,
        group=f"order-router-{uuid.uuid4().hex[:8]}",
        log_path=tmp_path_factory.mktemp("order-router") / "worker.log",
    )
    yield process
    process.stop()


async def stocked_seller(engine, kafka_bootstrap) -> tuple[str, str, str]:
    """Publish a registration, its listings in channels web and storefront, and 5 units at SEA1,
    and wait until the worker has applied them all (they travel on other topics than orders, so
    nothing orders them before an order)."""
    seller_id, sku, fnsku = unique("S"), unique("SKU"), unique("X00")
    listings = [
        listed(f"L-{c}-{fnsku}", seller_id, sku, fnsku, channel=c) for c in ("web", STOREFRONT)
    ]
    await publish(
        kafka_bootstrap,
        registered(seller_id, sku, fnsku),
        *listings,
        level(fnsku, "SEA1", 5, seller_id=seller_id),
    )

    async def applied() -> bool:
        async with engine.connect() as conn:
            known = await conn.execute(
                sa.select(registrations.c.fnsku).where(registrations.c.fnsku == fnsku)
            )
            listed_in = await conn.execute(
                sa.select(sa.func.count()).where(tables.listings.c.fnsku == fnsku)
            )
            stocked = await conn.execute(
                sa.select(availability.c.basis).where(availability.c.fnsku == fnsku)
            )
            return known.first() is not None and listed_in.scalar() == 2 and stocked.scalar() == 5

    await eventually(
        applied, timeout=45, what="the registration, listings and stock level to be applied"
    )
    return seller_id, sku, fnsku


async def instruction_for(kafka_bootstrap, order_id: str):
    [message] = await consume(
        kafka_bootstrap,
        "fulfillment.instructions",
        where=lambda m: m.key == order_id.encode(),
        until=lambda found: len(found) >= 1,
        timeout=45,
    )
    return message


async def test_an_order_from_upstream_becomes_a_fulfillment_instruction(
    worker, engine, kafka_bootstrap
):
    seller_id, sku, fnsku = await stocked_seller(engine, kafka_bootstrap)
    order_id = unique("O")
    order = placed(order_id, line("1", seller_id=seller_id, seller_sku=sku, quantity=2))
    await publish(kafka_bootstrap, order)

    message = await instruction_for(kafka_bootstrap, order_id)
    assert message.header("ce_fulfillmentcenter") == "SEA1"
    assert message.header("ce_type") == "stockpath.order-router.FulfillmentInstructed.v1"
    assert message.header("ce_correlationid") == order.correlation_id
    instructed = decode_message(message).data
    assert [(ln.fnsku, ln.seller_sku, ln.quantity) for ln in instructed.lines] == [(fnsku, sku, 2)]

    [routed] = await consume(
        kafka_bootstrap,
        "order-router.events",
        where=lambda m: m.key == order_id.encode(),
        until=lambda f: len(f) >= 1,
    )
    assert (
        json.loads(routed.value)["fulfillment_orders"][0]["fulfillment_order_id"]
        == instructed.fulfillment_order_id
    )
    assert worker.alive()


async def test_an_order_posted_over_http_is_routed_by_the_worker(
    worker, engine, database, kafka_bootstrap, as_
):
    seller_id, sku, _ = await stocked_seller(engine, kafka_bootstrap)
    order_id = unique("O")
    with TestClient(
        create_api(Settings(database_url=database, kafka_bootstrap_servers=kafka_bootstrap))
    ) as client:
        r = client.post(
            "/v1/orders",
            headers=as_("channel"),
            json={
                "order_id": order_id,
                "lines": [
                    {
                        "line_id": "1",
                        "seller_id": seller_id,
                        "seller_sku": sku,
                        "quantity": 1,
                        "unit_price": "5.00",
                    }
                ],
                "ship_to": {
                    "name": "Ada",
                    "line1": "1 Main St",
                    "city": "Seattle",
                    "region": "WA",
                    "postal_code": "98101",
                },
            },
        )
        assert r.status_code == 202 and r.json()["order_id"] == f"{STOREFRONT}:{order_id}"
        message = await instruction_for(kafka_bootstrap, f"{STOREFRONT}:{order_id}")
        assert message.header("ce_fulfillmentcenter") == "SEA1"
        await eventually(
            lambda: (
                client.get(f"/v1/orders/{order_id}", headers=as_("channel")).json()["status"]
                == "ROUTED"
            ),
            what="the order to show ROUTED",
        )
