"""Fault-injection suite: the platform under fire (its own broker behind a proxy, the real
PostgreSQL behind another for one service, every service as separate processes), helpers next to
the tests (invariants, workload, fault_*) and the matrix in the summary."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from stockpath_cli.localstack import Broker, free_port
from stockpath_runtime.kafka import ensure_topics
from stockpath_testing.processes import running_platform
from stockpath_testing.proxy import OutageProxy

HERE = Path(__file__).parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import invariants  # noqa: E402
from fault_platform import OUTAGE_SERVICE, PARTITIONS  # noqa: E402
from invariants import SERVICES  # noqa: E402


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """The faults × invariants table of this run, whatever `-s` says."""
    if invariants.MATRIX:
        terminalreporter.section("fault matrix")
        for line in invariants.MATRIX:
            terminalreporter.write_line(line)


@pytest.fixture(scope="module")
def kafka_proxy():
    """Every client reaches the broker through this proxy (the broker advertises its port): fault 3
    cuts it while the broker restarts and its topics are created, so no client races that."""
    proxy = OutageProxy("127.0.0.1", free_port())
    yield proxy
    proxy.close()


@pytest.fixture(scope="module")
def broker(kafka_proxy, tmp_path_factory):
    """Our own Tansu on a fixed port: fault 3 restarts it, which the session broker must not suffer."""
    b = Broker(
        port=kafka_proxy.target[1],
        advertised_port=kafka_proxy.port,
        log_path=tmp_path_factory.mktemp("faults-tansu") / "tansu.log",
    ).start()
    kafka_proxy.start()
    asyncio.run(ensure_topics(b.bootstrap_servers, partitions=PARTITIONS, replication=1))
    yield b
    b.stop()


@pytest.fixture(scope="module")
def pg_proxy(database_server):
    url = make_url(database_server)
    proxy = OutageProxy(url.host or "127.0.0.1", url.port or 5432).start()
    yield proxy
    proxy.close()


@pytest.fixture(scope="module")
def platform(broker, pg_proxy, database_server, tmp_path_factory):
    def behind_the_proxy(p) -> None:
        #: The checker reads every database directly; the outage service's processes go through the proxy.
        p.direct_urls = {n: p.own_database_url(n) for n in SERVICES}
        p.database_overrides[OUTAGE_SERVICE] = (
            make_url(p.own_database_url(OUTAGE_SERVICE))
            .set(host="127.0.0.1", port=pg_proxy.port)
            .render_as_string(hide_password=False)
        )

    with running_platform(
        bootstrap=broker.bootstrap_servers,
        database_server=database_server,
        prefix="faults",
        log_dir=tmp_path_factory.mktemp("faults"),
        services=list(SERVICES),
        extra_env={"KAFKA_TOPIC_PARTITIONS": str(PARTITIONS)},
        prepare=behind_the_proxy,
        timeout_s=120,
    ) as p:
        yield p
