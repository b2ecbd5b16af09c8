"""Whose orders are whose, over HTTP and on Kafka, against a real PostgreSQL: a channel orders in
its own channel, a seller its own SKUs (channel `mcf`), the operator for any channel; another
party's order reads as not found; only items live and listed ACTIVE in the order's channel route
(a deregistered item: UNKNOWN_SKU; not listed there: NOT_LISTED_IN_CHANNEL); no channel takes or
cancels another's order."""

from __future__ import annotations

import pytest
from order_router_testkit import (
    apply,
    cancel,
    closed,
    deregistered,
    level,
    line,
    listed,
    listed_item,
    order_status,
    outbox_events,
    placed,
    unique,
)

from stockpath_testing.authorization import SUBJECTS

pytestmark = pytest.mark.integration

CHANNEL, OTHER_CHANNEL = SUBJECTS["channel"], SUBJECTS["other channel"]
SELLER, OTHER_SELLER = SUBJECTS["seller"], SUBJECTS["other seller"]
ADDRESS = {
    "name": "Ada Buyer",
    "line1": "400 Pine St",
    "city": "Seattle",
    "region": "WA",
    "postal_code": "98101",
}


def item(with_engine, seller_id: str = SELLER, *, channels=(CHANNEL,), units: int = 5) -> dict:
    """A registered SKU of `seller_id`, listed ACTIVE in `channels`, with `units` at SEA1."""
    sku, fnsku = unique("SKU"), unique("X00")

    async def setup(engine):
        registration = await listed_item(engine, seller_id, sku, fnsku, channels=channels)
        await apply(engine, level(fnsku, "SEA1", units, seller_id=seller_id))
        return registration

    registration = with_engine(setup)
    return {"seller_id": seller_id, "seller_sku": sku, "fnsku": fnsku, "registration": registration}


def order(of: dict, **fields) -> dict:
    line_ = {
        "line_id": "1",
        "seller_id": of["seller_id"],
        "seller_sku": of["seller_sku"],
        "quantity": 1,
        "unit_price": "9.99",
    }
    return {"lines": [line_], "ship_to": ADDRESS, **fields}


def route(with_engine, order_id: str) -> str:
    """Consume the OrderPlaced the ingress wrote, as the worker does; the order's status after."""
    [event] = with_engine(lambda engine: outbox_events(engine, order_id, "OrderPlaced"))
    with_engine(lambda engine: apply(engine, event))
    return with_engine(lambda engine: order_status(engine, order_id))


def rejection(with_engine, order_id: str) -> list[tuple[str, str]]:
    found = with_engine(lambda engine: outbox_events(engine, order_id, "OrderRejected"))
    return [(r.data.reason_code, r.data.lines[0].reason) for r in found]


def test_a_channel_may_not_place_an_order_for_another_channel(client, as_, with_engine):
    kettle = item(with_engine)
    order_id = unique("O")
    r = client.post(
        "/v1/orders",
        json=order(kettle, order_id=order_id, channel=OTHER_CHANNEL),
        headers=as_("channel"),
    )
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    assert OTHER_CHANNEL in r.json()["error"]["message"]
    for stored in (order_id, f"{CHANNEL}:{order_id}", f"{OTHER_CHANNEL}:{order_id}"):
        assert with_engine(lambda engine, s=stored: outbox_events(engine, s)) == []
    named = client.post("/v1/orders", json=order(kettle, channel=CHANNEL), headers=as_("channel"))
    assert named.status_code == 202, "naming its own channel is fine"


