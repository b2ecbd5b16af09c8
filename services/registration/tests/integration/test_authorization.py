"""Who may call registration: every route of the JSON API and of the seller console × every actor,
with the status each must get from the rule the route declares (`check_route_table`); and how
reads are scoped — a seller lists its own, the operator names the seller whose list it reads.

Console routes take the bearer header too (the runtime's `allow` reads it before the session
cookie), so the table calls them like the API. Every call carries only the CSRF cookie of a
sign-in form loaded beforehand: anonymous posts carry a valid CSRF token (a public form must not
refuse them for want of one), and no session cookie of an earlier call (the sign-in sample signs
in) can make a later anonymous call someone.
"""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import UTC, datetime
from types import SimpleNamespace

import httpx
import pytest
from fastapi.testclient import TestClient

from registration.bootstrap import create_api
from stockpath_runtime.sessions import CSRF_COOKIE
from stockpath_testing.authorization import ACTORS, Sample, check_route_table

pytestmark = pytest.mark.integration

#: It replaces the credential it is called with, so the table calls it last (see the test).
SELLER_ROTATION = ("POST", "/v1/sellers/me/credentials/rotation")
SERVICE_TOKEN = "sp_CSERVICE00000_registration-service-token-for-the-tests-only"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def inventory_calls() -> list[httpx.Request]:
    return []


@pytest.fixture(scope="module")
def router_calls() -> list[httpx.Request]:
    return []


#: A return as the order router answers it, for the seller the console names.
RETURN = {
    "return_id": "RT-TABLE",
    "order_id": "storefront:O-TABLE",
    "fulfillment_center_id": "SEA1",
    "lines": [{"line_id": "1", "fnsku": "X00TABLE", "seller_sku": "SHARED-1", "quantity": 2}],
    "reason": "too small",
    "status": "RECEIVED",
    "received": [{"fnsku": "X00TABLE", "quantity": 2, "condition": "customer-damaged"}],
}


def statement_of(request: httpx.Request) -> httpx.Response:
    """A statement as inventory answers it, for the seller the console names (JSON or CSV)."""
    seller_id = request.url.params["seller_id"]
    if request.url.params.get("format") == "csv":
        return httpx.Response(200, text="charge_id,kind\ntotal,,,,,,,9.93,USD\n")
    line = {
        "charge_id": "E-TABLE/fulfillment/FO-TABLE/X00TABLE",
        "kind": "fulfillment",
        "reference": "FO-TABLE",
        "fnsku": "X00TABLE",
        "fulfillment_center_id": "SEA1",
        "quantity": 3,
        "unit_fee": "3.31",
        "amount": "9.93",
        "currency": "USD",
        "occurred_at": "2026-10-02T09:30:00Z",
    }
    totals = {"fulfillment": "9.93", "return_processing": "0.00", "removal": "0.00"}
    month = request.url.path.rsplit("/", 1)[-1]
    return httpx.Response(
        200,
        json={
            "seller_id": seller_id,
            "month": month,
            "currency": "USD",
            "lines": [line],
            "storage": [],
            "totals": {**totals, "storage": "0.00"},
            "total": "9.93",
        },
    )


@pytest.fixture(scope="module")
def calls(inventory_calls, router_calls) -> dict[str, list[httpx.Request]]:
    """What registration asked each service it reads for the console, by service."""
    return {"inventory": inventory_calls, "listing": [], "order router": router_calls}


#: An empty page, as inventory, listing and the order router answer a list.
EMPTY_PAGE = {"items": [], "total": 0, "limit": 20, "offset": 0}


