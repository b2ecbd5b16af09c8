"""Registering catalog items for fulfillment and listing, against the real catalog service and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import uuid
from decimal import Decimal

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from registration.adapters.catalog import CatalogClient
from registration.adapters.tables import registrations
from registration.bootstrap import create_api
from registration.domain.commands import RegisterItems
from registration.domain.identifiers import FNSKU, REGISTRATION_ID
from registration.domain.model import Offer
from registration.service_layer.registrations import register_items
from registration.service_layer.unit_of_work import RegistrationUnitOfWork
from registration.settings import Settings
from stockpath_cli.localstack import free_port
from stockpath_events import Condition
from stockpath_runtime.db import async_url, create_engine

pytestmark = pytest.mark.integration


def only(response) -> dict:
    assert response.status_code == 200, response.text
    (result,) = response.json()["results"]
    return result


def stored_registrations(database, seller_id: str) -> int:
    engine = sa.create_engine(async_url(database))
    with engine.connect() as conn:
        n = conn.execute(
            sa.select(sa.func.count())
            .select_from(registrations)
            .where(registrations.c.seller_id == seller_id)
        ).scalar_one()
    engine.dispose()
    return n


def test_an_eligible_item_is_registered_with_an_fnsku_and_its_size_tier(seller, register, new_sku):
    sku = new_sku()
    result = only(register(seller, {"catalog_item_id": "REG-SMALL", "seller_sku": sku}))
    assert result["status"] == "registered" and FNSKU.match(result["fnsku"])
    assert REGISTRATION_ID.match(result["registration_id"])
    assert (result["catalog_item_id"], result["seller_sku"], result["size_tier"]) == (
        "REG-SMALL",
        sku,
        "small_standard",
    )
    assert result["reason_code"] is None and result["reason"] is None


@pytest.mark.parametrize(
    "catalog_item_id, tier",
    [("REG-SMALL", "small_standard"), ("REG-LARGE", "large_standard"), ("REG-BULKY", "oversize")],
)
def test_size_tier_comes_from_the_catalogs_measurements(
    seller, register, new_sku, catalog_item_id, tier
):
    assert (
        only(register(seller, {"catalog_item_id": catalog_item_id, "seller_sku": new_sku()}))[
            "size_tier"
        ]
        == tier
    )


@pytest.mark.parametrize(
    "catalog_item_id, code",
    [
        ("NO-SUCH-ITEM", "UNKNOWN_CATALOG_ITEM"),
        ("REG-NODIMS", "MISSING_DIMENSIONS"),
        ("REG-NOWEIGHT", "MISSING_WEIGHT"),
        ("REG-KNIFE", "RESTRICTED_CATEGORY"),
        ("REG-HAZMAT", "HAZMAT_REVIEW_REQUIRED"),
        ("REG-HUGE", "OVER_SIZE_LIMIT"),
        ("REG-HEAVY", "OVER_SIZE_LIMIT"),
    ],
)
def test_ineligible_items_are_rejected_with_a_reason(
    seller, register, new_sku, catalog_item_id, code
):
    result = only(register(seller, {"catalog_item_id": catalog_item_id, "seller_sku": new_sku()}))
    assert result["status"] == "rejected" and result["reason_code"] == code
    assert catalog_item_id in result["reason"] or "Weapons" in result["reason"]
    assert result["fnsku"] is None and REGISTRATION_ID.match(result["registration_id"])


def test_each_item_of_a_request_gets_its_own_result_in_request_order(
    seller, register, new_sku, eligible_demo_items
):
    demo = eligible_demo_items[0]
    items = [
        {"catalog_item_id": demo["catalog_item_id"], "seller_sku": new_sku()},
        {"catalog_item_id": "REG-HAZMAT", "seller_sku": new_sku()},
        {"catalog_item_id": "REG-LARGE", "seller_sku": new_sku(), "condition": "used-good"},
    ]
    r = register(seller, *items)
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [(x["catalog_item_id"], x["seller_sku"]) for x in results] == [
        (i["catalog_item_id"], i["seller_sku"]) for i in items
    ]
    assert [x["status"] for x in results] == ["registered", "rejected", "registered"]


def test_registered_and_rejected_items_emit_their_events_with_the_catalog_snapshot(
    seller, register, new_sku, outbox_events, eligible_demo_items
):
    demo = eligible_demo_items[1]
    sku, bad_sku = new_sku(), new_sku()
    r = register(
        seller,
        {
            "catalog_item_id": demo["catalog_item_id"],
            "seller_sku": sku,
            "price": "24.50",
            "condition": "refurbished",
            "channels": ["storefront", "partner-mall"],
        },
        {"catalog_item_id": "REG-KNIFE", "seller_sku": bad_sku},
    )
    registered_result, rejected_result = r.json()["results"]

    (registered,) = [e for e in outbox_events("ItemRegistered") if e.data.seller_sku == sku]
    assert (
        registered.key == registered_result["fnsku"]
        and registered.subject == registered_result["fnsku"]
    )
    data = registered.data
    assert (data.registration_id, data.seller_id, data.catalog_item_id) == (
        registered_result["registration_id"],
        seller["seller_id"],
        demo["catalog_item_id"],
    )
    assert (data.condition, data.price, data.channels) == (
        Condition.REFURBISHED,
        Decimal("24.50"),
        ["storefront", "partner-mall"],
    )
    assert data.size_tier == registered_result["size_tier"]
    assert data.item.title == demo["title"] and data.item.category == demo["category"]
    assert data.item.identifiers.model_dump(exclude_none=True) == demo["identifiers"]
    assert data.item.weight_g == demo["weight_g"] and data.item.hazmat is False
    assert data.item.dimensions.model_dump() == demo["dimensions"]

    (rejected,) = [
        e for e in outbox_events("ItemRegistrationRejected") if e.data.seller_sku == bad_sku
    ]
    assert rejected.key == rejected_result["registration_id"]
    assert (rejected.data.reason_code, rejected.data.catalog_item_id) == (
        "RESTRICTED_CATEGORY",
        "REG-KNIFE",
    )
    # One request, one chain: both events carry the correlation id the caller got back.
    assert registered.correlation_id == rejected.correlation_id == r.headers["X-Correlation-Id"]


def test_a_callers_correlation_id_is_carried_by_the_events(seller, client, new_sku, outbox_events):
    sku = new_sku()
    client.post(
        "/v1/registrations",
        json={"items": [{"catalog_item_id": "REG-SMALL", "seller_sku": sku, "price": "5.00"}]},
        headers={**seller["headers"], "X-Correlation-Id": "console-click-42"},
    )
    (event,) = [e for e in outbox_events("ItemRegistered") if e.data.seller_sku == sku]
    assert event.correlation_id == "console-click-42"


def test_a_sku_already_used_for_another_item_is_rejected(seller, register, new_sku):
    sku = new_sku()
    assert (
        only(register(seller, {"catalog_item_id": "REG-SMALL", "seller_sku": sku}))["status"]
        == "registered"
    )
    result = only(register(seller, {"catalog_item_id": "REG-LARGE", "seller_sku": sku}))
    assert result["reason_code"] == "DUPLICATE_SELLER_SKU" and "REG-SMALL" in result["reason"]


def test_a_sku_repeated_within_one_request_registers_only_the_first_item(seller, register, new_sku):
    sku = new_sku()
    r = register(
        seller,
        {"catalog_item_id": "REG-SMALL", "seller_sku": sku},
        {"catalog_item_id": "REG-LARGE", "seller_sku": sku},
    )
    assert [(x["status"], x["reason_code"]) for x in r.json()["results"]] == [
        ("registered", None),
        ("rejected", "DUPLICATE_SELLER_SKU"),
    ]


def test_the_same_item_and_condition_cannot_be_registered_twice(seller, register, new_sku):
    first = only(register(seller, {"catalog_item_id": "REG-LARGE", "seller_sku": new_sku()}))
    again = only(register(seller, {"catalog_item_id": "REG-LARGE", "seller_sku": new_sku()}))
    assert again["reason_code"] == "ALREADY_REGISTERED" and first["seller_sku"] in again["reason"]
    other_condition = only(
        register(
            seller,
            {"catalog_item_id": "REG-LARGE", "seller_sku": new_sku(), "condition": "used-good"},
        )
    )
    assert other_condition["status"] == "registered"


def test_a_rejected_items_sku_stays_free(seller, register, new_sku):
    sku = new_sku()
    assert (
        only(register(seller, {"catalog_item_id": "REG-HAZMAT", "seller_sku": sku}))["status"]
        == "rejected"
    )
    assert (
        only(register(seller, {"catalog_item_id": "REG-SMALL", "seller_sku": sku}))["status"]
        == "registered"
    )


def test_sellers_are_independent_same_sku_and_same_item(new_seller, register):
    a, b = new_seller(), new_seller()
    ra = only(register(a, {"catalog_item_id": "REG-SMALL", "seller_sku": "SHARED-1"}))
    rb = only(register(b, {"catalog_item_id": "REG-SMALL", "seller_sku": "SHARED-1"}))
    assert ra["status"] == rb["status"] == "registered" and ra["fnsku"] != rb["fnsku"]


def test_a_repeated_request_id_returns_the_stored_results_and_registers_nothing_twice(
    seller, register, new_sku, outbox_events, database
):
    request_id = f"req-{uuid.uuid4().hex}"
    items = [
        {"catalog_item_id": "REG-SMALL", "seller_sku": new_sku()},
        {"catalog_item_id": "REG-HAZMAT", "seller_sku": new_sku()},
    ]
    first = register(seller, *items, request_id=request_id)
    events_before = len(outbox_events())
    again = register(seller, *items, request_id=request_id)
    assert (
        again.status_code == 200
        and again.json() == first.json()
        and first.json()["request_id"] == request_id
    )
    assert (
        again.headers.get("Idempotent-Replayed") == "true"
        and "Idempotent-Replayed" not in first.headers
    )
    assert len(outbox_events()) == events_before
    assert stored_registrations(database, seller["seller_id"]) == 2


def test_a_request_id_is_the_sellers_own(new_seller, register, new_sku):
    a, b = new_seller(), new_seller()
    r1 = only(
        register(a, {"catalog_item_id": "REG-SMALL", "seller_sku": "IDEM-1"}, request_id="same-key")
    )
    r2 = only(
        register(b, {"catalog_item_id": "REG-SMALL", "seller_sku": "IDEM-1"}, request_id="same-key")
    )
    assert r1["status"] == r2["status"] == "registered" and r1["fnsku"] != r2["fnsku"]


def test_a_request_id_reused_for_different_items_is_a_conflict(seller, register, new_sku):
    register(seller, {"catalog_item_id": "REG-SMALL", "seller_sku": new_sku()}, request_id="reused")
    r = register(
        seller, {"catalog_item_id": "REG-LARGE", "seller_sku": new_sku()}, request_id="reused"
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "request_id_reused"
    assert "reused" in r.json()["error"]["message"]


def test_the_same_price_written_differently_is_the_same_request(seller, register, new_sku):
    sku = new_sku()
    first = register(
        seller,
        {"catalog_item_id": "REG-SMALL", "seller_sku": sku, "price": "10"},
        request_id="price-form",
    )
    again = register(
        seller,
        {"catalog_item_id": "REG-SMALL", "seller_sku": sku, "price": 10.00},
        request_id="price-form",
    )
    assert again.status_code == 200 and again.json() == first.json()


def test_the_seller_lists_its_registrations_in_a_stable_paged_order(
    client, seller, register, new_sku
):
    skus = [new_sku() for _ in range(7)]
    offered = [("REG-SMALL", c.value) for c in Condition] + [
        ("REG-LARGE", "new"),
        ("REG-BULKY", "new"),
    ]
    offered[3] = ("REG-HAZMAT", "new")
    for n, (sku, (catalog_item_id, condition)) in enumerate(zip(skus, offered, strict=True)):
        r = register(
            seller,
            {
                "catalog_item_id": catalog_item_id,
                "seller_sku": sku,
                "condition": condition,
                "price": f"{n + 1}.25",
            },
        )
        assert only(r)["status"] == ("rejected" if n == 3 else "registered")
    everything = client.get(
        "/v1/registrations", params={"limit": 100}, headers=seller["headers"]
    ).json()
    paged = []
    for offset in range(0, 7, 3):
        page = client.get(
            "/v1/registrations", params={"limit": 3, "offset": offset}, headers=seller["headers"]
        ).json()
        assert page["total"] == 7 and page["limit"] == 3 and page["offset"] == offset
        paged += page["items"]
    assert [i["registration_id"] for i in paged] == [
        i["registration_id"] for i in everything["items"]
    ]
    assert [i["seller_sku"] for i in paged] == skus
    first = paged[0]
    assert (
        first["title"] == "Pocket Notebook"
        and first["price"] == "1.25"
        and first["currency"] == "USD"
    )
    assert (first["condition"], first["channels"], first["status"], first["size_tier"]) == (
        "new",
        ["storefront"],
        "registered",
        "small_standard",
    )
    assert FNSKU.match(first["fnsku"]) and first["created_at"]
    assert paged[3]["status"] == "rejected" and paged[3]["reason_code"] == "HAZMAT_REVIEW_REQUIRED"
    rejected = client.get(
        "/v1/registrations", params={"status": "rejected"}, headers=seller["headers"]
    ).json()
    assert [i["seller_sku"] for i in rejected["items"]] == [skus[3]]


def test_a_seller_never_sees_another_sellers_registrations(client, new_seller, register, new_sku):
    a, b = new_seller(), new_seller()
    register(a, {"catalog_item_id": "REG-SMALL", "seller_sku": new_sku()})
    page = client.get("/v1/registrations", headers=b["headers"]).json()
    assert page == {"items": [], "total": 0, "limit": 20, "offset": 0}


def test_an_unreachable_catalog_is_a_503_and_nothing_is_stored(
    database, seller, new_sku, outbox_events
):
    down = Settings(
        database_url=database, catalog_url=f"http://127.0.0.1:{free_port()}", catalog_timeout_s=2
    )
    events_before = len(outbox_events())
    with TestClient(create_api(down)) as c:
        r = c.post(
            "/v1/registrations",
            json={
                "request_id": "while-down",
                "items": [
                    {"catalog_item_id": "REG-SMALL", "seller_sku": new_sku(), "price": "1.00"}
                ],
            },
            headers=seller["headers"],
        )
    assert r.status_code == 503
    assert (
        r.json()["error"]["code"] == "catalog_unavailable"
        and "could not be reached" in r.json()["error"]["message"]
    )
    assert stored_registrations(database, seller["seller_id"]) == 0
    assert len(outbox_events()) == events_before


def test_the_request_id_of_a_failed_request_can_be_retried(
    database, client, seller, new_sku, register
):
    down = Settings(database_url=database, catalog_url=f"http://127.0.0.1:{free_port()}")
    item = {"catalog_item_id": "REG-SMALL", "seller_sku": new_sku(), "price": "1.00"}
    with TestClient(create_api(down)) as c:
        assert (
            c.post(
                "/v1/registrations",
                json={"request_id": "retry-me", "items": [item]},
                headers=seller["headers"],
            ).status_code
            == 503
        )
    assert only(register(seller, item, request_id="retry-me"))["status"] == "registered"


GOOD = {"catalog_item_id": "REG-SMALL", "seller_sku": "SKU-OK", "price": "1.00"}


@pytest.mark.parametrize(
    "body, field",
    [
        ({"items": []}, "items"),
        ({"items": [GOOD] * 101}, "items"),
        ({"items": [{**GOOD, "price": "0"}]}, "price"),
        ({"items": [{**GOOD, "price": "-5.00"}]}, "price"),
        ({"items": [{**GOOD, "price": "1000000.01"}]}, "price"),
        ({"items": [{**GOOD, "price": "1.999"}]}, "price"),
        ({"items": [{**GOOD, "price": "NaN"}]}, "price"),
        ({"items": [{**GOOD, "price": "Infinity"}]}, "price"),
        ({"items": [{**GOOD, "price": "ten"}]}, "price"),
        ({"items": [{k: v for k, v in GOOD.items() if k != "price"}]}, "price"),
        ({"items": [{**GOOD, "seller_sku": ""}]}, "seller_sku"),
        ({"items": [{**GOOD, "seller_sku": "x" * 41}]}, "seller_sku"),
        ({"items": [{**GOOD, "seller_sku": "has space"}]}, "seller_sku"),
        ({"items": [{**GOOD, "catalog_item_id": "../../admin"}]}, "catalog_item_id"),
        ({"items": [{**GOOD, "condition": "mint"}]}, "condition"),
        ({"items": [{**GOOD, "channels": []}]}, "channels"),
        ({"items": [{**GOOD, "channels": ["a", "b", "c", "d", "e", "f"]}]}, "channels"),
        ({"items": [{**GOOD, "channels": ["storefront", "storefront"]}]}, "channels"),
        ({"items": [{**GOOD, "channels": ["Store Front"]}]}, "channels"),
        ({"items": [{**GOOD, "channels": ["x" * 31]}]}, "channels"),
        ({"items": [{**GOOD, "extra": 1}]}, "extra"),
        ({"request_id": "", "items": [GOOD]}, "request_id"),
        ({"request_id": "has space", "items": [GOOD]}, "request_id"),
        ({"items": [GOOD], "unexpected": True}, "unexpected"),
    ],
)
def test_bad_registration_requests_get_a_422_naming_the_field(client, seller, body, field):
    r = client.post("/v1/registrations", json=body, headers=seller["headers"])
    assert r.status_code == 422, r.text
    assert field in r.json()["error"]["message"]


def test_a_malformed_json_body_is_a_422(client, seller):
    r = client.post(
        "/v1/registrations",
        content=b"{not json",
        headers={**seller["headers"], "Content-Type": "application/json"},
    )
    assert r.status_code == 422


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": 101}, {"offset": -1}, {"status": "maybe"}]
)
def test_bad_paging_is_a_422(client, seller, params):
    assert (
        client.get("/v1/registrations", params=params, headers=seller["headers"]).status_code == 422
    )


async def test_concurrent_requests_of_one_seller_cannot_register_one_sku_twice(settings, seller):
    """Without the seller lock both requests would pass the SKU check and one would fail on the index."""
    engine = create_engine(settings.database_url)

    async def attempt(catalog_item_id: str, condition: Condition) -> str:
        command = RegisterItems(
            seller["seller_id"],
            (Offer(catalog_item_id, "RACE-SKU", condition, Decimal("1.00"), ("storefront",)),),
        )
        async with CatalogClient(settings.catalog_url) as catalog:
            outcome = await register_items(
                command,
                RegistrationUnitOfWork(engine, source=settings.source),
                catalog=catalog,
                restricted_categories=["Weapons"],
            )
        (registration,) = outcome.registrations
        return registration.reason_code or registration.status.value

    try:
        # Four different offers (item, condition) under one SKU: whichever commits first owns the SKU.
        offers = [
            ("REG-SMALL", Condition.NEW),
            ("REG-LARGE", Condition.NEW),
            ("REG-BULKY", Condition.NEW),
            ("REG-SMALL", Condition.USED_GOOD),
        ]
        outcomes = await asyncio.gather(*(attempt(i, c) for i, c in offers))
    finally:
        await engine.dispose()
    assert sorted(outcomes) == [
        "DUPLICATE_SELLER_SKU",
        "DUPLICATE_SELLER_SKU",
        "DUPLICATE_SELLER_SKU",
        "registered",
    ]


def test_registration_results_are_json_with_prices_as_strings(client, seller, register, new_sku):
    register(seller, {"catalog_item_id": "REG-SMALL", "seller_sku": new_sku(), "price": 1234.5})
    body = client.get("/v1/registrations", headers=seller["headers"]).content
    assert json.loads(body)["items"][0]["price"] == "1234.50"