def test_a_seller_places_an_mcf_order_of_its_own_skus_that_routes_without_a_listing(
    client, as_, with_engine
):
    own = item(with_engine, channels=())
    order_id = unique("O")
    r = client.post("/v1/orders", json=order(own, order_id=order_id), headers=as_("seller"))
    assert r.status_code == 202 and r.json()["order_id"] == f"mcf:{SELLER}:{order_id}"
    assert route(with_engine, f"mcf:{SELLER}:{order_id}") == "ROUTED"
    shown = client.get(f"/v1/orders/{order_id}", headers=as_("seller")).json()
    assert (
        shown["channel"] == "mcf"
        and shown["status"] == "ROUTED"
        and shown["ship_to"]["name"] == "Ada Buyer"
    )
    for stranger in ("other seller", "channel", "other channel"):
        for known_as in (order_id, f"mcf:{SELLER}:{order_id}"):
            hidden = client.get(f"/v1/orders/{known_as}", headers=as_(stranger))
            assert hidden.status_code == 404 and "Ada Buyer" not in hidden.text
    assert (
        client.get(f"/v1/orders/mcf:{SELLER}:{order_id}", headers=as_("operator")).status_code
        == 200
    )


def test_a_seller_may_not_order_another_sellers_sku(client, as_, with_engine):
    theirs = item(with_engine, OTHER_SELLER, channels=())
    r = client.post("/v1/orders", json=order(theirs), headers=as_("seller"))
    assert r.status_code == 403 and "its own SKUs" in r.json()["error"]["message"]
    in_a_channel = client.post(
        "/v1/orders", json=order(item(with_engine), channel=CHANNEL), headers=as_("seller")
    )
    assert in_a_channel.status_code == 403 and "mcf" in in_a_channel.json()["error"]["message"]


def test_the_operator_names_the_channel_and_an_id_another_channel_has_is_a_conflict(
    client, as_, with_engine
):
    kettle = item(with_engine)
    order_id = unique("O")
    r = client.post(
        "/v1/orders",
        json=order(kettle, order_id=order_id, channel=CHANNEL),
        headers=as_("operator"),
    )
    assert r.status_code == 202 and r.json()["order_id"] == order_id
    assert client.get(f"/v1/orders/{order_id}", headers=as_("channel")).status_code == 200, (
        "the channel's order"
    )
    taken = client.post(
        "/v1/orders",
        json=order(kettle, order_id=order_id, channel=OTHER_CHANNEL),
        headers=as_("operator"),
    )
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "order_id_in_use"
    unnamed = client.post("/v1/orders", json=order(kettle), headers=as_("operator"))
    assert unnamed.status_code == 422 and "channel" in unnamed.json()["error"]["message"]
    assert route(with_engine, order_id) == "ROUTED"


def test_another_channel_can_neither_read_nor_cancel_an_order(client, as_, with_engine):
    order_id = client.post(
        "/v1/orders", json=order(item(with_engine)), headers=as_("channel")
    ).json()["order_id"]
    for path in (f"/v1/orders/{order_id}", f"/v1/orders/{order_id.split(':', 1)[1]}"):
        hidden = client.get(path, headers=as_("other channel"))
        assert hidden.status_code == 404 and "Ada Buyer" not in hidden.text
        assert client.post(f"{path}/cancellation", headers=as_("other channel")).status_code == 404
    assert (
        with_engine(lambda engine: outbox_events(engine, order_id, "OrderCancellationRequested"))
        == []
    )


def test_an_item_not_listed_in_the_orders_channel_is_rejected_not_listed_in_channel(
    client, as_, with_engine
):
    elsewhere = item(with_engine, channels=(OTHER_CHANNEL,))
    order_id = client.post("/v1/orders", json=order(elsewhere), headers=as_("channel")).json()[
        "order_id"
    ]

    assert route(with_engine, order_id) == "REJECTED"

    [(code, reason)] = rejection(with_engine, order_id)
    assert code == "NOT_LISTED_IN_CHANNEL" and f"no active listing in channel {CHANNEL}" in reason
    shown = client.get(f"/v1/orders/{order_id}", headers=as_("channel")).json()
    assert shown["rejection"]["reason_code"] == "NOT_LISTED_IN_CHANNEL"
    other = client.post("/v1/orders", json=order(elsewhere), headers=as_("other channel")).json()[
        "order_id"
    ]
    assert route(with_engine, other) == "ROUTED"


