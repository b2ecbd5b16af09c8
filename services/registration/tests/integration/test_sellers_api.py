"""Sellers and credentials over the API: only the operator creates sellers and issues credentials;
a token is shown once and only its digest is kept; credentials expire, rotate (the old one stops,
the new one works) and are revoked by the operator or by their seller, and each change is
announced on identity.events. Every seller endpoint refuses a missing or wrong credential."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from registration.adapters.tables import sellers
from registration.domain.identifiers import SELLER_ID
from stockpath_runtime.credentials import parse_token, secret_sha256
from stockpath_runtime.db import async_url, credentials, outbox

pytestmark = pytest.mark.integration

PROTECTED = [
    ("get", "/v1/sellers/me", None),
    ("get", "/v1/sellers/me/credentials", None),
    ("post", "/v1/sellers/me/credentials/rotation", None),
    ("get", "/v1/registrations", None),
    (
        "post",
        "/v1/registrations",
        {"items": [{"catalog_item_id": "REG-SMALL", "seller_sku": "A", "price": "1.00"}]},
    ),
    ("get", "/v1/inbound-shipments", None),
    ("post", "/v1/inbound-shipments", {"lines": [{"seller_sku": "A", "quantity": 1}]}),
    ("get", "/v1/inbound-shipments/FBA000000000", None),
    (
        "post",
        "/v1/inbound-shipments/FBA000000000/ship",
        {"carrier": "UPS", "tracking_number": "1Z"},
    ),
    ("post", "/v1/inbound-shipments/FBA000000000/cancel", None),
]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def rows(database, query) -> list:
    engine = sa.create_engine(async_url(database))
    try:
        with engine.connect() as conn:
            return list(conn.execute(query))
    finally:
        engine.dispose()


def me(client, token: str) -> int:
    return client.get("/v1/sellers/me", headers=bearer(token)).status_code


def test_the_operator_creates_a_seller_with_a_token_that_identifies_it(client, new_seller):
    seller = new_seller("  Acme Outdoor Goods ")
    assert SELLER_ID.match(seller["seller_id"]) and seller["name"] == "Acme Outdoor Goods"
    assert parse_token(seller["token"])[0] == seller["credential_id"]
    expires = datetime.fromisoformat(seller["expires_at"])
    assert abs(expires - (datetime.now(UTC) + timedelta(days=90))) < timedelta(minutes=1)
    r = client.get("/v1/sellers/me", headers=seller["headers"])
    assert r.status_code == 200 and r.json() == {
        "seller_id": seller["seller_id"],
        "name": "Acme Outdoor Goods",
    }


def test_only_the_credentials_digest_is_stored_and_announced(database, new_seller):
    seller = new_seller()
    credential_id, secret = parse_token(seller["token"])
    (row,) = rows(
        database, sa.select(credentials).where(credentials.c.credential_id == credential_id)
    )
    assert (row.kind, row.subject, row.secret_sha256) == (
        "seller",
        seller["seller_id"],
        secret_sha256(secret),
    )
    stored = " ".join(
        str(v)
        for table in (sellers, credentials)
        for r in rows(database, sa.select(table))
        for v in r
    )
    events = rows(database, sa.select(outbox.c.value).where(outbox.c.key == credential_id.encode()))
    assert len(events) == 1 and secret_sha256(secret).encode() in events[0].value
    assert secret not in stored and all(secret.encode() not in e.value for e in events)


@pytest.mark.parametrize("actor", ["anonymous", "seller", "fc", "channel"])
def test_only_an_operator_creates_sellers(client, database, tokens, actor):
    before = len(rows(database, sa.select(sellers.c.seller_id)))
    r = client.post(
        "/v1/sellers",
        json={"name": "Sneaky"},
        headers=bearer(tokens[actor]) if actor != "anonymous" else {},
    )
    assert r.status_code == (401 if actor == "anonymous" else 403)
    assert len(rows(database, sa.select(sellers.c.seller_id))) == before


def test_two_sellers_get_different_ids_and_tokens(new_seller):
    a, b = new_seller(), new_seller()
    assert a["seller_id"] != b["seller_id"] and a["token"] != b["token"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": ""},
        {"name": "   "},
        {"name": "x" * 201},
        {"name": "A", "admin": True},
        {"name": "A", "expires_in_days": 0},
        {"name": "A", "expires_in_days": 3651},
        {"name": "A", "expires_in_days": "9"},
    ],
)
def test_a_seller_needs_a_sensible_name_and_expiry(client, operator, body):
    r = client.post("/v1/sellers", json=body, headers=operator)
    assert r.status_code == 422 and r.json()["error"]["message"]


@pytest.mark.parametrize("method, path, body", PROTECTED)
def test_every_seller_endpoint_refuses_a_missing_token(client, method, path, body):
    r = client.request(method, path, json=body)
    assert r.status_code == 401
    assert (
        r.json()["error"]["code"] == "unauthorized"
        and "missing or invalid credential" in r.json()["error"]["message"]
    )


@pytest.mark.parametrize("method, path, body", PROTECTED)
@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer not-a-real-token",
        "Basic dXNlcjpwYXNz",
        "Bearer",
        "Bearer sp_C000000000000_" + "a" * 43,
    ],
)
def test_every_seller_endpoint_refuses_a_wrong_token(client, method, path, body, authorization):
    r = client.request(method, path, json=body, headers={"Authorization": authorization})
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
    assert "credential" in r.json()["error"]["message"]


def test_health_and_openapi_describe_the_bearer_scheme(client):
    assert client.get("/healthz").json()["service"] == "registration"
    schemes = client.get("/openapi.json").json()["components"]["securitySchemes"]
    assert any(s["type"] == "http" and s["scheme"] == "bearer" for s in schemes.values())


# --- expiry, rotation, revocation ----------------------------------------------------------------


def test_an_expired_credential_is_refused(client, database, operator, seller):
    issued = client.post(
        "/v1/credentials",
        json={"kind": "seller", "subject": seller["seller_id"], "expires_in_days": 1},
        headers=operator,
    ).json()
    engine = sa.create_engine(async_url(database))
    with engine.begin() as conn:
        conn.execute(
            sa.update(credentials)
            .where(credentials.c.credential_id == issued["credential_id"])
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    engine.dispose()
    assert me(client, issued["token"]) == 401
    assert me(client, seller["token"]) == 200
    listed = client.get("/v1/sellers/me/credentials", headers=seller["headers"]).json()["items"]
    assert {c["credential_id"]: c["state"] for c in listed}[issued["credential_id"]] == "expired"


def test_a_seller_rotates_the_credential_it_uses_the_old_one_stops_and_the_new_one_works(
    client, seller, outbox_events, fresh_credentials
):
    r = client.post(
        "/v1/sellers/me/credentials/rotation",
        json={"expires_in_days": 30},
        headers=seller["headers"],
    )
    assert r.status_code == 201, r.text
    new = r.json()
    assert (
        new["kind"] == "seller"
        and new["subject"] == seller["seller_id"]
        and new["state"] == "valid"
    )
    assert (
        new["credential_id"] != seller["credential_id"]
        and parse_token(new["token"])[0] == new["credential_id"]
    )
    assert abs(
        datetime.fromisoformat(new["expires_at"]) - (datetime.now(UTC) + timedelta(days=30))
    ) < timedelta(minutes=1)

    assert me(client, seller["token"]) == 401
    assert me(client, new["token"]) == 200
    listed = client.get("/v1/sellers/me/credentials", headers=bearer(new["token"])).json()
    states = {c["credential_id"]: c["state"] for c in listed["items"]}
    assert states == {seller["credential_id"]: "revoked", new["credential_id"]: "valid"}
    assert "token" not in str(listed) and "secret" not in str(listed)
    revoked = [e for e in outbox_events() if e.type.endswith("CredentialRevoked.v1")]
    assert any(e.data.credential_id == seller["credential_id"] for e in revoked)


def test_a_seller_may_not_rotate_for_longer_than_the_usual_term(client, seller):
    r = client.post(
        "/v1/sellers/me/credentials/rotation",
        json={"expires_in_days": 91},
        headers=seller["headers"],
    )
    assert r.status_code == 422 and me(client, seller["token"]) == 200


def test_a_seller_revokes_its_own_credentials_but_reaches_nobody_elses(
    client, operator, seller, new_seller, fresh_credentials
):
    spare = client.post(
        "/v1/credentials", json={"kind": "seller", "subject": seller["seller_id"]}, headers=operator
    ).json()
    other = new_seller()
    fc = client.post(
        "/v1/credentials", json={"kind": "fulfillment-center", "subject": "SEA1"}, headers=operator
    ).json()
    for theirs in (other["credential_id"], fc["credential_id"], "CNOSUCHTHING1"):
        r = client.delete(f"/v1/sellers/me/credentials/{theirs}", headers=seller["headers"])
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert me(client, other["token"]) == 200

    r = client.delete(
        f"/v1/sellers/me/credentials/{spare['credential_id']}",
        params={"reason": "lost laptop"},
        headers=seller["headers"],
    )
    assert r.status_code == 200 and r.json()["state"] == "revoked"
    assert me(client, spare["token"]) == 401 and me(client, seller["token"]) == 200

    r = client.delete(
        f"/v1/sellers/me/credentials/{seller['credential_id']}", headers=seller["headers"]
    )
    assert r.status_code == 200 and me(client, seller["token"]) == 401


def test_the_operator_revokes_and_rotates_any_credential(
    client, operator, seller, outbox_events, fresh_credentials
):
    r = client.post(f"/v1/credentials/{seller['credential_id']}/rotation", headers=operator)
    assert r.status_code == 201
    rotated = r.json()
    assert me(client, seller["token"]) == 401 and me(client, rotated["token"]) == 200
    again = client.post(f"/v1/credentials/{seller['credential_id']}/rotation", headers=operator)
    assert again.status_code == 409 and again.json()["error"]["code"] == "credential_revoked"

    r = client.delete(
        f"/v1/credentials/{rotated['credential_id']}",
        params={"reason": "seller offboarded"},
        headers=operator,
    )
    assert r.status_code == 200 and r.json()["state"] == "revoked" and "token" not in r.json()
    assert me(client, rotated["token"]) == 401
    (revoked,) = [
        e.data
        for e in outbox_events()
        if e.type.endswith("CredentialRevoked.v1")
        and e.data.credential_id == rotated["credential_id"]
    ]
    assert revoked.reason == "seller offboarded"
    assert client.delete("/v1/credentials/CNOSUCHTHING1", headers=operator).status_code == 404
    assert (
        client.post("/v1/credentials/CNOSUCHTHING1/rotation", headers=operator).status_code == 404
    )


# --- issuing and listing (the operator's) --------------------------------------------------------


@pytest.mark.parametrize(
    "kind, subject, code",
    [
        ("seller", "S0000000000", "unknown_subject"),
        ("fulfillment-center", "NOWHERE1", "unknown_subject"),
        ("channel", "Not A Channel", "validation_error"),
        ("robot", "r2d2", "validation_error"),
        ("operator", "x" * 65, "validation_error"),
        ("service", "bad name!", "validation_error"),
    ],
)
def test_credentials_only_for_actors_that_exist(client, operator, kind, subject, code):
    r = client.post("/v1/credentials", json={"kind": kind, "subject": subject}, headers=operator)
    assert r.status_code == 422 and r.json()["error"]["code"] == code


@pytest.mark.parametrize(
    "kind, subject",
    [
        ("fulfillment-center", "PHX3"),
        ("channel", "marketplace-feed"),
        ("operator", "alice"),
        ("service", "registration"),
    ],
)
def test_the_operator_issues_a_credential_to_any_kind_of_actor(client, operator, kind, subject):
    r = client.post(
        "/v1/credentials",
        json={"kind": kind, "subject": subject, "expires_in_days": 365},
        headers=operator,
    )
    assert r.status_code == 201, r.text
    issued = r.json()
    assert (issued["kind"], issued["subject"], issued["state"]) == (kind, subject, "valid")
    assert parse_token(issued["token"])[0] == issued["credential_id"]


def test_the_operator_lists_credentials_by_kind_and_subject_without_secrets(
    client, operator, seller, new_seller
):
    client.post(
        "/v1/credentials", json={"kind": "seller", "subject": seller["seller_id"]}, headers=operator
    )
    new_seller()
    r = client.get(
        "/v1/credentials",
        params={"kind": "seller", "subject": seller["seller_id"], "limit": 1},
        headers=operator,
    )
    assert r.status_code == 200
    page = r.json()
    assert page["total"] == 2 and page["limit"] == 1 and len(page["items"]) == 1
    assert page["items"][0]["credential_id"] == seller["credential_id"]  # oldest first
    assert set(page["items"][0]) == {
        "credential_id",
        "kind",
        "subject",
        "issued_at",
        "expires_at",
        "revoked_at",
        "state",
    }
    everything = client.get("/v1/credentials", params={"limit": 100}, headers=operator).json()
    assert {c["kind"] for c in everything["items"]} >= {"seller", "operator"}
    assert (
        client.get("/v1/credentials", params={"kind": "robot"}, headers=operator).status_code == 422
    )
