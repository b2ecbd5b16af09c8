"""Who may call the order router: every route × every actor, from the rule each route declares
(orders: channels, sellers and operators, each its own; availability: operators and services),
and a service's credential reading availability."""

from __future__ import annotations

import asyncio

import pytest
from fastapi.testclient import TestClient
from order_router_testkit import apply, level, listed_item, outbox_events, registered, unique

from order_router.bootstrap import create_api
from order_router.settings import Settings
from stockpath_testing.authorization import ACTORS, SUBJECTS, Sample, check_route_table, issue_token

pytestmark = pytest.mark.integration

CHANNEL, SELLER, OTHER_SELLER = SUBJECTS["channel"], SUBJECTS["seller"], SUBJECTS["other seller"]
ADDRESS = {
    "name": "Ada Buyer",
    "line1": "400 Pine St",
    "city": "Seattle",
    "region": "WA",
    "postal_code": "98101",
}


@pytest.fixture(scope="module")
def client(database, tokens, kafka_bootstrap):
    """The API beside a broker it reaches, so that its readiness (/readyz) answers in the table."""
    with TestClient(
        create_api(Settings(database_url=database, kafka_bootstrap_servers=kafka_bootstrap))
    ) as c:
        yield c


@pytest.fixture(scope="module")
def items(with_engine) -> dict[str, dict]:
    """One SKU of each seller, listed in the channel's storefront, with stock at SEA1."""
    made = {}
    for seller_id in (SELLER, OTHER_SELLER):
        sku, fnsku = unique("SKU"), unique("X00")

        async def setup(engine, seller_id=seller_id, sku=sku, fnsku=fnsku):
            await listed_item(engine, seller_id, sku, fnsku, channels=(CHANNEL,))
            await apply(engine, level(fnsku, "SEA1", 1000, seller_id=seller_id))

        with_engine(setup)
        made[seller_id] = {"seller_id": seller_id, "seller_sku": sku, "fnsku": fnsku}
    return made


def order_of(item: dict, **fields) -> dict:
    line = {
        "line_id": "1",
        "seller_id": item["seller_id"],
        "seller_sku": item["seller_sku"],
        "quantity": 1,
        "unit_price": "9.99",
    }
    return {"lines": [line], "ship_to": ADDRESS, **fields}


@pytest.fixture(scope="module")
def mcf_line(with_engine) -> dict:
    """An MCF order line of the seller's: an SKU registered with its size (so it can be priced),
    with stock at SEA1."""
    sku, fnsku = unique("SKU"), unique("X00")

    async def setup(engine):
        sized = registered(SELLER, sku, fnsku, size_tier="small_standard", weight_g=200.0)
        await apply(engine, sized)
        await apply(engine, level(fnsku, "SEA1", 100, seller_id=SELLER))

    with_engine(setup)
    return {"line_id": "1", "fnsku": fnsku, "quantity": 1}


@pytest.fixture(scope="module")
def mcf_order(client, as_, mcf_line) -> str:
    """An MCF order of the seller's, placed through the MCF route; the id answered."""
    r = client.post(
        "/v1/mcf-orders",
        json={"order_id": "AUTH-MCF", "lines": [mcf_line], "ship_to": ADDRESS},
        headers=as_("seller"),
    )
    assert r.status_code == 202, r.text
    return r.json()["order_id"]


@pytest.fixture(scope="module")
def owned(client, as_, items) -> dict[str, str]:
    """An order of the channel and an mcf order of the seller: owner → the order id answered."""
    by_channel = client.post(
        "/v1/orders", json=order_of(items[SELLER], order_id="AUTH-1"), headers=as_("channel")
    )
    by_seller = client.post(
        "/v1/orders", json=order_of(items[SELLER], order_id="AUTH-2"), headers=as_("seller")
    )
    assert by_channel.status_code == by_seller.status_code == 202
    return {"channel": by_channel.json()["order_id"], "seller": by_seller.json()["order_id"]}


