"""Load benchmark: OrderPlaced → FulfillmentInstructed through the whole platform on this machine.

    uv run python scripts/bench_orders.py                       # fixed rate + max rate, 6 partitions, 1 router worker
    uv run python scripts/bench_orders.py --router-workers 2 --partitions 12
    uv run python scripts/bench_orders.py --passthrough-only    # the faust and aiokafka ceilings alone

It starts a Tansu broker (or uses KAFKA_BOOTSTRAP_SERVERS), every service as separate processes
on fresh databases of the local PostgreSQL (STOCKPATH_DATABASE_SERVER to change), registers
--skus items (the events registration would write), plans an inbound shipment of each to five FCs
and receives them through inventory's API, so inventory holds real stock to reserve; then it
drives OrderPlaced (1–5 lines, random SKUs and ship-to regions) at a fixed rate and then as fast
as the platform takes them. Latency runs from the moment an order is produced to the moment its
FulfillmentInstructed is read back from `fulfillment.instructions` (so it includes the commit,
the outbox relay and the broker). For the max-rate phase it also prints the CPU of each process
and per order line, and the messages produced (end offsets) and consumed (committed offsets) per
line; beside the faust pass-through ceiling, the plain aiokafka one. It prints figures; it asserts
nothing.
"""

# The stock and the waits are in bench_orders_stock.py, the load (orders, watcher, pass-through
# ceilings) in bench_orders_load.py, the figures in bench_orders_report.py and the messages per line
# in bench_orders_counts.py, beside this file.

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from bench_orders_counts import counts_table, message_counts, read_offsets_caught_up
from bench_orders_load import Watcher, drive, passthrough, wait_outcomes
from bench_orders_projection import project, projection_table
from bench_orders_report import (
    batch_figures,
    cpu_ms_per_line,
    cpu_seconds,
    cpu_table,
    cpu_used,
    platform_roles,
    postgres_cpu_by_database,
    print_table,
    report_latency,
    start_profiler,
)
from bench_orders_stock import FCS, analyze_databases, fnsku, seed, wait_quiet

from stockpath_cli.localstack import Broker, Platform, ServicePorts, ServiceProcess, free_port
from stockpath_runtime.db import drop_database
from stockpath_runtime.kafka import ensure_topics
from stockpath_runtime.settings import env_prefix


