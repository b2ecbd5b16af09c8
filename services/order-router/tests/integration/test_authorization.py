"""Who may call the order router: every route × every actor, from the rule each route declares
(orders: channels, sellers and operators, each its own; availability: operators and services),
and a service's credential reading availability."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

import pytest
from fastapi.routing import iter_route_contexts
from order_router_testkit import apply, level, listed_item, outbox_events, unique

from stockpath_runtime.credentials import ActorKind, new_credential
from stockpath_runtime.db import create_engine
from stockpath_runtime.unit_of_work import UnitOfWork
from stockpath_testing.authorization import ACTORS, SUBJECTS, Sample, check_route_table

pytestmark = pytest.mark.integration

CHANNEL, SELLER, OTHER_SELLER = SUBJECTS["channel"], SUBJECTS["seller"], SUBJECTS["other seller"]
#: The runtime's operations routes declare no rule yet (health, readiness, metrics): the lead's to add.
OPERATIONS = {("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/metrics")}
ADDRESS = {"name": "Ada Buyer", "line1": "400 Pine St", "city": "Seattle", "region": "WA", "postal_code": "98101"}


class Routes:
    """The app as `check_route_table` reads it, its routes flattened (FastAPI keeps each included
    router as one entry of ``app.routes``, where the table would find no route at all)."""

    def __init__(self, app) -> None:
        self.routes = list(iter_route_contexts(app.routes))


def per_actor(samples: Mapping[str, Sample]) -> Callable[[], Sample]:
    """A route whose data belongs to a seller *or* a channel: each actor calls it with the sample
    that names its own data (or the owner's, for the other seller and the other channel).

    `check_route_table` asks a callable sample once per actor, in `ACTORS` order; one out of
    step would call a route with another actor's sample and fail the table loudly."""
    turn = itertools.cycle(ACTORS)
    return lambda: samples[next(turn)]


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
    line = {"line_id": "1", "seller_id": item["seller_id"], "seller_sku": item["seller_sku"], "quantity": 1,
            "unit_price": "9.99"}
    return {"lines": [line], "ship_to": ADDRESS, **fields}


@pytest.fixture(scope="module")
def owned(client, as_, items) -> dict[str, str]:
    """An order of the channel and an mcf order of the seller: owner → the order id answered."""
    by_channel = client.post("/v1/orders", json=order_of(items[SELLER], order_id="AUTH-1"), headers=as_("channel"))
    by_seller = client.post("/v1/orders", json=order_of(items[SELLER], order_id="AUTH-2"), headers=as_("seller"))
    assert by_channel.status_code == by_seller.status_code == 202
    return {"channel": by_channel.json()["order_id"], "seller": by_seller.json()["order_id"]}


def test_every_route_answers_each_actor_as_its_rule_says(client, tokens, items, owned):
    def placing(item: dict, **fields) -> Sample:
        return Sample(json=order_of(item, **fields))

    def about(owner: str) -> Sample:
        return Sample(path={"order_id": owned[owner]}, json={"reason": "changed my mind"}, owner=owner)

    channel_order = about("channel")
    samples = {
        ("POST", "/v1/orders"): per_actor(
            {
                **dict.fromkeys(ACTORS, placing(items[SELLER])),
                "other seller": placing(items[OTHER_SELLER]),
                "operator": placing(items[SELLER], channel=CHANNEL),
            }
        ),
        ("GET", "/v1/orders/{order_id}"): per_actor(
            {**dict.fromkeys(ACTORS, channel_order), "seller": about("seller"), "other seller": about("seller")}
        ),
        ("POST", "/v1/orders/{order_id}/cancellation"): per_actor(
            {**dict.fromkeys(ACTORS, channel_order), "seller": about("seller"), "other seller": about("seller")}
        ),
        ("GET", "/v1/availability"): Sample(query={"fnsku": items[SELLER]["fnsku"]}),
    }
    table = check_route_table(client, Routes(client.app), tokens, samples, skip=OPERATIONS)
    assert {(m, p) for m, p, *_ in table} == set(samples)


def test_the_seller_and_the_channel_read_their_own_orders_by_their_own_ids(client, as_, owned):
    assert client.get("/v1/orders/AUTH-1", headers=as_("channel")).json()["order_id"] == owned["channel"]
    assert client.get("/v1/orders/AUTH-2", headers=as_("seller")).json()["order_id"] == owned["seller"]
    assert client.get("/v1/orders/AUTH-1", headers=as_("seller")).status_code == 404
    assert client.get("/v1/orders/AUTH-2", headers=as_("channel")).status_code == 404


def test_a_refused_caller_writes_nothing(client, as_, items, with_engine):
    for actor, status in (("anonymous", 401), ("fc", 403)):
        headers = as_(actor) if actor != "anonymous" else {}
        order = order_of(items[SELLER], order_id=f"REFUSED-{actor}", channel=CHANNEL)
        assert client.post("/v1/orders", json=order, headers=headers).status_code == status
        assert with_engine(lambda engine, a=actor: outbox_events(engine, f"REFUSED-{a}")) == []
        assert with_engine(lambda engine, a=actor: outbox_events(engine, f"{CHANNEL}:REFUSED-{a}")) == []


def test_a_service_reads_availability(client, database, items):
    async def issue() -> str:
        engine = create_engine(database, pool_size=1)
        try:
            async with UnitOfWork(engine, source="/services/test") as uow:
                token, credential = new_credential(ActorKind.SERVICE, "registration", now=datetime.now(UTC), ttl=None)
                await uow.credentials.save(credential)
                await uow.commit()
            return token
        finally:
            await engine.dispose()

    headers = {"Authorization": f"Bearer {asyncio.run(issue())}"}
    r = client.get("/v1/availability", params={"fnsku": items[SELLER]["fnsku"]}, headers=headers)
    assert r.status_code == 200 and r.json()["basis"] == 1000
    assert client.get("/v1/orders/AUTH-1", headers=headers).status_code == 403
