"""Whole-system fixtures: every service as separate processes, as `stockpath up` starts them."""

from __future__ import annotations

import uuid

import httpx
import pytest

from stockpath_cli.localstack import Platform, ServicePorts, free_port
from stockpath_testing.processes import FAST_GROUP_TIMEOUTS


@pytest.fixture(scope="module")
def platform(kafka_bootstrap, database_server, tmp_path_factory):
    from stockpath_runtime.db import drop_database
    from stockpath_runtime.service import installed_services

    names = list(installed_services())
    run = uuid.uuid4().hex[:8]
    log_dir = tmp_path_factory.mktemp("platform")
    p = Platform(
        bootstrap_servers=kafka_bootstrap,
        database_server=database_server,
        database_prefix=f"sys_{run}",
        ports={n: ServicePorts(free_port(), free_port()) for n in names},
        log_dir=log_dir,
        extra_env={**FAST_GROUP_TIMEOUTS, "STOCKPATH_LOG_LEVEL": "INFO"},
        group_suffix=run,
    )
    p.migrate()
    p.start()
    try:
        p.wait_healthy(timeout_s=90)
        yield p
    finally:
        p.stop()
        for name in names:
            drop_database(p.database_url(name))


@pytest.fixture(scope="module")
def http(platform):
    clients = {name: httpx.Client(base_url=platform.url(name), timeout=30) for name in platform.names}
    yield clients
    for c in clients.values():
        c.close()
