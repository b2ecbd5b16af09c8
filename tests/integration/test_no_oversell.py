"""Guarantee S across services: 220 one-unit orders for one SKU with 50 fulfillable, written at once
by four producers through the real broker, while an FC ships what it is told — inventory and
order-router as separate processes. Exactly 50 units are allocated, every order has exactly one
outcome, and inventory's buckets reconcile with its ledger.

Registration's events (ItemRegistered, InboundShipmentPlanned) are written to its topic as
registration would, so only the two services under test run.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from collections import Counter

import pytest

import stockpath_network
from stockpath_events import Address, CatalogItemSnapshot, new_event
from stockpath_events.types.orders import OrderPlaced
from stockpath_events.types.registration import (
    InboundShipmentLine,
    InboundShipmentPlanned,
    ItemRegistered,
)
from stockpath_testing import consume, eventually, publish
from stockpath_testing.builders import listing_published
from stockpath_testing.processes import running_platform

pytestmark = [pytest.mark.integration, pytest.mark.system]

SERVICES = ["inventory", "order-router"]
STOCK, ORDERS, PRODUCERS = 50, 220, 4
BUYER = Address(
    name="Ada Buyer", line1="400 Pine St", city="Seattle", region="WA", postal_code="98101"
)


@pytest.fixture(scope="module")
def platform(kafka_bootstrap, database_server, tmp_path_factory):
    with running_platform(
        bootstrap=kafka_bootstrap,
        database_server=database_server,
        prefix="oversell",
        log_dir=tmp_path_factory.mktemp("oversell"),
        services=SERVICES,
    ) as p:
        yield p


@pytest.fixture(scope="module")
def fc_simulator(platform, tmp_path_factory):
    """SEA1's warehouse system, shipping each instruction at once: shipments race the allocations."""
    state = tmp_path_factory.mktemp("fc") / "sea1.json"
    log = open(state.with_suffix(".log"), "wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "stockpath_cli.main",
            "fc-simulator",
            "--fulfillment-center",
            "SEA1",
            "--delay",
            "0",
            "--bootstrap-servers",
            platform.bootstrap_servers,
            "--state-file",
            str(state),
            "--group",
            f"fc-sim-{uuid.uuid4().hex[:6]}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=os.environ.copy(),
    )
    yield process
    process.terminate()
    process.wait(15)
    log.close()


async def stock_a_sku(platform, units: int) -> tuple[str, str, str]:
    """A registered SKU with `units` received as fulfillable at SEA1; returns (seller, sku, fnsku)."""
    tag = uuid.uuid4().hex[:8].upper()
    seller_id, sku, fnsku, shipment_id = f"S-{tag}", f"SKU-{tag}", f"X0{tag}", f"FBA{tag}"
    await publish(
        platform.bootstrap_servers,
        new_event(
            ItemRegistered(
                registration_id=f"REG-{tag}",
                seller_id=seller_id,
                seller_sku=sku,
                catalog_item_id=f"CI-{tag}",
                fnsku=fnsku,
                condition="new",
                price="9.99",
                channels=["storefront"],
                item=CatalogItemSnapshot(
                    catalog_item_id=f"CI-{tag}", title="Enamel mug", category="Kitchen"
                ),
            ),
            source="registration",
        ),
        listing_published(seller_id=seller_id, seller_sku=sku, fnsku=fnsku, title="Enamel mug"),
        new_event(
            InboundShipmentPlanned(
                shipment_id=shipment_id,
                seller_id=seller_id,
                fulfillment_center_id="SEA1",
                ship_to=stockpath_network.get("SEA1").address,
                lines=[InboundShipmentLine(fnsku=fnsku, seller_sku=sku, quantity=units)],
            ),
            source="registration",
        ),
    )
    inventory = platform.client("inventory", timeout=30)
    await eventually(
        lambda: inventory.get(f"/v1/inbound-shipments/{shipment_id}/receipts").status_code == 200,
        what="inventory to expect the shipment",
    )
    r = inventory.post(
        "/v1/receipts",
        json={
            "shipment_id": shipment_id,
            "fulfillment_center_id": "SEA1",
            "lines": [{"fnsku": fnsku, "received": units}],
        },
    )
    assert r.status_code == 201, r.text
    router = platform.client("order-router", timeout=30)
    await eventually(
        lambda: (
            router.get("/v1/availability", params={"fnsku": fnsku}).json()["allocatable"] == units
        ),
        what="order-router to learn of the stock",
    )
    return seller_id, sku, fnsku


