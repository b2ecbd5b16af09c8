"""Who may call the catalog: every route × every actor, from the rule each route declares
(searching and reading are public, writes are the operator's); and what a refused write leaves."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from catalog.bootstrap import create_api
from catalog.settings import Settings
from stockpath_testing.authorization import Sample, check_route_table

pytestmark = pytest.mark.integration

ITEM = {
    "catalog_item_id": "AUTH-1",
    "title": "Enamel Kettle",
    "category": "Kitchen",
    "attributes": {"colour": "red"},
}


@pytest.fixture(scope="module")
def client(database, tokens, kafka_bootstrap):
    """The API beside a broker it reaches, so that its readiness (/readyz) answers in the table."""
    with TestClient(
        create_api(Settings(database_url=database, kafka_bootstrap_servers=kafka_bootstrap))
    ) as c:
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
        ("POST", "/v1/catalog/items/bulk"): Sample(
            json={"items": [{**ITEM, "catalog_item_id": "AUTH-3"}]}
        ),
        # operations: anyone gets an answer (probes and Prometheus carry no credential)
        ("GET", "/healthz"): Sample(),
        ("GET", "/readyz"): Sample(),
        ("GET", "/metrics"): Sample(),
    }
    table = check_route_table(client, client.app, tokens, samples)
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
    assert (
        client.get("/v1/catalog/items", params={"q": "kettle"}).json()["items"][0][
            "catalog_item_id"
        ]
        == "AUTH-1"
    )
    assert client.get("/v1/catalog/items/AUTH-1").status_code == 200
