"""One order travels from catalog search to a fulfillment instruction through all five services,
each a separate process, over the real broker and PostgreSQL — driven through HTTP and Kafka only."""

from __future__ import annotations

import json
import uuid

import pytest
from aiokafka.partitioner import DefaultPartitioner

from stockpath_cli.seed import create_seller, seed_catalog
from stockpath_events import Address, new_event
from stockpath_events.types.orders import OrderPlaced
from stockpath_testing import consume, eventually, publish

pytestmark = [pytest.mark.integration, pytest.mark.system]

BUYER = Address(
    name="Grace Hopper", line1="1 Navy Way", city="Seattle", region="WA", postal_code="98101"
)


def payload(message) -> dict:
    return json.loads(message.value)


def order(order_id: str, seller_id: str, seller_sku: str, quantity: int) -> OrderPlaced:
    return OrderPlaced(
        order_id=order_id,
        channel="storefront",
        lines=[
            {
                "line_id": "1",
                "seller_id": seller_id,
                "seller_sku": seller_sku,
                "quantity": quantity,
                "unit_price": "24.99",
            }
        ],
        ship_to=BUYER,
    )


def same_partition_key(key: str, partitions: int) -> str:
    """Another order id on the same `orders` partition as `key`: once its outcome is out, `key`'s events were handled."""
    partitioner = DefaultPartitioner()
    target = partitioner(key.encode(), list(range(partitions)), list(range(partitions)))
    while True:
        candidate = f"O-marker-{uuid.uuid4().hex[:12]}"
        if (
            partitioner(candidate.encode(), list(range(partitions)), list(range(partitions)))
            == target
        ):
            return candidate


@pytest.fixture(scope="module")
def seller(platform, http):
    from catalog.demo import generate

    seed_catalog(platform.url("catalog"), generate(300), operator_token=platform.operator_token)
    seller = create_seller(
        platform.url("registration"),
        f"Skeleton Seller {uuid.uuid4().hex[:6]}",
        operator_token=platform.operator_token,
    )
    http["registration"].headers["Authorization"] = f"Bearer {seller['token']}"
    return seller


def find_eligible_item(http) -> dict:
    """Search like a seller would, and pick an item fulfillment will take (measured, small, not hazmat)."""
    page = http["catalog"].get("/v1/catalog/items", params={"q": "mixing bowl", "limit": 50}).json()
    assert page["total"] > 0, "keyword search found nothing"
    for item in page["items"]:
        d = item["dimensions"]
        if (
            d
            and item["weight_g"]
            and not item["hazmat"]
            and max(d.values()) < 100
            and item["weight_g"] < 20_000
        ):
            return item
    raise AssertionError("no eligible item in the search results")


