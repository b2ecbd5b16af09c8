"""The catalog's integration fixtures: each test module gets its own database and credentials."""

from __future__ import annotations

import asyncio

import pytest

from stockpath_testing.authorization import issue_tokens


@pytest.fixture(scope="module")
def database(fresh_database):
    return fresh_database("catalog")


@pytest.fixture(scope="module")
def tokens(database) -> dict[str, str]:
    """A bearer token for every actor of the authorization table, known to this module's database."""
    return asyncio.run(issue_tokens(database))


@pytest.fixture(scope="module")
def operator(tokens) -> dict[str, str]:
    """The operator's credential header: the catalog's writes are the operator's."""
    return {"Authorization": f"Bearer {tokens['operator']}"}
