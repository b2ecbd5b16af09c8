"""Credentials a local platform needs before anyone can call it: the operator's first one and each
service's own (what it sends when it calls another service), and credentials tests and tools ask for.

A credential is issued by the authority (the service that publishes CredentialIssued) in its own
database, and its event tells every other service, moments after the authority's worker runs.
A platform also writes the credential into every other service's copy at once (`known_everywhere`),
so that a tool or test can use it the moment it has it; the event, consumed later, changes nothing.
A platform without the authority (a test running two services) only writes the copies.
"""

from __future__ import annotations

import json
import os
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

#: Service credentials of a local stack are re-issued when they have less than this left.
SERVICE_CREDENTIAL_DAYS = 30


def authority() -> str:
    from stockpath_events import REGISTRY
    from stockpath_events.types.identity import CredentialIssued

    return REGISTRY.for_model(CredentialIssued).domain


async def issue(
    platform, kind: str, subject: str, *, days: int | None = None, known_everywhere: bool = True
) -> str:
    """A new credential on `platform`; returns its token."""
    from stockpath_runtime.credentials import ActorKind, new_credential

    if authority() in platform.names:
        from stockpath_cli.ops.credentials import issue as issue_by_authority

        token, credential = await issue_by_authority(
            kind, subject, days=days, database_url=platform.database_url(authority())
        )
        copies = [n for n in platform.names if n != authority()] if known_everywhere else []
    else:
        ttl = timedelta(days=days) if days else None
        token, credential = new_credential(ActorKind(kind), subject, now=datetime.now(UTC), ttl=ttl)
        copies = list(platform.names)
    for name in copies:
        await remember(platform.database_url(name), credential)
    return token


async def remember(database_url: str, credential) -> None:
    """Write a credential into one service's copy (what consuming its CredentialIssued would do)."""
    from stockpath_runtime.credentials import CredentialRepository
    from stockpath_runtime.db import create_engine

    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.begin() as conn:
            await CredentialRepository(conn).save(credential)
    finally:
        await engine.dispose()


async def still_valid(platform, token: str | None) -> bool:
    """Whether `token` authenticates on this platform (by the authority's copy, or the first service's)."""
    from stockpath_runtime.credentials import CredentialRepository, parse_token
    from stockpath_runtime.db import create_engine

    parsed = parse_token(token or "")
    if parsed is None:
        return False
    name = authority() if authority() in platform.names else platform.names[0]
    engine = create_engine(platform.database_url(name), pool_size=1)
    try:
        async with engine.connect() as conn:
            credential = await CredentialRepository(conn).get(parsed[0])
    finally:
        await engine.dispose()
    soon = datetime.now(UTC) + timedelta(days=1)
    return credential is not None and credential.proves(parsed[1]) and credential.valid_at(soon)


def provision(platform, keep: Path | None = None) -> dict:
    """The operator's credential and every service's own, reusing those kept in `keep` (a JSON file,
    owner-readable only) while they are valid; sets each service's `<SERVICE>_SERVICE_TOKEN` and the
    platform's `STOCKPATH_SESSION_SECRET`."""
    from stockpath_runtime.settings import env_prefix

    kept = json.loads(keep.read_text()) if keep is not None and keep.exists() else {}

    async def run() -> dict:
        operator = kept.get("operator")
        services = dict(kept.get("services", {}))
        if not await still_valid(platform, operator):
            operator = await issue(platform, "operator", "admin", days=365)
        for name in platform.names:
            if not await still_valid(platform, services.get(name)):
                services[name] = await issue(
                    platform, "service", name, days=SERVICE_CREDENTIAL_DAYS
                )
        return {"operator": operator, "services": services}

    from stockpath_cli.localstack import run_coroutine

    found = run_coroutine(run())
    # One secret for every service's web sessions, kept so sessions survive a restart.
    found["session_secret"] = (
        kept.get("session_secret")
        or os.environ.get("STOCKPATH_SESSION_SECRET")
        or secrets.token_urlsafe(32)
    )
    platform.extra_env.setdefault("STOCKPATH_SESSION_SECRET", found["session_secret"])
    for name, token in found["services"].items():
        if name in platform.names:
            platform.extra_env[f"{env_prefix(name)}SERVICE_TOKEN"] = token
    if keep is not None:
        keep.parent.mkdir(parents=True, exist_ok=True)
        keep.touch(mode=0o600, exist_ok=True)
        os.chmod(keep, 0o600)
        keep.write_text(json.dumps(found, indent=2))
    return found
