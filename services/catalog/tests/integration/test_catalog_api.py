"""The catalog API against a real PostgreSQL: search, identifier lookup, the operator's writes and
their events (who may call what: test_authorization; field limits: test_item_limits)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from catalog.bootstrap import create_api
from catalog.demo import generate
from catalog.settings import Settings
from stockpath_runtime.db import outbox

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def client(database, operator):
    with TestClient(create_api(Settings(database_url=database))) as c:
        r = c.post("/v1/catalog/items/bulk", json={"items": generate(1000)}, headers=operator)
        assert r.json()["created"] == 1000
        yield c


def outbox_types(database) -> list[str]:
    engine = sa.create_engine(database.replace("+psycopg", "+psycopg"))
    with engine.connect() as conn:
        types = [
            r.event_type for r in conn.execute(sa.select(outbox.c.event_type).order_by(outbox.c.id))
        ]
    engine.dispose()
    return types


def test_keyword_search_ranks_title_matches_and_pages_stably(client):
    first = client.get("/v1/catalog/items", params={"q": "cast iron skillet", "limit": 5}).json()
    assert first["total"] > 0
    assert all("Skillet" in i["title"] for i in first["items"])
    every = client.get("/v1/catalog/items", params={"q": "skillet", "limit": 100}).json()["items"]
    paged = []
    for offset in range(0, len(every), 7):
        paged += client.get(
            "/v1/catalog/items", params={"q": "skillet", "limit": 7, "offset": offset}
        ).json()["items"]
    assert [i["catalog_item_id"] for i in paged] == [i["catalog_item_id"] for i in every]


def test_filters_by_brand_and_category(client):
    page = client.get("/v1/catalog/items", params={"category": "books", "brand": "O'Reilly"}).json()
    assert page["total"] > 0
    assert all(i["category"] == "Books" and i["brand"] == "O'Reilly" for i in page["items"])


def test_exact_identifier_lookup_accepts_any_form_and_rejects_bad_check_digits(client):
    item = client.get("/v1/catalog/items/B000000500").json()
    upc = item["identifiers"]["upc"]
    for form in (upc, "0" + upc, "00" + upc):
        found = client.get("/v1/catalog/items", params={"identifier": form}).json()["items"]
        assert [i["catalog_item_id"] for i in found] == ["B000000500"]
    bad = upc[:-1] + str((int(upc[-1]) + 1) % 10)
    r = client.get("/v1/catalog/items", params={"identifier": bad})
    assert r.status_code == 400 and "check digit" in r.json()["error"]["message"]


def test_unknown_item_is_a_404_with_a_message(client):
    r = client.get("/v1/catalog/items/NOPE")
    assert r.status_code == 404 and "NOPE" in r.json()["error"]["message"]


def test_creating_and_updating_an_item_emits_created_then_updated_once(client, database, operator):
    body = {
        "catalog_item_id": "TEST-1",
        "title": "Test Kettle",
        "category": "Kitchen",
        "identifiers": {"upc": "036000291452"},
    }
    assert client.post("/v1/catalog/items", json=body, headers=operator).status_code == 201
    assert (
        client.post("/v1/catalog/items", json=body, headers=operator).status_code == 201
    )  # unchanged: no event
    assert (
        client.post(
            "/v1/catalog/items", json={**body, "title": "Test Kettle 2"}, headers=operator
        ).status_code
        == 201
    )
    types = outbox_types(database)
    assert types.count("stockpath.catalog.CatalogItemCreated.v1") == 1001
    assert types.count("stockpath.catalog.CatalogItemUpdated.v1") == 1


@pytest.mark.parametrize(
    "body, status",
    [
        ({"title": "", "category": "Kitchen"}, 422),
        ({"title": "x", "category": "Kitchen", "identifiers": {"upc": "123"}}, 400),
        ({"title": "x", "category": "Kitchen", "weight_g": -1}, 422),
        ({"title": "x", "category": "Kitchen", "unknown": 1}, 422),
    ],
)
def test_bad_items_get_a_clear_4xx(client, operator, body, status):
    r = client.post("/v1/catalog/items", json=body, headers=operator)
    assert r.status_code == status
    assert r.json()["error"]["message"]


def test_reseeding_changes_nothing(client, operator):
    assert client.post(
        "/v1/catalog/items/bulk", json={"items": generate(1000)}, headers=operator
    ).json() == {
        "created": 0,
        "updated": 0,
        "unchanged": 1000,
    }


def test_health_and_metrics(client):
    assert client.get("/healthz").json()["status"] == "ok"
    assert "stockpath_http_requests_total" in client.get("/metrics").text


def test_a_typo_still_finds_the_item_by_title_similarity(client):
    page = client.get("/v1/catalog/items", params={"q": "skilet", "limit": 5}).json()
    assert page["match"] == "similar"
    assert page["items"] and all("Skillet" in i["title"] for i in page["items"])
    exact = client.get("/v1/catalog/items", params={"q": "skillet", "limit": 5}).json()
    assert exact["match"] == "keywords"


def test_browsing_reports_the_total_and_pages_in_id_order(client):
    first = client.get("/v1/catalog/items", params={"limit": 3}).json()
    second = client.get("/v1/catalog/items", params={"limit": 3, "offset": 3}).json()
    ids = [i["catalog_item_id"] for i in first["items"] + second["items"]]
    assert ids == sorted(ids) and len(set(ids)) == 6
    assert first["total"] >= 1000 and first["total_capped"] is False and first["match"] == "all"


def test_counting_stops_at_the_cap_and_says_so(client, monkeypatch):
    from catalog.adapters import catalog_items

    monkeypatch.setattr(catalog_items, "COUNT_CAP", 100)
    page = client.get("/v1/catalog/items", params={"limit": 1}).json()
    assert page["total"] == 100 and page["total_capped"] is True


def test_a_page_past_the_last_match_is_empty_but_keeps_the_total(client):
    total = client.get("/v1/catalog/items", params={"q": "skillet"}).json()["total"]
    past = client.get("/v1/catalog/items", params={"q": "skillet", "offset": total + 10}).json()
    assert past["items"] == [] and past["total"] == total


@pytest.mark.parametrize(
    "params",
    [
        {"q": "kettle\x00"},
        {"brand": "a\x01"},
        {"q": "x" * 201},
        {"limit": 0},
        {"limit": 101},
        {"offset": -1},
        {"identifier": "12345"},
        {"identifier": "ABCDEFGHIJKL"},
    ],
)
def test_bad_search_parameters_get_a_clear_4xx(client, params):
    r = client.get("/v1/catalog/items", params=params)
    assert 400 <= r.status_code < 500 and r.json()["error"]["message"]
