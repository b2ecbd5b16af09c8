"""The order router's HTTP API against a real PostgreSQL: order ingress through the outbox,
order status after routing or rejection, availability, and clear 4xx for bad input."""

from __future__ import annotations

import asyncio

import pytest
from fastapi.testclient import TestClient
from order_router_testkit import apply, level, outbox_events, registered, unique

from order_router.bootstrap import create_api
from order_router.settings import Settings
from stockpath_runtime.db import create_engine

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def client(database):
    with TestClient(create_api(Settings(database_url=database))) as c:
        yield c


@pytest.fixture(scope="module")
def with_engine(database):
    """Run `probe(engine)` on its own event loop (the TestClient has another)."""

    def run(probe):
        async def go():
            engine = create_engine(database, pool_size=2)
            try:
                return await probe(engine)
            finally:
                await engine.dispose()

        return asyncio.run(go())

    return run


@pytest.fixture(scope="module")
def kettle(with_engine) -> dict:
    """A registered SKU with 5 units at SEA1."""
    seller_id, sku, fnsku = unique("S"), unique("SKU"), unique("X00")

    async def setup(engine):
        await apply(engine, registered(seller_id, sku, fnsku))
        await apply(engine, level(fnsku, "SEA1", 5, seller_id=seller_id))

    with_engine(setup)
    return {"seller_id": seller_id, "seller_sku": sku, "fnsku": fnsku}


def body(kettle: dict, *, order_id: str | None = None, quantity: int = 1, **overrides) -> dict:
    order = {
        "channel": "web",
        "lines": [
            {"line_id": "1", "seller_id": kettle["seller_id"], "seller_sku": kettle["seller_sku"],
             "quantity": quantity, "unit_price": "24.99"}
        ],
        "ship_to": {"name": "Ada Buyer", "line1": "400 Pine St", "city": "Seattle", "region": "WA",
                    "postal_code": "98101"},
        "shipping_speed": "expedited",
    }
    if order_id:
        order["order_id"] = order_id
    return {**order, **overrides}


def placed_events(with_engine, order_id: str) -> list:
    return with_engine(lambda engine: outbox_events(engine, order_id, "OrderPlaced"))


def route(with_engine, order_id: str) -> None:
    """What the worker does once the relay has published the order: consume OrderPlaced."""
    [event] = placed_events(with_engine, order_id)
    assert with_engine(lambda engine: apply(engine, event))


def test_a_posted_order_is_pending_and_written_to_the_orders_topic_through_the_outbox(client, kettle, with_engine):
    order_id = unique("O")
    r = client.post("/v1/orders", json=body(kettle, order_id=order_id), headers={"X-Correlation-Id": "checkout-77"})
    assert r.status_code == 202 and r.json() == {"order_id": order_id, "status": "PENDING"}
    [event] = placed_events(with_engine, order_id)
    assert event.topic == "orders" and event.correlation_id == "checkout-77"
    assert event.data.lines[0].seller_sku == kettle["seller_sku"] and event.data.shipping_speed == "expedited"
    shown = client.get(f"/v1/orders/{order_id}").json()
    assert shown["status"] == "PENDING" and shown["fulfillment_orders"] == [] and shown["rejection"] is None
    assert shown["lines"][0]["quantity"] == 1 and shown["lines"][0]["unit_price"] == "24.99"


def test_an_order_without_an_id_gets_one(client, kettle, with_engine):
    r = client.post("/v1/orders", json=body(kettle))
    order_id = r.json()["order_id"]
    assert r.status_code == 202 and order_id.startswith("O-") and len(order_id) == 18
    assert len(placed_events(with_engine, order_id)) == 1


def test_posting_the_same_order_again_returns_its_status_and_writes_no_second_event(client, kettle, with_engine):
    order_id = unique("O")
    assert client.post("/v1/orders", json=body(kettle, order_id=order_id)).status_code == 202
    again = client.post("/v1/orders", json=body(kettle, order_id=order_id))
    assert again.status_code == 200 and again.json() == {"order_id": order_id, "status": "PENDING"}
    route(with_engine, order_id)
    after = client.post("/v1/orders", json=body(kettle, order_id=order_id))
    assert after.status_code == 200 and after.json()["status"] == "ROUTED"
    assert len(placed_events(with_engine, order_id)) == 1


def test_reusing_an_order_id_for_a_different_order_is_a_conflict(client, kettle, with_engine):
    order_id = unique("O")
    assert client.post("/v1/orders", json=body(kettle, order_id=order_id)).status_code == 202
    r = client.post("/v1/orders", json=body(kettle, order_id=order_id, quantity=2))
    assert r.status_code == 409 and r.json()["error"]["code"] == "order_id_in_use"
    assert order_id in r.json()["error"]["message"]
    assert len(placed_events(with_engine, order_id)) == 1


def test_a_routed_order_shows_its_fulfillment_orders(client, kettle, with_engine):
    order_id = unique("O")
    client.post("/v1/orders", json=body(kettle, order_id=order_id, quantity=2))
    route(with_engine, order_id)
    shown = client.get(f"/v1/orders/{order_id}").json()
    assert shown["status"] == "ROUTED" and shown["rejection"] is None
    assert shown["shipping_speed"] == "expedited" and shown["fulfillment_policy"] == "fill-or-kill"
    assert shown["lines"][0]["fnsku"] == kettle["fnsku"]
    [fo] = shown["fulfillment_orders"]
    assert fo["fulfillment_center_id"] == "SEA1" and fo["fulfillment_order_id"].startswith("FO-")
    assert fo["lines"] == [
        {"line_id": "1", "fnsku": kettle["fnsku"], "seller_id": kettle["seller_id"],
         "seller_sku": kettle["seller_sku"], "quantity": 2}
    ]


