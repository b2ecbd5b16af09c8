"""Nothing a seller or the catalog sends can make registration commit an event too large to publish
(which would stall its relay for every seller): registering copies a *bounded* snapshot of the
catalog item into ItemRegistered, however large the item the catalog answers. And the request's
correlation id goes along to the catalog."""

from __future__ import annotations

import json

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from registration.adapters.catalog import (
    SNAPSHOT_ATTRIBUTE_NAME,
    SNAPSHOT_ATTRIBUTE_VALUE,
    SNAPSHOT_ATTRIBUTES,
    SNAPSHOT_TITLE,
)
from registration.bootstrap import create_api
from stockpath_runtime.db import async_url, outbox
from stockpath_runtime.unit_of_work import MAX_EVENT_BYTES

pytestmark = pytest.mark.integration


def huge_item(catalog_item_id: str) -> dict:
    """About 1 MiB of catalog item: 500 attributes of 2,000 characters, a 20,000-character title."""
    return {
        "catalog_item_id": catalog_item_id,
        "title": "T" * 20_000,
        "brand": "B" * 5_000,
        "category": "Office",
        "identifiers": {"upc": "036000291452", "isbn": "9" * 500, "internal-code": "x" * 1_000},
        "dimensions": {"length_cm": 20, "width_cm": 15, "height_cm": 2},
        "weight_g": 300,
        "hazmat": False,
        "attributes": {f"attribute-{n:03d}": "v" * 2_000 for n in range(500)}
        | {"k" * 500: "long name"},
    }


@pytest.fixture(scope="module")
def catalog_calls() -> list[httpx.Request]:
    return []


@pytest.fixture(scope="module")
def huge_catalog_client(settings, catalog_calls):
    """Registration in front of a catalog whose every item is huge."""

    def catalog(request: httpx.Request) -> httpx.Response:
        catalog_calls.append(request)
        return httpx.Response(200, json=huge_item(request.url.path.rsplit("/", 1)[-1]))

    with TestClient(create_api(settings, catalog_transport=httpx.MockTransport(catalog))) as c:
        yield c


def events(database, event_type: str) -> list:
    engine = sa.create_engine(async_url(database))
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.select(outbox).where(outbox.c.event_type == event_type)))
    finally:
        engine.dispose()


def size(row) -> int:
    return len(row.value) + len(row.key or b"") + sum(len(k) + len(v) for k, v in row.headers)


def test_a_huge_catalog_item_registers_with_a_bounded_snapshot(
    huge_catalog_client, database, seller, new_sku
):
    body = {
        "items": [
            {"catalog_item_id": f"HUGE-{n}", "seller_sku": new_sku(), "price": "5.00"}
            for n in range(100)
        ]
    }
    r = huge_catalog_client.post("/v1/registrations", json=body, headers=seller["headers"])
    assert r.status_code == 200, r.text[:500]
    fnskus = {x["fnsku"] for x in r.json()["results"]}
    assert len(fnskus) == 100 and None not in fnskus

    registered = [
        e
        for e in events(database, "stockpath.registration.ItemRegistered.v1")
        if e.key.decode() in fnskus
    ]
    assert len(registered) == 100
    assert max(size(e) for e in registered) < MAX_EVENT_BYTES // 5
    snapshot = json.loads(registered[0].value)["item"]
    assert len(snapshot["attributes"]) == SNAPSHOT_ATTRIBUTES
    assert all(
        len(k) <= SNAPSHOT_ATTRIBUTE_NAME and len(v) <= SNAPSHOT_ATTRIBUTE_VALUE
        for k, v in snapshot["attributes"].items()
    )
    assert len(snapshot["title"]) == SNAPSHOT_TITLE and len(snapshot["brand"]) <= 200
    assert (
        snapshot["identifiers"]["upc"] == "036000291452"
        and len(snapshot["identifiers"]["isbn"]) <= 32
    )
    one = huge_catalog_client.get(
        f"/v1/registrations/{registered[0].key.decode()}", headers=seller["headers"]
    )
    assert one.status_code == 200 and len(one.json()["title"]) == SNAPSHOT_TITLE


def test_the_correlation_id_goes_to_the_catalog(huge_catalog_client, seller, catalog_calls):
    catalog_calls.clear()
    body = {"items": [{"catalog_item_id": "HUGE-X"}]}
    r = huge_catalog_client.post(
        "/v1/registrations/preview",
        json=body,
        headers={**seller["headers"], "X-Correlation-Id": "seller-click-9"},
    )
    assert r.status_code == 200
    assert [c.headers.get("X-Correlation-Id") for c in catalog_calls] == ["seller-click-9"]
