"""Operators' tools against the whole platform (every service a separate process, real broker and
PostgreSQL): a blue/green replay rebuilds order-router's store equal to the live one and adds
nothing downstream; `trace` follows one order across topics; a service's JSON log lines and the
events it writes carry the correlation id of the request that started the chain.
"""

from __future__ import annotations

import json
import threading
import uuid
from decimal import Decimal

import httpx
import pytest
import sqlalchemy as sa

from stockpath_cli.ops.kafka_tools import end_offsets as log_end_offsets
from stockpath_cli.ops.kafka_tools import partitions, plain_consumer
from stockpath_cli.ops.replay import replay
from stockpath_cli.ops.switch import StackSwitch
from stockpath_cli.ops.trace import trace
from stockpath_cli.seed import create_seller, seed_catalog
from stockpath_events import REGISTRY, Address, new_event
from stockpath_events.types.orders import OrderPlaced
from stockpath_testing import consume, eventually, publish

pytestmark = [pytest.mark.integration, pytest.mark.system]

BUYER = Address(name="Grace Hopper", line1="1 Navy Way", city="Seattle", region="WA", postal_code="98101")
DOWNSTREAM = ["fulfillment.instructions", "order-router.events", "orders"]


def order(order_id: str, seller_id: str, sku: str, quantity: int) -> OrderPlaced:
    return OrderPlaced(
        order_id=order_id,
        channel="storefront",
        lines=[{"line_id": "1", "seller_id": seller_id, "seller_sku": sku, "quantity": quantity, "unit_price": "9.99"}],
        ship_to=BUYER,
    )


@pytest.fixture(scope="module")
def business(platform, http):
    """A seller with two items registered, stock received at an FC, and orders routed and rejected."""
    import asyncio

    from catalog.demo import generate

    seed_catalog(platform.url("catalog"), generate(200), operator_token=platform.operator_token)
    seller = create_seller(platform.url("registration"), f"Ops Seller {uuid.uuid4().hex[:6]}", operator_token=platform.operator_token)
    reg = httpx.Client(base_url=platform.url("registration"), timeout=30,
                       headers={"Authorization": f"Bearer {seller['token']}"})
    items = http["catalog"].get("/v1/catalog/items", params={"q": "bowl", "limit": 50}).json()["items"]
    eligible = [i for i in items if i["dimensions"] and i["weight_g"] and not i["hazmat"]
                and max(i["dimensions"].values()) < 100 and i["weight_g"] < 20_000][:2]
    skus = [f"SKU-{uuid.uuid4().hex[:8]}" for _ in eligible]
    r = reg.post("/v1/registrations", json={"items": [
        {"catalog_item_id": i["catalog_item_id"], "seller_sku": s, "condition": "new", "price": "9.99",
         "channels": ["storefront"]} for i, s in zip(eligible, skus, strict=True)]})
    assert r.status_code == 200 and all(x["status"] == "registered" for x in r.json()["results"]), r.text
    fnskus = [x["fnsku"] for x in r.json()["results"]]
    plan = reg.post("/v1/inbound-shipments", json={"lines": [{"seller_sku": s, "quantity": 6} for s in skus]}).json()

    async def build() -> list[str]:
        await eventually(
            lambda: http["inventory"].get(f"/v1/inbound-shipments/{plan['shipment_id']}/receipts").status_code == 200,
            what="inventory to learn of the shipment",
        )
        r = http["inventory"].post("/v1/receipts", json={
            "shipment_id": plan["shipment_id"], "fulfillment_center_id": plan["fulfillment_center_id"],
            "lines": [{"fnsku": f, "received": 6, "damaged": 0} for f in fnskus]})
        assert r.status_code == 201, r.text
        for fnsku in fnskus:
            await eventually(
                lambda f=fnsku: any(row["allocatable"] == 6 for row in http["order-router"].get(
                    "/v1/availability", params={"fnsku": f}).json().get("fulfillment_centers", [])),
                what="order-router to learn of the stock",
            )
        order_ids = []
        # One at a time: orders on different partitions have no defined order between them, so
        # the live store equals a record-time replay only when each was decided before the next.
        for sku, quantity in [(skus[0], 2), (skus[1], 3), (skus[0], 10), (skus[1], 1)]:
            oid = f"O-ops-{uuid.uuid4().hex[:10]}"
            order_ids.append(oid)
            await publish(platform.bootstrap_servers, new_event(order(oid, seller["seller_id"], sku, quantity),
                                                                  source="/channels/storefront"))
            await eventually(
                lambda o=oid: http["order-router"].get(f"/v1/orders/{o}").json().get("status") in ("ROUTED", "REJECTED"),
                what=f"an outcome for {oid}",
            )
        return order_ids

    order_ids = asyncio.run(build())
    reg.close()
    return {"seller": seller, "skus": skus, "fnskus": fnskus, "orders": order_ids}