async def test_concurrent_orders_from_several_producers_never_oversell(platform, fc_simulator):
    bootstrap = platform.bootstrap_servers
    seller_id, sku, fnsku = await stock_a_sku(platform, STOCK)
    order_ids = [f"O-{uuid.uuid4().hex[:12]}" for _ in range(ORDERS)]
    orders = [
        new_event(
            OrderPlaced(
                order_id=order_id,
                channel="storefront",
                ship_to=BUYER,
                lines=[
                    {
                        "line_id": "1",
                        "seller_id": seller_id,
                        "seller_sku": sku,
                        "quantity": 1,
                        "unit_price": "9.99",
                    }
                ],
            ),
            source="/channels/storefront",
        )
        for order_id in order_ids
    ]
    # Four upstream systems write at the same time, each with its own producer.
    await asyncio.gather(*(publish(bootstrap, *orders[n::PRODUCERS]) for n in range(PRODUCERS)))

    wanted = {o.encode() for o in order_ids}
    outcomes = await consume(
        bootstrap,
        "order-router.events",
        where=lambda m: m.key in wanted,
        until=lambda ms: len({m.key for m in ms}) >= ORDERS,
        timeout=180,
    )
    per_order = Counter(m.key for m in outcomes)
    assert set(per_order.values()) == {1}, "every order has exactly one outcome"
    kinds = Counter(m.header("ce_type").split(".")[2] for m in outcomes)
    assert kinds == {"OrderRouted": STOCK, "OrderRejected": ORDERS - STOCK}

    instructions = await consume(
        bootstrap,
        "fulfillment.instructions",
        where=lambda m: (
            m.key in wanted and m.header("ce_type").endswith("FulfillmentInstructed.v1")
        ),
        until=lambda ms: len(ms) >= STOCK,
    )
    assert len({m.key for m in instructions}) == STOCK
    assert (
        sum(line["quantity"] for m in instructions for line in json.loads(m.value)["lines"])
        == STOCK
    )

    # The FC ships every instruction; inventory moves reserved → shipped; nothing is left over.
    inventory = platform.client("inventory", timeout=30)

    def settled():
        [item] = inventory.get("/v1/inventory", params={"fnsku": fnsku}).json()["items"]
        return (item["fulfillable"], item["reserved"], item["shipped"]) == (0, 0, STOCK) and item

    item = await eventually(settled, timeout=60, what="inventory to ship all 50 units")
    assert item["unfulfillable"] == 0 and item["inbound"] == 0
    reconciliation = inventory.get("/v1/ledger/reconciliation", params={"fnsku": fnsku}).json()
    assert reconciliation["balanced"], reconciliation
    assert inventory.get("/v1/discrepancies", params={"fnsku": fnsku}).json()["total"] == 0, (
        "no shortfall"
    )

    router = platform.client("order-router", timeout=30)
    availability = router.get("/v1/availability", params={"fnsku": fnsku}).json()
    assert (
        availability["basis"],
        availability["reservations_total"],
        availability["allocatable"],
    ) == (STOCK, STOCK, 0)
    routed = [m.key.decode() for m in outcomes if m.header("ce_type").endswith("OrderRouted.v1")]

    def all_shipped():
        return all(router.get(f"/v1/orders/{o}").json()["status"] == "SHIPPED" for o in routed)

    await eventually(all_shipped, timeout=60, what="every routed order to be marked shipped")
