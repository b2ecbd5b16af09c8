"""Health, readiness and metrics: one implementation for every process a service runs.

The API includes `operations_router` in its app; a worker (faust, or relay-only) serves the
same router on its own port (`serve_operations`). So `/healthz`, `/readyz` and `/metrics` answer
alike everywhere:

- ``/healthz``: the process is alive (``{"status": "ok", "service": ...}``);
- ``/readyz``: every check passes (``{"status": "ok"|"unavailable", "checks": {name: bool}}``,
  200 or 503) — the database, the broker, and for a worker that its runtime started;
- ``/metrics``: Prometheus text format.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping

import sqlalchemy as sa
from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.ext.asyncio import AsyncEngine

#: A readiness check: True when what it checks is usable now.
Check = Callable[[], Awaitable[bool]]


async def anyone() -> None:
    """The operations endpoints' rule: anyone may ask (probes and Prometheus carry no credential)."""


# The route rule `stockpath_runtime.auth.public()` stands for, read by the authorization test.
anyone.allowed = None  # type: ignore[attr-defined]  # a function attribute: typed functions have none


def operations_router(service_name: str, checks: Mapping[str, Check]) -> APIRouter:
    router = APIRouter(tags=["operations"], include_in_schema=False, dependencies=[Depends(anyone)])

    @router.get("/healthz")
    async def healthz() -> dict:
        return {"status": "ok", "service": service_name}

    @router.get("/readyz")
    async def readyz() -> Response:
        results = await asyncio.gather(*(check() for check in checks.values()))
        report = dict(zip(checks, results, strict=True))
        ok = all(report.values())
        return JSONResponse(
            {"status": "ok" if ok else "unavailable", "checks": report},
            status_code=200 if ok else 503,
        )

    @router.get("/metrics")
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


def database_check(engine: Callable[[], AsyncEngine | None]) -> Check:
    """Ready when ``SELECT 1`` answers within 2 s on the engine `engine()` returns (None: not yet)."""

    async def check() -> bool:
        current = engine()
        if current is None:
            return False
        try:
            async with current.connect() as conn:
                await asyncio.wait_for(conn.execute(sa.text("SELECT 1")), 2.0)
            return True
        except Exception:
            return False

    return check


def broker_check(bootstrap_servers: str) -> Check:
    async def check() -> bool:
        return await broker_reachable(bootstrap_servers)

    return check


async def broker_reachable(bootstrap_servers: str, timeout: float = 1.0) -> bool:
    """True when a TCP connection to one of the bootstrap servers opens within `timeout`."""
    for server in bootstrap_servers.split(","):
        host, _, port = server.strip().rpartition(":")
        try:
            _, writer = await asyncio.wait_for(
                asyncio.open_connection(host or "127.0.0.1", int(port)), timeout
            )
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            return True
        except (TimeoutError, OSError, ValueError):
            continue
    return False


async def serve_operations(
    service_name: str, checks: Mapping[str, Check], *, host: str, port: int, log_config: dict | None
) -> None:
    """Serve the operations endpoints of a worker until cancelled."""
    import uvicorn

    web = FastAPI(title=f"{service_name} worker")
    web.include_router(operations_router(service_name, checks))
    # No lifespan: the app has no start-up or shutdown of its own, and a lifespan task would outlive
    # the cancelled server, waiting for a shutdown message that never comes (the worker's exit then
    # waits a second for it and logs its CancelledError).
    server = uvicorn.Server(
        uvicorn.Config(
            web, host=host, port=port, log_config=log_config, access_log=False, lifespan="off"
        )
    )
    # uvicorn (0.29 and later) takes SIGINT and SIGTERM while it serves, stops, and raises them
    # again once it has stopped, so the worker's own handlers still receive them.
    await server.serve()
