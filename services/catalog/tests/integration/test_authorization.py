"""Who may call the catalog: every route × every actor, from the rule each route declares
(searching and reading are public, writes are the operator's); and what a refused write leaves."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from catalog.bootstrap import create_api
from catalog.settings import Settings
from stockpath_testing.authorization import Sample, check_route_table

pytestmark = pytest.mark.integration

#: The runtime's operations routes declare no rule yet (health, readiness, metrics): the lead's to add.
OPERATIONS = {("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/metrics")}


def every_route(app) -> SimpleNamespace:
    """The app as `check_route_table` reads it, its routes flattened: FastAPI 0.165 keeps each
    included router as one entry of ``app.routes``, where the table would find no route at all."""
    return SimpleNamespace(routes=list(iter_route_contexts(app.routes)))

ITEM = {"catalog_item_id": "AUTH-1", "title": "Enamel Kettle", "category": "Kitchen", "attributes": {"colour": "red"}}


@pytest.fixture(scope="module")
def client(database, tokens):
    with TestClient(create_api(Settings(database_url=database))) as c:
        created = c.post("/v1/catalog/items", json=ITEM, headers=bearer(tokens["operator"]))
        assert created.status_code == 201
        yield c


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_every_route_answers_each_actor_as_its_rule_says(client, tokens):
    samples = {
        ("GET", "/v1/catalog/items"): Sample(query={"q": "kettle"}),
        ("GET", "/v1/catalog/items/{catalog_item_id}"): Sample(path={"catalog_item_id": "AUTH-1"}),
        ("POST", "/v1/catalog/items"): Sample(json={**ITEM, "catalog_item_id": "AUTH-2"}),
        ("POST", "/v1/catalog/items/bulk"): Sample(json={"items": [{**ITEM, "catalog_item_id": "AUTH-3"}]}),
    }
    table = check_route_table(client, every_route(client.app), tokens, samples, skip=OPERATIONS)
    assert {(m, p) for m, p, *_ in table} == set(samples)


@pytest.mark.parametrize("actor", ["anonymous", "seller", "fc", "channel"])
@pytest.mark.parametrize(
    "path, body",
    [
        ("/v1/catalog/items", {**ITEM, "hazmat": True}),
        ("/v1/catalog/items/bulk", {"items": [{**ITEM, "hazmat": True}]}),
    ],
)
def test_only_the_operator_may_change_an_item(client, tokens, actor, path, body):
    headers = bearer(tokens[actor]) if actor != "anonymous" else {}
    r = client.post(path, json=body, headers=headers)
    assert r.status_code == (401 if actor == "anonymous" else 403)
    assert r.json()["error"]["code"] == ("unauthorized" if actor == "anonymous" else "forbidden")
    assert client.get("/v1/catalog/items/AUTH-1").json()["hazmat"] is False


def test_a_made_up_or_malformed_token_is_refused(client):
    for token in ("sp_C" + "0" * 12 + "_" + "a" * 43, "not-a-token"):
        r = client.post("/v1/catalog/items", json=ITEM, headers=bearer(token))
        assert r.status_code == 401


def test_anyone_may_search_and_read(client):
    assert client.get("/v1/catalog/items", params={"q": "kettle"}).json()["items"][0]["catalog_item_id"] == "AUTH-1"
    assert client.get("/v1/catalog/items/AUTH-1").status_code == 200
