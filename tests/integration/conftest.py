"""Whole-system fixtures: every service as separate processes, as `stockpath up` starts them."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from stockpath_testing.processes import running_platform

# The whole-system tests share helper modules of this folder (fulfillment_system).
HERE = str(Path(__file__).parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)


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


#: The clients of a module's `platform` (its own fixture where it defines one).
@pytest.fixture(scope="module")
def inventory(platform):
    with platform.client("inventory", timeout=30) as c:
        yield c


@pytest.fixture(scope="module")
def router(platform):
    with platform.client("order-router", timeout=30) as c:
        yield c