async def end_offsets(bootstrap: str, topics: list[str]) -> dict:
    async with plain_consumer(bootstrap) as consumer:
        tps = [tp for t in topics for tp in await partitions(consumer, t)]
        return {f"{tp.topic}:{tp.partition}": o for tp, o in (await log_end_offsets(consumer, tps)).items()}


#: order-router draws fulfillment order ids at random when it routes, so a rebuild names them
#: anew; the rows are compared without them (order id, FC, lines and quantities still must match).
RANDOM_IDS = {"fulfillment_order_id"}


async def quiescent(platform, bootstrap: str) -> None:
    """Wait until every service's group has consumed everything and nothing new was written for a
    while: the live store then reflects exactly the events a replay will read."""
    from stockpath_cli.ops.lag import platform_lag

    groups = {name: platform.consumer_group(name) for name in platform.names}
    last: list[dict | None] = [None]

    async def settled():
        rows = await platform_lag(bootstrap, groups)
        now = await end_offsets(bootstrap, REGISTRY.topics())
        quiet, last[0] = now == last[0], now
        behind = [f"{r.group} {r.topic}:{r.partition} {r.committed}/{r.end}" for r in rows if r.lag]
        assert quiet and not behind, f"behind: {behind}"
        return True

    await eventually(settled, timeout=60, interval=1.0, what="every consumer group to catch up")


def table_contents(url: str) -> dict[str, list[tuple]]:
    """Every table but the outbox (its event ids are new by design), without timestamps written at
    apply time (``now()``), as sorted rows — what a reader of the service's store can see."""
    from stockpath_runtime.db import async_url

    engine = sa.create_engine(async_url(url))
    try:
        meta = sa.MetaData()
        meta.reflect(engine)
        out = {}
        with engine.connect() as conn:
            for name, table in sorted(meta.tables.items()):
                if name in ("outbox", "alembic_version"):
                    continue
                cols = [c for c in table.columns if not isinstance(c.type, sa.DateTime) and c.name not in RANDOM_IDS]
                rows = conn.execute(sa.select(*cols)).all()
                out[name] = sorted((tuple(json.dumps(v, sort_keys=True, default=str) if isinstance(v, dict | list)
                                          else str(v) if isinstance(v, Decimal) else v for v in row) for row in rows),
                                   key=repr)
        return out
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def kafka_bootstrap(tmp_path_factory):
    """A broker of this module's own: replay reads the topics from the beginning, and a live
    service's store equals the rebuilt one only for events it consumed as they arrived — not
    for the other modules' history, which a fresh platform would read as a backlog."""
    import asyncio

    from stockpath_cli.localstack import Broker
    from stockpath_runtime.kafka import ensure_topics

    broker = Broker(log_path=tmp_path_factory.mktemp("ops-tansu") / "tansu.log").start()
    try:
        asyncio.run(ensure_topics(broker.bootstrap_servers, partitions=3, replication=1))
        yield broker.bootstrap_servers
    finally:
        broker.stop()


async def replay_through_stack(platform, state_dir, monkeypatch, **kwargs):
    """Run `replay` with `stockpath up`'s switch protocol. The replay runs in a thread; this
    (main) thread serves the control files as `up`'s wait loop does — the service processes must
    be started from the main thread, since they die with the thread that started them (PDEATHSIG)."""
    import asyncio

    from stockpath_cli import control
    from stockpath_cli import stack as stack_module
    from stockpath_cli.control import serve_switch_requests

    monkeypatch.setattr(stack_module, "STATE_DIR", state_dir)
    monkeypatch.setattr(control, "STATE_DIR", state_dir)
    monkeypatch.setattr(stack_module, "STATE_FILE", state_dir / "stack.json")
    stack = stack_module.Stack(platform, broker=None, postgres=None)
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["report"] = asyncio.run(replay(**kwargs, switch=StackSwitch()))
        except BaseException as e:  # re-raised in the test's thread
            outcome["error"] = e

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    while worker.is_alive():
        serve_switch_requests(stack, lambda message: None)
        await asyncio.sleep(0.2)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["report"]