def test_every_route_answers_each_actor_as_its_rule_says(
    client, tokens, items, owned, mcf_line, mcf_order
):
    """Every order route twice: about the channel's order, then about the seller's (an mcf order of
    its own SKUs). A seller and a channel find nothing of each other's orders (404); a body naming
    another channel, or another seller's SKUs, is refused (403). The MCF routes serve sellers only:
    another seller's FNSKU is one it has not registered (422), its order one it cannot find (404)."""

    def about(owner: str, *strangers: str) -> Sample:
        """The owner's order: the other seller or channel finds nothing of it, and nor do `strangers`."""
        return Sample(
            path={"order_id": owned[owner]},
            json={"reason": "changed my mind"},
            owner=owner,
            expect=dict.fromkeys(strangers, 404),
        )

    def returning(owner: str, *strangers: str) -> Sample:
        """A return of the owner's order: it has shipped nothing, so the owner and the operator reach
        the rule on shipped units (422); everyone else finds nothing (404)."""
        return Sample(
            path={"order_id": owned[owner]},
            json={"lines": [{"line_id": "1", "quantity": 1}]},
            owner=owner,
            expect={owner: 422, "operator": 422, **dict.fromkeys(strangers, 404)},
        )

    channels = {
        ("POST", "/v1/orders"): Sample(
            json=order_of(items[SELLER], channel=CHANNEL),
            owner="channel",
            expect={"seller": 403, "other seller": 403, "other channel": 403},
        ),
        ("GET", "/v1/orders/{order_id}"): about("channel", "seller", "other seller"),
        ("POST", "/v1/orders/{order_id}/cancellation"): about("channel", "seller", "other seller"),
        ("POST", "/v1/orders/{order_id}/returns"): returning("channel", "seller", "other seller"),
        ("GET", "/v1/availability"): Sample(query={"fnsku": items[SELLER]["fnsku"]}),
        ("POST", "/v1/mcf-orders/preview"): Sample(
            json={"lines": [mcf_line], "ship_to": ADDRESS},
            owner="seller",
            expect={"other seller": 422},
        ),
        ("POST", "/v1/mcf-orders"): Sample(
            json={"order_id": "AUTH-MCF-2", "lines": [mcf_line], "ship_to": ADDRESS},
            owner="seller",
            expect={"other seller": 422},
        ),
        ("GET", "/v1/mcf-orders"): Sample(),
        ("GET", "/v1/mcf-orders/{order_id}"): Sample(path={"order_id": mcf_order}, owner="seller"),
        ("POST", "/v1/mcf-orders/{order_id}/cancellation"): Sample(
            path={"order_id": mcf_order}, json={"reason": "buyer cancelled"}, owner="seller"
        ),
        # a seller's returns: the other seller may not name it (403); a channel is no party to it
        ("GET", "/v1/returns"): Sample(
            query={"seller_id": SELLER}, owner="seller", expect={"other seller": 403}
        ),
        # A seller's orders across channels: its own (the other seller finds no such seller).
        ("GET", "/v1/seller-orders"): Sample(query={"seller_id": SELLER}, owner="seller"),
        # operations: anyone gets an answer (probes and Prometheus carry no credential)
        ("GET", "/healthz"): Sample(),
        ("GET", "/readyz"): Sample(),
        ("GET", "/metrics"): Sample(),
    }
    sellers = {
        # No channel named: the seller's is an mcf order (of its own SKUs only), a channel's goes to its
        # own channel, and the operator must name one (422).
        ("POST", "/v1/orders"): Sample(
            json=order_of(items[SELLER]),
            owner="seller",
            expect={"other seller": 403, "operator": 422},
        ),
        ("GET", "/v1/orders/{order_id}"): about("seller", "channel", "other channel"),
        ("POST", "/v1/orders/{order_id}/cancellation"): about("seller", "channel", "other channel"),
        ("POST", "/v1/orders/{order_id}/returns"): returning("seller", "channel", "other channel"),
    }
    table = check_route_table(client, client.app, tokens, channels)
    table += check_route_table(
        client, client.app, tokens, sellers, skip=set(channels) - set(sellers)
    )
    assert {(m, p) for m, p, *_ in table} == set(channels)
    assert len(table) == len(ACTORS) * (len(channels) + len(sellers))


def test_the_seller_and_the_channel_read_their_own_orders_by_their_own_ids(client, as_, owned):
    assert (
        client.get("/v1/orders/AUTH-1", headers=as_("channel")).json()["order_id"]
        == owned["channel"]
    )
    assert (
        client.get("/v1/orders/AUTH-2", headers=as_("seller")).json()["order_id"] == owned["seller"]
    )
    assert client.get("/v1/orders/AUTH-1", headers=as_("seller")).status_code == 404
    assert client.get("/v1/orders/AUTH-2", headers=as_("channel")).status_code == 404


def test_a_refused_caller_writes_nothing(client, as_, items, with_engine):
    for actor, status in (("anonymous", 401), ("fc", 403)):
        headers = as_(actor) if actor != "anonymous" else {}
        order = order_of(items[SELLER], order_id=f"REFUSED-{actor}", channel=CHANNEL)
        assert client.post("/v1/orders", json=order, headers=headers).status_code == status
        assert with_engine(lambda engine, a=actor: outbox_events(engine, f"REFUSED-{a}")) == []
        assert (
            with_engine(lambda engine, a=actor: outbox_events(engine, f"{CHANNEL}:REFUSED-{a}"))
            == []
        )


def test_a_service_reads_availability(client, database, items):
    headers = {
        "Authorization": f"Bearer {asyncio.run(issue_token(database, 'service', 'registration'))}"
    }
    r = client.get("/v1/availability", params={"fnsku": items[SELLER]["fnsku"]}, headers=headers)
    assert r.status_code == 200 and r.json()["basis"] == 1000
    assert client.get("/v1/orders/AUTH-1", headers=headers).status_code == 403
