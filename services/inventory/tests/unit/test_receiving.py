"""The arithmetic of receiving, without a database: what a plan, a receipt and a cancellation move."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inventory.domain.commands import RecordReceipt
from inventory.domain.shipments import (
    DuplicateFnsku,
    InboundShipment,
    LineCount,
    ShipmentNotReceivable,
    ShipmentStatus,
    WrongFulfillmentCenter,
)
from inventory.domain.stock import Bucket, Levels, Movement, Reason


def shipment(*lines: tuple[str, int]) -> tuple[InboundShipment, dict[str, list[Movement]]]:
    return InboundShipment.plan("FBA1", "S1", "SEA1", [(f, f"SKU-{f}", q) for f, q in lines])


def test_a_plan_makes_every_expected_unit_inbound():
    planned, movements = shipment(("A", 10), ("B", 3))
    assert planned.status is ShipmentStatus.PLANNED
    assert movements == {
        "A": [Movement(Bucket.INBOUND, 10, Reason.SHIPMENT_PLANNED)],
        "B": [Movement(Bucket.INBOUND, 3, Reason.SHIPMENT_PLANNED)],
    }


def test_a_plan_naming_one_fnsku_on_several_lines_expects_their_sum():
    planned, movements = shipment(("A", 4), ("A", 6))
    assert planned.lines["A"].quantity_expected == 10
    assert Levels.of(movements["A"]).inbound == 10


def test_a_plan_refuses_a_non_positive_quantity():
    with pytest.raises(ValueError):
        shipment(("A", 0))


def test_a_partial_receipt_moves_counted_units_out_of_inbound():
    planned, movements = shipment(("A", 10), ("B", 5))
    receiving = planned.receive("SEA1", [LineCount("A", 6, 1)])
    assert receiving.movements == {
        "A": [
            Movement(Bucket.INBOUND, -7, Reason.ARRIVED),
            Movement(Bucket.FULFILLABLE, 6, Reason.RECEIVED),
            Movement(Bucket.UNFULFILLABLE, 1, Reason.RECEIVED_DAMAGED),
        ]
    }
    assert Levels.of(movements["A"] + receiving.movements["A"]) == Levels(
        inbound=3, fulfillable=6, unfulfillable=1
    )
    assert not receiving.closed and planned.status is ShipmentStatus.RECEIVING
    assert planned.lines["A"].quantity_outstanding == 3


def test_an_overage_clears_only_what_was_still_inbound():
    planned, movements = shipment(("A", 5))
    planned.receive("SEA1", [LineCount("A", 3, 0)])
    receiving = planned.receive("SEA1", [LineCount("A", 4, 1)])
    assert receiving.movements["A"][0] == Movement(Bucket.INBOUND, -2, Reason.ARRIVED)
    assert planned.lines["A"].quantity_outstanding == 0
    assert receiving.closed


def test_a_line_counted_as_zero_moves_nothing():
    planned, _ = shipment(("A", 5))
    assert planned.receive("SEA1", [LineCount("A", 0, 0)]).movements == {"A": []}


def test_the_shipment_closes_when_every_line_is_counted_in_full_damaged_included():
    planned, _ = shipment(("A", 2), ("B", 2))
    assert not planned.receive("SEA1", [LineCount("A", 2, 0)]).closed
    assert planned.receive("SEA1", [LineCount("B", 1, 1)]).closed
    assert planned.status is ShipmentStatus.CLOSED


@pytest.mark.parametrize("status", [ShipmentStatus.CLOSED, ShipmentStatus.CANCELLED])
def test_a_closed_or_cancelled_shipment_accepts_no_receipt(status):
    planned, _ = shipment(("A", 2))
    planned.status = status
    with pytest.raises(ShipmentNotReceivable, match=status.value.lower()):
        planned.receive("SEA1", [LineCount("A", 1, 0)])


def test_a_receipt_at_another_fc_names_the_expected_one():
    planned, _ = shipment(("A", 2))
    with pytest.raises(WrongFulfillmentCenter, match="SEA1"):
        planned.receive("PHX3", [LineCount("A", 1, 0)])


def test_a_bad_line_rejects_the_whole_receipt_before_anything_changes():
    planned, _ = shipment(("A", 2))
    with pytest.raises(DuplicateFnsku):
        planned.receive("SEA1", [LineCount("A", 1, 0), LineCount("A", 1, 0)])
    assert planned.lines["A"].quantity_counted == 0
    assert planned.status is ShipmentStatus.PLANNED


def test_a_cancellation_removes_only_what_has_not_arrived_and_only_once():
    planned, _ = shipment(("A", 10), ("B", 4))
    planned.receive("SEA1", [LineCount("A", 7, 0), LineCount("B", 4, 0)])
    assert planned.cancel() == {"A": [Movement(Bucket.INBOUND, -3, Reason.SHIPMENT_CANCELLED)]}
    assert planned.status is ShipmentStatus.CANCELLED
    assert planned.cancel() == {}


def test_a_closed_shipment_cannot_be_cancelled():
    planned, _ = shipment(("A", 1))
    planned.receive("SEA1", [LineCount("A", 1, 0)])
    with pytest.raises(ShipmentNotReceivable):
        planned.cancel()


def test_a_receipts_fingerprint_changes_with_its_content_only():
    base = RecordReceipt("R1", "FBA1", "SEA1", (LineCount("A", 1, 0),))
    assert (
        base.fingerprint == RecordReceipt("R1", "FBA1", "SEA1", (LineCount("A", 1, 0),)).fingerprint
    )
    assert (
        base.fingerprint != RecordReceipt("R1", "FBA1", "SEA1", (LineCount("A", 2, 0),)).fingerprint
    )
    assert (
        base.fingerprint != RecordReceipt("R1", "FBA2", "SEA1", (LineCount("A", 1, 0),)).fingerprint
    )


@settings(max_examples=200, deadline=None)
@given(
    expected=st.integers(min_value=1, max_value=1000),
    counts=st.lists(st.tuples(st.integers(0, 400), st.integers(0, 400)), max_size=8),
    cancel=st.booleans(),
)
def test_any_sequence_of_receipts_keeps_the_buckets_equal_to_the_counts(expected, counts, cancel):
    planned, movements = shipment(("A", expected))
    ledger = list(movements["A"])
    for received, damaged in counts:
        if planned.status is ShipmentStatus.CLOSED:
            break
        ledger += planned.receive("SEA1", [LineCount("A", received, damaged)]).movements["A"]
    if cancel and planned.status is not ShipmentStatus.CLOSED:
        ledger += planned.cancel().get("A", [])
    levels = Levels.of(ledger)
    line = planned.lines["A"]
    assert min(levels.inbound, levels.fulfillable, levels.unfulfillable) >= 0
    assert levels.fulfillable == line.quantity_received
    assert levels.unfulfillable == line.quantity_damaged
    assert levels.inbound == (
        0 if planned.status is ShipmentStatus.CANCELLED else line.quantity_outstanding
    )
    assert (planned.status is ShipmentStatus.CLOSED) == (line.quantity_counted >= expected)


def test_an_fnsku_outside_the_plan_is_kept_aside_and_an_overage_is_measured():
    planned, _ = shipment(("A", 2))
    receiving = planned.receive("SEA1", [LineCount("A", 3, 0), LineCount("ZZ1", 1, 1)])
    assert receiving.unknown == (LineCount("ZZ1", 1, 1),)
    assert set(receiving.movements) == {"A"}
    assert receiving.overages == {"A": 1}
    assert receiving.closed


def test_closing_short_makes_the_missing_units_leave_inbound_as_a_shortage():
    planned, _ = shipment(("A", 10), ("B", 4))
    planned.receive("SEA1", [LineCount("A", 7, 1), LineCount("B", 4, 0)])
    movements, shortages = planned.close()
    assert shortages == {"A": 2}
    assert Levels.of(movements["A"]).inbound == -2
    assert planned.status is ShipmentStatus.CLOSED
    with pytest.raises(ShipmentNotReceivable):
        planned.close()
    with pytest.raises(ShipmentNotReceivable):
        planned.receive("SEA1", [LineCount("B", 1, 0)])