@pytest.fixture(scope="module")
def table_client(settings, calls, kafka_bootstrap):
    """Registration with an inventory, a listing service and an order router that answer (the
    console's pages must not 5xx), beside a broker it reaches (its readiness, /readyz, answers in
    the table)."""

    def answering(service: str) -> httpx.MockTransport:
        def answer(request: httpx.Request) -> httpx.Response:
            calls[service].append(request)
            if request.url.path.startswith("/v1/statements/"):
                return statement_of(request)
            return httpx.Response(200, json=EMPTY_PAGE)

        return httpx.MockTransport(answer)

    def order_router(request: httpx.Request) -> httpx.Response:
        calls["order router"].append(request)
        if request.method == "POST":
            return httpx.Response(201, json={**RETURN, "status": "AUTHORIZED", "received": []})
        if request.url.path == "/v1/returns":
            return httpx.Response(200, json=[RETURN])
        return httpx.Response(200, json=EMPTY_PAGE)

    app = create_api(
        settings.model_copy(
            update={"service_token": SERVICE_TOKEN, "kafka_bootstrap_servers": kafka_bootstrap}
        ),
        inventory_transport=answering("inventory"),
        order_router_transport=httpx.MockTransport(order_router),
        listing_transport=answering("listing"),
    )
    with TestClient(app) as c:
        yield c


def make_seller(client, operator, name: str) -> dict:
    r = client.post("/v1/sellers", json={"name": name}, headers=operator)
    assert r.status_code == 201, r.text
    return r.json()


def register(client, seller: dict, *items: tuple[str, str]) -> dict[str, str]:
    body = {
        "items": [{"catalog_item_id": i, "seller_sku": sku, "price": "9.99"} for i, sku in items]
    }
    r = client.post("/v1/registrations", json=body, headers=bearer(seller["token"]))
    assert r.status_code == 200, r.text
    return {x["seller_sku"]: x["fnsku"] for x in r.json()["results"]}


def plan(client, seller: dict, sku: str, path: str = "/v1/inbound-shipments") -> dict:
    r = client.post(
        path, json={"lines": [{"seller_sku": sku, "quantity": 2}]}, headers=bearer(seller["token"])
    )
    assert r.status_code == 201, r.text
    return r.json()


@pytest.fixture(scope="module")
def world(table_client, operator, failed_delivery) -> SimpleNamespace:
    """Two sellers with the same shared SKU (so a seller-wide sample suits both), and seller A's
    registrations, shipments and spare credentials for the samples that name A's data."""
    c = table_client
    a, b = make_seller(c, operator, "Table Seller A"), make_seller(c, operator, "Table Seller B")
    a_fnskus = register(
        c, a, ("REG-SMALL", "SHARED-1"), ("REG-LARGE", "A-LARGE"), ("REG-BULKY", "A-BULKY")
    )
    register(c, b, ("REG-SMALL", "SHARED-1"))
    second = c.post(
        "/v1/registrations",
        json={
            "items": [
                {
                    "catalog_item_id": "REG-SMALL",
                    "seller_sku": "A-USED",
                    "condition": "used-good",
                    "price": "5.00",
                }
            ]
        },
        headers=bearer(a["token"]),
    )
    a_fnskus["A-USED"] = second.json()["results"][0]["fnsku"]
    planned = plan(c, a, "SHARED-1", "/v1/inbound-plans")

    def spare(subject: str, kind: str = "seller") -> str:
        r = c.post("/v1/credentials", json={"kind": kind, "subject": subject}, headers=operator)
        assert r.status_code == 201, r.text
        return r.json()["credential_id"]

    def subscription() -> str:
        r = c.post(
            "/v1/notification-subscriptions",
            json={"url": "https://hooks.example.com/in", "kinds": ["order.shipped"]},
            headers=bearer(a["token"]),
        )
        assert r.status_code == 201, r.text
        return r.json()["subscription_id"]

    rotated, deleted = subscription(), subscription()
    return SimpleNamespace(
        a=a,
        b=b,
        rotated_subscription=rotated,
        deleted_subscription=deleted,
        failed_delivery=failed_delivery(a["seller_id"], rotated),
        fnskus=a_fnskus,
        plan_id=planned["plan_id"],
        read=planned["shipments"][0]["shipment_id"],
        api_ship=plan(c, a, "SHARED-1")["shipment_id"],
        console_ship=plan(c, a, "SHARED-1")["shipment_id"],
        a_spare=spare(a["seller_id"]),
        operator_spare=spare("marketplace-feed", "channel"),
        rotated_spare=spare("storefront", "channel"),
    )


