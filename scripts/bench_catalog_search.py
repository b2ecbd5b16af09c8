"""Catalog search latency on the demo catalog: p50/p95/p99 per query kind.

    uv run python scripts/bench_catalog_search.py                 # 50,000 items, fresh database
    uv run python scripts/bench_catalog_search.py --items 100000 --rounds 300

It creates a fresh database on the PostgreSQL server (STOCKPATH_TEST_DATABASE_SERVER, default
postgresql://postgres@127.0.0.1:5432), migrates it, seeds the deterministic demo catalog through
the catalog's own bulk API, runs VACUUM ANALYZE (as autovacuum does shortly after a real load), then
sends a realistic mix of searches through the full HTTP app (routing, validation, SQL,
serialisation) in-process, so the figures are the service's own time without network noise.
The database is dropped at the end unless --keep is given.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import time
import uuid

import httpx
import sqlalchemy as sa

from catalog.bootstrap import SERVICE, create_api
from catalog.demo import generate
from catalog.settings import Settings
from stockpath_cli.localstack import database_url
from stockpath_runtime.db import async_url, drop_database
from stockpath_runtime.migrations import upgrade
from stockpath_testing.authorization import issue_tokens

KEYWORDS = [
    "cast iron skillet",
    "wireless earbuds",
    "lego building set",
    "yoga mat",
    "python cookbook",
    "bluetooth speaker waterproof",
    "stainless steel",
    "coffee",
    "dog chew toy",
    "cordless drill 20V",
    "queen mattress",
    "jigsaw puzzle 1000-piece",
    "sunscreen",
    "black",
    "usb-c charger 65W",
]
TYPOS = [
    "skilet",
    "wireles earbuds",
    "bluetoth speaker",
    "matress",
    "jigsaw puzle",
    "hydroflask",
    "kitchenaid mixr",
]
BRANDS = ["Lodge", "Anker", "LEGO", "Penguin", "DeWalt", "KONG", "Yeti"]
CATEGORIES = ["Kitchen", "Books", "Electronics", "Toys", "Pet Supplies", "Furniture"]


def query_mix(items: list[dict], rng: random.Random) -> dict[str, list[dict]]:
    """Request parameters per query kind, drawn like a seller's searches."""
    with_ids = [i for i in items if i["identifiers"]]
    identifiers = []
    for item in rng.sample(with_ids, 50):
        value = next(iter(item["identifiers"].values()))
        identifiers.append(
            {"identifier": rng.choice([value, "0" + value if len(value) == 12 else value])}
        )
    return {
        "keywords": [{"q": q} for q in KEYWORDS],
        "typo": [{"q": q} for q in TYPOS],
        "identifier": identifiers,
        "brand filter": [{"brand": b} for b in BRANDS],
        "category + keywords": [
            {"category": c, "q": q}
            for c, q in zip(
                CATEGORIES, ["knife", "history", "charger", "puzzle", "bed", "desk"], strict=True
            )
        ],
        "deep page (keywords)": [
            {"q": q, "offset": o} for q in ("black", "set", "steel") for o in (500, 1000, 2000)
        ],
        "deep page (browse)": [{"offset": o} for o in (10_000, 25_000, 40_000, 49_900)],
    }


async def seed(client: httpx.AsyncClient, items: list[dict]) -> None:
    for start in range(0, len(items), 1000):
        r = await client.post("/v1/catalog/items/bulk", json={"items": items[start : start + 1000]})
        r.raise_for_status()


async def measure(
    client: httpx.AsyncClient, params: list[dict], rounds: int, rng: random.Random
) -> list[float]:
    for p in params:  # warm-up: caches and plans, as on a service that has been running
        (await client.get("/v1/catalog/items", params=p)).raise_for_status()
    timings = []
    for _ in range(rounds):
        p = rng.choice(params)
        t0 = time.perf_counter()
        r = await client.get("/v1/catalog/items", params=p)
        timings.append((time.perf_counter() - t0) * 1000)
        r.raise_for_status()
    return timings


def percentile(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=200, help="requests per query kind")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--database", help="reuse a database a previous --keep run seeded (skips seeding)"
    )
    args = parser.parse_args()

    server = os.environ.get(
        "STOCKPATH_TEST_DATABASE_SERVER", "postgresql://postgres@127.0.0.1:5432"
    )
    url = args.database or database_url(server, f"bench_catalog_{uuid.uuid4().hex[:8]}")
    upgrade(SERVICE.migrations, url)
    # The catalog's writes are the operator's: the bench acts as one, with a credential in its database.
    operator = (await issue_tokens(url, {"operator": "bench"}))["operator"]
    rng = random.Random(7)
    try:
        items = generate(args.items)
        app = create_api(Settings(database_url=url))
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport,
                base_url="http://catalog",
                timeout=120,
                headers={"Authorization": f"Bearer {operator}"},
            ) as client:
                if not args.database:
                    t0 = time.perf_counter()
                    await seed(client, items)
                    print(f"seeded {len(items):,} items in {time.perf_counter() - t0:.1f} s")
                engine = sa.create_engine(async_url(url), isolation_level="AUTOCOMMIT")
                with engine.connect() as conn:
                    conn.execute(sa.text("VACUUM ANALYZE catalog_items"))
                engine.dispose()
                print(f"{'query kind':<24}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
                for kind, params in query_mix(items, rng).items():
                    t = await measure(client, params, args.rounds, rng)
                    print(
                        f"{kind:<24}{len(t):>6}{percentile(t, 50):>9.1f}{percentile(t, 95):>9.1f}{percentile(t, 99):>9.1f}"
                    )
    finally:
        if not (args.keep or args.database):
            drop_database(url)
        else:
            print(f"database kept: {url}")


if __name__ == "__main__":
    asyncio.run(main())
