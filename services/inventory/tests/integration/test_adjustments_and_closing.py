"""Receiving against the plan (shortages, overages, explicit close, late receipts refused) and
adjustments by FC staff — in the buckets, the ledger and the events."""

from __future__ import annotations

import pytest
from inventory_testkit import buckets

pytestmark = pytest.mark.integration


def receive(fc_staff, shipment, fnsku, received, damaged=0):
    return fc_staff.post(
        "/v1/receipts",
        json={
            "shipment_id": shipment.shipment_id,
            "fulfillment_center_id": shipment.fulfillment_center_id,
            "lines": [{"fnsku": fnsku, "received": received, "damaged": damaged}],
        },
    )


def test_closing_a_shipment_short_records_the_shortage_and_refuses_late_receipts(
    fc_staff, plan, outbox_events, buckets_and_ledger
):
    shipment = plan(10, 4)
    a, b = shipment.fnskus
    assert receive(fc_staff, shipment, a, 6, 1).status_code == 201
    r = fc_staff.post(
        f"/v1/inbound-shipments/{shipment.shipment_id}/close",
        json={"fulfillment_center_id": "SEA1"},
    )
    assert r.status_code == 200, r.text
    view = r.json()
    assert view["status"] == "CLOSED"
    assert sorted((d["fnsku"], d["kind"], d["quantity"]) for d in view["discrepancies"]) == sorted(
        [(a, "shortage", 3), (b, "shortage", 4)]
    )
    assert buckets(fc_staff, a) == {
        "inbound": 0,
        "fulfillable": 6,
        "reserved": 0,
        "unfulfillable": 1,
        "shipped": 0,
    }
    assert buckets(fc_staff, b)["inbound"] == 0
    [closed] = [
        e
        for e in outbox_events("InboundShipmentClosed")
        if e.data.shipment_id == shipment.shipment_id
    ]
    ledger = fc_staff.get("/v1/ledger", params={"fnsku": a}).json()["items"]
    assert (
        ledger[-1]["reason"] == "inbound-shipment-closed-short"
        and ledger[-1]["cause_event_id"] == closed.id
    )
    shortages = [
        e
        for e in outbox_events("InventoryDiscrepancyRecorded")
        if e.data.shipment_id == shipment.shipment_id
    ]
    assert sorted(
        (e.data.fnsku, e.data.quantity_expected, e.data.quantity_counted) for e in shortages
    ) == sorted([(a, 10, 7), (b, 4, 0)])

    late = receive(fc_staff, shipment, a, 3)
    assert late.status_code == 409 and late.json()["error"]["code"] == "shipment_closed"
    again = fc_staff.post(f"/v1/inbound-shipments/{shipment.shipment_id}/close")
    assert again.status_code == 409
    assert fc_staff.post("/v1/inbound-shipments/FBANOSUCH/close").status_code == 404
    stored, recomputed = buckets_and_ledger()
    assert stored == recomputed


def test_an_overage_is_recorded_as_a_discrepancy_with_the_extra_units(
    fc_staff, plan, outbox_events
):
    shipment = plan(5)
    (a,) = shipment.fnskus
    assert receive(fc_staff, shipment, a, 3).status_code == 201
    assert receive(fc_staff, shipment, a, 4).status_code == 201  # 7 counted, 5 planned
    [over] = fc_staff.get("/v1/discrepancies", params={"fnsku": a, "kind": "overage"}).json()[
        "items"
    ]
    assert (over["quantity"], over["quantity_expected"], over["quantity_counted"]) == (2, 5, 7)
    assert buckets(fc_staff, a)["fulfillable"] == 7
    assert [
        e.data.kind for e in outbox_events("InventoryDiscrepancyRecorded") if e.data.fnsku == a
    ] == ["overage"]


def test_the_inventory_reports_inbound_as_working_shipped_and_receiving(fc_staff, plan, deliver):
    from stockpath_events import new_event
    from stockpath_events.types.registration import InboundShipmentShipped

    working, on_its_way, arriving = plan(4, fnskus=None), plan(3), plan(2)
    deliver(
        new_event(
            InboundShipmentShipped(
                shipment_id=on_its_way.shipment_id,
                seller_id="S-ACME",
                fulfillment_center_id="SEA1",
                carrier="UPS",
                tracking_number="1Z1",
            ),
            source="registration",
        )
    )
    receive(fc_staff, arriving, arriving.fnskus[0], 1)

    def split(shipment):
        [item] = fc_staff.get("/v1/inventory", params={"fnsku": shipment.fnskus[0]}).json()["items"]
        return (
            item["inbound"],
            item["inbound_working"],
            item["inbound_shipped"],
            item["inbound_receiving"],
        )

    assert split(working) == (4, 4, 0, 0)
    assert split(on_its_way) == (3, 0, 3, 0)
    assert split(arriving) == (1, 0, 0, 1)


