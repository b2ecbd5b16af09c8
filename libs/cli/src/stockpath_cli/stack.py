"""`stockpath up`: the whole platform on one machine, no Docker.

Broker: ``KAFKA_BOOTSTRAP_SERVERS`` when set, else Tansu on loopback. Database server:
``--database-server`` / ``STOCKPATH_DATABASE_SERVER`` when set, else an embedded PostgreSQL
kept in ``.stockpath/pgdata``. Then topics, migrations, and every installed service's API and
worker as child processes. The stack's addresses go to ``.stockpath/stack.json`` so `status`,
`down` and `seed` find them.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from stockpath_cli import control
from stockpath_cli.control import STATE_DIR
from stockpath_cli.localstack import (
    DEFAULT_PORTS,
    Broker,
    EmbeddedPostgres,
    Platform,
    ServicePorts,
    port_open,
)

STATE_FILE = STATE_DIR / "stack.json"
#: The operator's first credential and the services' own, kept between runs (owner-readable only).
CREDENTIALS_FILE = STATE_DIR / "credentials.json"


@dataclass
class Stack:
    platform: Platform
    broker: Broker | None
    postgres: EmbeddedPostgres | None

    def lines(self) -> list[tuple[str, str]]:
        rows = [(name, self.platform.url(name)) for name in self.platform.names]
        rows.append(("broker", self.platform.bootstrap_servers))
        return rows

    def write_state(self) -> None:
        STATE_DIR.mkdir(parents=True, exist_ok=True)
        state = {
            "pid": os.getpid(),
            "broker": self.platform.bootstrap_servers,
            "database_server": self.platform.database_server,
            "services": {
                name: {
                    "url": self.platform.url(name),
                    "worker_url": self.platform.worker_url(name),
                    "database_url": self.platform.database_url(name),
                    "consumer_group": self.platform.consumer_group(name),
                }
                for name in self.platform.names
            },
            "logs": str(self.platform.log_dir),
        }
        STATE_FILE.write_text(json.dumps(state, indent=2))

    def stop(self) -> None:
        self.platform.stop()
        if self.broker:
            self.broker.stop()
        if self.postgres:
            self.postgres.stop()
        if STATE_FILE.exists():
            try:
                if json.loads(STATE_FILE.read_text()).get("pid") == os.getpid():
                    STATE_FILE.unlink()
            except (OSError, ValueError):
                pass


def ports_from(base: int | None) -> dict[str, ServicePorts] | None:
    """API ports base+1.., worker ports base+1101..; the default base 8000 gives 8001–8005 and 9101–9105."""
    if base is None:
        return None
    return {
        name: ServicePorts(base + i + 1, base + 1100 + i + 1)
        for i, name in enumerate(DEFAULT_PORTS)
    }


def start_stack(
    *,
    database_server: str | None,
    broker_port: int,
    partitions: int,
    log_dir: Path,
    say,
    port_base: int | None = None,
) -> Stack:
    log_dir.mkdir(parents=True, exist_ok=True)
    broker = None
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if not bootstrap:
        if port_open("127.0.0.1", broker_port):
            raise RuntimeError(
                f"port {broker_port} is taken: is another stack running? (`stockpath down`, or --broker-port)"
            )
        broker = Broker(broker_port, log_path=log_dir / "tansu.log").start()
        bootstrap = broker.bootstrap_servers
        say(f"started Tansu on {bootstrap}")
    postgres = None
    server = database_server or os.environ.get("STOCKPATH_DATABASE_SERVER")
    if not server:
        postgres = EmbeddedPostgres((STATE_DIR / "pgdata").resolve())
        server = postgres.start()
        say(f"started embedded PostgreSQL in {STATE_DIR / 'pgdata'}")
    platform = Platform(
        bootstrap_servers=bootstrap,
        database_server=server,
        log_dir=log_dir,
        ports=ports_from(port_base),
    )
    stack = Stack(platform, broker, postgres)
    try:
        platform.ensure_topics(partitions=partitions)
        platform.migrate()
        platform.provision(keep=CREDENTIALS_FILE)
        say(
            f"operator credential in {CREDENTIALS_FILE} (`stockpath credentials --help` to issue more)"
        )
        platform.start()
        platform.wait_healthy(timeout_s=90)
        stack.write_state()
    except BaseException:
        stack.stop()
        raise
    return stack


def wait_for_signal(stack: Stack, say) -> None:
    """Block until Ctrl-C or SIGTERM; report a service that dies instead of hiding it."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    reported: set[str] = set()
    while not stop.wait(0.5):
        control.serve_switch_requests(stack, say)
        for p in stack.platform.processes:
            if not p.alive() and p.name not in reported:
                reported.add(p.name)
                say(f"[red]{p.name} exited with code {p.returncode}; see {p.log_path}[/red]")


def read_state() -> dict | None:
    if not STATE_FILE.exists():
        return None
    try:
        return json.loads(STATE_FILE.read_text())
    except ValueError:
        return None


def stop_running_stack(timeout_s: float = 30) -> bool:
    state = read_state()
    if not state:
        return False
    pid = state["pid"]
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        STATE_FILE.unlink(missing_ok=True)
        return False
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    return False
