"""The authorization test every service runs: its route table × every actor, with the status each
must get, derived from the rule each route declares (`stockpath_runtime.auth.allow` / `public`).

    ACTORS: anonymous, seller, other seller, fc, other fc, channel, other channel, operator

For a route serving some kinds of actors, anonymous gets 401 and a kind it does not serve 403. A
route about a party's data names its owner in its `Sample` (how to call it as that owner: path,
query, body): the owner, and an operator, get an answer (2xx, 3xx or 409 — a sample may change
state only once), the *other* seller, FC or channel gets 404 (another party's ids read as not
found). A public route answers everyone without 401 or 403. Nobody gets a 5xx.

A route without a rule, or without a sample, fails the test: a new route lands with both.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Set
from dataclasses import dataclass, field
from typing import Any

from stockpath_runtime.auth import rule_of
from stockpath_runtime.credentials import ActorKind

ACTORS = (
    "anonymous",
    "seller",
    "other seller",
    "fc",
    "other fc",
    "channel",
    "other channel",
    "operator",
)
KIND_OF = {
    "seller": ActorKind.SELLER,
    "other seller": ActorKind.SELLER,
    "fc": ActorKind.FULFILLMENT_CENTER,
    "other fc": ActorKind.FULFILLMENT_CENTER,
    "channel": ActorKind.CHANNEL,
    "other channel": ActorKind.CHANNEL,
    "operator": ActorKind.OPERATOR,
}
ANSWERED = "answered"  # 2xx, 3xx or 409


@dataclass(frozen=True)
class Sample:
    """How to call a route as the party that owns what it names (None: it names nobody's data)."""

    path: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, Any] = field(default_factory=dict)
    json: Any = None
    form: Mapping[str, str] | None = None
    owner: str | None = None  # "seller", "fc" or "channel"
    #: Headers beside the credential (e.g. a CSRF token a page form needs).
    headers: Mapping[str, str] = field(default_factory=dict)
    #: What an actor gets where the owner rule does not say it (e.g. a seller asking for a channel's
    #: order: 404): actor → status, or ANSWERED. Declared here, per route, so the table stays explicit.
    expect: Mapping[str, int | str] = field(default_factory=dict)


def expectation(rule, sample: Sample, actor: str) -> str | int:
    if actor in sample.expect:
        return sample.expect[actor]
    if rule is None:
        return (
            ANSWERED
            if sample.owner is None or actor in (sample.owner, "operator")
            else "not 401/403"
        )
    if actor == "anonymous":
        return 401
    if KIND_OF[actor] not in rule:
        return 403
    if sample.owner is not None and actor == f"other {sample.owner}":
        return 404
    return ANSWERED


def check_route_table(
    client,
    app,
    tokens: Mapping[str, str],
    samples: Mapping[tuple[str, str], Sample | Callable[[], Sample]],
    *,
    skip: Set[tuple[str, str]] = frozenset(),
) -> list[tuple[str, str, str, Any, int]]:
    """Call every route of `app` as every actor (`tokens`: actor → bearer token; anonymous has
    none); returns the table (method, path, actor, expected, got) and fails on any mismatch."""
    from fastapi.routing import iter_route_contexts

    table, problems = [], []
    for route in iter_route_contexts(app.routes):  # the routes of included routers too
        methods = sorted(getattr(route, "methods", None) or [])
        path = route.path
        if not methods or path is None or not hasattr(route, "dependant"):
            continue  # mounts (static files) and websockets
        for method in methods:
            if method in ("HEAD", "OPTIONS"):
                continue
            key = (method, path)
            if key in skip:
                continue
            rule = rule_of(route)
            if rule is False:
                problems.append(f"{method} {path}: no rule (allow(...) or public())")
                continue
            if key not in samples:
                problems.append(f"{method} {path}: no sample request in the authorization test")
                continue
            given = samples[key]
            for actor in ACTORS:
                sample = given() if callable(given) else given
                expected = expectation(rule, sample, actor)
                got = _call(client, method, path, sample, tokens.get(actor)).status_code
                table.append((method, path, actor, expected, got))
                if not _meets(expected, got):
                    problems.append(f"{method} {path} as {actor}: expected {expected}, got {got}")
    assert not problems, "authorization table broken:\n  " + "\n  ".join(problems)
    assert table, "no route was checked: the route table is empty"
    return table


def _meets(expected, got: int) -> bool:
    if got >= 500:
        return False
    if expected == ANSWERED:
        return got < 400 or got == 409
    if expected == "not 401/403":
        return got not in (401, 403)
    return got == expected


def _call(client, method: str, path: str, sample: Sample, token: str | None):
    headers = dict(sample.headers)
    if token:
        headers["Authorization"] = f"Bearer {token}"
    url = path.format(**sample.path)
    return client.request(
        method,
        url,
        params=dict(sample.query),
        json=sample.json,
        data=sample.form,
        headers=headers,
        follow_redirects=False,
    )


#: Who each actor of the table is, unless a test needs others (a seller id its database knows).
SUBJECTS = {
    "seller": "SLRAAAAAAAA1",
    "other seller": "SLRBBBBBBBB2",
    "fc": "SEA1",
    "other fc": "PHX3",
    "channel": "storefront",
    "other channel": "marketplace-feed",
    "operator": "ops",
}


async def issue_token(database_url: str, kind: ActorKind | str, subject: str) -> str:
    """One valid credential of any kind (a service's, say) written into a service's copy; its token."""
    from datetime import UTC, datetime

    from stockpath_runtime.credentials import new_credential
    from stockpath_runtime.db import create_engine
    from stockpath_runtime.unit_of_work import UnitOfWork

    token, credential = new_credential(ActorKind(kind), subject, now=datetime.now(UTC), ttl=None)
    engine = create_engine(database_url, pool_size=1)
    try:
        async with UnitOfWork(engine, source="/services/test") as uow:
            await uow.credentials.save(credential)
            await uow.commit()
    finally:
        await engine.dispose()
    return token


async def issue_tokens(database_url: str, subjects: Mapping[str, str] = SUBJECTS) -> dict[str, str]:
    """A valid credential for every actor of the table, written straight into a service's copy of
    the credentials (as if `identity.events` had told it); returns actor → bearer token."""
    from datetime import UTC, datetime

    from stockpath_runtime.credentials import new_credential
    from stockpath_runtime.db import create_engine
    from stockpath_runtime.unit_of_work import UnitOfWork

    engine = create_engine(database_url, pool_size=1)
    tokens = {}
    try:
        async with UnitOfWork(engine, source="/services/test") as uow:
            for actor, subject in subjects.items():
                token, credential = new_credential(
                    KIND_OF[actor], subject, now=datetime.now(UTC), ttl=None
                )
                await uow.credentials.save(credential)
                tokens[actor] = token
            await uow.commit()
    finally:
        await engine.dispose()
    return tokens
