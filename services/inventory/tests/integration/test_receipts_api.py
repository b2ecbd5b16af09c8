"""Recording receipts through the API against a real PostgreSQL: bucket effects, the events in the
outbox, closing on full receipt, refusals, idempotent receipt ids, reads, and the ledger audit."""

from __future__ import annotations

import uuid

import pytest

pytestmark = pytest.mark.integration


def receipt(shipment, *lines, receipt_id=None, fc=None) -> dict:
    body = {
        "shipment_id": shipment.shipment_id,
        "fulfillment_center_id": fc or shipment.fulfillment_center_id,
        "lines": [{"fnsku": f, "received": r, "damaged": d} for f, r, d in lines],
    }
    if receipt_id:
        body["receipt_id"] = receipt_id
    return body


def buckets(fc_staff, fnsku: str, fc: str = "SEA1") -> dict:
    items = fc_staff.get(
        "/v1/inventory", params={"fnsku": fnsku, "fulfillment_center_id": fc}
    ).json()["items"]
    assert len(items) == 1
    return {k: items[0][k] for k in ("inbound", "fulfillable", "reserved", "unfulfillable")}


def test_a_receipt_moves_counted_units_out_of_inbound_into_fulfillable_and_unfulfillable(
    fc_staff, plan
):
    shipment = plan(10, 5)
    a, b = shipment.fnskus
    r = fc_staff.post("/v1/receipts", json=receipt(shipment, (a, 6, 1)))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["shipment_status"] == "RECEIVING"
    assert body["receipt_id"]
    assert body["lines"] == [
        {
            "fnsku": a,
            "seller_sku": f"SKU-{a}",
            "quantity_received": 6,
            "quantity_damaged": 1,
            "quantity_expected": 10,
            "total_received": 6,
            "total_damaged": 1,
        }
    ]
    assert body["inventory"] == [
        {
            "fnsku": a,
            "seller_id": "S-ACME",
            "seller_sku": f"SKU-{a}",
            "fulfillment_center_id": "SEA1",
            "inbound": 3,
            "fulfillable": 6,
            "reserved": 0,
            "unfulfillable": 1,
            "shipped": 0,
            "inbound_working": None,
            "inbound_shipped": None,
            "inbound_receiving": None,
        }
    ]
    assert buckets(fc_staff, a) == {
        "inbound": 3,
        "fulfillable": 6,
        "reserved": 0,
        "unfulfillable": 1,
    }
    assert buckets(fc_staff, b) == {
        "inbound": 5,
        "fulfillable": 0,
        "reserved": 0,
        "unfulfillable": 0,
    }


def test_receipt_events_are_in_the_outbox_and_continue_the_shipments_correlation(
    fc_staff, plan, outbox_events
):
    shipment = plan(10)
    (a,) = shipment.fnskus
    r = fc_staff.post("/v1/receipts", json=receipt(shipment, (a, 4, 2)))
    receipt_id = r.json()["receipt_id"]

    received = [
        e for e in outbox_events("InventoryReceived") if e.data.shipment_id == shipment.shipment_id
    ]
    assert len(received) == 1
    data = received[0].data
    assert (
        data.receipt_id,
        data.fnsku,
        data.seller_id,
        data.seller_sku,
        data.fulfillment_center_id,
    ) == (
        receipt_id,
        a,
        "S-ACME",
        f"SKU-{a}",
        "SEA1",
    )
    assert (data.quantity_expected, data.quantity_received, data.quantity_damaged) == (10, 4, 2)
    assert received[0].correlation_id == shipment.planned.correlation_id

    levels = [e for e in outbox_events("InventoryLevelChanged") if e.data.fnsku == a]
    # One when the plan made the units inbound, one for the receipt.
    assert [(e.data.inbound, e.data.fulfillable, e.data.unfulfillable) for e in levels] == [
        (10, 0, 0),
        (4, 4, 2),
    ]
    assert levels[-1].correlation_id == shipment.planned.correlation_id
    assert levels[-1].data.seller_sku == f"SKU-{a}"
    assert not [
        e
        for e in outbox_events("InboundShipmentClosed")
        if e.data.shipment_id == shipment.shipment_id
    ]