def samples_for(w: SimpleNamespace, csrf: str) -> dict[tuple[str, str], Sample]:
    a = w.a["seller_id"]
    own = {"owner": "seller"}
    read, fnsku = {"shipment_id": w.read}, {"fnsku": w.fnskus["SHARED-1"]}
    item = {"items": [{"catalog_item_id": "REG-LARGE", "seller_sku": "SHARED-2", "price": "12.00"}]}
    lines = {"lines": [{"seller_sku": "SHARED-1", "quantity": 1}]}
    shipped = {"carrier": "UPS", "tracking_number": "1Z999"}
    return {
        # sellers and credentials
        ("POST", "/v1/sellers"): Sample(json={"name": "Made in the table"}),
        ("GET", "/v1/sellers/me"): Sample(),
        ("GET", "/v1/sellers/me/credentials"): Sample(),
        SELLER_ROTATION: Sample(json={"expires_in_days": 30}),
        ("DELETE", "/v1/sellers/me/credentials/{credential_id}"): Sample(
            path={"credential_id": w.a_spare}, **own
        ),
        ("POST", "/v1/credentials"): Sample(json={"kind": "channel", "subject": "storefront"}),
        ("GET", "/v1/credentials"): Sample(query={"kind": "seller", "subject": a}),
        ("POST", "/v1/credentials/{credential_id}/rotation"): Sample(
            path={"credential_id": w.rotated_spare}
        ),
        ("DELETE", "/v1/credentials/{credential_id}"): Sample(
            path={"credential_id": w.operator_spare}
        ),
        # registrations
        ("POST", "/v1/registrations"): Sample(json=item),
        ("POST", "/v1/registrations/preview"): Sample(
            json={"items": [{"catalog_item_id": "REG-SMALL"}]}
        ),
        ("GET", "/v1/registrations"): Sample(query={"seller_id": a}, **own),
        ("GET", "/v1/registrations/{fnsku}"): Sample(path=fnsku, **own),
        ("PATCH", "/v1/registrations/{fnsku}"): Sample(path=fnsku, json={"price": "11.00"}, **own),
        ("DELETE", "/v1/registrations/{fnsku}"): Sample(path={"fnsku": w.fnskus["A-BULKY"]}, **own),
        # inbound shipments and plans
        ("POST", "/v1/inbound-shipments"): Sample(json=lines),
        ("POST", "/v1/inbound-plans"): Sample(json=lines),
        ("GET", "/v1/inbound-plans/{plan_id}"): Sample(path={"plan_id": w.plan_id}, **own),
        ("GET", "/v1/inbound-shipments"): Sample(query={"seller_id": a}, **own),
        ("GET", "/v1/inbound-shipments/{shipment_id}"): Sample(path=read, **own),
        ("GET", "/v1/inbound-shipments/{shipment_id}/labels.pdf"): Sample(path=read, **own),
        ("POST", "/v1/inbound-shipments/{shipment_id}/ship"): Sample(
            path={"shipment_id": w.api_ship}, json=shipped, **own
        ),
        ("POST", "/v1/inbound-shipments/{shipment_id}/cancel"): Sample(
            path={"shipment_id": w.api_ship}, **own
        ),
        # seller notifications
        ("POST", "/v1/notification-subscriptions"): Sample(
            json={"url": "https://hooks.example.com/t", "kinds": ["return.received"]}
        ),
        ("GET", "/v1/notification-subscriptions"): Sample(),
        ("DELETE", "/v1/notification-subscriptions/{subscription_id}"): Sample(
            path={"subscription_id": w.deleted_subscription}, **own
        ),
        ("POST", "/v1/notification-subscriptions/{subscription_id}/secret-rotation"): Sample(
            path={"subscription_id": w.rotated_subscription}, **own
        ),
        ("GET", "/v1/notification-deliveries"): Sample(),
        ("POST", "/v1/notification-deliveries/redrive"): Sample(),
        ("POST", "/v1/notification-deliveries/{delivery_id}/redrive"): Sample(
            path={"delivery_id": str(w.failed_delivery)}, **own
        ),
        # the console
        ("GET", "/console"): Sample(),
        ("GET", "/console/sign-in"): Sample(),
        ("POST", "/console/sign-in"): Sample(form={"token": w.a["token"], "csrf_token": csrf}),
        ("POST", "/console/sign-out"): Sample(form={"csrf_token": csrf}),
        ("GET", "/console/catalog"): Sample(query={"q": "notebook"}),
        ("GET", "/console/eligibility"): Sample(query={"item": "REG-SMALL"}),
        ("POST", "/console/registrations"): Sample(
            form={
                "request_id": "table-form",
                "item": "REG-LARGE",
                "register-REG-LARGE": "on",
                "sku-REG-LARGE": "SHARED-3",
                "price-REG-LARGE": "8.00",
            }
        ),
        ("GET", "/console/registrations"): Sample(),
        ("POST", "/console/registrations/{fnsku}/offer"): Sample(
            path={"fnsku": w.fnskus["A-LARGE"]}, form={"price": "7.00"}, **own
        ),
        ("POST", "/console/registrations/{fnsku}/deregister"): Sample(
            path={"fnsku": w.fnskus["A-USED"]}, form={}, **own
        ),
        ("GET", "/console/shipments/new"): Sample(),
        ("POST", "/console/shipments"): Sample(form={"qty-SHARED-1": "1"}),
        ("GET", "/console/shipments"): Sample(),
        ("GET", "/console/plans/{plan_id}"): Sample(path={"plan_id": w.plan_id}, **own),
        ("GET", "/console/shipments/{shipment_id}"): Sample(path=read, **own),
        ("GET", "/console/shipments/{shipment_id}/status.json"): Sample(path=read, **own),
        ("GET", "/console/shipments/{shipment_id}/labels.pdf"): Sample(path=read, **own),
        ("POST", "/console/shipments/{shipment_id}/ship"): Sample(
            path={"shipment_id": w.console_ship}, form=shipped, **own
        ),
        ("POST", "/console/shipments/{shipment_id}/cancel"): Sample(
            path={"shipment_id": w.console_ship}, form={}, **own
        ),
        ("GET", "/console/inventory"): Sample(),
        ("GET", "/console/notifications"): Sample(),
        ("POST", "/console/notifications/redrive"): Sample(form={}),
        ("GET", "/console/inventory/age"): Sample(),
        ("GET", "/console/inventory/stranded"): Sample(),
        # Listings are the listing service's, orders the order router's: asked for the signed-in
        # seller only.
        ("GET", "/console/listings"): Sample(),
        ("GET", "/console/orders"): Sample(),
        # Removal orders are inventory's, asked for the signed-in seller only (the stub answers 200).
        ("GET", "/console/removals"): Sample(),
        ("POST", "/console/removals"): Sample(
            form={
                "fnsku": "X00TABLE",
                "fulfillment_center_id": "SEA1",
                "source": "unfulfillable",
                "quantity": "1",
                "disposition": "dispose",
            }
        ),
        ("POST", "/console/removals/{removal_order_id}/cancel"): Sample(
            path={"removal_order_id": "RMV-TABLE"}, form={}
        ),
        # Statements are inventory's, asked for the signed-in seller only (the stub answers).
        ("GET", "/console/statement"): Sample(),
        ("GET", "/console/statement.csv"): Sample(),
        # Returns are the order router's, asked for the signed-in seller only (the stub answers).
        ("GET", "/console/returns"): Sample(),
        ("POST", "/console/returns"): Sample(
            form={"order_id": "storefront:O-TABLE", "line_id": "1", "quantity": "1"}
        ),
        # operations: anyone gets an answer (probes and Prometheus carry no credential)
        ("GET", "/healthz"): Sample(),
        ("GET", "/readyz"): Sample(),
        ("GET", "/metrics"): Sample(),
    }


