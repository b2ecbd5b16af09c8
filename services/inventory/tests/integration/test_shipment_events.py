"""The worker's handlers for registration's shipment events, delivered through the runtime's own
message processor (decode → inbox → handler → commit) against a real PostgreSQL."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from stockpath_events import CatalogItemSnapshot, new_event
from stockpath_events.types.registration import InboundShipmentShipped, ItemRegistered
from stockpath_runtime.consumer import Outcome

pytestmark = pytest.mark.integration


def tag() -> str:
    return uuid.uuid4().hex[:8].upper()


def inventory_of(operator, fnsku: str) -> list[dict]:
    return operator.get("/v1/inventory", params={"fnsku": fnsku}).json()["items"]


def test_a_plan_expects_the_shipment_and_makes_its_units_inbound(
    operator, deliver, events, outbox_events
):
    t = tag()
    planned = events.planned(
        f"FBA{t}", [(f"XA{t}", 12), (f"XB{t}", 3)], fulfillment_center_id="DFW7"
    )
    assert deliver(planned) == [Outcome.PROCESSED]

    view = operator.get(f"/v1/inbound-shipments/FBA{t}/receipts").json()
    assert (view["status"], view["fulfillment_center_id"], view["seller_id"]) == (
        "PLANNED",
        "DFW7",
        "S-ACME",
    )
    assert [
        (line["fnsku"], line["quantity_expected"], line["quantity_outstanding"])
        for line in view["lines"]
    ] == [
        (f"XA{t}", 12, 12),
        (f"XB{t}", 3, 3),
    ]
    assert view["receipts"] == []
    [level] = inventory_of(operator, f"XA{t}")
    assert (level["fulfillment_center_id"], level["inbound"], level["fulfillable"]) == (
        "DFW7",
        12,
        0,
    )
    assert level["seller_sku"] == f"SKU-XA{t}"

    ledger = operator.get("/v1/ledger", params={"fnsku": f"XA{t}"}).json()["items"]
    assert [(e["bucket"], e["delta"], e["cause_event_id"]) for e in ledger] == [
        ("inbound", 12, planned.id)
    ]

    changed = [
        e for e in outbox_events("InventoryLevelChanged") if e.data.fnsku in (f"XA{t}", f"XB{t}")
    ]
    assert [(e.data.fnsku, e.data.inbound) for e in changed] == [(f"XA{t}", 12), (f"XB{t}", 3)]
    # Caused by the plan: its correlation id continues, and the plan is the causation.
    assert {(e.correlation_id, e.causation_id) for e in changed} == {
        (planned.correlation_id, planned.id)
    }


def test_a_plan_delivered_again_or_republished_counts_once(operator, deliver, events):
    t = tag()
    planned = events.planned(f"FBA{t}", [(f"X{t}", 5)])
    assert deliver(planned, planned) == [Outcome.PROCESSED, Outcome.DUPLICATE]
    republished = events.planned(f"FBA{t}", [(f"X{t}", 5)])  # same shipment, new event id
    assert deliver(republished) == [Outcome.PROCESSED]
    assert inventory_of(operator, f"X{t}")[0]["inbound"] == 5


def test_two_shipments_of_one_fnsku_to_one_fc_add_up(operator, deliver, events):
    t = tag()
    deliver(events.planned(f"FBA{t}1", [(f"X{t}", 5)]), events.planned(f"FBA{t}2", [(f"X{t}", 7)]))
    [level] = inventory_of(operator, f"X{t}")
    assert level["inbound"] == 12


def test_a_cancellation_removes_what_has_not_arrived_and_keeps_what_has(
    operator, fc_staff, deliver, events, plan
):
    shipment = plan(10)
    (a,) = shipment.fnskus
    body = {
        "shipment_id": shipment.shipment_id,
        "fulfillment_center_id": "SEA1",
        "lines": [{"fnsku": a, "received": 4, "damaged": 1}],
    }
    assert fc_staff.post("/v1/receipts", json=body).status_code == 201
    assert deliver(events.cancelled(shipment.shipment_id)) == [Outcome.PROCESSED]
    [level] = inventory_of(operator, a)
    assert (level["inbound"], level["fulfillable"], level["unfulfillable"]) == (0, 4, 1)
    assert (
        operator.get(f"/v1/inbound-shipments/{shipment.shipment_id}/receipts").json()["status"]
        == "CANCELLED"
    )
    # A second cancellation (a new event) finds nothing left to remove.
    assert deliver(events.cancelled(shipment.shipment_id)) == [Outcome.PROCESSED]
    ledger = operator.get("/v1/ledger", params={"fnsku": a}).json()["items"]
    assert [(e["delta"], e["reason"]) for e in ledger if e["bucket"] == "inbound"] == [
        (10, "inbound-shipment-planned"),
        (-5, "arrived"),
        (-5, "inbound-shipment-cancelled"),
    ]


def test_a_cancellation_after_the_shipment_closed_changes_nothing(
    operator, fc_staff, deliver, events, plan
):
    shipment = plan(2)
    (a,) = shipment.fnskus
    body = {
        "shipment_id": shipment.shipment_id,
        "fulfillment_center_id": "SEA1",
        "lines": [{"fnsku": a, "received": 2}],
    }
    fc_staff.post("/v1/receipts", json=body)
    assert deliver(events.cancelled(shipment.shipment_id)) == [Outcome.PROCESSED]
    assert (
        operator.get(f"/v1/inbound-shipments/{shipment.shipment_id}/receipts").json()["status"]
        == "CLOSED"
    )
    assert inventory_of(operator, a)[0]["fulfillable"] == 2


def test_a_plan_arriving_after_its_cancellation_creates_no_inbound_stock(operator, deliver, events):
    t = tag()
    assert deliver(events.cancelled(f"FBA{t}")) == [Outcome.PROCESSED]
    assert deliver(events.planned(f"FBA{t}", [(f"X{t}", 9)])) == [Outcome.PROCESSED]
    assert inventory_of(operator, f"X{t}") == []
    assert operator.get(f"/v1/inbound-shipments/FBA{t}/receipts").json()["status"] == "CANCELLED"


def test_other_registration_events_are_ignored(operator, deliver):
    t = tag()
    registered = new_event(
        ItemRegistered(
            registration_id=f"R{t}",
            seller_id="S-ACME",
            seller_sku="SKU-1",
            catalog_item_id="B1",
            fnsku=f"X{t}",
            condition="new",
            price=Decimal("9.99"),
            channels=["web"],
            item=CatalogItemSnapshot(catalog_item_id="B1", title="Kettle", category="Kitchen"),
        ),
        source="registration",
    )
    shipped = new_event(
        InboundShipmentShipped(
            shipment_id=f"FBA{t}",
            seller_id="S-ACME",
            fulfillment_center_id="SEA1",
            carrier="UPS",
            tracking_number="1Z",
        ),
        source="registration",
    )
    # ItemRegistered only tells what prices the FNSKU; a shipment it never planned changes nothing.
    assert deliver(registered, shipped) == [Outcome.PROCESSED, Outcome.PROCESSED]
    assert operator.get(f"/v1/inbound-shipments/FBA{t}/receipts").status_code == 404


def test_quantities_beyond_32_bits_are_counted_not_dead_lettered(operator, deliver, events):
    t = tag()
    assert deliver(events.planned(f"FBA{t}", [(f"X{t}", 3_000_000_000)])) == [Outcome.PROCESSED]
    assert inventory_of(operator, f"X{t}")[0]["inbound"] == 3_000_000_000