async def main_async(args) -> None:
    broker = None
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if not bootstrap:
        broker = Broker(log_path=Path(tempfile.gettempdir()) / "bench-tansu.log").start()
        bootstrap = broker.bootstrap_servers
    print(
        f"machine: {os.cpu_count()} cores; broker {bootstrap}; partitions {args.partitions}; router workers {args.router_workers}"
    )
    try:
        ceilings: dict[str, float] = {}
        if not args.skip_passthrough:
            ceilings = await passthrough(bootstrap, args.passthrough_events, args.partitions)
            print(f"faust pass-through ceiling:    {ceilings['faust']:>9,.0f} events/s")
            print(f"aiokafka pass-through ceiling: {ceilings['aiokafka']:>9,.0f} events/s")
        if args.passthrough_only:
            return
        await ensure_topics(bootstrap, partitions=args.partitions, replication=1)
        server = os.environ.get(
            "STOCKPATH_DATABASE_SERVER", "postgresql+psycopg://postgres@127.0.0.1:5432"
        )
        run = uuid.uuid4().hex[:6]
        log_dir = Path(tempfile.mkdtemp(prefix="bench-logs-"))
        platform = Platform(
            bootstrap_servers=bootstrap,
            database_server=server,
            database_prefix=f"bench_{run}",
            ports={
                n: ServicePorts(free_port(), free_port())
                for n in ("catalog", "registration", "listing", "inventory", "order-router")
            },
            log_dir=log_dir,
            group_suffix=run,
            extra_env={
                "STOCKPATH_LOG_LEVEL": "WARNING",
                "KAFKA_TOPIC_PARTITIONS": str(args.partitions),
            },
        )
        platform.migrate()
        platform.provision()
        platform.start()
        extra: list[ServiceProcess] = []
        try:
            platform.wait_healthy(timeout_s=120)
            env = platform.environment()
            for k in range(1, args.router_workers):
                worker_env = {**env, f"{env_prefix('order-router')}WORKER_PORT": "0"}
                p = ServiceProcess(
                    "order-router", "worker", worker_env, log_dir / f"order-router-worker-{k}.log"
                )
                p.start()
                extra.append(p)
            t0 = time.perf_counter()
            await seed(bootstrap, args.skus, platform)
            async with httpx.AsyncClient(
                base_url=platform.url("order-router"),
                timeout=10,
                headers={"Authorization": f"Bearer {platform.operator_token}"},
            ) as client:
                sample = [fnsku(i) for i in random.Random(2).sample(range(args.skus), 20)] + [
                    fnsku(args.skus - 1)
                ]
                while True:
                    ok = 0
                    for f in sample:
                        body = (await client.get("/v1/availability", params={"fnsku": f})).json()
                        ok += len(body.get("fulfillment_centers", [])) == len(FCS)
                    if ok == len(sample):
                        break
                    await asyncio.sleep(0.5)
            await wait_quiet(platform)
            if not args.skip_analyze:
                analyze_databases(platform)
            print(
                f"seeded {args.skus:,} SKUs × {len(FCS)} FCs in {time.perf_counter() - t0:.1f}s (every consumer caught up{'' if args.skip_analyze else '; databases analyzed'})"
            )
            watcher = Watcher(bootstrap)
            await watcher.start()
            rows = []
            # Warm-up, so the first measured orders do not pay for cold caches and connections.
            produced, _ = await drive(
                bootstrap, args.skus, lines_per_s=200, total_lines=400, watcher=watcher, seed_=3
            )
            await wait_outcomes(watcher, produced, 60)
            await wait_quiet(platform)
            produced, _ = await drive(
                bootstrap,
                args.skus,
                lines_per_s=args.rate,
                total_lines=int(args.rate * args.duration),
                watcher=watcher,
                seed_=4,
            )
            await wait_outcomes(watcher, produced, 120)
            rows.append(report_latency(f"fixed {args.rate:.0f} lines/s", produced, watcher))
            await wait_quiet(platform)
            profiler = (
                start_profiler(platform, args.profile, args.profile_service)
                if args.profile
                else None
            )
            roles = platform_roles(platform, extra, broker)
            groups = [platform.consumer_group(name) for name in platform.names]
            offsets_before = await read_offsets_caught_up(bootstrap, groups)
            cpu_before = cpu_seconds(roles, platform.database_prefix)
            databases_before = postgres_cpu_by_database(platform.database_prefix)
            produced, started = await drive(
                bootstrap,
                args.skus,
                lines_per_s=None,
                total_lines=args.max_lines,
                watcher=watcher,
                seed_=5,
            )
            produced_done = time.perf_counter()
            await wait_outcomes(watcher, produced, 600)
            ends = [
                watcher.instructed.get(o) or watcher.outcomes.get(o, (None, None))[1]
                for o in produced
            ]
            finished = max(e for e in ends if e)
            # The phase's CPU and messages include the tail its lines cause after their outcome
            # (stock levels reaching listing and registration), so both are read once every
            # consumer has caught up and committed.
            await wait_quiet(platform)
            offsets_after = await read_offsets_caught_up(bootstrap, groups)
            used = cpu_used(cpu_before, cpu_seconds(roles, platform.database_prefix))
            databases_used = cpu_used(
                databases_before, postgres_cpu_by_database(platform.database_prefix)
            )
            cpu_seconds_ = time.perf_counter() - started
            row = report_latency("max rate", produced, watcher)
            lines = sum(n for _, n in produced.values())
            cpu = cpu_table(used, cpu_seconds_, lines)
            counts = message_counts(offsets_before, offsets_after, lines)
            row["lines/s"] = round(lines / (finished - started))
            rows[0]["lines/s"] = rows[0]["lines"] and round(args.rate)
            rows.append(row)
            await watcher.stop()
            if profiler:
                profiler.wait(60)
                print(f"profile of the {args.profile_service} worker: {args.profile}")
            print_table(rows)
            print(await batch_figures(platform))
            print(cpu)
            print(counts_table(counts))
            projection = project(used, databases_used, lines)
            print(projection_table(projection))
            print(
                f"produce side of the max-rate phase took {produced_done - started:.1f}s for {lines:,} lines"
            )
            if ceilings:
                print(
                    f"end-to-end max rate / faust pass-through ceiling: {row['lines/s'] / ceilings['faust']:.0%} (lines vs events)"
                )
            print(
                json.dumps(
                    {
                        "rows": rows,
                        "ceiling_events_per_s": ceilings.get("faust"),
                        "aiokafka_ceiling_events_per_s": ceilings.get("aiokafka"),
                        "cpu_ms_per_line": cpu_ms_per_line(used, lines),
                        "cpu_core_s": {k: round(v, 2) for k, v in used.items()},
                        "postgres_core_s_by_database": {
                            k: round(v, 2) for k, v in databases_used.items()
                        },
                        "projection": projection,
                        "messages": counts,
                    },
                    default=str,
                )
            )
        finally:
            for p in extra:
                p.stop()
            platform.stop()
            for name in platform.names:
                drop_database(platform.database_url(name))
    finally:
        if broker:
            broker.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--skus", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=1000, help="lines/s of the fixed-rate phase")
    parser.add_argument(
        "--duration", type=float, default=20, help="seconds of the fixed-rate phase"
    )
    parser.add_argument("--max-lines", type=int, default=30_000, help="lines of the max-rate phase")
    parser.add_argument("--partitions", type=int, default=6)
    parser.add_argument("--router-workers", type=int, default=1)
    parser.add_argument("--passthrough-events", type=int, default=50_000)
    parser.add_argument("--skip-passthrough", action="store_true")
    parser.add_argument(
        "--skip-analyze",
        action="store_true",
        help="leave the seeded tables' statistics to autovacuum (a platform in its first minutes)",
    )
    parser.add_argument("--passthrough-only", action="store_true")
    parser.add_argument(
        "--profile",
        metavar="SVG",
        help="record a py-spy flame graph of a worker during the max-rate phase",
    )
    parser.add_argument(
        "--profile-service", default="order-router", help="whose worker --profile records"
    )
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