async def test_a_deregistered_items_order_is_rejected_unknown_sku_until_it_is_registered_again(
    engine,
):
    seller_id, sku, fnsku = unique("S"), unique("SKU"), unique("X00")
    registration = await listed_item(engine, seller_id, sku, fnsku)
    await apply(engine, level(fnsku, "SEA1", 5, seller_id=seller_id))
    await apply(engine, deregistered(registration))
    withdrawn = placed(unique("O"), line("1", seller_id=seller_id, seller_sku=sku))
    by_listing = placed(unique("O"), line("1", listing_id=f"L-web-{fnsku}"))

    for event in (withdrawn, by_listing):
        await apply(engine, event)
        [rejected] = await outbox_events(engine, event.data.order_id, "OrderRejected")
        assert (
            rejected.data.reason_code == "UNKNOWN_SKU"
            and await order_status(engine, event.data.order_id) == "REJECTED"
        )

    await listed_item(engine, seller_id, sku, fnsku)  # registered (and listed) again
    again = placed(unique("O"), line("1", seller_id=seller_id, seller_sku=sku))
    await apply(engine, again)
    assert await order_status(engine, again.data.order_id) == "ROUTED"


async def test_a_closed_listings_item_is_rejected_not_listed_in_channel(engine):
    seller_id, sku, fnsku = unique("S"), unique("SKU"), unique("X00")
    await listed_item(engine, seller_id, sku, fnsku, channels=())
    publication = listed(unique("L"), seller_id, sku, fnsku)
    await apply(engine, publication)
    await apply(engine, level(fnsku, "SEA1", 5, seller_id=seller_id))
    await apply(engine, closed(publication))
    events = [
        placed(unique("O"), line("1", seller_id=seller_id, seller_sku=sku)),
        placed(unique("O"), line("1", listing_id=publication.data.listing_id)),
    ]

    for event in events:
        await apply(engine, event)
        [rejected] = await outbox_events(engine, event.data.order_id, "OrderRejected")
        assert rejected.data.reason_code == "NOT_LISTED_IN_CHANNEL"


async def test_on_kafka_a_channel_neither_takes_another_channels_order_id_nor_cancels_its_order(
    engine,
):
    seller_id, sku, fnsku = unique("S"), unique("SKU"), unique("X00")
    await listed_item(engine, seller_id, sku, fnsku, channels=("web", "app"))
    await apply(engine, level(fnsku, "SEA1", 5, seller_id=seller_id))
    order_id = unique("O")
    await apply(
        engine, placed(order_id, line("1", seller_id=seller_id, seller_sku=sku, quantity=2))
    )

    await apply(
        engine,
        placed(order_id, line("1", seller_id=seller_id, seller_sku=sku, quantity=3), channel="app"),
    )
    await apply(engine, cancel(order_id, source="/channels/app"))

    [rejected] = await outbox_events(engine, order_id, "OrderRejected")
    assert rejected.data.reason_code == "ORDER_ID_IN_USE"
    [refused] = await outbox_events(engine, order_id, "OrderCancellationRefused")
    assert refused.data.reason_code == "UNKNOWN_ORDER"
    assert await order_status(engine, order_id) == "ROUTED", "the web order stands"
    [instructed] = await outbox_events(engine, order_id, "FulfillmentInstructed")
    assert instructed.data.lines[0].quantity == 2


async def test_on_kafka_an_mcf_order_is_refused_unless_it_came_through_the_ingress(engine):
    seller_id, sku, fnsku = unique("S"), unique("SKU"), unique("X00")
    await listed_item(engine, seller_id, sku, fnsku, channels=())
    await apply(engine, level(fnsku, "SEA1", 5, seller_id=seller_id))
    order_id = f"mcf:{seller_id}:{unique('O')}"

    await apply(
        engine, placed(order_id, line("1", seller_id=seller_id, seller_sku=sku), channel="mcf")
    )

    [rejected] = await outbox_events(engine, order_id, "OrderRejected")
    assert (
        rejected.data.reason_code == "NOT_LISTED_IN_CHANNEL"
        and "HTTP ingress" in rejected.data.lines[0].reason
    )
    assert await order_status(engine, order_id) is None, (
        "not recorded: the seller may still place it"
    )