def test_every_route_answers_each_actor_as_its_rule_says(table_client, tokens, world):
    anonymous = TestClient(table_client.app)
    form = anonymous.get("/console/sign-in")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    only_csrf_cookie = {"Cookie": f"{CSRF_COOKIE}={form.cookies[CSRF_COOKIE]}"}
    samples = {
        key: dataclasses.replace(sample, headers={**sample.headers, **only_csrf_cookie})
        for key, sample in samples_for(world, csrf).items()
    }
    actors = {**tokens, "seller": world.a["token"], "other seller": world.b["token"]}
    app = table_client.app

    table = check_route_table(table_client, app, actors, samples, skip={SELLER_ROTATION})
    # Last: each seller's rotation revokes the very token the table calls with.
    table += check_route_table(
        table_client, app, actors, samples, skip=set(samples) - {SELLER_ROTATION}
    )

    assert {(m, p) for m, p, *_ in table} == set(samples) and len(table) == len(ACTORS) * len(
        samples
    )


def test_the_stock_page_asks_inventory_as_registration_for_the_signed_in_seller_only(
    table_client, world, inventory_calls
):
    inventory_calls.clear()
    r = table_client.get(
        "/console/inventory", headers={**bearer(world.b["token"]), "X-Correlation-Id": "stock-7"}
    )
    assert r.status_code == 200
    (asked,) = inventory_calls
    assert asked.headers["Authorization"] == f"Bearer {SERVICE_TOKEN}"
    assert asked.headers["X-Correlation-Id"] == "stock-7"
    assert dict(asked.url.params)["seller_id"] == world.b["seller_id"]