@pytest.fixture
def stocked(fc_staff, plan):
    def make(units: int, fc: str = "SEA1") -> str:
        shipment = plan(units, fc=fc)
        (fnsku,) = shipment.fnskus
        assert receive(fc_staff, shipment, fnsku, units).status_code == 201
        return fnsku

    return make


def adjustment(fnsku, kind, quantity, **more):
    return {
        "fulfillment_center_id": "SEA1",
        "fnsku": fnsku,
        "kind": kind,
        "quantity": quantity,
        "reason": f"cycle count: {kind}",
        **more,
    }


def test_found_lost_and_damaged_adjustments_move_buckets_with_ledger_and_events(
    fc_staff, stocked, outbox_events, buckets_and_ledger
):
    fnsku = stocked(10)
    for kind, quantity in (("found", 2), ("lost", 1), ("damaged", 3)):
        r = fc_staff.post(
            "/v1/adjustments",
            json=adjustment(fnsku, kind, quantity, adjustment_id=f"ADJ-{kind}-{fnsku}"),
        )
        assert r.status_code == 201, r.text
    assert buckets(fc_staff, fnsku) == {
        "inbound": 0,
        "fulfillable": 8,
        "reserved": 0,
        "unfulfillable": 3,
        "shipped": 0,
    }
    adjusted = [e.data for e in outbox_events("InventoryAdjusted") if e.data.fnsku == fnsku]
    assert [(a.bucket, a.quantity_delta) for a in adjusted] == [
        ("fulfillable", 2),
        ("fulfillable", -1),
        ("fulfillable", -3),
        ("unfulfillable", 3),
    ]
    assert adjusted[0].reason == "adjustment-found: cycle count: found"
    ledger = fc_staff.get("/v1/ledger", params={"fnsku": fnsku}).json()["items"]
    assert [e["reason"] for e in ledger if e["adjustment_id"]] == [
        "adjustment-found",
        "adjustment-lost",
        "adjustment-damaged",
        "adjustment-damaged",
    ]
    level = [e for e in outbox_events("InventoryLevelChanged") if e.data.fnsku == fnsku][-1].data
    assert (level.fulfillable, level.unfulfillable) == (8, 3)
    # Sent again with its id: nothing moves twice.
    again = fc_staff.post(
        "/v1/adjustments", json=adjustment(fnsku, "lost", 1, adjustment_id=f"ADJ-lost-{fnsku}")
    )
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert buckets(fc_staff, fnsku)["fulfillable"] == 8
    reused = fc_staff.post(
        "/v1/adjustments", json=adjustment(fnsku, "lost", 2, adjustment_id=f"ADJ-lost-{fnsku}")
    )
    assert reused.status_code == 409 and reused.json()["error"]["code"] == "adjustment_id_reused"
    reconciliation = fc_staff.get("/v1/ledger/reconciliation", params={"fnsku": fnsku}).json()
    assert reconciliation["balanced"] and reconciliation["items"][0]["stored"]["unfulfillable"] == 3
    stored, recomputed = buckets_and_ledger()
    assert stored == recomputed


def test_a_transfer_moves_fulfillable_units_to_another_fc(
    fc_staff, operator, stocked, outbox_events
):
    fnsku = stocked(6)
    r = fc_staff.post(
        "/v1/adjustments", json=adjustment(fnsku, "transferred", 4, to_fulfillment_center_id="DFW7")
    )
    assert r.status_code == 201, r.text
    assert buckets(fc_staff, fnsku, "SEA1")["fulfillable"] == 2
    # SEA1's staff send units to DFW7, whose stock only DFW7 and the operator read.
    assert buckets(operator, fnsku, "DFW7")["fulfillable"] == 4
    assert sorted(
        (e.data.fulfillment_center_id, e.data.quantity_delta)
        for e in outbox_events("InventoryAdjusted")
        if e.data.fnsku == fnsku
    ) == [("DFW7", 4), ("SEA1", -4)]


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"kind": "lost", "quantity": 99}, 409, "not_enough_fulfillable"),
        ({"kind": "transferred"}, 422, "bad_transfer"),
        ({"kind": "found", "to_fulfillment_center_id": "DFW7"}, 422, "bad_transfer"),
        ({"kind": "transferred", "to_fulfillment_center_id": "SEA1"}, 422, "bad_transfer"),
        ({"kind": "stolen"}, 422, "validation_error"),
        ({"quantity": 0}, 422, "validation_error"),
        ({"reason": ""}, 422, "validation_error"),
        ({"fulfillment_center_id": "ZZZ9"}, 422, "unknown_fulfillment_center"),
        ({"fnsku": "XNOSTOCKHERE"}, 404, "not_found"),
    ],
)
def test_bad_adjustments_get_a_clear_4xx_and_move_nothing(fc_staff, stocked, change, status, code):
    fnsku = stocked(3)
    r = fc_staff.post("/v1/adjustments", json={**adjustment(fnsku, "lost", 1), **change})
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code
    assert buckets(fc_staff, fnsku)["fulfillable"] == 3
