"""The runtime's tests: the probe service (probe/) on sys.path, and a fresh probe database per
test module with an engine on it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from stockpath_runtime.db import create_engine

HERE = Path(__file__).parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from probe import PROBE  # noqa: E402  (after the folder is on sys.path)


@pytest.fixture(scope="module")
def probe_database(fresh_database) -> str:
    """A fresh database of the probe service, one per test module."""
    return fresh_database(PROBE)


@pytest.fixture
async def engine(probe_database):
    engine = create_engine(probe_database)
    yield engine
    await engine.dispose()
