"""Credentials: who may call a service, and how a caller proves it.

A credential belongs to one actor — a seller, a fulfillment center, a sales channel, an
operator or a service — and is presented as a bearer token ``sp_<credential_id>_<secret>``.
Registration issues and revokes credentials (it is the platform's authority for them) and
announces each on `identity.events`; every service keeps a copy (`credentials` table, filled by
the runtime's own subscription) and authenticates callers on its own. Only the secret's SHA-256
is stored or sent: the secret exists only in its holder's hands. A token is checked by looking up
its credential id and comparing digests in constant time, then its expiry and revocation.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from stockpath_events import Envelope, Topics
from stockpath_events.types.identity import CredentialIssued, CredentialRevoked
from stockpath_runtime.db import credentials

_TOKEN = re.compile(r"^sp_(C[0-9A-Z]{12})_([A-Za-z0-9_-]{43})$")
_ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base 32: no I, L, O, U


class ActorKind(StrEnum):
    SELLER = "seller"
    FULFILLMENT_CENTER = "fulfillment-center"
    CHANNEL = "channel"
    OPERATOR = "operator"
    SERVICE = "service"


@dataclass(frozen=True)
class Credential:
    credential_id: str
    kind: ActorKind
    subject: str
    secret_sha256: str
    issued_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None

    def valid_at(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)

    def proves(self, secret: str) -> bool:
        return hmac.compare_digest(self.secret_sha256, secret_sha256(secret))


def secret_sha256(secret: str) -> str:
    # A token's secret is 256 random bits: a plain digest cannot be reversed or guessed, so a
    # password-grade (slow) hash would only cost every request time.
    return hashlib.sha256(secret.encode()).hexdigest()


def new_credential(
    kind: ActorKind, subject: str, *, now: datetime, ttl: timedelta | None
) -> tuple[str, Credential]:
    """A fresh credential and its token (the only time the token exists outside its holder)."""
    credential_id = "C" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(12))
    secret = secrets.token_urlsafe(32)
    credential = Credential(
        credential_id=credential_id,
        kind=ActorKind(kind),
        subject=subject,
        secret_sha256=secret_sha256(secret),
        issued_at=now,
        expires_at=now + ttl if ttl else None,
    )
    return f"sp_{credential_id}_{secret}", credential


def parse_token(token: str) -> tuple[str, str] | None:
    """(credential id, secret) of a well-formed token, else None."""
    found = _TOKEN.match(token.strip())
    return (found.group(1), found.group(2)) if found else None


def issued(credential: Credential) -> CredentialIssued:
    return CredentialIssued(
        credential_id=credential.credential_id,
        kind=credential.kind.value,
        subject=credential.subject,
        secret_sha256=credential.secret_sha256,
        issued_at=credential.issued_at,
        expires_at=credential.expires_at,
    )


class CredentialRepository:
    """The service's copy of the credentials (the `credentials` table)."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def get(self, credential_id: str) -> Credential | None:
        row = (
            await self._conn.execute(
                sa.select(credentials).where(credentials.c.credential_id == credential_id)
            )
        ).first()
        return _credential(row) if row else None

    async def of_subject(self, kind: ActorKind, subject: str) -> list[Credential]:
        rows = await self._conn.execute(
            sa.select(credentials)
            .where(credentials.c.kind == kind.value, credentials.c.subject == subject)
            .order_by(credentials.c.issued_at, credentials.c.credential_id)
        )
        return [_credential(r) for r in rows]

    async def listed(
        self, *, kind: ActorKind | None = None, limit: int = 100, offset: int = 0
    ) -> list[Credential]:
        query = sa.select(credentials).order_by(
            credentials.c.issued_at, credentials.c.credential_id
        )
        if kind is not None:
            query = query.where(credentials.c.kind == kind.value)
        return [_credential(r) for r in await self._conn.execute(query.limit(limit).offset(offset))]

    async def save(self, credential: Credential) -> None:
        """Record a credential; one told again changes nothing (a revoked one stays revoked)."""
        await self._conn.execute(
            pg_insert(credentials)
            .values(
                credential_id=credential.credential_id,
                kind=credential.kind.value,
                subject=credential.subject,
                secret_sha256=credential.secret_sha256,
                issued_at=credential.issued_at,
                expires_at=credential.expires_at,
                revoked_at=credential.revoked_at,
            )
            .on_conflict_do_nothing(index_elements=[credentials.c.credential_id])
        )

    async def revoke(self, credential_ids: Sequence[str], at: datetime) -> None:
        await self._conn.execute(
            sa.update(credentials)
            .where(
                credentials.c.credential_id.in_(list(credential_ids)),
                credentials.c.revoked_at.is_(None),
            )
            .values(revoked_at=at)
        )


def _credential(row) -> Credential:
    return Credential(
        credential_id=row.credential_id,
        kind=ActorKind(row.kind),
        subject=row.subject,
        secret_sha256=row.secret_sha256,
        issued_at=row.issued_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )


# --- the authority's commands (registration's API and `stockpath credentials` call these) ---------


class UnknownCredential(LookupError):
    def __init__(self, credential_id: str) -> None:
        super().__init__(f"credential {credential_id} does not exist")
        self.credential_id = credential_id


async def issue_credential(
    uow, kind: ActorKind, subject: str, *, ttl: timedelta | None
) -> tuple[str, Credential]:
    """Issue a credential in `uow` (not committed): stored, and announced to every service."""
    token, credential = new_credential(kind, subject, now=datetime.now(UTC), ttl=ttl)
    await uow.credentials.save(credential)
    uow.emit(issued(credential))
    return token, credential


async def revoke_credential(uow, credential_id: str, *, reason: str | None = None) -> Credential:
    """Revoke a credential in `uow` (not committed); revoking it again changes nothing."""
    credential = await uow.credentials.get(credential_id)
    if credential is None:
        raise UnknownCredential(credential_id)
    if credential.revoked_at is None:
        now = datetime.now(UTC)
        await uow.credentials.revoke([credential_id], now)
        uow.emit(CredentialRevoked(credential_id=credential_id, revoked_at=now, reason=reason))
    return await uow.credentials.get(credential_id)


async def rotate_credential(
    uow, credential_id: str, *, ttl: timedelta | None
) -> tuple[str, Credential]:
    """A new credential for the same actor, and the old one revoked, in `uow` (not committed)."""
    old = await uow.credentials.get(credential_id)
    if old is None:
        raise UnknownCredential(credential_id)
    token, new = await issue_credential(uow, old.kind, old.subject, ttl=ttl)
    await revoke_credential(uow, credential_id, reason=f"rotated to {new.credential_id}")
    return token, new


# --- every service's copy, kept from identity.events ------------------------------------------------


async def record_credentials(events: list[Envelope], uow) -> None:
    """The runtime's own handler of `identity.events`, added to every worker."""
    for event in events:
        data = event.data
        if isinstance(data, CredentialIssued):
            await uow.credentials.save(
                Credential(
                    credential_id=data.credential_id,
                    kind=ActorKind(data.kind),
                    subject=data.subject,
                    secret_sha256=data.secret_sha256,
                    issued_at=data.issued_at,
                    expires_at=data.expires_at,
                )
            )
        elif isinstance(data, CredentialRevoked):
            await uow.credentials.revoke([data.credential_id], data.revoked_at)


def identity_subscription():
    from stockpath_runtime.consumer import Subscription

    return Subscription(
        Topics.IDENTITY,
        {CredentialIssued: record_credentials, CredentialRevoked: record_credentials},
    )