def test_a_callers_correlation_id_is_carried_by_the_receipts_events(fc_staff, plan, outbox_events):
    shipment = plan(3)
    (a,) = shipment.fnskus
    fc_staff.post(
        "/v1/receipts",
        json=receipt(shipment, (a, 1, 0)),
        headers={"X-Correlation-Id": "dock-door-7"},
    )
    received = [
        e for e in outbox_events("InventoryReceived") if e.data.shipment_id == shipment.shipment_id
    ]
    assert [e.correlation_id for e in received] == ["dock-door-7"]


def test_receiving_every_line_in_full_closes_the_shipment_and_announces_it_once(
    fc_staff, plan, outbox_events
):
    shipment = plan(4, 2)
    a, b = shipment.fnskus
    first = fc_staff.post("/v1/receipts", json=receipt(shipment, (a, 4, 0)))
    assert first.json()["shipment_status"] == "RECEIVING"
    second = fc_staff.post("/v1/receipts", json=receipt(shipment, (b, 1, 1)))
    assert second.status_code == 201
    assert second.json()["shipment_status"] == "CLOSED"

    closed = [
        e
        for e in outbox_events("InboundShipmentClosed")
        if e.data.shipment_id == shipment.shipment_id
    ]
    assert len(closed) == 1
    assert (closed[0].data.fulfillment_center_id, closed[0].data.seller_id) == ("SEA1", "S-ACME")
    assert closed[0].correlation_id == shipment.planned.correlation_id

    view = fc_staff.get(f"/v1/inbound-shipments/{shipment.shipment_id}/receipts").json()
    assert view["status"] == "CLOSED"
    assert view["lines"] == [
        {
            "fnsku": a,
            "seller_sku": f"SKU-{a}",
            "quantity_expected": 4,
            "quantity_received": 4,
            "quantity_damaged": 0,
            "quantity_outstanding": 0,
        },
        {
            "fnsku": b,
            "seller_sku": f"SKU-{b}",
            "quantity_expected": 2,
            "quantity_received": 1,
            "quantity_damaged": 1,
            "quantity_outstanding": 0,
        },
    ]
    assert [r["receipt_id"] for r in view["receipts"]] == [
        first.json()["receipt_id"],
        second.json()["receipt_id"],
    ]
    assert view["receipts"][1]["lines"] == [
        {"fnsku": b, "quantity_received": 1, "quantity_damaged": 1}
    ]


def test_a_late_receipt_for_a_closed_shipment_is_refused_and_moves_nothing(fc_staff, plan):
    shipment = plan(2)
    (a,) = shipment.fnskus
    assert (
        fc_staff.post("/v1/receipts", json=receipt(shipment, (a, 2, 0))).json()["shipment_status"]
        == "CLOSED"
    )
    r = fc_staff.post("/v1/receipts", json=receipt(shipment, (a, 1, 0)))
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "shipment_closed"
    assert shipment.shipment_id in r.json()["error"]["message"]
    assert buckets(fc_staff, a) == {
        "inbound": 0,
        "fulfillable": 2,
        "reserved": 0,
        "unfulfillable": 0,
    }


def test_a_receipt_for_a_cancelled_shipment_is_refused(fc_staff, plan, deliver, events):
    shipment = plan(5)
    (a,) = shipment.fnskus
    deliver(events.cancelled(shipment.shipment_id))
    r = fc_staff.post("/v1/receipts", json=receipt(shipment, (a, 5, 0)))
    assert r.status_code == 409 and r.json()["error"]["code"] == "shipment_cancelled"
    assert buckets(fc_staff, a) == {
        "inbound": 0,
        "fulfillable": 0,
        "reserved": 0,
        "unfulfillable": 0,
    }


