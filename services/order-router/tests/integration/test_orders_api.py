"""The order router's HTTP API against a real PostgreSQL, as a sales channel (`storefront`) and an
operator use it: order ingress through the outbox, order status after routing or rejection,
availability, and clear 4xx for bad input. Sellers' orders and who sees what: test_orders_by_party."""

from __future__ import annotations

import pytest
from order_router_testkit import apply, level, listed_item, outbox_events, unique

from stockpath_testing.authorization import SUBJECTS

pytestmark = pytest.mark.integration

CHANNEL = SUBJECTS["channel"]


@pytest.fixture(scope="module")
def kettle(with_engine) -> dict:
    """A registered SKU listed in the channel's storefront, with 5 units at SEA1."""
    seller_id, sku, fnsku = unique("S"), unique("SKU"), unique("X00")

    async def setup(engine):
        await listed_item(engine, seller_id, sku, fnsku, channels=(CHANNEL,))
        await apply(engine, level(fnsku, "SEA1", 5, seller_id=seller_id))

    with_engine(setup)
    return {"seller_id": seller_id, "seller_sku": sku, "fnsku": fnsku}


@pytest.fixture(scope="module")
def channel(as_) -> dict[str, str]:
    return as_("channel")


def body(kettle: dict, *, order_id: str | None = None, quantity: int = 1, **overrides) -> dict:
    order = {
        "lines": [
            {
                "line_id": "1",
                "seller_id": kettle["seller_id"],
                "seller_sku": kettle["seller_sku"],
                "quantity": quantity,
                "unit_price": "24.99",
            }
        ],
        "ship_to": {
            "name": "Ada Buyer",
            "line1": "400 Pine St",
            "city": "Seattle",
            "region": "WA",
            "postal_code": "98101",
        },
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


def test_a_posted_order_is_pending_and_written_to_the_orders_topic_through_the_outbox(
    client, channel, kettle, with_engine
):
    order_id = unique("O")
    headers = {**channel, "X-Correlation-Id": "checkout-77"}
    r = client.post("/v1/orders", json=body(kettle, order_id=order_id), headers=headers)
    assert r.status_code == 202 and r.json() == {
        "order_id": f"{CHANNEL}:{order_id}",
        "status": "PENDING",
    }
    [event] = placed_events(with_engine, f"{CHANNEL}:{order_id}")
    assert (
        event.topic == "orders"
        and event.correlation_id == "checkout-77"
        and event.source == "/services/order-router"
    )
    assert event.data.channel == CHANNEL, "the channel is the credential's"
    assert (
        event.data.lines[0].seller_sku == kettle["seller_sku"]
        and event.data.shipping_speed == "expedited"
    )
    for known_as in (order_id, f"{CHANNEL}:{order_id}"):
        shown = client.get(f"/v1/orders/{known_as}", headers=channel).json()
        assert shown["order_id"] == f"{CHANNEL}:{order_id}" and shown["channel"] == CHANNEL
        assert (
            shown["status"] == "PENDING"
            and shown["fulfillment_orders"] == []
            and shown["rejection"] is None
        )
        assert shown["lines"][0]["quantity"] == 1 and shown["lines"][0]["unit_price"] == "24.99"


def test_an_order_without_an_id_gets_one(client, channel, kettle, with_engine):
    r = client.post("/v1/orders", json=body(kettle), headers=channel)
    order_id = r.json()["order_id"]
    assert (
        r.status_code == 202
        and order_id.startswith(f"{CHANNEL}:O-")
        and len(order_id) == len(CHANNEL) + 1 + 18
    )
    assert len(placed_events(with_engine, order_id)) == 1


def test_posting_the_same_order_again_returns_its_status_and_writes_no_second_event(
    client, channel, kettle, with_engine
):
    order_id = unique("O")
    scoped = f"{CHANNEL}:{order_id}"
    assert (
        client.post("/v1/orders", json=body(kettle, order_id=order_id), headers=channel).status_code
        == 202
    )
    again = client.post("/v1/orders", json=body(kettle, order_id=order_id), headers=channel)
    assert again.status_code == 200 and again.json() == {"order_id": scoped, "status": "PENDING"}
    route(with_engine, scoped)
    after = client.post("/v1/orders", json=body(kettle, order_id=scoped), headers=channel)
    assert after.status_code == 200 and after.json()["status"] == "ROUTED", (
        "by the id it was answered, too"
    )
    assert len(placed_events(with_engine, scoped)) == 1


def test_reusing_an_order_id_for_a_different_order_is_a_conflict(
    client, channel, kettle, with_engine
):
    order_id = unique("O")
    assert (
        client.post("/v1/orders", json=body(kettle, order_id=order_id), headers=channel).status_code
        == 202
    )
    r = client.post("/v1/orders", json=body(kettle, order_id=order_id, quantity=2), headers=channel)
    assert r.status_code == 409 and r.json()["error"]["code"] == "order_id_in_use"
    assert order_id in r.json()["error"]["message"]
    assert len(placed_events(with_engine, f"{CHANNEL}:{order_id}")) == 1


def test_a_routed_order_shows_its_fulfillment_orders(client, channel, kettle, with_engine):
    order_id = client.post("/v1/orders", json=body(kettle, quantity=2), headers=channel).json()[
        "order_id"
    ]
    route(with_engine, order_id)
    shown = client.get(f"/v1/orders/{order_id}", headers=channel).json()
    assert shown["status"] == "ROUTED" and shown["rejection"] is None
    assert shown["shipping_speed"] == "expedited" and shown["fulfillment_policy"] == "fill-or-kill"
    assert shown["lines"][0]["fnsku"] == kettle["fnsku"]
    [fo] = shown["fulfillment_orders"]
    assert fo["fulfillment_center_id"] == "SEA1" and fo["fulfillment_order_id"].startswith("FO-")
    assert fo["lines"] == [
        {
            "line_id": "1",
            "fnsku": kettle["fnsku"],
            "seller_id": kettle["seller_id"],
            "seller_sku": kettle["seller_sku"],
            "quantity": 2,
        }
    ]


def test_a_rejected_order_shows_why(client, channel, kettle, with_engine):
    lines = [
        {
            "line_id": "9",
            "seller_id": kettle["seller_id"],
            "seller_sku": "NEVER-REGISTERED",
            "quantity": 1,
            "unit_price": "1.00",
        }
    ]
    order_id = client.post("/v1/orders", json=body(kettle, lines=lines), headers=channel).json()[
        "order_id"
    ]
    route(with_engine, order_id)
    shown = client.get(f"/v1/orders/{order_id}", headers=channel).json()
    assert shown["status"] == "REJECTED" and shown["fulfillment_orders"] == []
    assert shown["rejection"]["reason_code"] == "UNKNOWN_SKU"
    assert shown["rejection"]["lines"][0]["line_id"] == "9"
    assert "NEVER-REGISTERED" in shown["rejection"]["lines"][0]["reason"]


def test_an_unknown_order_is_a_404_with_a_message(client, channel):
    r = client.get("/v1/orders/O-does-not-exist", headers=channel)
    assert r.status_code == 404 and "O-does-not-exist" in r.json()["error"]["message"]


def test_availability_shows_basis_reservations_and_allocatable_per_fc(
    client, channel, as_, with_engine
):
    seller_id, sku, fnsku = unique("S"), unique("SKU"), unique("X00")

    async def setup(engine):
        await listed_item(engine, seller_id, sku, fnsku, channels=(CHANNEL,))
        await apply(engine, level(fnsku, "SEA1", 4, seller_id=seller_id))
        await apply(engine, level(fnsku, "EWR4", 6, seller_id=seller_id))

    with_engine(setup)
    seller = {"seller_id": seller_id, "seller_sku": sku}
    order_id = client.post("/v1/orders", json=body(seller, quantity=3), headers=channel).json()[
        "order_id"
    ]
    route(with_engine, order_id)
    r = client.get("/v1/availability", params={"fnsku": fnsku}, headers=as_("operator")).json()
    assert (r["basis"], r["reservations_total"], r["allocatable"]) == (10, 3, 7)
    assert [
        (c["fulfillment_center_id"], c["basis"], c["reservations_total"], c["allocatable"])
        for c in r["fulfillment_centers"]
    ] == [
        ("EWR4", 6, 0, 6),
        ("SEA1", 4, 3, 1),
    ]
    unknown = client.get(
        "/v1/availability", params={"fnsku": "X00-UNKNOWN"}, headers=as_("operator")
    ).json()
    assert unknown["fulfillment_centers"] == [] and unknown["allocatable"] == 0
    assert (
        client.get("/v1/availability", params={"fnsku": fnsku}, headers=channel).status_code == 403
    )


def test_availability_needs_an_fnsku(client, as_):
    r = client.get("/v1/availability", headers=as_("operator"))
    assert r.status_code == 422 and "fnsku" in r.json()["error"]["message"]


def _line(**changes) -> dict:
    return {
        "line_id": "1",
        "seller_id": "S1",
        "seller_sku": "K",
        "quantity": 1,
        "unit_price": "1.00",
        **changes,
    }


@pytest.mark.parametrize(
    "changes, mentions",
    [
        ({"lines": []}, "lines"),
        ({"lines": [_line(line_id=str(n)) for n in range(101)]}, "lines"),
        ({"lines": [_line(quantity=0)]}, "quantity"),
        ({"lines": [_line(quantity=10_001)]}, "quantity"),
        ({"lines": [_line(unit_price="-0.01")]}, "unit_price"),
        ({"lines": [_line(unit_price="1.001")]}, "unit_price"),
        ({"lines": [_line(unit_price="1000000.01")]}, "unit_price"),
        ({"lines": [_line(seller_sku=None)]}, "seller_sku"),
        ({"lines": [_line(seller_sku="K" * 101)]}, "seller_sku"),
        ({"lines": [_line(), _line()]}, "more than once"),
        ({"shipping_speed": "teleport"}, "shipping_speed"),
        ({"fulfillment_policy": "whenever"}, "fulfillment_policy"),
        ({"currency": "usd"}, "currency"),
        ({"channel": "Store Front"}, "channel"),
        ({"channel": "web:1"}, "channel"),
        ({"order_id": "has spaces"}, "order_id"),
        ({"order_id": "O" * 65}, "order_id"),
        ({"ship_to": {"name": "A", "line1": "B", "city": "C", "region": "WA"}}, "postal_code"),
        (
            {
                "ship_to": {
                    "name": "A" * 201,
                    "line1": "B",
                    "city": "C",
                    "region": "WA",
                    "postal_code": "98101",
                }
            },
            "name",
        ),
        ({"gift_wrap": True}, "gift_wrap"),
    ],
)
def test_bad_orders_get_a_clear_422_and_no_event(client, channel, with_engine, changes, mentions):
    order = body({"seller_id": "S1", "seller_sku": "K"}, **{"order_id": unique("BAD"), **changes})
    r = client.post("/v1/orders", json=order, headers=channel)
    assert r.status_code == 422
    assert (
        r.json()["error"]["code"] == "validation_error" and mentions in r.json()["error"]["message"]
    )
    assert placed_events(with_engine, f"{CHANNEL}:{order['order_id']}") == []


def test_an_order_to_an_address_abroad_is_refused_with_its_reason_code_and_no_event(
    client, channel, kettle, with_engine
):
    berlin = {
        "name": "Lise",
        "line1": "Unter den Linden 1",
        "city": "Berlin",
        "region": "BE",
        "postal_code": "10117",
        "country": "DE",
    }
    order_id = unique("ABROAD")
    r = client.post(
        "/v1/orders", json=body(kettle, order_id=order_id, ship_to=berlin), headers=channel
    )
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "ship_to_refused" and "DE" in error["message"]
    assert error["details"] == {
        "order_id": f"{CHANNEL}:{order_id}",
        "reason_code": "SHIP_TO_OUTSIDE_NETWORK",
    }
    assert placed_events(with_engine, f"{CHANNEL}:{order_id}") == []
    assert client.get(f"/v1/orders/{order_id}", headers=channel).status_code == 404


def test_a_body_that_is_not_json_is_a_4xx(client, channel):
    r = client.post(
        "/v1/orders", content=b"{not json", headers={**channel, "content-type": "application/json"}
    )
    assert 400 <= r.status_code < 500 and r.json()["error"]["message"]


def test_a_cancellation_request_goes_through_the_orders_topic_and_the_order_shows_the_outcome(
    client, channel, kettle, with_engine
):
    order_id = unique("O")
    scoped = f"{CHANNEL}:{order_id}"
    client.post("/v1/orders", json=body(kettle, order_id=order_id), headers=channel)
    route(with_engine, scoped)
    r = client.post(
        f"/v1/orders/{order_id}/cancellation", json={"reason": "found it cheaper"}, headers=channel
    )
    assert r.status_code == 202 and r.json() == {"order_id": scoped, "status": "ROUTED"}
    [request] = with_engine(
        lambda engine: outbox_events(engine, scoped, "OrderCancellationRequested")
    )
    assert request.topic == "orders" and request.data.reason == "found it cheaper"
    assert with_engine(lambda engine: apply(engine, request))
    order = client.get(f"/v1/orders/{scoped}", headers=channel).json()
    assert order["status"] == "CANCELLED" and order["cancellation"] == {
        "reason": "found it cheaper"
    }
    assert [fo["status"] for fo in order["fulfillment_orders"]] == ["CANCELLED"]
    assert client.post("/v1/orders/O-NO-SUCH/cancellation", headers=channel).status_code == 404
