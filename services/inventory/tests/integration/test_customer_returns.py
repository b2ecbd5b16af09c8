"""Customer returns in the inventory, against the real PostgreSQL: an FC's report the order router
accepted (ReturnReceiptAccepted) puts sellable units back in fulfillable and the rest in
unfulfillable, through the ledger, once per return id whatever is redelivered; a return of an
FNSKU never held at the FC is dead-lettered."""

from __future__ import annotations

import uuid

import pytest
from inventory_testkit import buckets

from stockpath_events import new_event
from stockpath_events.types.fulfillment import ReturnedLine, ReturnReceived
from stockpath_runtime.consumer import Outcome

pytestmark = pytest.mark.integration


@pytest.fixture
def shipped_units(fc_staff, plan, deliver, events):
    """An FNSKU with 10 received at SEA1, 3 of them shipped to a buyer."""
    shipment = plan(10)
    (fnsku,) = shipment.fnskus
    r = fc_staff.post(
        "/v1/receipts",
        json={
            "shipment_id": shipment.shipment_id,
            "fulfillment_center_id": "SEA1",
            "lines": [{"fnsku": fnsku, "received": 10}],
        },
    )
    assert r.status_code == 201, r.text
    fo = f"FO-{uuid.uuid4().hex[:12]}"
    assert (
        deliver(events.instructed(fo, [(fnsku, 3)]), events.shipped(fo)) == [Outcome.PROCESSED] * 2
    )
    return fnsku


def test_returns_move_units_by_condition_once_per_return_id(
    fc_staff, shipped_units, deliver, events, outbox_events, buckets_and_ledger
):
    fnsku = shipped_units
    return_id = f"RET-{uuid.uuid4().hex[:12]}"
    returned = events.return_accepted(
        return_id, [(fnsku, 1, "sellable"), (fnsku, 1, "carrier-damaged")]
    )
    again = events.return_accepted(
        return_id, [(fnsku, 1, "sellable"), (fnsku, 1, "carrier-damaged")]
    )

    assert deliver(returned, returned, again) == [
        Outcome.PROCESSED,
        Outcome.DUPLICATE,
        Outcome.PROCESSED,
    ]

    assert buckets(fc_staff, fnsku) == {
        "inbound": 0,
        "fulfillable": 8,
        "reserved": 0,
        "unfulfillable": 1,
        "shipped": 3,
    }
    ledger = fc_staff.get("/v1/ledger", params={"fnsku": fnsku}).json()["items"]
    assert [
        (e["bucket"], e["delta"], e["reason"]) for e in ledger if e["cause_event_id"] == returned.id
    ] == [
        ("fulfillable", 1, "customer-return-sellable"),
        ("unfulfillable", 1, "customer-return-carrier-damaged"),
    ]
    assert not [e for e in ledger if e["cause_event_id"] == again.id]
    level = [e for e in outbox_events("InventoryLevelChanged") if e.data.fnsku == fnsku][-1]
    # What order-router allocates against grows by the one unit that can be sold again.
    assert (
        level.data.fulfillable + level.data.reserved + level.data.shipped,
        level.causation_id,
    ) == (11, returned.id)
    stored, recomputed = buckets_and_ledger()
    assert stored == recomputed


def test_a_return_of_an_fnsku_never_held_at_the_fc_is_dead_lettered(deliver, events):
    returned = events.return_accepted(
        f"RET-{uuid.uuid4().hex[:12]}", [("X00NEVERHELD", 1, "sellable")]
    )

    with pytest.raises(AssertionError, match="X00NEVERHELD was never held at SEA1"):
        deliver(returned)


def test_an_fcs_report_alone_moves_nothing_until_the_order_router_accepted_it(
    fc_staff, shipped_units, deliver
):
    fnsku = shipped_units
    before = buckets(fc_staff, fnsku)
    report = new_event(
        ReturnReceived(
            return_id=f"RET-{uuid.uuid4().hex[:12]}",
            order_id="O-NOBODY-AUTHORIZED",
            fulfillment_center_id="SEA1",
            lines=[ReturnedLine(fnsku=fnsku, quantity=5, condition="sellable")],
        ),
        source="/fulfillment-centers/SEA1",
    )
    assert deliver(report) == [Outcome.IGNORED]
    assert buckets(fc_staff, fnsku) == before
