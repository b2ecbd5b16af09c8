"""What this run's CPU per line says about more cores: the lines/s 8, 16 and 32 cores would carry,
the worker processes and partitions that gets there, and what becomes the limit.

The model is the measurement, scaled: every process's CPU per line stays what it was here (the
work per line does not change with the number of processes), a worker process does at most
`WORKER_SHARE` of a core (its fetcher thread and the latency target want the rest), a consumer
group splits a topic's partitions among its workers (so every topic needs as many partitions as
the largest group has workers), and each service's database is one PostgreSQL primary, which no
number of workers splits. It leaves out what one machine of 2 cores cannot show: contention on hot
rows (two router workers reserving the same FNSKU at one FC wait for each other's row lock), the
network between machines, and Apache Kafka's cost per message instead of Tansu's.
"""

from __future__ import annotations

from math import ceil

from bench_orders_report import DRIVER

#: The share of a core one worker process is planned to use.
WORKER_SHARE = 0.8
#: Topics are created with a multiple of this many partitions (the benchmark's default).
PARTITION_STEP = 6
BROKER = "broker (Tansu)"


def project(
    used: dict[str, float],
    postgres_by_database: dict[str, float],
    lines: int,
    cores: tuple[int, ...] = (8, 16, 32),
) -> list[dict]:
    """One row per core count, from the phase's CPU (`used`: role → core-seconds, and PostgreSQL's
    backends by service database) over its `lines`."""
    per_line = {role: v / lines for role, v in used.items() if role != DRIVER and v > 0}
    seconds_per_line = sum(per_line.values())
    rows = []
    for n in cores:
        rate = n / seconds_per_line
        workers = {
            role.removesuffix(" worker"): max(1, ceil(rate * s / WORKER_SHARE))
            for role, s in per_line.items()
            if role.endswith(" worker")
        }
        databases = {
            service: rate * v / lines for service, v in postgres_by_database.items() if v > 0
        }
        largest = max(databases.items(), key=lambda kv: kv[1], default=("none", 0.0))
        rows.append(
            {
                "cores": n,
                "lines/s": round(rate),
                "partitions": ceil(max(workers.values(), default=1) / PARTITION_STEP)
                * PARTITION_STEP,
                "workers": workers,
                "database cores": {k: round(v, 1) for k, v in databases.items()},
                "broker cores": round(rate * per_line.get(BROKER, 0.0), 1),
                "limit": f"the {largest[0]} database: {largest[1]:.1f} cores on one primary",
            }
        )
    return rows


def projection_table(rows: list[dict]) -> str:
    out = [
        "projection from this run's CPU per line (lines/s = cores ÷ CPU per line; a worker plans "
        f"{WORKER_SHARE:.0%} of a core):"
    ]
    for row in rows:
        workers = ", ".join(f"{k} {v}" for k, v in sorted(row["workers"].items()))
        databases = ", ".join(
            f"{k} {v}" for k, v in sorted(row["database cores"].items(), key=lambda kv: -kv[1])
        )
        out.append(
            f"  {row['cores']:>2} cores: {row['lines/s']:>7,} lines/s; {row['partitions']} partitions; "
            f"workers: {workers}; PostgreSQL cores by database: {databases}; "
            f"broker {row['broker cores']} cores; largest single unit: {row['limit']}"
        )
    return "\n".join(out)
