"""Sellers' removal orders against the real PostgreSQL: the units are set aside at once (out of
their bucket, in the ledger) and the FC is told on its own topic; the FC's report completes the
order once; a pending order is cancelled with its units back; more than the bucket holds, another
seller's stock and a return without an address are refused."""

from __future__ import annotations

import asyncio

import pytest

from stockpath_runtime.consumer import Outcome
from stockpath_testing.authorization import issue_token

pytestmark = pytest.mark.integration

SEATTLE = {
    "name": "Acme Returns",
    "line1": "1 Dock St",
    "city": "Seattle",
    "region": "WA",
    "postal_code": "98101",
}


def levels(fc_staff, fnsku: str) -> tuple[int, int]:
    [item] = fc_staff.get(
        "/v1/inventory", params={"fnsku": fnsku, "fulfillment_center_id": "SEA1"}
    ).json()["items"]
    return item["fulfillable"], item["unfulfillable"]


@pytest.fixture(scope="module")
def service_token(database) -> str:
    """Registration's own credential (kind service): its console acts for the signed-in seller."""
    return asyncio.run(issue_token(database, "service", "registration"))


@pytest.fixture
def stock(fc_staff, plan):
    """An FNSKU of S-ACME at SEA1: 8 fulfillable, 2 unfulfillable (received damaged)."""
    shipment = plan(10)
    (fnsku,) = shipment.fnskus
    r = fc_staff.post(
        "/v1/receipts",
        json={
            "shipment_id": shipment.shipment_id,
            "fulfillment_center_id": "SEA1",
            "lines": [{"fnsku": fnsku, "received": 8, "damaged": 2}],
        },
    )
    assert r.status_code == 201, r.text
    return fnsku


def removal(fnsku: str, **fields) -> dict:
    return {
        "fulfillment_center_id": "SEA1",
        "disposition": "dispose",
        "lines": [
            {"fnsku": fnsku, "source": "unfulfillable", "quantity": 2},
            {"fnsku": fnsku, "source": "fulfillable", "quantity": 1},
        ],
        **fields,
    }


def test_a_removal_sets_its_units_aside_tells_the_fc_and_completes_once(
    seller, fc_staff, stock, deliver, events, outbox_events, buckets_and_ledger
):
    r = seller.post("/v1/removal-orders", json=removal(stock))
    assert r.status_code == 201, r.text
    order = r.json()
    assert order["status"] == "PENDING"
    assert levels(fc_staff, stock) == (7, 0)
    stored, recomputed = buckets_and_ledger()
    assert stored == recomputed
    rid = order["removal_order_id"]
    [instructed] = [e for e in outbox_events("RemovalInstructed") if e.data.removal_order_id == rid]
    assert [(x.source, x.quantity) for x in instructed.data.lines] == [
        ("unfulfillable", 2),
        ("fulfillable", 1),
    ]
    [created] = [e for e in outbox_events("RemovalOrderCreated") if e.data.removal_order_id == rid]
    ledger = fc_staff.get("/v1/ledger", params={"fnsku": stock}).json()["items"]
    assert sorted(
        (e["bucket"], e["delta"]) for e in ledger if e["cause_event_id"] == created.id
    ) == [("fulfillable", -1), ("unfulfillable", -2)]

    disposed = events.units_disposed(rid)
    assert deliver(disposed, events.units_disposed(rid)) == [Outcome.PROCESSED, Outcome.PROCESSED]
    [listed] = [o for o in seller.get("/v1/removal-orders").json() if o["removal_order_id"] == rid]
    assert listed["status"] == "DISPOSED"
    assert levels(fc_staff, stock) == (7, 0)
    # Done: too late to cancel.
    assert seller.post(f"/v1/removal-orders/{rid}/cancellation").status_code == 409
    stored, recomputed = buckets_and_ledger()
    assert stored == recomputed


def test_a_pending_removal_is_cancelled_with_its_units_back(
    seller, fc_staff, stock, outbox_events, buckets_and_ledger
):
    r = seller.post(
        "/v1/removal-orders", json=removal(stock, disposition="return", ship_to=SEATTLE)
    )
    assert r.status_code == 201, r.text
    rid = r.json()["removal_order_id"]
    assert levels(fc_staff, stock) == (7, 0)

    cancelled = seller.post(f"/v1/removal-orders/{rid}/cancellation")
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "CANCELLED"
    assert levels(fc_staff, stock) == (8, 2)
    assert [e.data.removal_order_id for e in outbox_events("RemovalOrderCancelled")][-1] == rid
    assert seller.post(f"/v1/removal-orders/{rid}/cancellation").status_code == 409
    stored, recomputed = buckets_and_ledger()
    assert stored == recomputed


def test_the_same_request_sent_again_creates_nothing_twice(seller, fc_staff, stock):
    body = removal(stock, removal_order_id=f"RMV-{stock}")
    first, again = (
        seller.post("/v1/removal-orders", json=body),
        seller.post("/v1/removal-orders", json=body),
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert levels(fc_staff, stock) == (7, 0)
    other = seller.post(
        "/v1/removal-orders", json={**body, "disposition": "return", "ship_to": SEATTLE}
    )
    assert other.status_code == 409


def test_removals_the_stock_cannot_cover_are_refused_moving_nothing(
    seller, caller, fc_staff, stock
):
    too_many = seller.post(
        "/v1/removal-orders",
        json={
            "fulfillment_center_id": "SEA1",
            "disposition": "dispose",
            "lines": [{"fnsku": stock, "source": "unfulfillable", "quantity": 3}],
        },
    )
    no_address = seller.post("/v1/removal-orders", json=removal(stock, disposition="return"))
    elsewhere = seller.post("/v1/removal-orders", json=removal(stock, fulfillment_center_id="PHX3"))
    not_theirs = caller("other seller").post("/v1/removal-orders", json=removal(stock))

    assert (
        too_many.status_code,
        no_address.status_code,
        elsewhere.status_code,
        not_theirs.status_code,
    ) == (422, 422, 404, 404)
    assert "3 unfulfillable unit(s) asked, 2 unfulfillable" in too_many.text
    assert levels(fc_staff, stock) == (8, 2)


def test_a_report_on_an_unknown_removal_is_dead_lettered(deliver, events):
    with pytest.raises(AssertionError, match="removal order RMV-NOPE not found"):
        deliver(events.removal_shipped("RMV-NOPE"))


def test_a_service_acts_for_the_seller_it_names_and_only_with_one(
    client, service_token, fc_staff, stock
):
    headers = {"Authorization": f"Bearer {service_token}"}
    body = removal(stock)
    assert client.post("/v1/removal-orders", json=body, headers=headers).status_code == 403
    made = client.post(
        "/v1/removal-orders", json=body, params={"seller_id": "S-ACME"}, headers=headers
    )
    assert made.status_code == 201, made.text
    assert made.json()["seller_id"] == "S-ACME"
    assert (
        client.post(
            "/v1/removal-orders", json=body, params={"seller_id": "S-OTHER"}, headers=headers
        ).status_code
        == 404
    )
    listed = client.get(
        "/v1/removal-orders", params={"seller_id": "S-ACME"}, headers=headers
    ).json()
    assert made.json()["removal_order_id"] in [o["removal_order_id"] for o in listed]
    rid = made.json()["removal_order_id"]
    cancelled = client.post(
        f"/v1/removal-orders/{rid}/cancellation", params={"seller_id": "S-ACME"}, headers=headers
    )
    assert cancelled.status_code == 200
    assert levels(fc_staff, stock) == (8, 2)