@pytest.mark.parametrize(
    ("page", "service", "path", "params"),
    [
        ("/console/inventory/age?page=3", "inventory", "/v1/inventory-age", {"offset": "40"}),
        (
            "/console/listings?channel=storefront&status=HELD&page=2",
            "listing",
            "/v1/listings",
            {"channel": "storefront", "status": "HELD", "offset": "20"},
        ),
        ("/console/orders?page=2", "order router", "/v1/seller-orders", {"offset": "20"}),
        ("/console/inventory/stranded", "listing", "/v1/stranded-inventory", {"offset": "0"}),
    ],
)
def test_the_sellers_view_pages_ask_as_registration_for_the_signed_in_seller_only(
    table_client, world, calls, page, service, path, params
):
    calls[service].clear()
    r = table_client.get(page, headers={**bearer(world.b["token"]), "X-Correlation-Id": "views-1"})
    assert r.status_code == 200
    (asked,) = calls[service]
    assert asked.url.path == path
    assert asked.headers["Authorization"] == f"Bearer {SERVICE_TOKEN}"
    assert asked.headers["X-Correlation-Id"] == "views-1"
    assert dict(asked.url.params) == {"seller_id": world.b["seller_id"], "limit": "20", **params}


# --- how lists are scoped ----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/v1/registrations", "/v1/inbound-shipments"])
def test_a_seller_lists_its_own_and_naming_another_seller_reads_as_not_found(
    client, stocked_seller, shipment, new_seller, path
):
    mine = client.get(path, headers=stocked_seller["headers"]).json()
    named = client.get(
        path, params={"seller_id": stocked_seller["seller_id"]}, headers=stocked_seller["headers"]
    ).json()
    assert mine == named and mine["total"] >= 1
    other = new_seller()
    r = client.get(
        path, params={"seller_id": stocked_seller["seller_id"]}, headers=other["headers"]
    )
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert client.get(path, headers=other["headers"]).json()["total"] == 0


