"""What every service's HTTP API has in common: health, readiness, metrics, correlation ids,
clear 4xx errors (and one way to map a service's domain errors to them), a request size limit,
a unit of work per request, the service's dependencies and identifiers (paging: `stockpath_runtime.paging`).

A service's ``bootstrap.py`` calls `create_service_app` with its routers, its unit of work class,
its dependencies and its error answers; routes take what they need through `unit_of_work` and
`dependencies` (FastAPI `Depends`), never from ``app.state``.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from prometheus_client import Counter, Histogram
from pydantic import StringConstraints
from starlette.exceptions import HTTPException as StarletteHTTPException

from stockpath_runtime.db import create_engine
from stockpath_runtime.operations import broker_check, database_check, operations_router
from stockpath_runtime.request_guard import (
    MAX_BODY_BYTES as MAX_BODY_BYTES,  # the request size limit
)
from stockpath_runtime.request_guard import RequestGuard
from stockpath_runtime.sessions import Sessions, secure_by_default
from stockpath_runtime.settings import ServiceSettings
from stockpath_runtime.unit_of_work import EventTooLarge, UnitOfWork

log = structlog.get_logger("stockpath.http")

CORRELATION_HEADER = "X-Correlation-Id"

HTTP_REQUESTS = Counter(
    "stockpath_http_requests_total", "HTTP requests", ["method", "route", "status"]
)
HTTP_SECONDS = Histogram(
    "stockpath_http_request_seconds", "HTTP request latency", ["method", "route"]
)


class ClientError(Exception):
    """An error the caller caused; becomes a 4xx with a clear message and a machine-readable code."""

    status_code = 400

    def __init__(
        self, message: str, *, code: str = "bad_request", status_code: int | None = None, **details
    ) -> None:
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


@dataclass(frozen=True)
class Answer:
    """How a domain error answers over HTTP: its status, its machine-readable code, which of the
    exception's attributes go into ``details`` (a name, or ``{"detail name": "attribute"}``), and
    optionally what the caller should do next (appended to the error's message)."""

    status: int
    code: str
    details: tuple[str, ...] | Mapping[str, str] = field(default=())
    advice: str = ""

    def message(self, exc: Exception) -> str:
        return f"{exc}; {self.advice}" if self.advice else str(exc)

    def render(self, exc: Exception) -> JSONResponse:
        names = (
            self.details
            if isinstance(self.details, Mapping)
            else {name: name for name in self.details}
        )
        details = {
            shown: jsonable_encoder(getattr(exc, attribute)) for shown, attribute in names.items()
        }
        return _error(self.status, self.code, self.message(exc), details)


#: A service's domain errors and how each answers (subclasses answer like their base unless listed).
ErrorAnswers = Mapping[type[Exception], Answer]


def answer_for(error: Exception, answers: ErrorAnswers) -> Answer | None:
    """The answer of an error: its own, else its nearest base's (as the app's handlers pick it);
    for pages, which render the answer themselves."""
    return next((answers[kind] for kind in type(error).__mro__ if kind in answers), None)


#: An id a client names in a path, a query or a body: a letter or digit, then letters, digits and
#: ``. _ : -``. Anything else cannot be an id of ours, so it is refused (422) before any lookup.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]*$"


def identifier(max_length: int = 64) -> Any:
    """The annotated type of an identifier of at most `max_length` characters."""
    return Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, min_length=1, max_length=max_length, pattern=ID_PATTERN
        ),
    ]


Identifier = identifier()


def _error(status: int, code: str, message: str, details: dict | None = None) -> JSONResponse:
    body = {
        "error": {"code": code, "message": message, **({"details": details} if details else {})}
    }
    return JSONResponse(body, status_code=status)


def correlation_id(request: Request) -> str | None:
    """This request's correlation id: the caller's, or one made for it. Logs, the response header
    and every event the request causes carry the same one."""
    return getattr(request.state, "correlation_id", None)


def caller_correlation_id(request: Request) -> str | None:
    """The correlation id the caller sent, if any (None when this request made its own)."""
    return getattr(request.state, "caller_correlation_id", None)


def unit_of_work(request: Request) -> UnitOfWork:
    """FastAPI dependency: the service's unit of work on its database, carrying the request's
    correlation id (the caller's, or one made for this request)."""
    settings: ServiceSettings = request.app.state.settings
    return request.app.state.unit_of_work(
        request.app.state.engine, source=settings.source, correlation_id=correlation_id(request)
    )


def sessions(request: Request) -> Sessions:
    """FastAPI dependency: the app's web sessions and CSRF tokens."""
    return request.app.state.sessions


def dependencies(request: Request) -> Any:
    """FastAPI dependency: what the service's bootstrap gave its API (clients, the FC network...)."""
    return request.app.state.dependencies


def _sessions(settings: ServiceSettings) -> Sessions:
    secret = settings.session_secret
    if not secret:
        secret = secrets.token_urlsafe(32)
        log.warning("STOCKPATH_SESSION_SECRET is not set: sessions of this process end with it")
    secure = settings.session_cookie_secure
    return Sessions(
        secret, secure=secure_by_default(settings.http_host) if secure is None else secure
    )


def create_service_app(
    settings: ServiceSettings,
    *,
    title: str,
    description: str,
    routers: list[APIRouter],
    unit_of_work: type[UnitOfWork] = UnitOfWork,
    dependencies: Any = None,
    errors: ErrorAnswers | None = None,
    on_startup: Callable[[FastAPI], Awaitable[None] | None] | None = None,
    on_shutdown: Callable[[FastAPI], Awaitable[None] | None] | None = None,
) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.engine = create_engine(
            settings.database_url, pool_size=settings.database_pool_size
        )
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
    app.state.unit_of_work = unit_of_work
    app.state.dependencies = dependencies
    app.state.sessions = _sessions(settings)

    @app.middleware("http")
    async def context_middleware(request: Request, call_next):
        caller = request.headers.get(CORRELATION_HEADER)
        request.state.caller_correlation_id = caller[:200] if caller else None
        request_correlation = request.state.caller_correlation_id or str(uuid.uuid4())
        request.state.correlation_id = request_correlation
        structlog.contextvars.bind_contextvars(
            correlation_id=request_correlation, path=request.url.path
        )
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

    answers: ErrorAnswers = {
        EventTooLarge: Answer(422, "event_too_large", ("event_type", "size")),
        **(errors or {}),
    }
    for error_type, answer in answers.items():
        app.add_exception_handler(
            error_type, lambda request, exc, answer=answer: answer.render(exc)
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        problems = [
            {
                "field": ".".join(str(p) for p in err.get("loc", ()) if p != "body"),
                "message": err.get("msg", ""),
            }
            for err in exc.errors()[:20]
        ]
        summary = "; ".join(f"{p['field'] or 'body'}: {p['message']}" for p in problems[:5])
        return _error(
            422, "validation_error", f"invalid request: {summary}", {"problems": problems}
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        code = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized"}.get(
            exc.status_code, "http_error"
        )
        return _error(exc.status_code, code, str(exc.detail))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        log.exception("unhandled error", error=repr(exc))
        return _error(
            500, "internal_error", "internal error; see the service log for this correlation id"
        )

    app.include_router(
        operations_router(
            settings.service_name,
            {
                "database": database_check(lambda: getattr(app.state, "engine", None)),
                "broker": broker_check(settings.kafka_bootstrap_servers),
            },
        )
    )
    for router in routers:
        app.include_router(router)
    # Outermost: oversized or control-character requests are refused before anything else runs.
    app.add_middleware(RequestGuard)
    return app
