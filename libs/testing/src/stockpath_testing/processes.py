"""Start one service role as a separate process, the way `stockpath up` does."""

from __future__ import annotations

import os
import time
from pathlib import Path

import httpx

from stockpath_cli.localstack import ServiceProcess, free_port
from stockpath_runtime.settings import env_prefix

#: A killed worker's partitions move to its successor after the session timeout; keep it short in tests.
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
        **(extra_env or {}),
    }
    if pythonpath:
        env["PYTHONPATH"] = os.pathsep.join([*pythonpath, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
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
            raise RuntimeError(f"{process.name} exited with {process.process.returncode}\n{tail}")
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{process.name} not ready after {timeout}s")
