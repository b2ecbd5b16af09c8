"""A seller's orders across channels against a real PostgreSQL (``GET /v1/seller-orders``): a
channel's order of two sellers' SKUs, shipped, and an mcf order of one of them; each seller sees
its own lines only, with status and tracking, newest first; a seller naming another reads as not
found; registration (a service) reads the seller it names, and must name one."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa
from order_router_testkit import (
    apply,
    level,
    line,
    listed_item,
    outbox_events,
    placed,
    shipped,
    unique,
)

from stockpath_testing.authorization import SUBJECTS, issue_token

pytestmark = pytest.mark.integration

CHANNEL = SUBJECTS["channel"]
SELLER, OTHER_SELLER = SUBJECTS["seller"], SUBJECTS["other seller"]
ADDRESS = {
    "name": "Ada Buyer",
    "line1": "400 Pine St",
    "city": "Seattle",
    "region": "WA",
    "postal_code": "98101",
}


@pytest.fixture(scope="module")
def orders(client, as_, with_engine) -> dict:
    """The channel's order (line 1 the seller's, line 2 the other seller's), shipped from SEA1, then
    the seller's own mcf order, routed and not shipped yet."""
    skus = {s: (unique("SKU"), unique("X00")) for s in (SELLER, OTHER_SELLER)}
    channel_order = unique("O")

    async def setup(engine):
        for seller_id, (sku, fnsku) in skus.items():
            await listed_item(engine, seller_id, sku, fnsku, channels=(CHANNEL,))
            await apply(engine, level(fnsku, "SEA1", 10, seller_id=seller_id))
        await apply(
            engine,
            placed(
                channel_order,
                line("1", seller_id=SELLER, seller_sku=skus[SELLER][0], quantity=2),
                line("2", seller_id=OTHER_SELLER, seller_sku=skus[OTHER_SELLER][0]),
                channel=CHANNEL,
            ),
        )
        for instructed in await outbox_events(engine, channel_order, "FulfillmentInstructed"):
            await apply(engine, shipped(instructed.data))

    with_engine(setup)
    sku, _ = skus[SELLER]
    mcf = client.post(
        "/v1/orders",
        json={
            "order_id": unique("M"),
            "lines": [
                {
                    "line_id": "A",
                    "seller_id": SELLER,
                    "seller_sku": sku,
                    "quantity": 1,
                    "unit_price": "5.00",
                }
            ],
            "ship_to": ADDRESS,
        },
        headers=as_("seller"),
    )
    assert mcf.status_code == 202, mcf.text
    mcf_order = mcf.json()["order_id"]

    async def route(engine):
        [event] = await outbox_events(engine, mcf_order, "OrderPlaced")
        await apply(engine, event)

    with_engine(route)
    return {"channel": channel_order, "mcf": mcf_order, "skus": skus}


def listed(client, headers, **params) -> dict:
    r = client.get("/v1/seller-orders", headers=headers, params=params)
    assert r.status_code == 200, r.text
    return r.json()


def test_a_seller_sees_its_own_lines_of_every_channels_orders_with_tracking(client, as_, orders):
    page = listed(client, as_("seller"))
    assert page["total"] == 2
    newest, older = page["items"]
    assert (newest["order_id"], newest["channel"], newest["status"]) == (
        orders["mcf"],
        "mcf",
        "ROUTED",
    )
    assert (older["order_id"], older["channel"], older["status"]) == (
        orders["channel"],
        CHANNEL,
        "SHIPPED",
    )
    assert [(x["line_id"], x["quantity"]) for x in older["lines"]] == [("1", 2)]
    [shipment] = older["fulfillment_orders"]
    assert (shipment["status"], shipment["carrier"], shipment["tracking_number"]) == (
        "SHIPPED",
        "UPS",
        "1Z999",
    )
    assert [x["seller_id"] for x in shipment["lines"]] == [SELLER]
    # Neither the other seller's line nor the buyer's address is shown.
    assert "Ada Buyer" not in str(page) and OTHER_SELLER not in str(page)

    theirs = listed(client, as_("other seller"))
    assert [o["order_id"] for o in theirs["items"]] == [orders["channel"]]
    assert [x["line_id"] for x in theirs["items"][0]["lines"]] == ["2"]
    assert listed(client, as_("seller"), limit=1, offset=1)["items"] == [older]


def test_naming_another_seller_reads_as_not_found_and_a_service_names_the_seller(
    client, as_, database, orders
):
    r = client.get("/v1/seller-orders", headers=as_("seller"), params={"seller_id": OTHER_SELLER})
    assert r.status_code == 404
    service = {
        "Authorization": f"Bearer {asyncio.run(issue_token(database, 'service', 'registration'))}"
    }
    assert listed(client, service, seller_id=SELLER) == listed(client, as_("seller"))
    unnamed = client.get("/v1/seller-orders", headers=service)
    assert unnamed.status_code == 403 and "seller_id" in unnamed.json()["error"]["message"]
    for refused, status in (("channel", 403), ("fc", 403)):
        assert client.get("/v1/seller-orders", headers=as_(refused)).status_code == status


def test_a_sellers_orders_are_found_by_an_index_not_by_reading_every_line(with_engine):
    """The predicate of `OrderRepository.of_seller` can use `order_lines_seller` (with sequential
    scans priced out, the planner takes an index if one matches, else scans anyway)."""

    async def plan(engine) -> str:
        async with engine.connect() as conn:
            await conn.execute(sa.text("SET LOCAL enable_seqscan = off"))
            rows = await conn.execute(
                sa.text(
                    "EXPLAIN SELECT order_id FROM order_lines "
                    "WHERE coalesce(resolved_seller_id, seller_id) = :seller"
                ),
                {"seller": SELLER},
            )
            return "\n".join(r[0] for r in rows)

    assert "order_lines_seller" in with_engine(plan)
