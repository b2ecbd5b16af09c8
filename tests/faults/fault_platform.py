"""The fault suite's platform, set up through its public APIs: a seller registers catalog items and
plans inbound shipments (the stream SKUs and the hot SKUs); waits until the services know of them."""

from __future__ import annotations

import uuid

import httpx
from workload import Sku

from stockpath_cli.localstack import Platform
from stockpath_cli.seed import create_seller, seed_catalog
from stockpath_testing import eventually

PARTITIONS = 3
OUTAGE_SERVICE = "inventory"
STREAM_SKUS, HOT_SKUS, HOT_STOCK = 10, 3, 6
#: The load case's SKUs and the units each receives: enough that most of its orders route.
LOAD_SKUS, LOAD_STOCK = 10, 1000


def stock_the_platform(platform: Platform) -> tuple[list[Sku], list[Sku], list[Sku], dict]:
    """A seller registers catalog items and plans three inbound shipments (stream, hot, load SKUs)."""
    from catalog.demo import generate

    seed_catalog(platform.url("catalog"), generate(60), operator_token=platform.operator_token)
    seller = create_seller(
        platform.url("registration"),
        f"Fault Seller {uuid.uuid4().hex[:6]}",
        operator_token=platform.operator_token,
    )
    reg = httpx.Client(
        base_url=platform.url("registration"),
        timeout=30,
        headers={"Authorization": f"Bearer {seller['token']}"},
    )
    items = [
        {
            "catalog_item_id": f"B{n:09d}",
            "seller_sku": f"FLT-{n}",
            "condition": "new",
            "price": "9.99",
            "channels": ["storefront"],
        }
        for n in range(60)
    ]
    r = reg.post("/v1/registrations", json={"items": items})
    assert r.status_code in (200, 201), r.text
    registered = [x for x in r.json()["results"] if x["status"] == "registered"]
    assert len(registered) >= STREAM_SKUS + HOT_SKUS + LOAD_SKUS, r.json()

    def plan(rows, quantity):
        r = reg.post(
            "/v1/inbound-shipments",
            json={"lines": [{"seller_sku": x["seller_sku"], "quantity": quantity} for x in rows]},
        )
        assert r.status_code in (200, 201), r.text
        s = r.json()
        return [
            Sku(
                seller["seller_id"],
                x["seller_sku"],
                x["fnsku"],
                s["fulfillment_center_id"],
                s["shipment_id"],
            )
            for x in rows
        ]

    stream = plan(registered[:STREAM_SKUS], 1000)
    hot = plan(registered[STREAM_SKUS : STREAM_SKUS + HOT_SKUS], HOT_STOCK + 4)
    load = plan(registered[STREAM_SKUS + HOT_SKUS : STREAM_SKUS + HOT_SKUS + LOAD_SKUS], LOAD_STOCK)
    reg.close()
    return stream, hot, load, seller


def operator(platform: Platform) -> dict[str, str]:
    """Headers acting as the operator (who may read every stock level and shipment)."""
    return {"Authorization": f"Bearer {platform.operator_token}"}


async def wait_allocatable(platform: Platform, skus: list[Sku], at_least: int) -> None:
    async with httpx.AsyncClient(
        base_url=platform.url("order-router"), timeout=10, headers=operator(platform)
    ) as router:

        async def ready():
            for s in skus:
                r = await router.get("/v1/availability", params={"fnsku": s.fnsku})
                if r.status_code != 200 or r.json()["allocatable"] < at_least:
                    return False
            return True

        await eventually(ready, timeout=60, interval=0.2, what="order-router to learn of the stock")


async def wait_shipments_known(platform: Platform, skus: list[Sku]) -> None:
    async with httpx.AsyncClient(
        base_url=platform.url("inventory"), timeout=10, headers=operator(platform)
    ) as inventory:

        async def known():
            for shipment_id in {s.shipment_id for s in skus}:
                if (
                    await inventory.get(f"/v1/inbound-shipments/{shipment_id}/receipts")
                ).status_code != 200:
                    return False
            return True

        await eventually(known, timeout=60, interval=0.2, what="inventory to expect the shipments")