def test_an_overage_is_fulfillable_but_never_drives_inbound_negative(fc_staff, plan):
    shipment = plan(5)
    (a,) = shipment.fnskus
    r = fc_staff.post("/v1/receipts", json=receipt(shipment, (a, 6, 1)))
    assert r.json()["shipment_status"] == "CLOSED"
    assert buckets(fc_staff, a) == {
        "inbound": 0,
        "fulfillable": 6,
        "reserved": 0,
        "unfulfillable": 1,
    }


def test_the_same_receipt_id_twice_returns_the_stored_result_and_moves_nothing_twice(
    fc_staff, plan, outbox_events
):
    shipment = plan(10)
    (a,) = shipment.fnskus
    body = receipt(shipment, (a, 3, 1), receipt_id=f"RCV-{uuid.uuid4().hex[:8]}")
    first = fc_staff.post("/v1/receipts", json=body)
    again = fc_staff.post("/v1/receipts", json=body)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert buckets(fc_staff, a) == {
        "inbound": 6,
        "fulfillable": 3,
        "reserved": 0,
        "unfulfillable": 1,
    }
    assert (
        len(
            [
                e
                for e in outbox_events("InventoryReceived")
                if e.data.receipt_id == body["receipt_id"]
            ]
        )
        == 1
    )
    ledger = fc_staff.get("/v1/ledger", params={"fnsku": a}).json()
    assert (
        sum(1 for e in ledger["items"] if e["receipt_id"] == body["receipt_id"]) == 3
    )  # inbound, fulfillable, damaged


def test_replaying_the_receipt_that_closed_a_shipment_returns_its_result_not_a_conflict(
    fc_staff, plan
):
    shipment = plan(2)
    (a,) = shipment.fnskus
    body = receipt(shipment, (a, 2, 0), receipt_id=f"RCV-{uuid.uuid4().hex[:8]}")
    first = fc_staff.post("/v1/receipts", json=body)
    again = fc_staff.post("/v1/receipts", json=body)
    assert again.status_code == 201 and again.json() == first.json()
    assert again.json()["shipment_status"] == "CLOSED"


def test_a_receipt_id_reused_for_different_counts_is_refused(fc_staff, plan):
    shipment = plan(10)
    (a,) = shipment.fnskus
    receipt_id = f"RCV-{uuid.uuid4().hex[:8]}"
    assert (
        fc_staff.post(
            "/v1/receipts", json=receipt(shipment, (a, 3, 0), receipt_id=receipt_id)
        ).status_code
        == 201
    )
    r = fc_staff.post("/v1/receipts", json=receipt(shipment, (a, 4, 0), receipt_id=receipt_id))
    assert r.status_code == 409 and r.json()["error"]["code"] == "receipt_id_reused"
    assert buckets(fc_staff, a)["fulfillable"] == 3


def test_an_fnsku_found_in_a_box_but_not_in_the_plan_is_recorded_as_a_discrepancy_not_dropped(
    fc_staff, plan, outbox_events
):
    shipment = plan(10)
    (a,) = shipment.fnskus
    r = fc_staff.post("/v1/receipts", json=receipt(shipment, (a, 5, 0), ("XNOTINSHIP", 2, 1)))
    assert r.status_code == 201, r.text
    assert r.json()["unknown_fnskus"] == [
        {"fnsku": "XNOTINSHIP", "quantity_received": 2, "quantity_damaged": 1}
    ]
    # The planned line is received; the stranger moves into no bucket (whose stock is it?).
    assert buckets(fc_staff, a) == {
        "inbound": 5,
        "fulfillable": 5,
        "reserved": 0,
        "unfulfillable": 0,
    }
    assert fc_staff.get("/v1/inventory", params={"fnsku": "XNOTINSHIP"}).json()["items"] == []
    [found] = fc_staff.get(
        "/v1/discrepancies", params={"shipment_id": shipment.shipment_id}
    ).json()["items"]
    assert (found["kind"], found["fnsku"], found["quantity"], found["seller_id"]) == (
        "unknown-fnsku",
        "XNOTINSHIP",
        3,
        "S-ACME",
    )
    [event] = [
        e
        for e in outbox_events("InventoryDiscrepancyRecorded")
        if e.data.shipment_id == shipment.shipment_id
    ]
    assert (event.data.kind, event.data.fnsku, event.data.quantity) == (
        "unknown-fnsku",
        "XNOTINSHIP",
        3,
    )
    assert event.subject == "XNOTINSHIP"
    view = fc_staff.get(f"/v1/inbound-shipments/{shipment.shipment_id}/receipts").json()
    assert [d["kind"] for d in view["discrepancies"]] == ["unknown-fnsku"]


