"""Who may call the inventory: every route of the API and the FC pages × every actor, from the rule
each route declares; then what each may see and do within its rule — an FC only at its own FC, a
seller only its own stock, a service the seller it names, the operator everything."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient

from inventory.bootstrap import create_api
from inventory.settings import Settings
from stockpath_testing.authorization import Sample, check_route_table, issue_token

pytestmark = pytest.mark.integration

SEA1, PHX3 = "SEA1", "PHX3"
ADJUSTMENTS = ("POST", "/v1/adjustments")
SHIPMENT_VIEW = ("GET", "/v1/inbound-shipments/{shipment_id}/receipts")
EXCEPTION = ("POST", "/v1/fulfillment-orders/{fulfillment_order_id}/exception")


@pytest.fixture(scope="module")
def client(database, kafka_bootstrap):
    """The API beside a broker it reaches, so that its readiness (/readyz) answers in the table."""
    with TestClient(
        create_api(Settings(database_url=database, kafka_bootstrap_servers=kafka_bootstrap))
    ) as c:
        yield c


class CookieFree:
    """The test client as the table calls it: every call as from a browser holding only the
    cookies its sample sends (a sign-in's session must not sign later 'anonymous' calls in)."""

    def __init__(self, client) -> None:
        self._client = client

    def request(self, *args, **kwargs):
        self._client.cookies.clear()
        try:
            return self._client.request(*args, **kwargs)
        finally:
            self._client.cookies.clear()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def stock(plan, operator, deliver, events):
    """Shipments bound for SEA1 (seller S-ACME), one per route that changes one, and an FNSKU with
    11 fulfillable units there (one more than planned: an overage, so a discrepancy too)."""
    shipments = {
        name: plan(10) for name in ("receipt", "close", "page-receipt", "page-close", "view")
    }
    stocked = plan(10)
    received = operator.post(
        "/v1/receipts",
        json={
            "shipment_id": stocked.shipment_id,
            "fulfillment_center_id": SEA1,
            "lines": [{"fnsku": stocked.fnskus[0], "received": 11}],
        },
    )
    assert received.status_code == 201, received.text
    # A fulfillment order of one of them reserved at SEA1, for the FC's exception report.
    fulfillment_order_id = f"FO-AUTH-{stocked.shipment_id}"
    deliver(events.instructed(fulfillment_order_id, [(stocked.fnskus[0], 1)]))
    # And another, for the FC page's exception form.
    page_fulfillment_order_id = f"FO-AUTH-PAGE-{stocked.shipment_id}"
    deliver(events.instructed(page_fulfillment_order_id, [(stocked.fnskus[0], 1)]))
    return SimpleNamespace(
        shipments=shipments,
        fnsku=stocked.fnskus[0],
        stocked=stocked,
        fulfillment_order_id=fulfillment_order_id,
        page_fulfillment_order_id=page_fulfillment_order_id,
    )


@pytest.fixture(scope="module")
def service_token(database) -> str:
    """Registration's own credential (kind service), as registration issues it."""
    return asyncio.run(issue_token(database, "service", "registration"))


def test_every_route_answers_each_actor_as_its_rule_says(client, tokens, stock, new_browser):
    anonymous = new_browser()
    csrf = anonymous.csrf_token()
    cookie = {"Cookie": "; ".join(f"{k}={v}" for k, v in anonymous.cookies.items())}
    s = stock.shipments
    sample = {name: shipment.fnskus[0] for name, shipment in s.items()}
    removal = {
        "fulfillment_center_id": SEA1,
        "disposition": "dispose",
        "lines": [{"fnsku": stock.fnsku, "source": "fulfillable", "quantity": 1}],
    }
    pending = client.post("/v1/removal-orders", json=removal, headers=bearer(tokens["seller"]))
    assert pending.status_code == 201, pending.text
    samples = {
        ("POST", "/v1/receipts"): Sample(
            owner="fc",
            json={
                "receipt_id": "RC-AUTH-1",
                "shipment_id": s["receipt"].shipment_id,
                "fulfillment_center_id": SEA1,
                "lines": [{"fnsku": sample["receipt"], "received": 1}],
            },
        ),
        ("POST", "/v1/inbound-shipments/{shipment_id}/close"): Sample(
            owner="fc", path={"shipment_id": s["close"].shipment_id}
        ),
        ("GET", "/v1/inventory"): Sample(owner="seller", query={"seller_id": "S-ACME"}),
        ("GET", "/v1/inventory-age"): Sample(owner="seller", query={"seller_id": "S-ACME"}),
        ("GET", "/v1/ledger"): Sample(owner="fc", query={"fulfillment_center_id": SEA1}),
        ("GET", "/v1/discrepancies"): Sample(owner="seller", query={"seller_id": "S-ACME"}),
        ("GET", "/v1/ledger/reconciliation"): Sample(
            owner="fc", query={"fulfillment_center_id": SEA1}
        ),
        ("GET", "/fc/fc.css"): Sample(),
        ("GET", "/fc/sign-in"): Sample(),
        ("POST", "/fc/sign-in"): Sample(
            form={"csrf_token": csrf, "token": tokens["fc"]}, headers=cookie
        ),
        ("POST", "/fc/sign-out"): Sample(form={"csrf_token": csrf}, headers=cookie),
        ("GET", "/fc"): Sample(),
        ("GET", "/fc/{fc}/shipments/{shipment_id}"): Sample(
            owner="fc", path={"fc": SEA1, "shipment_id": s["view"].shipment_id}
        ),
        ("POST", "/fc/{fc}/shipments/{shipment_id}/receipts"): Sample(
            owner="fc",
            path={"fc": SEA1, "shipment_id": s["page-receipt"].shipment_id},
            form={"receipt_id": "RC-AUTH-PAGE", "fnsku": sample["page-receipt"], "received": "1"},
        ),
        ("POST", "/fc/{fc}/shipments/{shipment_id}/close"): Sample(
            owner="fc", path={"fc": SEA1, "shipment_id": s["page-close"].shipment_id}
        ),
        # The exception form's page: another FC finds no such fulfillment order.
        ("GET", "/fc/{fc}/fulfillment-orders/{fulfillment_order_id}"): Sample(
            owner="fc", path={"fc": SEA1, "fulfillment_order_id": stock.fulfillment_order_id}
        ),
        ("POST", "/fc/{fc}/fulfillment-orders/{fulfillment_order_id}/exception"): Sample(
            owner="fc",
            path={"fc": SEA1, "fulfillment_order_id": stock.page_fulfillment_order_id},
            form={
                "reason": "bin empty",
                "fnsku-0": stock.fnsku,
                "line_id-0": "1",
                "quantity-0": "1",
                "reason_code-0": "DAMAGED",
            },
        ),
        # An FC naming another FC's stock is refused, saying why (403), not shown a stranger's (404).
        ADJUSTMENTS: Sample(
            owner="fc",
            expect={"other fc": 403},
            json={
                "adjustment_id": "ADJ-AUTH-1",
                "fulfillment_center_id": SEA1,
                "fnsku": stock.fnsku,
                "kind": "found",
                "quantity": 1,
                "reason": "cycle count",
            },
        ),
        # An FC exception: another FC finds no such fulfillment order; the operator, after the FC,
        # finds it told already (409).
        EXCEPTION: Sample(
            owner="fc",
            expect={"other fc": 404},
            path={"fulfillment_order_id": stock.fulfillment_order_id},
            json={
                "reason": "bin empty",
                "lines": [
                    {
                        "line_id": "1",
                        "fnsku": stock.fnsku,
                        "quantity": 1,
                        "reason_code": "SHORT_PICK",
                    }
                ],
            },
        ),
        # A shipment is its seller's and its FC's: the other seller and the other FC both find nothing.
        SHIPMENT_VIEW: Sample(
            owner="seller", expect={"other fc": 404}, path={"shipment_id": s["view"].shipment_id}
        ),
        # Removal orders are the seller's own: the other seller finds no stock of its own to remove
        # (404) and no such removal order; the operator reads them all.
        ("POST", "/v1/removal-orders"): Sample(
            owner="seller", json={**removal, "removal_order_id": "RMV-AUTH-1"}
        ),
        ("GET", "/v1/removal-orders"): Sample(),
        # Storage snapshots are the operator's (its daily job's) alone.
        ("POST", "/v1/storage-snapshots"): Sample(json={"day": "2026-01-01"}),
        # A statement is one seller's: the other seller naming it finds nothing.
        ("GET", "/v1/statements/{month}"): Sample(
            owner="seller", path={"month": "2026-10"}, query={"seller_id": "S-ACME"}
        ),
        ("POST", "/v1/removal-orders/{removal_order_id}/cancellation"): Sample(
            owner="seller", path={"removal_order_id": pending.json()["removal_order_id"]}
        ),
        # operations: anyone gets an answer (probes and Prometheus carry no credential)
        ("GET", "/healthz"): Sample(),
        ("GET", "/readyz"): Sample(),
        ("GET", "/metrics"): Sample(),
    }
    table = check_route_table(CookieFree(client), client.app, tokens, samples)
    assert {(m, p) for m, p, *_ in table} == set(samples)
    got = {(m, p, actor): status for m, p, actor, _, status in table}
    # The FC's adjustment is made; the operator, asked last, gets its replay (same id, same body).
    assert (got[(*ADJUSTMENTS, "fc")], got[(*ADJUSTMENTS, "operator")]) == (201, 200)
    assert [got[(*SHIPMENT_VIEW, actor)] for actor in ("seller", "fc", "operator")] == [
        200,
        200,
        200,
    ]


def test_a_service_reads_a_shipment(client, stock, service_token):
    url = f"/v1/inbound-shipments/{stock.shipments['view'].shipment_id}/receipts"
    assert client.get(url, headers=bearer(service_token)).status_code == 200


def test_an_fc_cannot_receive_close_or_adjust_for_another_fc(
    caller, fc_staff, operator, stock, plan
):
    phx3 = caller("other fc")
    shipment = plan(5)
    (fnsku,) = shipment.fnskus
    lines = [{"fnsku": fnsku, "received": 2}]
    for named in (SEA1, PHX3):  # a shipment bound for SEA1 is unknown to PHX3, whatever it names
        r = phx3.post(
            "/v1/receipts",
            json={
                "shipment_id": shipment.shipment_id,
                "fulfillment_center_id": named,
                "lines": lines,
            },
        )
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert phx3.post(f"/v1/inbound-shipments/{shipment.shipment_id}/close").status_code == 404
    # SEA1 naming another FC for its own shipment: refused, saying why.
    r = fc_staff.post(
        "/v1/receipts",
        json={"shipment_id": shipment.shipment_id, "fulfillment_center_id": PHX3, "lines": lines},
    )
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    assert "SEA1" in r.json()["error"]["message"] and "PHX3" in r.json()["error"]["message"]
    r = fc_staff.post(
        f"/v1/inbound-shipments/{shipment.shipment_id}/close", json={"fulfillment_center_id": PHX3}
    )
    assert r.status_code == 403
    adjustment = {
        "fulfillment_center_id": PHX3,
        "fnsku": stock.fnsku,
        "kind": "lost",
        "quantity": 1,
        "reason": "gone",
    }
    r = fc_staff.post("/v1/adjustments", json=adjustment)
    assert r.status_code == 403 and "PHX3" in r.json()["error"]["message"]
    # Nothing moved, and the shipment is still open to its own FC.
    view = operator.get(f"/v1/inbound-shipments/{shipment.shipment_id}/receipts").json()
    assert (view["status"], view["receipts"]) == ("PLANNED", [])
    assert (
        fc_staff.post(
            "/v1/receipts",
            json={
                "shipment_id": shipment.shipment_id,
                "fulfillment_center_id": SEA1,
                "lines": lines,
            },
        ).status_code
        == 201
    )
    # A transfer's destination may be another FC: the source is SEA1's own.
    transfer = {
        **adjustment,
        "fulfillment_center_id": SEA1,
        "kind": "transferred",
        "to_fulfillment_center_id": PHX3,
    }
    r = fc_staff.post("/v1/adjustments", json=transfer)
    assert r.status_code == 201 and [i["fulfillment_center_id"] for i in r.json()["inventory"]] == [
        SEA1
    ]


#: The lists every reader reads within its scope.
READS = (
    "/v1/inventory",
    "/v1/inventory-age",
    "/v1/ledger",
    "/v1/discrepancies",
    "/v1/ledger/reconciliation",
)


def test_an_fc_reads_only_its_own_fcs_stock_ledger_and_discrepancies(caller, fc_staff, stock):
    phx3 = caller("other fc")
    for path in READS:
        assert phx3.get(path, params={"fulfillment_center_id": SEA1}).status_code == 404, path
        mine = fc_staff.get(path).json()["items"]
        assert mine and {i["fulfillment_center_id"] for i in mine} == {SEA1}, path
        assert all(i["fulfillment_center_id"] == PHX3 for i in phx3.get(path).json()["items"]), path


def test_a_seller_reads_only_its_own_stock(caller, seller, operator, stock, plan):
    other = caller("other seller")
    theirs = plan(3, seller_id="SLRBBBBBBBB2")
    for path in READS:
        assert other.get(path, params={"seller_id": "S-ACME"}).status_code == 404, path
    mine = seller.get("/v1/inventory", params={"limit": 500}).json()["items"]
    assert stock.fnsku in {i["fnsku"] for i in mine} and {i["seller_id"] for i in mine} == {
        "S-ACME"
    }
    assert [i["fnsku"] for i in other.get("/v1/inventory").json()["items"]] == theirs.fnskus
    assert {e["seller_id"] for e in seller.get("/v1/ledger").json()["items"]} == {"S-ACME"}
    assert {e["seller_id"] for e in other.get("/v1/ledger").json()["items"]} == {"SLRBBBBBBBB2"}
    reconciled = other.get("/v1/ledger/reconciliation").json()["items"]
    assert [r["fnsku"] for r in reconciled] == theirs.fnskus
    assert (
        other.get(f"/v1/inbound-shipments/{stock.stocked.shipment_id}/receipts").status_code == 404
    )
    # The operator, naming no seller, reads every seller's stock.
    every = operator.get("/v1/inventory", params={"limit": 500}).json()["items"]
    assert {"S-ACME", "SLRBBBBBBBB2"} <= {i["seller_id"] for i in every}


def test_a_service_reads_the_seller_it_names_and_never_every_sellers(client, service_token, stock):
    named = client.get(
        "/v1/inventory", params={"seller_id": "S-ACME", "limit": 500}, headers=bearer(service_token)
    )
    assert named.status_code == 200
    assert stock.fnsku in {i["fnsku"] for i in named.json()["items"]}
    assert {i["seller_id"] for i in named.json()["items"]} == {"S-ACME"}
    for path in READS:
        r = client.get(path, headers=bearer(service_token))
        assert r.status_code == 403 and "seller_id" in r.json()["error"]["message"], path
    # A service writes nothing here.
    r = client.post(
        "/v1/adjustments",
        headers=bearer(service_token),
        json={
            "fulfillment_center_id": SEA1,
            "fnsku": stock.fnsku,
            "kind": "found",
            "quantity": 1,
            "reason": "not mine",
        },
    )
    assert r.status_code == 403
