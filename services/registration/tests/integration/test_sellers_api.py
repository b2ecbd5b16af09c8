"""Sellers and their bearer tokens: issued once, stored only as a digest, required everywhere else."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa

from registration.adapters.tables import sellers
from registration.domain.identifiers import SELLER_ID
from stockpath_runtime.db import async_url

pytestmark = pytest.mark.integration

PROTECTED = [
    ("get", "/v1/sellers/me", None),
    ("get", "/v1/registrations", None),
    ("post", "/v1/registrations", {"items": [{"catalog_item_id": "REG-SMALL", "seller_sku": "A", "price": "1.00"}]}),
    ("get", "/v1/inbound-shipments", None),
    ("post", "/v1/inbound-shipments", {"lines": [{"seller_sku": "A", "quantity": 1}]}),
    ("get", "/v1/inbound-shipments/FBA000000000", None),
    ("post", "/v1/inbound-shipments/FBA000000000/ship", {"carrier": "UPS", "tracking_number": "1Z"}),
    ("post", "/v1/inbound-shipments/FBA000000000/cancel", None),
]


def test_a_new_seller_gets_an_id_and_a_token_that_identifies_it(client, new_seller):
    seller = new_seller("  Acme Outdoor Goods ")
    assert SELLER_ID.match(seller["seller_id"]) and seller["name"] == "Acme Outdoor Goods"
    me = client.get("/v1/sellers/me", headers=seller["headers"])
    assert me.status_code == 200 and me.json() == {"seller_id": seller["seller_id"], "name": "Acme Outdoor Goods"}


def test_only_the_tokens_digest_is_stored(database, new_seller):
    seller = new_seller()
    engine = sa.create_engine(async_url(database))
    with engine.connect() as conn:
        row = conn.execute(sa.select(sellers).where(sellers.c.seller_id == seller["seller_id"])).one()
        everything = " ".join(str(v) for r in conn.execute(sa.select(sellers)) for v in r)
    engine.dispose()
    assert row.token_sha256 == hashlib.sha256(seller["token"].encode()).hexdigest()
    assert seller["token"] not in everything


def test_two_sellers_get_different_ids_and_tokens(new_seller):
    a, b = new_seller(), new_seller()
    assert a["seller_id"] != b["seller_id"] and a["token"] != b["token"]


@pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": "   "}, {"name": "x" * 201}, {"name": "A", "admin": True}])
def test_a_seller_needs_a_sensible_name(client, body):
    r = client.post("/v1/sellers", json=body)
    assert r.status_code == 422 and r.json()["error"]["message"]


@pytest.mark.parametrize("method, path, body", PROTECTED)
def test_every_seller_endpoint_refuses_a_missing_token(client, method, path, body):
    r = client.request(method, path, json=body)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthorized" and "missing bearer token" in r.json()["error"]["message"]


@pytest.mark.parametrize("method, path, body", PROTECTED)
@pytest.mark.parametrize("authorization", ["Bearer not-a-real-token", "Basic dXNlcjpwYXNz", "Bearer"])
def test_every_seller_endpoint_refuses_a_wrong_token(client, method, path, body, authorization):
    r = client.request(method, path, json=body, headers={"Authorization": authorization})
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
    assert "bearer token" in r.json()["error"]["message"]


def test_health_and_openapi_describe_the_bearer_scheme(client):
    assert client.get("/healthz").json()["service"] == "registration"
    schemes = client.get("/openapi.json").json()["components"]["securitySchemes"]
    assert any(s["type"] == "http" and s["scheme"] == "bearer" for s in schemes.values())