async def test_an_order_travels_from_catalog_search_to_a_fulfillment_instruction(
    platform, http, seller, kafka_bootstrap
):
    bootstrap = kafka_bootstrap
    # 1. Search the catalog, and find the same item by its identifier.
    item = find_eligible_item(http)
    ((kind, code),) = item["identifiers"].items()
    by_code = http["catalog"].get("/v1/catalog/items", params={"identifier": code}).json()["items"]
    assert [i["catalog_item_id"] for i in by_code] == [item["catalog_item_id"]]

    # 2–3. Register it for fulfillment and listing.
    sku = f"SKU-{uuid.uuid4().hex[:8]}"
    r = http["registration"].post(
        "/v1/registrations",
        json={
            "items": [
                {
                    "catalog_item_id": item["catalog_item_id"],
                    "seller_sku": sku,
                    "condition": "new",
                    "price": "24.99",
                    "channels": ["storefront"],
                }
            ]
        },
    )
    assert r.status_code == 200, r.text
    (result,) = r.json()["results"]
    assert result["status"] == "registered", result
    fnsku = result["fnsku"]

    registered = await consume(
        bootstrap, "registration.events", where=lambda m: m.key == fnsku.encode(), until=bool
    )
    assert registered[0].header("ce_type") == "stockpath.registration.ItemRegistered.v1"
    assert payload(registered[0])["item"]["title"] == item["title"]

    # 4. The listing goes live in the storefront channel.
    published = await consume(
        bootstrap,
        "listing.events",
        where=lambda m: (
            m.header("ce_type") == "stockpath.listing.ListingPublished.v1"
            and payload(m)["fnsku"] == fnsku
        ),
        until=bool,
    )
    assert payload(published[0])["channel"] == "storefront"
    assert published[0].header("ce_correlationid") == registered[0].header("ce_correlationid")
    listings = http["listing"].get("/v1/listings", params={"fnsku": fnsku}).json()["items"]
    assert [lst["title"] for lst in listings] == [item["title"]]

    # 5. Before any sale, the seller learns where and how to ship stock.
    r = http["registration"].post(
        "/v1/inbound-shipments", json={"lines": [{"seller_sku": sku, "quantity": 10}]}
    )
    assert r.status_code == 201, r.text
    plan = r.json()
    shipment_id, fc = plan["shipment_id"], plan["fulfillment_center_id"]
    assert plan["ship_to"]["postal_code"] and plan["lines"] == [
        {"fnsku": fnsku, "seller_sku": sku, "quantity": 10}
    ]

    # 6. The FC records what arrived: 8 good, 2 damaged.
    await eventually(
        lambda: (
            http["inventory"].get(f"/v1/inbound-shipments/{shipment_id}/receipts").status_code
            == 200
        ),
        what="inventory to learn of the planned shipment",
    )
    r = http["inventory"].post(
        "/v1/receipts",
        json={
            "shipment_id": shipment_id,
            "fulfillment_center_id": fc,
            "lines": [{"fnsku": fnsku, "received": 8, "damaged": 2}],
        },
    )
    assert r.status_code == 201, r.text
    received = await consume(
        bootstrap,
        "inventory.events",
        where=lambda m: (
            m.header("ce_type") == "stockpath.inventory.InventoryReceived.v1"
            and m.key == fnsku.encode()
        ),
        until=bool,
    )
    assert (
        payload(received[0])["quantity_received"],
        payload(received[0])["quantity_damaged"],
    ) == (8, 2)
    buckets = http["inventory"].get("/v1/inventory", params={"fnsku": fnsku}).json()["items"]
    assert [
        (b["fulfillment_center_id"], b["fulfillable"], b["unfulfillable"]) for b in buckets
    ] == [(fc, 8, 2)]

    async def router_knows_stock():
        rows = (
            http["order-router"]
            .get("/v1/availability", params={"fnsku": fnsku})
            .json()["fulfillment_centers"]
        )
        return any(row["fulfillment_center_id"] == fc and row["allocatable"] == 8 for row in rows)

    await eventually(router_knows_stock, what="order-router to learn of the received stock")

    # 7. An upstream system writes OrderPlaced on `orders`; the platform instructs the FC.
    first = f"O-{uuid.uuid4().hex[:12]}"
    await publish(
        bootstrap,
        new_event(order(first, seller["seller_id"], sku, 5), source="/channels/storefront"),
    )
    instructed = await consume(
        bootstrap,
        "fulfillment.instructions",
        where=lambda m: m.key == first.encode(),
        until=bool,
    )
    instruction = payload(instructed[0])
    assert instructed[0].header("ce_fulfillmentcenter") == fc
    assert instruction["fulfillment_center_id"] == fc
    assert [
        (line["fnsku"], line["seller_sku"], line["quantity"]) for line in instruction["lines"]
    ] == [(fnsku, sku, 5)]
    await eventually(
        lambda: http["order-router"].get(f"/v1/orders/{first}").json()["status"] == "ROUTED",
        what="order ROUTED",
    )

    # A following order larger than the remaining 3 units is rejected.
    second = f"O-{uuid.uuid4().hex[:12]}"
    await publish(
        bootstrap,
        new_event(order(second, seller["seller_id"], sku, 5), source="/channels/storefront"),
    )
    rejected = await consume(
        bootstrap, "order-router.events", where=lambda m: m.key == second.encode(), until=bool
    )
    assert rejected[0].header("ce_type") == "stockpath.order-router.OrderRejected.v1"
    assert payload(rejected[0])["reason_code"] == "INSUFFICIENT_INVENTORY"
    assert [line["reason_code"] for line in payload(rejected[0])["lines"]] == [
        "INSUFFICIENT_INVENTORY"
    ]

    # The same OrderPlaced (same event id) written three times yields one FulfillmentInstructed.
    third = f"O-{uuid.uuid4().hex[:12]}"
    await publish(
        bootstrap,
        new_event(order(third, seller["seller_id"], sku, 1), source="/channels/storefront"),
        times=3,
    )
    copies = await consume(
        bootstrap, "orders", where=lambda m: m.key == third.encode(), until=lambda ms: len(ms) >= 3
    )
    assert len({c.header("ce_id") for c in copies}) == 1
    from stockpath_testing.kafka import partition_count

    marker = same_partition_key(third, await partition_count(bootstrap, "orders"))
    await publish(
        bootstrap,
        new_event(order(marker, seller["seller_id"], sku, 1), source="/channels/storefront"),
    )
    await consume(
        bootstrap, "order-router.events", where=lambda m: m.key == marker.encode(), until=bool
    )
    instructions = await consume(
        bootstrap, "fulfillment.instructions", where=lambda m: m.key == third.encode(), until=bool
    )
    assert len(instructions) == 1
    outcomes = await consume(
        bootstrap, "order-router.events", where=lambda m: m.key == third.encode(), until=bool
    )
    assert len(outcomes) == 1


def test_http_order_ingress_writes_order_placed_and_reports_status(platform, http, seller):
    r = http["order-router"].post(
        "/v1/orders",
        json={
            "channel": "storefront",
            "lines": [
                {
                    "line_id": "1",
                    "seller_id": seller["seller_id"],
                    "seller_sku": "NO-SUCH-SKU",
                    "quantity": 1,
                    "unit_price": "1.00",
                }
            ],
            "ship_to": BUYER.model_dump(),
        },
    )
    assert r.status_code == 202, r.text
    order_id = r.json()["order_id"]

    def rejected():
        body = http["order-router"].get(f"/v1/orders/{order_id}").json()
        return (
            body["status"] == "REJECTED"
            and body["rejection"]["lines"][0]["reason_code"] == "UNKNOWN_SKU"
        )

    import asyncio

    asyncio.run(eventually(rejected, what="the unknown SKU to be rejected"))


async def test_a_credential_the_authority_issues_reaches_every_service_and_so_does_its_revocation(
    platform,
):
    """Issued in registration's database only (no copy written elsewhere): inventory learns of it
    from identity.events, and of its revocation the same way."""
    token = platform.issue("fulfillment-center", "SEA1", known_everywhere=False)
    credential_id = token.split("_")[1]
    with (
        platform.client("inventory", token=token) as as_fc,
        platform.client("registration") as operator,
    ):

        def inventory_knows(status: int):
            return lambda: (
                as_fc.get("/v1/inventory", params={"fulfillment_center_id": "SEA1"}).status_code
                == status
            )

        await eventually(
            inventory_knows(200), timeout=30, what="inventory to learn of the FC's new credential"
        )
        r = operator.delete(f"/v1/credentials/{credential_id}", params={"reason": "badge lost"})
        assert r.status_code == 200, r.text
        await eventually(
            inventory_knows(401), timeout=30, what="inventory to learn of the revocation"
        )
