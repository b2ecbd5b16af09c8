"""Nothing the catalog accepts can stall a relay: every field of an item is bounded, a body at the
request limit full of attributes is a clean 422 that stores nothing, and the largest item the API
accepts publishes a `CatalogItemCreated` far below the runtime's event limit."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from catalog.bootstrap import create_api
from catalog.entrypoints.http import (
    ATTRIBUTE_KEY_MAX,
    ATTRIBUTE_VALUE_MAX,
    ATTRIBUTES_MAX,
    IDENTIFIER_MAX,
)
from catalog.settings import Settings
from stockpath_runtime.db import outbox
from stockpath_runtime.http import MAX_BODY_BYTES
from stockpath_runtime.unit_of_work import MAX_EVENT_BYTES

pytestmark = pytest.mark.integration

#: The widest character there is: four bytes in the event's UTF-8 JSON.
WIDE = "\U0001f600"


@pytest.fixture(scope="module")
def client(database):
    with TestClient(create_api(Settings(database_url=database))) as c:
        yield c


def outbox_rows(database) -> list:
    engine = sa.create_engine(database)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(outbox).order_by(outbox.c.id)).all()
    engine.dispose()
    return rows


def item(catalog_item_id: str, **fields) -> dict:
    return {"catalog_item_id": catalog_item_id, "title": "Kettle", "category": "Kitchen", **fields}


def post_raw(client, headers: dict[str, str], body: dict):
    """Post `body` as compact UTF-8 JSON (as large as it really is, whatever the client's encoder)."""
    raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    return client.post(
        "/v1/catalog/items", content=raw, headers={**headers, "Content-Type": "application/json"}
    ), raw


def largest_item(catalog_item_id: str) -> dict:
    """Every field at its longest, in 4-byte characters wherever a character may be anything."""
    return item(
        catalog_item_id,
        title=WIDE * 500,
        brand=WIDE * 200,
        category=WIDE * 200,
        identifiers={"upc": "036000291452", "asin": "B" * IDENTIFIER_MAX},
        dimensions={"length_cm": 10, "width_cm": 10, "height_cm": 10},
        weight_g=1000,
        hazmat=True,
        attributes={
            f"{n:02d}" + WIDE * (ATTRIBUTE_KEY_MAX - 2): WIDE * ATTRIBUTE_VALUE_MAX
            for n in range(ATTRIBUTES_MAX)
        },
    )


def test_the_largest_accepted_item_publishes_an_event_far_below_the_limit(
    client, database, operator
):
    r, raw = post_raw(client, operator, largest_item("BIG-1"))
    assert r.status_code == 201, r.text
    assert len(raw) < MAX_BODY_BYTES
    (row,) = [row for row in outbox_rows(database) if row.key == b"BIG-1"]
    assert row.event_type == "stockpath.catalog.CatalogItemCreated.v1"
    size = len(row.value) + len(row.key) + sum(len(k) + len(v.encode()) for k, v in row.headers)
    assert (
        size < MAX_EVENT_BYTES // 2
    )  # room for registration to copy it into ItemRegistered, and more
    assert (
        client.get("/v1/catalog/items/BIG-1").json()["attributes"]
        == largest_item("BIG-1")["attributes"]
    )


def near_the_request_limit(fields: dict) -> dict:
    return item("HUGE-1", **fields)


@pytest.mark.parametrize(
    "fields, problem",
    [
        # A few attributes, each enormous: the body sits just under the 1 MiB request limit.
        ({"attributes": {f"a{n}": "x" * (MAX_BODY_BYTES // 60) for n in range(50)}}, "attributes"),
        # Attributes by the ten thousand.
        ({"attributes": {f"attribute-{n:05d}": "x" * 80 for n in range(10_000)}}, "attributes"),
        ({"attributes": {"k" * (ATTRIBUTE_KEY_MAX + 1): "v"}}, "attributes"),
        ({"attributes": {"": "v"}}, "attributes"),
        ({"attributes": {"k": "v" * (ATTRIBUTE_VALUE_MAX + 1)}}, "attributes"),
        ({"title": "t" * 501}, "title"),
        ({"title": "   "}, "title"),
        ({"brand": "b" * 201}, "brand"),
        ({"category": "c" * 201}, "category"),
        ({"identifiers": {"asin": "B" * (IDENTIFIER_MAX + 1)}}, "identifiers"),
    ],
)
def test_an_item_over_any_bound_is_a_clean_422_that_stores_nothing(
    client, database, operator, fields, problem
):
    before = len(outbox_rows(database))
    r, raw = post_raw(client, operator, near_the_request_limit(fields))
    assert len(raw) <= MAX_BODY_BYTES
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "validation_error"
    assert any(p["field"].startswith(problem) for p in error["details"]["problems"])
    assert client.get("/v1/catalog/items/HUGE-1").status_code == 404
    assert len(outbox_rows(database)) == before


def test_a_bulk_request_is_bounded_item_by_item(client, database, operator):
    items = [item(f"BULK-{n}") for n in range(3)] + [
        item("BULK-3", attributes={"k": "v" * (ATTRIBUTE_VALUE_MAX + 1)})
    ]
    r = client.post("/v1/catalog/items/bulk", json={"items": items}, headers=operator)
    assert r.status_code == 422
    assert client.get("/v1/catalog/items/BULK-0").status_code == 404
