"""The HTTP API's fixtures: one app per module on its fresh database, a credential for every
actor of the authorization table (`stockpath_testing.authorization.SUBJECTS`: channel
`storefront`, other channel `marketplace-feed`, seller `SLRAAAAAAAA1`, ...), and a way to run
database probes beside the TestClient's event loop."""

from __future__ import annotations

import asyncio

import pytest
from fastapi.testclient import TestClient

from order_router.bootstrap import create_api
from order_router.settings import Settings
from stockpath_runtime.db import create_engine
from stockpath_testing.authorization import issue_tokens


@pytest.fixture(scope="module")
def tokens(database) -> dict[str, str]:
    return asyncio.run(issue_tokens(database))


@pytest.fixture(scope="module")
def as_(tokens):
    """Headers that authenticate as an actor of the table: ``client.get(url, headers=as_("seller"))``."""

    def headers(actor: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[actor]}"}

    return headers


@pytest.fixture(scope="module")
def client(database, tokens):
    with TestClient(create_api(Settings(database_url=database))) as c:
        yield c


@pytest.fixture(scope="module")
def with_engine(database):
    """Run `probe(engine)` on its own event loop (the TestClient has another)."""

    def run(probe):
        async def go():
            engine = create_engine(database, pool_size=2)
            try:
                return await probe(engine)
            finally:
                await engine.dispose()

        return asyncio.run(go())

    return run
