"""What the whole-system replay tests share (test_operations_replay, test_registration_replay): a
broker of a module's own, an order as a storefront places it, a shipment reported by the FC,
waiting until every consumer group caught up, every table's contents and their differences, and
`replay` run with `stockpath up`'s switch protocol."""

from __future__ import annotations

import json
import threading
import uuid
from decimal import Decimal

import httpx
import sqlalchemy as sa

from stockpath_cli.ops.kafka_tools import end_offsets as log_end_offsets
from stockpath_cli.ops.kafka_tools import partitions, plain_consumer
from stockpath_cli.ops.replay import replay
from stockpath_cli.ops.switch import StackSwitch
from stockpath_events import REGISTRY, Address, new_event
from stockpath_events.types.fulfillment import ShipmentShipped
from stockpath_events.types.orders import OrderPlaced
from stockpath_testing import eventually, publish

BUYER = Address(
    name="Grace Hopper", line1="1 Navy Way", city="Seattle", region="WA", postal_code="98101"
)


def order(
    order_id: str, seller_id: str, sku: str, quantity: int, policy: str = "fill-or-kill"
) -> OrderPlaced:
    return OrderPlaced(
        order_id=order_id,
        channel="storefront",
        fulfillment_policy=policy,
        lines=[
            {
                "line_id": "1",
                "seller_id": seller_id,
                "seller_sku": sku,
                "quantity": quantity,
                "unit_price": "9.99",
            }
        ],
        ship_to=BUYER,
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def eligible_bowls(catalog: httpx.Client, n: int) -> list[str]:
    """`n` catalog items of the demo catalog that registration accepts (bowls with dimensions and
    a weight, no hazmat, within the size limits)."""
    items = catalog.get("/v1/catalog/items", params={"q": "bowl", "limit": 50}).json()["items"]
    found = [
        i["catalog_item_id"]
        for i in items
        if i["dimensions"]
        and i["weight_g"]
        and not i["hazmat"]
        and max(i["dimensions"].values()) < 100
        and i["weight_g"] < 20_000
    ][:n]
    assert len(found) == n, f"the demo catalog has {n} eligible bowls"
    return found


def offer(catalog_item_id: str, sku: str) -> dict:
    """An item as a seller asks to register it."""
    return {
        "catalog_item_id": catalog_item_id,
        "seller_sku": sku,
        "condition": "new",
        "price": "9.99",
        "channels": ["storefront"],
    }


async def receive(inventory: httpx.Client, shipment: dict, counts: list[tuple[str, int]]) -> None:
    """The FC counts `counts` (FNSKU, units) of the shipment, once inventory knows it."""
    await eventually(
        lambda: (
            inventory.get(f"/v1/inbound-shipments/{shipment['shipment_id']}/receipts").status_code
            == 200
        ),
        what="inventory to learn of the shipment",
    )
    r = inventory.post(
        "/v1/receipts",
        json={
            "shipment_id": shipment["shipment_id"],
            "fulfillment_center_id": shipment["fulfillment_center_id"],
            "lines": [{"fnsku": f, "received": n, "damaged": 0} for f, n in counts],
        },
    )
    assert r.status_code == 201, r.text


async def ship(bootstrap: str, http, order_id: str) -> None:
    """The FC of each of the order's fulfillment orders reports it shipped; wait until the router knows."""
    view = http["order-router"].get(f"/v1/orders/{order_id}").json()
    for fo in view["fulfillment_orders"]:
        await publish(
            bootstrap,
            new_event(
                ShipmentShipped(
                    fulfillment_order_id=fo["fulfillment_order_id"],
                    order_id=order_id,
                    fulfillment_center_id=fo["fulfillment_center_id"],
                    carrier="UPS",
                    tracking_number=f"1Z{uuid.uuid4().hex[:10]}",
                ),
                source=f"/fulfillment-centers/{fo['fulfillment_center_id']}",
            ),
        )
    await eventually(
        lambda: (
            http["order-router"].get(f"/v1/orders/{order_id}").json().get("status") == "SHIPPED"
        ),
        what=f"{order_id} to be shipped",
    )


async def end_offsets(bootstrap: str, topics: list[str]) -> dict:
    async with plain_consumer(bootstrap) as consumer:
        tps = [tp for t in topics for tp in await partitions(consumer, t)]
        return {
            f"{tp.topic}:{tp.partition}": o
            for tp, o in (await log_end_offsets(consumer, tps)).items()
        }


#: Stamps the database writes when a row is applied (``now()``): when, not what, so left out.
APPLY_TIME = {"created_at", "updated_at", "recorded_at", "processed_at", "next_attempt_at"}


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
    """Every table but the outbox (sent and pruned by the live relay, held unsent by a rebuild),
    every column (ids included) but the apply-time stamps and the numbers the database gives rows
    in apply order (identity columns: events of two topics have no order between them), as
    sorted rows."""
    from stockpath_cli.ops.equivalence import is_apply_order
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
                cols = [
                    c for c in table.columns if c.name not in APPLY_TIME and not is_apply_order(c)
                ]
                rows = conn.execute(sa.select(*cols)).all()
                out[name] = sorted(
                    (
                        tuple(
                            json.dumps(v, sort_keys=True, default=str)
                            if isinstance(v, dict | list)
                            else str(v)
                            if isinstance(v, Decimal)
                            else v
                            for v in row
                        )
                        for row in rows
                    ),
                    key=repr,
                )
        return out
    finally:
        engine.dispose()


def differing(rebuilt: dict, live: dict) -> dict:
    assert rebuilt.keys() == live.keys()
    return {
        name: {
            "only rebuilt": sorted(set(rebuilt[name]) - set(live[name]), key=repr),
            "only live": sorted(set(live[name]) - set(rebuilt[name]), key=repr),
        }
        for name in live
        if rebuilt[name] != live[name]
    }


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
