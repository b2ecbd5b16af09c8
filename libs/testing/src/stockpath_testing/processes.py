"""Start one service role as a separate process, the way `stockpath up` does."""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from pathlib import Path

import httpx

from stockpath_cli.localstack import ServiceProcess, free_port
from stockpath_runtime.settings import env_prefix

#: A killed worker's partitions move to its successor after the session timeout; keep it short in tests.
#: Small database pools: two test workers run several platforms of ten processes each at once, and
#: PostgreSQL's default max_connections (100) was reached with the default pools of 10 (+10).
SMALL_POOLS = {"STOCKPATH_DATABASE_POOL_SIZE": "3"}

#: The inventory worker takes storage snapshots on its own clock (every 10 minutes by default):
#: off in tests, so that the days a test's platform snapshots are the ones it takes (a test of the
#: timer turns it on with its own interval).
NO_TIMED_SNAPSHOTS = {"INVENTORY_STORAGE_SNAPSHOT_INTERVAL_S": "0"}

FAST_GROUP_TIMEOUTS = {
    "KAFKA_CONSUMER_SESSION_TIMEOUT_S": "4",
    "KAFKA_CONSUMER_HEARTBEAT_INTERVAL_S": "0.5",
    "KAFKA_CONSUMER_REBALANCE_TIMEOUT_S": "4",
}


def start_worker(
    service: str,
    *,
    prefix: str,
    database_url: str,
    bootstrap: str,
    group: str,
    log_path: Path,
    extra_env: dict[str, str] | None = None,
    pythonpath: list[str] | None = None,
    wait: bool = True,
) -> tuple[ServiceProcess, str]:
    """Returns the process and its worker URL (health/metrics); waits until /readyz answers."""
    port = free_port()
    p = env_prefix(prefix)
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        f"{p}DATABASE_URL": database_url,
        f"{p}CONSUMER_GROUP": group,
        f"{p}WORKER_PORT": str(port),
        **FAST_GROUP_TIMEOUTS,
        **SMALL_POOLS,
        **NO_TIMED_SNAPSHOTS,
        **(extra_env or {}),
    }
    if pythonpath:
        env["PYTHONPATH"] = os.pathsep.join([*pythonpath, env.get("PYTHONPATH", "")]).rstrip(
            os.pathsep
        )
    process = ServiceProcess(service, "worker", env, log_path)
    process.start()
    url = f"http://127.0.0.1:{port}"
    if wait:
        wait_ready(process, url)
    return process, url


def wait_ready(process: ServiceProcess, url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.alive():
            tail = process.log_path.read_text(errors="replace")[-3000:] if process.log_path else ""
            raise RuntimeError(f"{process.name} exited with {process.returncode}\n{tail}")
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{process.name} not ready after {timeout}s")


@contextlib.contextmanager
def running_platform(
    *,
    bootstrap: str,
    database_server: str,
    prefix: str,
    log_dir: Path,
    services: list[str] | None = None,
    extra_env: dict[str, str] | None = None,
    prepare=None,
    timeout_s: float = 90,
):
    """Every (or the named) service as separate processes, API and worker each, on fresh databases
    named after `prefix`, as `stockpath up` starts them (with the operator's and the services' own
    credentials: `platform.operator_token`, `platform.issue(...)` for more); stopped and their
    databases dropped after.
    `prepare(platform)` may adjust the platform before it starts (e.g. a database behind a proxy)."""
    from stockpath_cli.localstack import Platform, ServicePorts
    from stockpath_runtime.db import drop_database
    from stockpath_runtime.service import installed_services

    names = services or list(installed_services())
    run = uuid.uuid4().hex[:8]
    platform = Platform(
        bootstrap_servers=bootstrap,
        database_server=database_server,
        database_prefix=f"{prefix}_{run}",
        ports={n: ServicePorts(free_port(), free_port()) for n in names},
        log_dir=log_dir,
        extra_env={
            **FAST_GROUP_TIMEOUTS,
            **SMALL_POOLS,
            **NO_TIMED_SNAPSHOTS,
            "STOCKPATH_LOG_LEVEL": "INFO",
            **(extra_env or {}),
        },
        services=services,
        group_suffix=run,
    )
    if prepare is not None:
        prepare(platform)
    platform.migrate()
    platform.provision()
    platform.start()
    try:
        platform.wait_healthy(timeout_s=timeout_s)
        yield platform
    finally:
        platform.stop()
        for name in names:
            drop_database(platform.own_database_url(name))
