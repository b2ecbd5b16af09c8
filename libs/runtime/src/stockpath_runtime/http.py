"""What every service's HTTP API has in common: health, readiness, metrics, correlation ids,
clear 4xx errors, a request size limit, and a unit of work per request.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable

import sqlalchemy as sa
import structlog
from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException

from stockpath_runtime.db import create_engine
from stockpath_runtime.settings import ServiceSettings
from stockpath_runtime.unit_of_work import UnitOfWork

log = structlog.get_logger("stockpath.http")

CORRELATION_HEADER = "X-Correlation-Id"
MAX_BODY_BYTES = 1_048_576

HTTP_REQUESTS = Counter("stockpath_http_requests_total", "HTTP requests", ["method", "route", "status"])
HTTP_SECONDS = Histogram("stockpath_http_request_seconds", "HTTP request latency", ["method", "route"])


class ClientError(Exception):
    """An error the caller caused; becomes a 4xx with a clear message and a machine-readable code."""

    status_code = 400

    def __init__(self, message: str, *, code: str = "bad_request", status_code: int | None = None, **details) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.details = details
        if status_code is not None:
            self.status_code = status_code


class NotFound(ClientError):
    status_code = 404

    def __init__(self, message: str, **details) -> None:
        super().__init__(message, code="not_found", **details)


class Unauthorized(ClientError):
    status_code = 401

    def __init__(self, message: str = "missing or invalid bearer token") -> None:
        super().__init__(message, code="unauthorized")


class Conflict(ClientError):
    status_code = 409

    def __init__(self, message: str, *, code: str = "conflict", **details) -> None:
        super().__init__(message, code=code, **details)


def _error(status: int, code: str, message: str, details: dict | None = None) -> JSONResponse:
    body = {"error": {"code": code, "message": message, **({"details": details} if details else {})}}
    return JSONResponse(body, status_code=status)


def correlation_id(request: Request) -> str | None:
    """This request's correlation id: the caller's, or one made for it. Logs, the response header
    and every event the request causes carry the same one."""
    return getattr(request.state, "correlation_id", None)


def caller_correlation_id(request: Request) -> str | None:
    """The correlation id the caller sent, if any (None when this request made its own)."""
    return getattr(request.state, "caller_correlation_id", None)


def unit_of_work(request: Request) -> UnitOfWork:
    """FastAPI dependency: a unit of work on this service's database, carrying the request's correlation id."""
    settings: ServiceSettings = request.app.state.settings
    return UnitOfWork(request.app.state.engine, source=settings.source, correlation_id=correlation_id(request))


async def broker_reachable(bootstrap_servers: str, timeout: float = 1.0) -> bool:
    """True when a TCP connection to one of the bootstrap servers opens within `timeout`."""
    for server in bootstrap_servers.split(","):
        host, _, port = server.strip().rpartition(":")
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(host or "127.0.0.1", int(port)), timeout)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            return True
        except (TimeoutError, OSError, ValueError):
            continue
    return False


_broker_reachable = broker_reachable  # the name it had before it was shared with the worker


def create_service_app(
    settings: ServiceSettings,
    *,
    title: str,
    description: str,
    routers: list[APIRouter],
    on_startup: Callable[[FastAPI], None] | None = None,
    on_shutdown: Callable[[FastAPI], None] | None = None,
) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.engine = create_engine(settings.database_url)
        if on_startup is not None:
            result = on_startup(app)
            if asyncio.iscoroutine(result):
                await result
        try:
            yield
        finally:
            if on_shutdown is not None:
                result = on_shutdown(app)
                if asyncio.iscoroutine(result):
                    await result
            await app.state.engine.dispose()

    app = FastAPI(title=title, description=description, version="1.0.0", lifespan=lifespan)
    app.state.settings = settings

    @app.middleware("http")
    async def context_middleware(request: Request, call_next):
        declared = request.headers.get("content-length")
        if declared is not None:
            try:
                too_big = int(declared) > MAX_BODY_BYTES
            except ValueError:
                return _error(400, "bad_request", "invalid Content-Length header")
            if too_big:
                return _error(413, "payload_too_large", f"request body is larger than {MAX_BODY_BYTES} bytes")
        caller = request.headers.get(CORRELATION_HEADER)
        request.state.caller_correlation_id = caller[:200] if caller else None
        request_correlation = request.state.caller_correlation_id or str(uuid.uuid4())
        request.state.correlation_id = request_correlation
        structlog.contextvars.bind_contextvars(correlation_id=request_correlation, path=request.url.path)
        route = request.url.path
        with HTTP_SECONDS.labels(request.method, "all").time():
            try:
                response = await call_next(request)
            finally:
                structlog.contextvars.unbind_contextvars("correlation_id", "path")
        matched = request.scope.get("route")
        route = getattr(matched, "path", "unmatched")
        HTTP_REQUESTS.labels(request.method, route, str(response.status_code)).inc()
        response.headers[CORRELATION_HEADER] = request_correlation
        return response

    @app.exception_handler(ClientError)
    async def client_error(request: Request, exc: ClientError):
        return _error(exc.status_code, exc.code, exc.message, exc.details)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        problems = [
            {"field": ".".join(str(p) for p in err.get("loc", ()) if p != "body"), "message": err.get("msg", "")}
            for err in exc.errors()[:20]
        ]
        summary = "; ".join(f"{p['field'] or 'body'}: {p['message']}" for p in problems[:5])
        return _error(422, "validation_error", f"invalid request: {summary}", {"problems": problems})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        code = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized"}.get(exc.status_code, "http_error")
        return _error(exc.status_code, code, str(exc.detail))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        log.exception("unhandled error", error=repr(exc))
        return _error(500, "internal_error", "internal error; see the service log for this correlation id")

    @app.get("/healthz", tags=["operations"], include_in_schema=False)
    async def healthz() -> dict:
        return {"status": "ok", "service": settings.service_name}

    @app.get("/readyz", tags=["operations"], include_in_schema=False)
    async def readyz() -> Response:
        checks = {}
        try:
            async with app.state.engine.connect() as conn:
                await asyncio.wait_for(conn.execute(sa.text("SELECT 1")), 2.0)
            checks["database"] = "ok"
        except Exception as e:
            checks["database"] = f"unavailable: {type(e).__name__}"
        checks["broker"] = "ok" if await broker_reachable(settings.kafka_bootstrap_servers) else "unavailable"
        ok = all(v == "ok" for v in checks.values())
        return JSONResponse({"status": "ok" if ok else "unavailable", "checks": checks}, status_code=200 if ok else 503)

    @app.get("/metrics", tags=["operations"], include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    for router in routers:
        app.include_router(router)
    return app