@pytest.mark.parametrize("path", ["/v1/registrations", "/v1/inbound-shipments"])
def test_the_operator_names_the_seller_whose_list_it_reads(
    client, operator, stocked_seller, shipment, path
):
    as_seller = client.get(path, headers=stocked_seller["headers"]).json()
    assert as_seller["total"] >= 1
    as_operator = client.get(
        path, params={"seller_id": stocked_seller["seller_id"]}, headers=operator
    )
    assert as_operator.status_code == 200 and as_operator.json() == as_seller
    unnamed = client.get(path, headers=operator)
    assert unnamed.status_code == 422 and unnamed.json()["error"]["code"] == "seller_id_required"
    unknown = client.get(path, params={"seller_id": "S0000000000"}, headers=operator)
    assert unknown.status_code == 404


def test_the_operator_reads_any_sellers_items_shipments_plans_and_labels_by_id(
    client, operator, shipment, stocked_seller
):
    base = f"/v1/inbound-shipments/{shipment['shipment_id']}"
    assert (
        client.get(base, headers=operator).json()
        == client.get(base, headers=stocked_seller["headers"]).json()
    )
    labels = client.get(f"{base}/labels.pdf", headers=operator)
    assert labels.status_code == 200 and labels.content.startswith(b"%PDF")
    fnsku = stocked_seller["fnskus"][stocked_seller["skus"][0]]
    assert (
        client.get(f"/v1/registrations/{fnsku}", headers=operator).json()["seller_sku"]
        == stocked_seller["skus"][0]
    )


def test_the_operator_does_not_write_a_sellers_registrations_or_shipments(
    client, operator, shipment, stocked_seller
):
    base = f"/v1/inbound-shipments/{shipment['shipment_id']}"
    assert client.post(f"{base}/cancel", headers=operator).status_code == 403
    fnsku = stocked_seller["fnskus"][stocked_seller["skus"][0]]
    assert client.delete(f"/v1/registrations/{fnsku}", headers=operator).status_code == 403
    assert client.get(base, headers=stocked_seller["headers"]).json()["status"] == "WORKING"


def test_a_seller_credential_for_a_seller_that_does_not_exist_acts_for_nobody(client, tokens):
    # issue_tokens wrote a seller credential for a made-up seller id: it may not register anything.
    r = client.post(
        "/v1/inbound-shipments",
        json={"lines": [{"seller_sku": "A", "quantity": 1}]},
        headers=bearer(tokens["seller"]),
    )
    assert r.status_code == 401 and "does not exist" in r.json()["error"]["message"]


def console_caller(client, operator, seller: dict) -> tuple[dict[str, str], str]:
    """Headers that call the console as `seller` with a fresh credential (the table rotated the
    ones it called with) and a CSRF cookie, and the CSRF token its forms carry."""
    issued = client.post(
        "/v1/credentials", json={"kind": "seller", "subject": seller["seller_id"]}, headers=operator
    )
    form = TestClient(client.app).get("/console/sign-in")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    cookie = f"{CSRF_COOKIE}={form.cookies[CSRF_COOKIE]}"
    return {**bearer(issued.json()["token"]), "Cookie": cookie}, csrf


def test_the_removals_page_asks_inventory_as_registration_for_the_signed_in_seller_only(
    table_client, world, inventory_calls, operator
):
    headers, csrf = console_caller(table_client, operator, world.b)
    inventory_calls.clear()
    page = table_client.get("/console/removals", headers=headers)
    assert page.status_code == 200 and "Create removal order" in page.text
    assert (
        'name="csrf_token"' in page.text
    )  # the form carries its CSRF token (checked_form checks it)
    made = table_client.post(
        "/console/removals",
        headers=headers,
        follow_redirects=False,
        data={
            "csrf_token": csrf,
            "fnsku": "X00B",
            "fulfillment_center_id": "sea1",
            "source": "unfulfillable",
            "quantity": "2",
            "disposition": "return",
            "name": "B",
            "line1": "1 Main St",
            "city": "Kent",
            "region": "WA",
            "postal_code": "98032",
        },
    )
    assert made.status_code == 303
    listed, created = inventory_calls
    assert listed.method == "GET" and dict(listed.url.params)["seller_id"] == world.b["seller_id"]
    assert created.headers["Authorization"] == f"Bearer {SERVICE_TOKEN}"
    assert (created.url.path, dict(created.url.params)["seller_id"]) == (
        "/v1/removal-orders",
        world.b["seller_id"],
    )
    assert json.loads(created.content) == {
        "fulfillment_center_id": "SEA1",
        "disposition": "return",
        "lines": [{"fnsku": "X00B", "source": "unfulfillable", "quantity": 2}],
        "ship_to": {
            "name": "B",
            "line1": "1 Main St",
            "city": "Kent",
            "region": "WA",
            "postal_code": "98032",
        },
    }


