"""What the benchmark reports: latency percentiles per phase, the workers' batch figures from their
/metrics, CPU time by role (the platform's processes, PostgreSQL, the driver) and the optional
py-spy profile of a worker."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
from bench_orders_load import Watcher

from stockpath_cli.localstack import Broker, Platform, ServiceProcess

#: The load generator and the watcher, not the platform: left out of the CPU per line.
DRIVER = "bench driver"


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def report_latency(name: str, produced: dict, watcher: Watcher) -> dict:
    latencies = [
        (watcher.instructed[o] - t) * 1000
        for o, (t, _) in produced.items()
        if o in watcher.instructed
    ]
    outcomes = [watcher.outcomes.get(o, ("missing", 0))[0] for o in produced]
    routed = sum(1 for x in outcomes if x == "OrderRouted")
    return {
        "phase": name,
        "orders": len(produced),
        "lines": sum(n for _, n in produced.values()),
        "routed": routed,
        "other outcomes": len(produced) - routed - outcomes.count("missing"),
        "missing": outcomes.count("missing"),
        "p50 ms": round(percentile(latencies, 0.50), 1),
        "p95 ms": round(percentile(latencies, 0.95), 1),
        "p99 ms": round(percentile(latencies, 0.99), 1),
        "max ms": round(max(latencies), 1) if latencies else None,
    }


def print_table(rows: list[dict]) -> None:
    if not rows:
        return
    keys = list(rows[0])
    widths = {k: max(len(k), *(len(str(r.get(k))) for r in rows)) for k in keys}
    print("  ".join(k.ljust(widths[k]) for k in keys))
    for r in rows:
        print("  ".join(str(r.get(k)).ljust(widths[k]) for k in keys))


def start_profiler(platform: Platform, output: str, service: str) -> subprocess.Popen:
    """py-spy on a service's worker (the order router's by default) while the max-rate phase runs: a flame graph (.svg) or
    collapsed stacks (any other name, e.g. .txt, for `summarize_profile`)."""
    pid = platform.process(service, "worker").process.pid
    fmt = "flamegraph" if output.endswith(".svg") else "raw"
    return subprocess.Popen(
        [
            "py-spy",
            "record",
            "--pid",
            str(pid),
            "--output",
            output,
            "--duration",
            "20",
            "--rate",
            "200",
            "--nonblocking",
            "--format",
            fmt,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )


async def batch_figures(platform: Platform) -> str:
    """Events per transaction and handler time per event, from each worker's /metrics."""
    lines = []
    async with httpx.AsyncClient(timeout=5) as client:
        for name in platform.names:
            text = (await client.get(f"{platform.worker_url(name)}/metrics")).text
            sums: dict[str, float] = {}
            for line in text.splitlines():
                for metric in (
                    "stockpath_batch_events_sum",
                    "stockpath_batch_events_count",
                    "stockpath_handler_seconds_sum",
                    "stockpath_handler_seconds_count",
                ):
                    if line.startswith(metric + "{"):
                        sums[metric] = sums.get(metric, 0.0) + float(line.rsplit(" ", 1)[1])
            if sums.get("stockpath_handler_seconds_count"):
                per_txn = sums.get("stockpath_batch_events_sum", 0) / max(
                    1, sums.get("stockpath_batch_events_count", 0)
                )
                per_event = (
                    sums["stockpath_handler_seconds_sum"]
                    / sums["stockpath_handler_seconds_count"]
                    * 1000
                )
                lines.append(
                    f"  {name}: {per_txn:.1f} events per batch transaction, {per_event:.2f} ms per event"
                )
    return "worker figures (whole run):\n" + "\n".join(lines)


def _processes() -> Iterator[tuple[int, str, float]]:
    """(pid, command line, CPU seconds so far: user + system) of every process on the machine."""
    ticks = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        yield int(entry.name), title, (int(fields[11]) + int(fields[12])) / ticks


def cpu_seconds(roles: dict[int, str], database_prefix: str) -> dict[str, float]:
    """CPU time (user + system) so far of everything this run involves, by role: each of its
    processes (`roles`: pid → role), PostgreSQL's backends serving its databases and PostgreSQL's
    background processes, and this driver. Other processes on the machine are left out."""
    roles = {**roles, os.getpid(): DRIVER}
    found: dict[str, float] = {}
    for pid, title, seconds in _processes():
        role = roles.get(pid)
        if role is None and title.startswith("postgres: "):
            if database_prefix in title:
                role = "PostgreSQL (its backends)"
            elif not any(
                c in title for c in ("idle", "(", "[local]")
            ):  # checkpointer, WAL writer...
                role = "PostgreSQL (background)"
        if role is not None:
            found[role] = found.get(role, 0.0) + seconds
    return found


def postgres_cpu_by_database(database_prefix: str) -> dict[str, float]:
    """CPU time (user + system) so far of PostgreSQL's backends by the service database they serve
    (``<prefix>_<service>`` in their process title; autovacuum workers included), keyed by service."""
    found: dict[str, float] = {}
    for _, title, seconds in _processes():
        if not title.startswith("postgres: "):
            continue
        database = next((t for t in title.split() if t.startswith(f"{database_prefix}_")), None)
        if database is not None:
            service = database[len(database_prefix) + 1 :]
            found[service] = found.get(service, 0.0) + seconds
    return found


def platform_roles(
    platform: Platform, extra: list[ServiceProcess], broker: Broker | None
) -> dict[int, str]:
    roles = {
        p.process.pid: f"{p.service} {p.role}" for p in [*platform.processes, *extra] if p.process
    }
    if broker and broker.process:
        roles[broker.process.pid] = "broker (Tansu)"
    return roles


def cpu_used(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {role: after.get(role, 0.0) - before.get(role, 0.0) for role in after}


def cpu_ms_per_line(used: dict[str, float], lines: int) -> float | None:
    """Milliseconds of CPU per order line of every process of the platform (services, PostgreSQL,
    the broker), the benchmark's own driver left out."""
    if not lines:
        return None
    return round(1000 * sum(v for role, v in used.items() if role != DRIVER) / lines, 3)


def cpu_table(used: dict[str, float], seconds: float, lines: int) -> str:
    rows = sorted(((v, k) for k, v in used.items() if v > 0.05), reverse=True)
    total = sum(v for v, _ in rows)
    lines_out = [
        f"CPU during the max-rate phase ({seconds:.1f}s, {os.cpu_count()} cores = {seconds * (os.cpu_count() or 1):.0f} core-s):"
    ]
    lines_out += [f"  {role:<24} {v:6.1f} core-s  {100 * v / total:5.1f}%" for v, role in rows]
    per_line = cpu_ms_per_line(used, lines)
    if per_line is not None:
        lines_out.append(
            f"  CPU per line: {per_line:.2f} ms (the platform, PostgreSQL and the broker; not the {DRIVER})"
        )
    return "\n".join(lines_out)