def test_a_receipt_at_another_fulfillment_center_is_refused_with_the_expected_one(operator, plan):
    shipment = plan(10)
    (a,) = shipment.fnskus
    r = operator.post("/v1/receipts", json=receipt(shipment, (a, 5, 0), fc="PHX3"))
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "wrong_fulfillment_center"
    assert "SEA1" in error["message"] and "PHX3" in error["message"]


def test_an_unknown_shipment_is_a_404(fc_staff):
    r = fc_staff.post(
        "/v1/receipts",
        json={
            "shipment_id": "FBANOPE",
            "fulfillment_center_id": "SEA1",
            "lines": [{"fnsku": "X1", "received": 1}],
        },
    )
    assert r.status_code == 404 and "FBANOPE" in r.json()["error"]["message"]
    assert fc_staff.get("/v1/inbound-shipments/FBANOPE/receipts").status_code == 404


def _line(**overrides):
    return {"fnsku": "X1", "received": 1, "damaged": 0, **overrides}


@pytest.mark.parametrize(
    "body, status, fragment",
    [
        ({"shipment_id": "S1", "fulfillment_center_id": "SEA1", "lines": []}, 422, "lines"),
        (
            {"shipment_id": "S1", "fulfillment_center_id": "SEA1", "lines": [_line()] * 201},
            422,
            "lines",
        ),
        (
            {"shipment_id": "S1", "fulfillment_center_id": "SEA1", "lines": [_line(received=-1)]},
            422,
            "received",
        ),
        (
            {
                "shipment_id": "S1",
                "fulfillment_center_id": "SEA1",
                "lines": [_line(damaged=100_001)],
            },
            422,
            "damaged",
        ),
        (
            {
                "shipment_id": "S1",
                "fulfillment_center_id": "SEA1",
                "lines": [_line(received="lots")],
            },
            422,
            "received",
        ),
        (
            {"shipment_id": "S1", "fulfillment_center_id": "SEA1", "lines": [_line(extra=1)]},
            422,
            "extra",
        ),
        (
            {"shipment_id": "", "fulfillment_center_id": "SEA1", "lines": [_line()]},
            422,
            "shipment_id",
        ),
        (
            {"shipment_id": "S1", "fulfillment_center_id": "sea 1", "lines": [_line()]},
            422,
            "fulfillment_center_id",
        ),
        ({"shipment_id": "S1", "fulfillment_center_id": "ZZZ9", "lines": [_line()]}, 422, "ZZZ9"),
        ({"shipment_id": "S1", "fulfillment_center_id": "SEA1"}, 422, "lines"),
        (
            {
                "shipment_id": "S1",
                "fulfillment_center_id": "SEA1",
                "lines": [_line()],
                "receipt_id": "a b",
            },
            422,
            "receipt_id",
        ),
    ],
)
def test_bad_receipts_get_a_clear_4xx(fc_staff, body, status, fragment):
    r = fc_staff.post("/v1/receipts", json=body)
    assert r.status_code == status
    assert fragment in r.json()["error"]["message"]


