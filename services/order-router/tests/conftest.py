"""Fixtures for the order router's tests; builders live in `order_router_testkit`."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))


@pytest.fixture(scope="module")
def database(fresh_database) -> str:
    return fresh_database("order-router")


@pytest.fixture
async def engine(database):
    from stockpath_runtime.db import create_engine

    engine = create_engine(database)
    yield engine
    await engine.dispose()