def test_the_statement_page_asks_inventory_as_registration_for_the_signed_in_seller_only(
    table_client, world, inventory_calls, operator
):
    headers, _ = console_caller(table_client, operator, world.b)
    inventory_calls.clear()
    page = table_client.get("/console/statement", params={"month": "2026-10"}, headers=headers)
    assert page.status_code == 200
    assert "FO-TABLE" in page.text and "9.93" in page.text and "Return processing" in page.text
    assert 'href="/console/statement.csv?month=2026-10"' in page.text
    csv = table_client.get("/console/statement.csv", params={"month": "2026-10"}, headers=headers)
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert 'filename="statement-2026-10.csv"' in csv.headers["content-disposition"]
    assert csv.text.endswith("total,,,,,,,9.93,USD\n")
    json_asked, csv_asked = inventory_calls
    for asked in (json_asked, csv_asked):
        assert asked.url.path == "/v1/statements/2026-10"
        assert asked.headers["Authorization"] == f"Bearer {SERVICE_TOKEN}"
        assert dict(asked.url.params)["seller_id"] == world.b["seller_id"]
    assert dict(csv_asked.url.params)["format"] == "csv"


def test_the_statement_page_shows_the_current_month_unless_asked_and_refuses_what_is_no_month(
    table_client, world, inventory_calls, operator
):
    headers, _ = console_caller(table_client, operator, world.b)
    inventory_calls.clear()
    now = datetime.now(UTC).strftime("%Y-%m")
    page = table_client.get("/console/statement", headers=headers)
    assert page.status_code == 200 and f'value="{now}"' in page.text
    (asked,) = inventory_calls
    assert asked.url.path == f"/v1/statements/{now}"
    for odd in ("2026-13", "../sellers", "2026-1"):
        for path in ("/console/statement", "/console/statement.csv"):
            r = table_client.get(path, params={"month": odd}, headers=headers)
            assert r.status_code == 422, (odd, path)
    assert len(inventory_calls) == 1  # nothing that is no month is asked of inventory


def test_the_returns_page_asks_the_order_router_as_registration_for_the_signed_in_seller_only(
    table_client, world, router_calls, operator
):
    headers, csrf = console_caller(table_client, operator, world.b)
    router_calls.clear()
    page = table_client.get("/console/returns", headers=headers)
    assert page.status_code == 200 and "Authorize return" in page.text
    assert 'name="csrf_token"' in page.text
    for shown in ("RT-TABLE", "storefront:O-TABLE", "SEA1", "SHARED-1", "Damaged by the customer"):
        assert shown in page.text, shown
    made = table_client.post(
        "/console/returns",
        headers=headers,
        follow_redirects=False,
        data={
            "csrf_token": csrf,
            "order_id": "storefront:O-TABLE",
            "line_id": "1",
            "quantity": "2",
            "reason": "too small",
        },
    )
    assert made.status_code == 303
    listed, authorized = router_calls
    for call in (listed, authorized):
        assert call.headers["Authorization"] == f"Bearer {SERVICE_TOKEN}"
        assert dict(call.url.params)["seller_id"] == world.b["seller_id"]
    assert listed.url.path == "/v1/returns"
    assert authorized.url.path == "/v1/orders/storefront:O-TABLE/returns"
    assert json.loads(authorized.content) == {
        "lines": [{"line_id": "1", "quantity": 2}],
        "reason": "too small",
    }