def test_a_rejected_order_shows_why(client, kettle, with_engine):
    order_id = unique("O")
    lines = [{"line_id": "9", "seller_id": kettle["seller_id"], "seller_sku": "NEVER-REGISTERED",
              "quantity": 1, "unit_price": "1.00"}]
    client.post("/v1/orders", json=body(kettle, order_id=order_id, lines=lines))
    route(with_engine, order_id)
    shown = client.get(f"/v1/orders/{order_id}").json()
    assert shown["status"] == "REJECTED" and shown["fulfillment_orders"] == []
    assert shown["rejection"]["reason_code"] == "UNKNOWN_SKU"
    assert shown["rejection"]["lines"][0]["line_id"] == "9"
    assert "NEVER-REGISTERED" in shown["rejection"]["lines"][0]["reason"]


def test_an_unknown_order_is_a_404_with_a_message(client):
    r = client.get("/v1/orders/O-does-not-exist")
    assert r.status_code == 404 and "O-does-not-exist" in r.json()["error"]["message"]


def test_availability_shows_basis_reservations_and_allocatable_per_fc(client, with_engine):
    seller_id, sku, fnsku = unique("S"), unique("SKU"), unique("X00")

    async def setup(engine):
        await apply(engine, registered(seller_id, sku, fnsku))
        await apply(engine, level(fnsku, "SEA1", 4, seller_id=seller_id))
        await apply(engine, level(fnsku, "EWR4", 6, seller_id=seller_id))

    with_engine(setup)
    order_id = unique("O")
    seller = {"seller_id": seller_id, "seller_sku": sku}
    client.post("/v1/orders", json=body(seller, order_id=order_id, quantity=3))
    route(with_engine, order_id)
    r = client.get("/v1/availability", params={"fnsku": fnsku}).json()
    assert (r["basis"], r["reservations_total"], r["allocatable"]) == (10, 3, 7)
    assert [(c["fulfillment_center_id"], c["basis"], c["reservations_total"], c["allocatable"]) for c in r["fulfillment_centers"]] == [
        ("EWR4", 6, 0, 6),
        ("SEA1", 4, 3, 1),
    ]
    unknown = client.get("/v1/availability", params={"fnsku": "X00-UNKNOWN"}).json()
    assert unknown["fulfillment_centers"] == [] and unknown["allocatable"] == 0


def test_availability_needs_an_fnsku(client):
    r = client.get("/v1/availability")
    assert r.status_code == 422 and "fnsku" in r.json()["error"]["message"]


def _line(**changes) -> dict:
    return {"line_id": "1", "seller_id": "S1", "seller_sku": "K", "quantity": 1, "unit_price": "1.00", **changes}


@pytest.mark.parametrize(
    "changes, mentions",
    [
        ({"lines": []}, "lines"),
        ({"lines": [_line(line_id=str(n)) for n in range(101)]}, "lines"),
        ({"lines": [_line(quantity=0)]}, "quantity"),
        ({"lines": [_line(quantity=10_001)]}, "quantity"),
        ({"lines": [_line(unit_price="-0.01")]}, "unit_price"),
        ({"lines": [_line(unit_price="1.001")]}, "unit_price"),
        ({"lines": [_line(seller_sku=None)]}, "seller_sku"),
        ({"lines": [_line(), _line()]}, "more than once"),
        ({"shipping_speed": "teleport"}, "shipping_speed"),
        ({"fulfillment_policy": "whenever"}, "fulfillment_policy"),
        ({"order_id": "has spaces"}, "order_id"),
        ({"ship_to": {"name": "A", "line1": "B", "city": "C", "region": "WA"}}, "postal_code"),
        ({"gift_wrap": True}, "gift_wrap"),
    ],
)
def test_bad_orders_get_a_clear_422_and_no_event(client, with_engine, changes, mentions):
    order = body({"seller_id": "S1", "seller_sku": "K"}, **{"order_id": unique("BAD"), **changes})
    r = client.post("/v1/orders", json=order)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "validation_error" and mentions in r.json()["error"]["message"]
    assert placed_events(with_engine, order["order_id"]) == []


def test_a_body_that_is_not_json_is_a_4xx(client):
    r = client.post("/v1/orders", content=b"{not json", headers={"content-type": "application/json"})
    assert 400 <= r.status_code < 500 and r.json()["error"]["message"]


def test_a_cancellation_request_goes_through_the_orders_topic_and_the_order_shows_the_outcome(client, kettle, with_engine):
    order_id = unique("O")
    client.post("/v1/orders", json=body(kettle, order_id=order_id))
    route(with_engine, order_id)
    r = client.post(f"/v1/orders/{order_id}/cancellation", json={"reason": "found it cheaper"})
    assert r.status_code == 202 and r.json() == {"order_id": order_id, "status": "ROUTED"}
    [request] = with_engine(lambda engine: outbox_events(engine, order_id, "OrderCancellationRequested"))
    assert request.topic == "orders" and request.data.reason == "found it cheaper"
    assert with_engine(lambda engine: apply(engine, request))
    order = client.get(f"/v1/orders/{order_id}").json()
    assert order["status"] == "CANCELLED" and order["cancellation"] == {"reason": "found it cheaper"}
    assert [fo["status"] for fo in order["fulfillment_orders"]] == ["CANCELLED"]
    assert client.post("/v1/orders/O-NO-SUCH/cancellation").status_code == 404