def test_the_same_fnsku_twice_in_one_receipt_is_refused(fc_staff, plan):
    shipment = plan(10)
    (a,) = shipment.fnskus
    r = fc_staff.post("/v1/receipts", json=receipt(shipment, (a, 1, 0), (a, 2, 0)))
    assert r.status_code == 422 and r.json()["error"]["code"] == "duplicate_fnsku"


def test_inventory_filters_by_seller_fnsku_and_fc_and_pages_stably(operator, plan):
    seller = f"S-{uuid.uuid4().hex[:6]}"
    east = plan(1, 2, 3, seller_id=seller, fc="EWR4")
    west = plan(4, 5, seller_id=seller, fc="SEA1")
    every = operator.get("/v1/inventory", params={"seller_id": seller, "limit": 500}).json()
    assert every["total"] == 5
    assert sorted(
        (i["fnsku"], i["fulfillment_center_id"], i["inbound"]) for i in every["items"]
    ) == sorted(
        [(f, "EWR4", q) for f, q in zip(east.fnskus, (1, 2, 3), strict=True)]
        + [(f, "SEA1", q) for f, q in zip(west.fnskus, (4, 5), strict=True)]
    )
    paged = []
    for offset in range(0, 5, 2):
        page = operator.get(
            "/v1/inventory", params={"seller_id": seller, "limit": 2, "offset": offset}
        ).json()
        assert (page["total"], page["limit"], page["offset"]) == (5, 2, offset)
        paged += page["items"]
    assert paged == every["items"]
    in_east = operator.get(
        "/v1/inventory", params={"seller_id": seller, "fulfillment_center_id": "EWR4"}
    ).json()
    assert {i["fnsku"] for i in in_east["items"]} == set(east.fnskus)
    assert operator.get("/v1/inventory", params={"limit": 0}).status_code == 422
    assert (
        operator.get("/v1/inventory", params={"fulfillment_center_id": "not an fc"}).status_code
        == 422
    )


def test_the_ledger_lists_every_movement_with_its_cause(fc_staff, plan):
    shipment = plan(8)
    (a,) = shipment.fnskus
    rid = fc_staff.post("/v1/receipts", json=receipt(shipment, (a, 5, 1))).json()["receipt_id"]
    ledger = fc_staff.get("/v1/ledger", params={"fnsku": a, "fulfillment_center_id": "SEA1"}).json()
    assert ledger["total"] == 4
    assert [(e["bucket"], e["delta"], e["reason"]) for e in ledger["items"]] == [
        ("inbound", 8, "inbound-shipment-planned"),
        ("inbound", -6, "arrived"),
        ("fulfillable", 5, "received"),
        ("unfulfillable", 1, "received-damaged"),
    ]
    assert ledger["items"][0]["cause_event_id"] == shipment.planned.id
    assert all(e["receipt_id"] == rid for e in ledger["items"][1:])
    assert all(
        e["shipment_id"] == shipment.shipment_id and e["seller_id"] == "S-ACME"
        for e in ledger["items"]
    )


def test_the_buckets_equal_the_ledger_added_up(fc_staff, plan, deliver, events, buckets_and_ledger):
    # A mix of every movement kind (plus whatever the other tests of this module did first).
    shipment = plan(7, 3)
    a, b = shipment.fnskus
    fc_staff.post("/v1/receipts", json=receipt(shipment, (a, 2, 1), (b, 3, 0)))
    deliver(events.cancelled(shipment.shipment_id))
    stored, recomputed = buckets_and_ledger()
    assert stored[(a, "SEA1")].inbound == 0 and stored[(a, "SEA1")].fulfillable == 2
    assert stored == recomputed


def test_health_metrics_and_openapi(client):
    assert client.get("/healthz").json()["status"] == "ok"
    assert "stockpath_http_requests_total" in client.get("/metrics").text
    paths = client.get("/openapi.json").json()["paths"]
    assert {
        "/v1/receipts",
        "/v1/inventory",
        "/v1/ledger",
        "/v1/inbound-shipments/{shipment_id}/receipts",
    } <= set(paths)