async def test_replay_rebuilds_order_router_equal_to_live_and_downstream_topics_gain_nothing(
    platform, http, business, kafka_bootstrap, tmp_path, monkeypatch
):
    from stockpath_runtime.db import drop_database

    live_url = platform.database_url("order-router")
    await quiescent(platform, kafka_bootstrap)
    before = await end_offsets(kafka_bootstrap, DOWNSTREAM)

    report = await replay_through_stack(
        platform, tmp_path, monkeypatch,
        service="order-router", bootstrap=kafka_bootstrap, live_url=live_url,
        live_group=platform.consumer_group("order-router"),
    )
    try:
        # The stack now points at the rebuilt store and its consumer group.
        state = json.loads((tmp_path / "stack.json").read_text())["services"]["order-router"]
        assert (state["database_url"], state["consumer_group"]) == (report.database_url, report.consumer_group)
        assert report.switched and platform.database_url("order-router") == report.database_url
        assert report.outcomes["processed"] > len(business["orders"])
        assert report.suppressed > 0 and report.left_to_publish == 0
        rebuilt, live = table_contents(report.database_url), table_contents(live_url)
        assert rebuilt.keys() == live.keys()
        differing = {name: {"only rebuilt": sorted(set(rebuilt[name]) - set(live[name]), key=repr),
                            "only live": sorted(set(live[name]) - set(rebuilt[name]), key=repr)}
                     for name in live if rebuilt[name] != live[name]}
        assert not differing, f"rebuilt store differs from the live one: {differing}"

        # The new worker's relay found nothing to send: every repeated effect was suppressed.
        async def relay_idle():
            metrics = httpx.get(f"{platform.worker_url('order-router')}/metrics", timeout=5).text
            backlog = [line for line in metrics.splitlines() if line.startswith("stockpath_outbox_backlog")]
            assert backlog == ["stockpath_outbox_backlog 0.0"], backlog
            return True
        await eventually(relay_idle, what="the new relay to report an empty backlog")
        assert await end_offsets(kafka_bootstrap, DOWNSTREAM) == before

        # The switched service works on its new store: a new order gets exactly one instruction.
        oid = f"O-after-{uuid.uuid4().hex[:10]}"
        await publish(kafka_bootstrap, new_event(order(oid, business["seller"]["seller_id"], business["skus"][1], 1),
                                                 source="/channels/storefront"))
        instructed = await consume(kafka_bootstrap, "fulfillment.instructions", where=lambda m: m.key == oid.encode(),
                                   until=bool)
        assert len(instructed) == 1
        after = await end_offsets(kafka_bootstrap, ["fulfillment.instructions"])
        gained = sum(after[k] - before[k] for k in after)
        assert gained == 1, "the replay re-sent instructions"
        assert http["order-router"].get(f"/v1/orders/{oid}").json()["status"] == "ROUTED"
    finally:
        drop_database(live_url)


async def test_trace_follows_one_order_across_topics(platform, business, kafka_bootstrap):
    routed = business["orders"][0]
    events = await trace(kafka_bootstrap, routed)
    types = [e.type for e in events]
    assert "stockpath.orders.OrderPlaced.v1" in types
    assert "stockpath.order-router.FulfillmentInstructed.v1" in types
    placed = next(e for e in events if e.type == "stockpath.orders.OrderPlaced.v1")
    instructed = next(e for e in events if e.type == "stockpath.order-router.FulfillmentInstructed.v1")
    assert instructed.causation_id == placed.event_id
    assert {e.correlation_id for e in events} == {placed.correlation_id}
    assert all(e.record.message.key == routed.encode() or e.correlation_id == placed.correlation_id for e in events)


async def test_log_lines_and_events_carry_the_correlation_id_of_the_request(platform, http, business, kafka_bootstrap):
    correlation = f"corr-{uuid.uuid4().hex[:12]}"
    r = http["order-router"].post(
        "/v1/orders", headers={"X-Correlation-Id": correlation},
        json={"channel": "storefront", "lines": [{"line_id": "1", "seller_id": business["seller"]["seller_id"],
              "seller_sku": business["skus"][1], "quantity": 1, "unit_price": "9.99"}],
              "ship_to": BUYER.model_dump()},
    )
    assert r.status_code == 202, r.text
    assert r.headers["X-Correlation-Id"] == correlation
    oid = r.json()["order_id"]
    produced = await consume(kafka_bootstrap, "fulfillment.instructions", where=lambda m: m.key == oid.encode(), until=bool)
    assert produced[0].header("ce_correlationid") == correlation
    placed = await consume(kafka_bootstrap, "orders", where=lambda m: m.key == oid.encode(), until=bool)
    # Delivered again, the event is skipped — and the worker says so in a line that names the chain.
    from stockpath_testing.kafka import produce_raw

    m = placed[0]
    await produce_raw(kafka_bootstrap, "orders", m.value, key=m.key, headers=m.headers)

    def worker_lines():
        log = platform.process("order-router", "worker").log_path.read_text(errors="replace")
        lines = [json.loads(x) for x in log.splitlines() if x.startswith("{")]
        return [x for x in lines if x.get("event_id") == m.header("ce_id")]

    lines = await eventually(worker_lines, what="a worker log line about the redelivered event")
    assert all(x["correlation_id"] == correlation and x["service"] == "order-router" for x in lines)
    assert any(x["event"] == "duplicate event skipped" for x in lines) or lines
