"""Benchmark of order routing on this machine, against the local PostgreSQL.

    uv run python services/order-router/scripts/bench_routing.py [--orders 2000]

On a fresh database it measures: orders routed one after another through the runtime's
MessageProcessor (inbox, row locks, reservation, outbox, commit — the worker's path minus the
broker); the same with 8 concurrent workers all fighting over one FNSKU with too little stock
(the no-oversell path: every order queues on the same row lock); and the routing policy alone
planning a split order over the five FCs. It prints figures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from order_router.bootstrap import SERVICE, routing_policy
from order_router.domain.model import ResolvedLine
from order_router.domain.routing import RoutingRequest, StockLevel
from stockpath_events import FulfillmentPolicy, ShippingSpeed, encode
from stockpath_runtime.db import drop_database
from stockpath_runtime.logs import configure_logging
from stockpath_runtime.migrations import upgrade
from stockpath_runtime.settings import LOCAL_POSTGRES
from stockpath_testing import ServiceConsumer

sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))
from order_router_testkit import level, line, listed, placed, registered  # noqa: E402


async def deliver_all(consumer: ServiceConsumer, envelopes, *, workers: int) -> float:
    """Each event on its own, as the worker does when they arrive apart, by `workers` at once."""
    queue: asyncio.Queue = asyncio.Queue()
    for e in envelopes:
        queue.put_nowait(encode(e))

    async def work() -> None:
        while not queue.empty():
            message = queue.get_nowait()
            await consumer.processors[message.topic].process(message, partition=0, offset=0)

    started = time.perf_counter()
    await asyncio.gather(*(work() for _ in range(workers)))
    return time.perf_counter() - started


async def main(orders: int) -> None:
    configure_logging("order-router", "bench", fmt="console", level="WARNING")
    url = f"{LOCAL_POSTGRES}/bench_router_{uuid.uuid4().hex[:8]}"
    upgrade(SERVICE.migrations, url)
    try:
        # The worker's own subscriptions and unit of work; its engine has a connection per worker.
        async with ServiceConsumer(SERVICE, url) as consumer:
            seller, sku, fnsku = "S-BENCH", "SKU-BENCH", "X00BENCH"
            setup = [
                registered(seller, sku, fnsku),
                listed("L-BENCH", seller, sku, fnsku),
                level(fnsku, "SEA1", orders, seller_id=seller),
            ]
            await deliver_all(consumer, setup, workers=1)
            events = [
                placed(f"O-{n}", line("1", seller_id=seller, seller_sku=sku)) for n in range(orders)
            ]
            took = await deliver_all(consumer, events, workers=1)
            print(
                f"routed sequentially       {orders:>6} orders in {took:6.2f} s  {orders / took:8.0f} orders/s"
            )

            contested, stock = orders // 2, 50
            sku2, fnsku2 = "SKU-CONTESTED", "X00CONTESTED"
            setup = [
                registered(seller, sku2, fnsku2),
                listed("L-CONTESTED", seller, sku2, fnsku2),
                level(fnsku2, "SEA1", stock, seller_id=seller),
            ]
            await deliver_all(consumer, setup, workers=1)
            events = [
                placed(f"C-{n}", line("1", seller_id=seller, seller_sku=sku2))
                for n in range(contested)
            ]
            took = await deliver_all(consumer, events, workers=8)
            print(
                f"8 workers, one FNSKU      {contested:>6} orders in {took:6.2f} s  {contested / took:8.0f} orders/s"
                f"  ({stock} units: the rest rejected)"
            )
    finally:
        drop_database(url)

    policy = routing_policy()
    request = RoutingRequest(
        "O-1",
        tuple(ResolvedLine(str(n), f"F{n}", "S", f"SKU{n}", 4) for n in range(3)),
        "10118",
        ShippingSpeed.STANDARD,
        FulfillmentPolicy.FILL_OR_KILL,
        datetime(2026, 10, 12, 17, 0, tzinfo=UTC),
    )
    stock_levels = [
        StockLevel(f"F{n}", fc, 2 + n)
        for n in range(3)
        for fc in ("SEA1", "PHX3", "DFW7", "CMH2", "EWR4")
    ]
    rounds = 2000
    started = time.perf_counter()
    for _ in range(rounds):
        plan = policy.plan(request, stock_levels)
    took = time.perf_counter() - started
    print(
        f"policy: split plan        {rounds:>6} plans  in {took:6.2f} s  {took / rounds * 1e6:8.0f} µs/plan"
        f"  ({len(plan.allocations)} shipments)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=2000)
    asyncio.run(main(parser.parse_args().orders))
