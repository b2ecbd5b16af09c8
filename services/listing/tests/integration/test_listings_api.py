"""The listings API against a real PostgreSQL, with listings made by the handlers, read as the
operator, who sees every listing (what a seller or a channel sees: test_authorization)."""

from __future__ import annotations

from datetime import datetime

import pytest
from fastapi.testclient import TestClient

from listing.bootstrap import create_api
from listing.settings import Settings
from stockpath_runtime.consumer import Outcome

pytestmark = pytest.mark.integration

PAGING_SELLER = "S-PAGES"


@pytest.fixture(scope="module")
async def seeded(consumer, item_registered, inventory_level):
    """Two sellers' listings: storefront ones in and out of stock, a held one, and 23 for paging."""
    events = [
        item_registered("XA00000001", seller_id="S-A", channels=("storefront", "ebay")),
        item_registered("XA00000002", seller_id="S-A", price="5.50"),
        item_registered("XB00000001", seller_id="S-B"),
        *[item_registered(f"XP{n:08d}", seller_id=PAGING_SELLER) for n in range(23)],
    ]
    levels = [inventory_level("XA00000001", "SEA1", 3), inventory_level("XA00000001", "PHX1", 4)]
    assert set(await consumer.deliver(*events, *levels)) == {Outcome.PROCESSED}


@pytest.fixture(scope="module")
def client(database, seeded, operator):
    with TestClient(create_api(Settings(database_url=database)), headers=operator) as c:
        yield c


def ids(page: dict) -> list[str]:
    return [i["listing_id"] for i in page["items"]]


def test_a_listing_shows_what_buyers_need(client):
    listing = client.get("/v1/listings/L-XA00000001-storefront").json()
    assert {
        k: listing[k] for k in ("listing_id", "channel", "seller_id", "seller_sku", "fnsku")
    } == {
        "listing_id": "L-XA00000001-storefront",
        "channel": "storefront",
        "seller_id": "S-A",
        "seller_sku": "SKU-XA00000001",
        "fnsku": "XA00000001",
    }
    assert listing["title"] == "Lodge 10-inch Cast Iron Skillet" and listing["brand"] == "Lodge"
    assert (
        listing["price"] == "24.99"
        and listing["currency"] == "USD"
        and listing["condition"] == "new"
    )
    assert listing["status"] == "ACTIVE" and listing["issues"] == []
    assert listing["in_stock"] is True and listing["sellable_quantity"] == 7
    assert listing["identifiers"] == {"upc": "036000291452"} and listing["attributes"] == {
        "color": "Black"
    }
    assert datetime.fromisoformat(listing["updated_at"]).tzinfo is not None


def test_a_held_listing_says_why(client):
    held = client.get("/v1/listings/L-XA00000001-ebay").json()
    assert held["status"] == "HELD" and held["issues"] == ["unknown channel: ebay"]


def test_an_unknown_listing_is_a_404_with_a_message(client):
    r = client.get("/v1/listings/L-NOPE-storefront")
    assert r.status_code == 404
    assert r.json()["error"] == {
        "code": "not_found",
        "message": "listing L-NOPE-storefront does not exist",
        "details": {"listing_id": "L-NOPE-storefront"},
    }


def test_filters_by_seller_channel_fnsku_stock_and_status(client):
    by_seller = client.get("/v1/listings", params={"seller_id": "S-A"}).json()
    assert ids(by_seller) == [
        "L-XA00000001-ebay",
        "L-XA00000001-storefront",
        "L-XA00000002-storefront",
    ]
    assert by_seller["total"] == 3
    assert ids(
        client.get("/v1/listings", params={"seller_id": "S-A", "channel": "Storefront"}).json()
    ) == [
        "L-XA00000001-storefront",
        "L-XA00000002-storefront",
    ]
    assert ids(client.get("/v1/listings", params={"fnsku": "XB00000001"}).json()) == [
        "L-XB00000001-storefront"
    ]
    in_stock = client.get("/v1/listings", params={"in_stock": "true"}).json()
    assert ids(in_stock) == ["L-XA00000001-ebay", "L-XA00000001-storefront"]
    out_of_stock = client.get(
        "/v1/listings", params={"seller_id": "S-A", "in_stock": "false"}
    ).json()
    assert ids(out_of_stock) == ["L-XA00000002-storefront"]
    assert ids(client.get("/v1/listings", params={"status": "HELD"}).json()) == [
        "L-XA00000001-ebay"
    ]
    assert client.get("/v1/listings", params={"seller_id": "S-NOBODY"}).json() == {
        "items": [],
        "total": 0,
        "limit": 20,
        "offset": 0,
    }


def test_pages_are_stable_and_ordered_by_listing_id(client):
    whole = client.get("/v1/listings", params={"seller_id": PAGING_SELLER, "limit": 100}).json()
    assert whole["total"] == 23 and ids(whole) == sorted(ids(whole))
    paged = []
    for offset in range(0, 23, 7):
        page = client.get(
            "/v1/listings", params={"seller_id": PAGING_SELLER, "limit": 7, "offset": offset}
        ).json()
        assert (page["total"], page["limit"], page["offset"]) == (23, 7, offset)
        paged += ids(page)
    assert paged == ids(whole)
    assert client.get("/v1/listings", params={"limit": 100}).json()["total"] == 27


@pytest.mark.parametrize(
    "params, field",
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"offset": -1}, "offset"),
        ({"in_stock": "maybe"}, "in_stock"),
        ({"status": "LIVE"}, "status"),
        ({"seller_id": "x" * 101}, "seller_id"),
        ({"fnsku": "bad fnsku!"}, "fnsku"),
    ],
)
def test_bad_queries_get_a_clear_422(client, params, field):
    r = client.get("/v1/listings", params=params)
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "validation_error" and field in error["message"]


def test_a_listing_id_longer_than_any_real_one_is_refused(client):
    r = client.get("/v1/listings/" + "L" * 301)
    assert r.status_code == 422 and "listing_id" in r.json()["error"]["message"]


def test_health_metrics_and_openapi(client):
    assert client.get("/healthz").json() == {"status": "ok", "service": "listing"}
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/listings", "/v1/listings/{listing_id}"} <= set(paths)
    assert "stockpath_http_requests_total" in client.get("/metrics").text
