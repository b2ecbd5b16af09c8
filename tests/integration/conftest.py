"""Whole-system fixtures: every service as separate processes, as `stockpath up` starts them."""

from __future__ import annotations

import pytest

from stockpath_testing.processes import running_platform


@pytest.fixture(scope="module")
def platform(kafka_bootstrap, database_server, tmp_path_factory):
    with running_platform(
        bootstrap=kafka_bootstrap,
        database_server=database_server,
        prefix="sys",
        log_dir=tmp_path_factory.mktemp("platform"),
    ) as p:
        yield p


@pytest.fixture(scope="module")
def http(platform):
    clients = {name: platform.client(name) for name in platform.names}
    yield clients
    for c in clients.values():
        c.close()
