"""Credentials and the rules routes declare, against the real PostgreSQL: a token authenticates
its actor until it expires, is revoked or rotated; a route answers 401 to nobody and 403 to an
actor it does not serve; web sessions hold no token; CSRF tokens work in their own browser only;
every service's copy of the credentials follows identity.events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

import pytest
from fastapi import APIRouter, Form, Request
from fastapi.testclient import TestClient
from probe import PROBE
from probe.service import ProbeUnitOfWork, Settings

from stockpath_runtime.auth import OPERATOR, SELLER, Actor, allow, public
from stockpath_runtime.credentials import (
    ActorKind,
    identity_subscription,
    issue_credential,
    new_credential,
    parse_token,
    revoke_credential,
    rotate_credential,
)
from stockpath_runtime.db import create_engine
from stockpath_runtime.http import create_service_app, sessions
from stockpath_runtime.sessions import CSRF_FIELD, InvalidCsrfToken
from stockpath_testing import ServiceConsumer

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def database(fresh_database) -> str:
    return fresh_database(PROBE)


async def in_uow(database, work):
    engine = create_engine(database, pool_size=1)
    try:
        async with ProbeUnitOfWork(engine, source="/services/registration") as uow:
            result = await work(uow)
            await uow.commit()
            return result, uow.committed
    finally:
        await engine.dispose()


def app_for(database: str) -> TestClient:
    router = APIRouter()

    @router.get("/stock")
    async def stock(actor: Annotated[Actor, allow(SELLER, OPERATOR)]) -> dict:
        return {"kind": actor.kind.value, "subject": actor.subject}

    @router.get("/open", dependencies=[public()])
    async def open_to_all() -> dict:
        return {"ok": True}

    @router.post("/sign-in")
    async def sign_in(request: Request, token: Annotated[str, Form()]):
        from fastapi.responses import JSONResponse

        from stockpath_runtime.auth import _credentials

        actor = await _credentials(request).actor(token)
        response = JSONResponse({"signed_in": actor is not None})
        if actor is not None:
            sessions(request).sign_in(response, actor.credential_id)
        return response

    @router.get("/form")
    async def form(request: Request):
        from fastapi.responses import JSONResponse

        response = JSONResponse({"csrf": sessions(request).csrf_token(request)})
        sessions(request).keep_csrf_nonce(request, response)
        return response

    @router.post("/form")
    async def post_form(request: Request, csrf_token: Annotated[str, Form()] = ""):
        try:
            sessions(request).check_csrf(request, csrf_token)
        except InvalidCsrfToken as e:
            from fastapi.responses import JSONResponse

            return JSONResponse({"error": str(e)}, status_code=403)
        return {"accepted": True}

    settings = Settings(
        database_url=database, kafka_bootstrap_servers="127.0.0.1:9", session_secret="s" * 32
    )
    return TestClient(
        create_service_app(
            settings, title="probe", description="", routers=[router], unit_of_work=ProbeUnitOfWork
        )
    )


async def test_a_token_authenticates_its_actor_and_the_route_rule_decides(database):
    (seller, _), _ = await in_uow(
        database, lambda uow: issue_credential(uow, ActorKind.SELLER, "S-1", ttl=None)
    )
    (fc, _), _ = await in_uow(
        database, lambda uow: issue_credential(uow, ActorKind.FULFILLMENT_CENTER, "SEA1", ttl=None)
    )
    with app_for(database) as client:
        assert client.get("/stock", headers={"Authorization": f"Bearer {seller}"}).json() == {
            "kind": "seller",
            "subject": "S-1",
        }
        assert client.get("/stock").status_code == 401
        assert (
            client.get(
                "/stock", headers={"Authorization": "Bearer sp_CAAAAAAAAAAAA_" + "x" * 43}
            ).status_code
            == 401
        )
        assert (
            client.get("/stock", headers={"Authorization": f"Bearer {seller[:-1]}y"}).status_code
            == 401
        ), "wrong secret"
        forbidden = client.get("/stock", headers={"Authorization": f"Bearer {fc}"})
        assert forbidden.status_code == 403 and forbidden.json()["error"]["code"] == "forbidden"
        assert client.get("/open").status_code == 200


async def test_an_expired_revoked_or_rotated_credential_authenticates_nobody(database):
    (expired, _), _ = await in_uow(
        database,
        lambda uow: issue_credential(uow, ActorKind.SELLER, "S-2", ttl=timedelta(microseconds=1)),
    )
    (kept, credential), _ = await in_uow(
        database, lambda uow: issue_credential(uow, ActorKind.SELLER, "S-2", ttl=None)
    )
    (rotated, new), events = await in_uow(
        database,
        lambda uow: rotate_credential(uow, credential.credential_id, ttl=timedelta(days=30)),
    )
    assert [type(e.data).__name__ for e in events] == ["CredentialIssued", "CredentialRevoked"]
    assert all(e.data.model_dump().get("secret_sha256", "") != rotated for e in events), (
        "no secret on the wire"
    )
    with app_for(database) as client:
        assert (
            client.get("/stock", headers={"Authorization": f"Bearer {expired}"}).status_code == 401
        )
        assert (
            client.get("/stock", headers={"Authorization": f"Bearer {kept}"}).status_code == 401
        ), "rotated away"
        assert (
            client.get("/stock", headers={"Authorization": f"Bearer {rotated}"}).status_code == 200
        )
    await in_uow(
        database, lambda uow: revoke_credential(uow, new.credential_id, reason="left the platform")
    )
    with app_for(database) as client:
        assert (
            client.get("/stock", headers={"Authorization": f"Bearer {rotated}"}).status_code == 401
        )


async def test_the_session_cookie_holds_no_token_and_csrf_tokens_are_bound_to_their_browser(
    database,
):
    (token, credential), _ = await in_uow(
        database, lambda uow: issue_credential(uow, ActorKind.OPERATOR, "ops", ttl=None)
    )
    with app_for(database) as browser, app_for(database) as other_browser:
        signed = browser.post("/sign-in", data={"token": token})
        assert signed.json() == {"signed_in": True}
        cookie = browser.cookies.get("stockpath_session")
        assert cookie and parse_token(token)[1] not in cookie and token not in cookie
        assert (
            "HttpOnly" in signed.headers["set-cookie"]
            and "SameSite=strict" in signed.headers["set-cookie"]
        )
        assert browser.get("/stock").json() == {"kind": "operator", "subject": "ops"}

        csrf = browser.get("/form").json()["csrf"]
        assert browser.post("/form", data={CSRF_FIELD: csrf}).json() == {"accepted": True}
        assert browser.post("/form", data={CSRF_FIELD: "forged"}).status_code == 403
        other_browser.get("/form")
        assert other_browser.post("/form", data={CSRF_FIELD: csrf}).status_code == 403, (
            "another browser's token"
        )


async def test_every_service_keeps_its_copy_of_the_credentials_from_identity_events(
    database, fresh_database
):
    (token, credential), events = await in_uow(
        database, lambda uow: issue_credential(uow, ActorKind.CHANNEL, "web", ttl=None)
    )
    elsewhere = fresh_database(PROBE)
    async with ServiceConsumer(
        PROBE, elsewhere, subscriptions=[identity_subscription()]
    ) as consumer:
        await consumer.deliver(*events)
        with app_for(elsewhere) as client:
            channel = client.get("/stock", headers={"Authorization": f"Bearer {token}"})
            assert channel.status_code == 403 and "channel" in channel.text, (
                "known there: authenticated, not served"
            )
        _, revocation = await in_uow(
            database, lambda uow: revoke_credential(uow, credential.credential_id)
        )
        await consumer.deliver(*revocation)
        with app_for(elsewhere) as client:
            assert (
                client.get("/stock", headers={"Authorization": f"Bearer {token}"}).status_code
                == 401
            )


def test_tokens_are_well_formed_and_ids_unguessable():
    token, credential = new_credential(ActorKind.SELLER, "S-1", now=datetime.now(UTC), ttl=None)
    assert parse_token(token) == (credential.credential_id, token.split("_", 2)[2])
    assert credential.proves(token.split("_", 2)[2]) and not credential.proves("guess")
    assert parse_token("sp_nope") is None and parse_token(token + "\x00") is None
