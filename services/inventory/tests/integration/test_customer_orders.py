"""Customer orders in the inventory: instructions reserve, cancellations release, shipments move
reserved units to shipped — always through the ledger, never below zero, never a dead letter."""

from __future__ import annotations

import pytest
from inventory_testkit import buckets, fo_id

from stockpath_runtime.consumer import Outcome

pytestmark = pytest.mark.integration


def test_an_instruction_reserves_and_a_shipment_moves_reserved_to_shipped(
    fc_staff, stocked, deliver, events, outbox_events, buckets_and_ledger
):
    fnsku = stocked(10)
    fo = fo_id()
    instructed = events.instructed(fo, [(fnsku, 3)])
    assert deliver(instructed) == [Outcome.PROCESSED]
    assert buckets(fc_staff, fnsku) == {
        "inbound": 0,
        "fulfillable": 7,
        "reserved": 3,
        "unfulfillable": 0,
        "shipped": 0,
    }

    shipped = events.shipped(fo)
    assert deliver(shipped, shipped) == [Outcome.PROCESSED, Outcome.DUPLICATE]
    assert buckets(fc_staff, fnsku) == {
        "inbound": 0,
        "fulfillable": 7,
        "reserved": 0,
        "unfulfillable": 0,
        "shipped": 3,
    }

    levels = [e for e in outbox_events("InventoryLevelChanged") if e.data.fnsku == fnsku]
    # fulfillable + reserved + shipped — what order-router allocates against — never moved.
    assert [e.data.fulfillable + e.data.reserved + e.data.shipped for e in levels[-2:]] == [10, 10]
    assert (levels[-1].data.reserved, levels[-1].data.shipped, levels[-1].causation_id) == (
        0,
        3,
        shipped.id,
    )

    ledger = fc_staff.get("/v1/ledger", params={"fnsku": fnsku}).json()["items"]
    order_rows = [
        (e["bucket"], e["delta"], e["reason"], e["cause_event_id"])
        for e in ledger
        if e["fulfillment_order_id"] == fo
    ]
    assert order_rows == [
        ("fulfillable", -3, "reserved-for-order", instructed.id),
        ("reserved", 3, "reserved-for-order", instructed.id),
        ("reserved", -3, "shipped", shipped.id),
        ("shipped", 3, "shipped", shipped.id),
    ]
    stored, recomputed = buckets_and_ledger()
    assert stored == recomputed


def test_a_cancellation_releases_the_reservation_and_a_late_shipment_still_ships(
    fc_staff, stocked, deliver, events
):
    fnsku = stocked(5)
    fo = fo_id()
    deliver(events.instructed(fo, [(fnsku, 2)]), events.fulfillment_cancelled(fo))
    assert buckets(fc_staff, fnsku) == {
        "inbound": 0,
        "fulfillable": 5,
        "reserved": 0,
        "unfulfillable": 0,
        "shipped": 0,
    }
    # The FC had packed it already: the units left, from fulfillable.
    deliver(events.shipped(fo))
    assert buckets(fc_staff, fnsku) == {
        "inbound": 0,
        "fulfillable": 3,
        "reserved": 0,
        "unfulfillable": 0,
        "shipped": 2,
    }


def test_an_instruction_beyond_the_fulfillable_reserves_what_exists_and_records_the_shortfall(
    fc_staff, stocked, deliver, events, outbox_events, buckets_and_ledger
):
    fnsku = stocked(2)
    fo = fo_id()
    # Two lines of one FNSKU draw on the same units: 4 asked, 2 exist.
    assert deliver(events.instructed(fo, [(fnsku, 3), (fnsku, 1)])) == [Outcome.PROCESSED]
    assert buckets(fc_staff, fnsku) == {
        "inbound": 0,
        "fulfillable": 0,
        "reserved": 2,
        "unfulfillable": 0,
        "shipped": 0,
    }
    [short] = fc_staff.get("/v1/discrepancies", params={"fnsku": fnsku}).json()["items"]
    assert (short["kind"], short["quantity"], short["fulfillment_order_id"]) == (
        "reservation-shortfall",
        2,
        fo,
    )
    [event] = [e for e in outbox_events("InventoryDiscrepancyRecorded") if e.data.fnsku == fnsku]
    assert event.data.kind == "reservation-shortfall"
    # Shipping and cancelling move only what was reserved.
    deliver(events.shipped(fo))
    assert buckets(fc_staff, fnsku)["shipped"] == 2
    stored, recomputed = buckets_and_ledger()
    assert stored == recomputed


def test_a_shipment_confirmation_that_overtakes_its_instruction_is_applied_when_the_instruction_comes(
    fc_staff, stocked, deliver, events
):
    fnsku = stocked(4)
    fo = fo_id()
    assert deliver(events.shipped(fo)) == [Outcome.PROCESSED]
    assert buckets(fc_staff, fnsku)["fulfillable"] == 4
    assert deliver(events.instructed(fo, [(fnsku, 3)])) == [Outcome.PROCESSED]
    assert buckets(fc_staff, fnsku) == {
        "inbound": 0,
        "fulfillable": 1,
        "reserved": 0,
        "unfulfillable": 0,
        "shipped": 3,
    }
    # The same instruction under another event id (re-published) changes nothing.
    deliver(events.instructed(fo, [(fnsku, 3)]), events.fulfillment_cancelled(fo))
    assert buckets(fc_staff, fnsku) == {
        "inbound": 0,
        "fulfillable": 1,
        "reserved": 0,
        "unfulfillable": 0,
        "shipped": 3,
    }
