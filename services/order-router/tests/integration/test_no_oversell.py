"""Guarantee S: concurrent orders for the same FNSKU never allocate more than is on hand, and
orders sharing FNSKUs in opposite line order queue instead of deadlocking."""

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
    stock,
    unique,
)

from order_router.adapters.tables import orders
from stockpath_runtime.db import create_engine

pytestmark = pytest.mark.integration

WORKERS = 8


@pytest.fixture
async def wide_engine(database):
    """One connection per concurrent worker, so the database — not the pool — is what serialises them."""
    engine = create_engine(database, pool_size=WORKERS)
    yield engine
    await engine.dispose()


async def handle_concurrently(engine, events) -> None:
    """Several tasks, each applying events in its own unit of work, all at once."""
    queue: asyncio.Queue = asyncio.Queue()
    for event in events:
        queue.put_nowait(event)

    async def worker() -> None:
        while not queue.empty():
            assert await apply(engine, queue.get_nowait())

    await asyncio.gather(*(worker() for _ in range(WORKERS)))


async def outcomes(engine, order_ids: list[str]) -> dict[str, int]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(orders.c.status, sa.func.count())
            .where(orders.c.order_id.in_(order_ids))
            .group_by(orders.c.status)
        )
        return dict(rows.all())


async def test_fifty_units_and_a_hundred_concurrent_orders_route_exactly_fifty(wide_engine):
    seller_id, sku, fnsku = unique("S"), unique("SKU"), unique("X00")
    await listed_item(wide_engine, seller_id, sku, fnsku)
    await apply(wide_engine, level(fnsku, "SEA1", 50, seller_id=seller_id))
    order_ids = [unique("O") for _ in range(100)]

    await handle_concurrently(
        wide_engine, [placed(o, line("1", seller_id=seller_id, seller_sku=sku)) for o in order_ids]
    )

    assert await outcomes(wide_engine, order_ids) == {"ROUTED": 50, "REJECTED": 50}
    assert await stock(wide_engine, fnsku, "SEA1") == (50, 50)
    instructed = rejected = 0
    for order_id in order_ids:
        kinds = [e.type.split(".")[2] for e in await outbox_events(wide_engine, order_id)]
        assert kinds in (["FulfillmentInstructed", "OrderRouted"], ["OrderRejected"]), (
            "exactly one outcome"
        )
        instructed += kinds[0] == "FulfillmentInstructed"
        rejected += kinds == ["OrderRejected"]
    assert (instructed, rejected) == (50, 50)


async def test_orders_naming_the_same_items_in_opposite_order_do_not_deadlock(wide_engine):
    seller_id = unique("S")
    items = [(unique("SKU"), unique("X00")) for _ in range(2)]
    for sku, fnsku in items:
        await listed_item(wide_engine, seller_id, sku, fnsku)
        for fc in ("SEA1", "EWR4"):
            await apply(wide_engine, level(fnsku, fc, 10, seller_id=seller_id))
    (sku_a, fnsku_a), (sku_b, fnsku_b) = items
    order_ids = [unique("O") for _ in range(40)]
    events = []
    for n, order_id in enumerate(order_ids):
        a = line("a", seller_id=seller_id, seller_sku=sku_a)
        b = line("b", seller_id=seller_id, seller_sku=sku_b)
        events.append(placed(order_id, *((a, b) if n % 2 else (b, a))))

    # A deadlock would surface here as an exception from apply().
    await handle_concurrently(wide_engine, events)

    assert await outcomes(wide_engine, order_ids) == {"ROUTED": 20, "REJECTED": 20}
    for fnsku in (fnsku_a, fnsku_b):
        assert [await stock(wide_engine, fnsku, fc) for fc in ("SEA1", "EWR4")] == [
            (10, 10),
            (10, 10),
        ]
