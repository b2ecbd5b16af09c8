"""Who is calling, and may they: every route names the actors it serves.

A route declares its rule with one dependency, which both enforces and documents it (the
authorization test reads the rules off every service's routes; a route without one fails it):

    @router.post("/receipts")
    async def record_receipt(body: ReceiptIn, fc: Annotated[Actor, allow(FC, OPERATOR)], uow: UoW): ...

    @router.get("/catalog/items", dependencies=[public()])
    async def search(...): ...

`allow` answers 401 when no valid credential came with the request (missing, malformed, unknown,
expired or revoked) and 403 when it belongs to an actor the route does not serve. What an allowed
actor may *see* (its own seller's data, its own FC's) is the route's to scope: another party's ids
read as not found.

Callers authenticate with ``Authorization: Bearer sp_<credential_id>_<secret>``, or, on web pages,
with the session cookie `stockpath_runtime.sessions` issues after sign-in. A credential looked up
is remembered for `CACHE_SECONDS`, so a revocation takes effect everywhere within that time of
reaching the service.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import structlog
from fastapi import Depends, Request

from stockpath_runtime.credentials import ActorKind, Credential, CredentialRepository, parse_token
from stockpath_runtime.http import ClientError, Unauthorized

log = structlog.get_logger("stockpath.auth")

SELLER, FC, CHANNEL, OPERATOR, SERVICE = (
    ActorKind.SELLER,
    ActorKind.FULFILLMENT_CENTER,
    ActorKind.CHANNEL,
    ActorKind.OPERATOR,
    ActorKind.SERVICE,
)
CACHE_SECONDS = 5.0


@dataclass(frozen=True)
class Actor:
    """The authenticated caller: what kind of actor, which one, by which credential."""

    kind: ActorKind
    subject: str
    credential_id: str

    @property
    def is_operator(self) -> bool:
        return self.kind is ActorKind.OPERATOR


class Forbidden(ClientError):
    status_code = 403

    def __init__(self, message: str) -> None:
        super().__init__(message, code="forbidden")


class Credentials:
    """Looks credentials up in the service's database, remembering each for a few seconds."""

    def __init__(self, engine) -> None:
        self._engine = engine
        self._seen: dict[str, tuple[float, Credential | None]] = {}

    async def actor(self, token: str) -> Actor | None:
        parsed = parse_token(token)
        if parsed is None:
            return None
        credential_id, secret = parsed
        credential = await self._lookup(credential_id)
        if (
            credential is None
            or not credential.proves(secret)
            or not credential.valid_at(datetime.now(UTC))
        ):
            return None
        return Actor(credential.kind, credential.subject, credential.credential_id)

    async def _lookup(self, credential_id: str) -> Credential | None:
        now = time.monotonic()
        seen = self._seen.get(credential_id)
        if seen is not None and now - seen[0] < CACHE_SECONDS:
            return seen[1]
        async with self._engine.connect() as conn:
            credential = await CredentialRepository(conn).get(credential_id)
        if len(self._seen) > 10_000:  # a flood of made-up ids must not grow memory
            self._seen.clear()
        self._seen[credential_id] = (now, credential)
        return credential


def _credentials(request: Request) -> Credentials:
    state = request.app.state
    if getattr(state, "credentials", None) is None:
        state.credentials = Credentials(state.engine)
    return state.credentials


async def actor_of_token(request: Request, token: str) -> Actor | None:
    """Who a token a page's sign-in form posted belongs to, if it is valid now (else None)."""
    return await _credentials(request).actor(token)


async def authenticated(request: Request) -> Actor | None:
    """The caller, if a valid credential came with the request (bearer token or session cookie)."""
    if "actor" in request.scope.get("state", {}):
        return request.state.actor
    actor = None
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token:
        actor = await _credentials(request).actor(token)
    elif getattr(request.app.state, "sessions", None) is not None:
        credential_id = request.app.state.sessions.credential_of(request)
        if credential_id is not None:
            credential = await _credentials(request)._lookup(credential_id)
            if credential is not None and credential.valid_at(datetime.now(UTC)):
                actor = Actor(credential.kind, credential.subject, credential.credential_id)
    request.state.actor = actor
    if actor is not None:
        structlog.contextvars.bind_contextvars(actor=f"{actor.kind.value}:{actor.subject}")
    return actor


def allow(*kinds: ActorKind) -> Any:
    """The route serves these actors (and nobody anonymous); gives the route the `Actor`."""
    allowed = frozenset(kinds)

    async def actor_allowed(request: Request) -> Actor:
        actor = await authenticated(request)
        if actor is None:
            raise Unauthorized("missing or invalid credential: send 'Authorization: Bearer sp_...'")
        if actor.kind not in allowed:
            names = ", ".join(sorted(k.value for k in allowed))
            raise Forbidden(f"a {actor.kind.value} may not do this; it is for: {names}")
        return actor

    actor_allowed.allowed = allowed  # type: ignore[attr-defined]  # a function attribute: typed functions have none; read by the authorization test
    return Depends(actor_allowed)


def public() -> Any:
    """The route serves anyone, anonymous included (health, the storefront, catalog search)."""

    async def anyone(request: Request) -> Actor | None:
        return await authenticated(request)

    # Read by the authorization test: no rule restricts it.
    anyone.allowed = None  # type: ignore[attr-defined]  # a function attribute: typed functions have none
    return Depends(anyone)


def rule_of(route) -> frozenset[ActorKind] | None | bool:
    """The actors a route serves (None: anyone), or False when it declares no rule."""
    dependant = getattr(route, "dependant", None)
    pending = list(dependant.dependencies) if dependant is not None else []
    while pending:
        dependant = pending.pop()
        call = getattr(dependant, "call", None)
        if call is not None and hasattr(call, "allowed"):
            return call.allowed
        pending.extend(dependant.dependencies)
    return False
