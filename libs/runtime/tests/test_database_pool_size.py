"""Each process's database pool takes its size from STOCKPATH_DATABASE_POOL_SIZE (10 by default):
the test platforms run with small pools, so two test workers stay under PostgreSQL's connections."""

from __future__ import annotations

from fastapi.testclient import TestClient
from probe.service import SERVICE


def test_the_api_pool_has_the_configured_size(monkeypatch, probe_database):
    monkeypatch.setenv("PROBE_DATABASE_URL", probe_database)
    monkeypatch.setenv("STOCKPATH_DATABASE_POOL_SIZE", "3")
    settings = SERVICE.load_settings()
    assert settings.database_pool_size == 3
    with TestClient(SERVICE.api(settings)) as client:
        pool = client.app.state.engine.pool
        assert (pool.size(), pool._max_overflow) == (3, 3)


def test_the_default_pool_holds_ten(monkeypatch):
    monkeypatch.delenv("STOCKPATH_DATABASE_POOL_SIZE", raising=False)
    assert SERVICE.load_settings().database_pool_size == 10
