"""The handlers of registration's shipment events (plan, hand-over, cancellation) against the
in-memory unit of work: what they move, what they keep, what they announce."""

from __future__ import annotations

from datetime import UTC, datetime

from inventory_fakes import FakeInventoryUnitOfWork, consume
from inventory_testkit import cancelled_event, inbound_shipped_event, planned_event

from inventory.domain.commands import RecordReceipt
from inventory.domain.shipments import LineCount, ShipmentStatus
from inventory.domain.stock import Levels
from inventory.service_layer import receiving
from stockpath_events.types.inventory import InventoryLevelChanged


async def test_a_plan_makes_its_units_inbound_and_announces_the_levels_as_caused_by_it():
    uow = FakeInventoryUnitOfWork()
    planned = planned_event(
        "FBA1", [("XB", 3), ("XA", 12), ("XA", 1)], fulfillment_center_id="DFW7"
    )

    await consume(uow, planned)

    shipment = uow.shipments.stored["FBA1"]
    assert (shipment.status, shipment.fulfillment_center_id, shipment.correlation_id) == (
        ShipmentStatus.PLANNED,
        "DFW7",
        planned.correlation_id,
    )
    assert uow.shipments.planned_event_ids["FBA1"] == planned.id
    assert uow.stock.levels_of("XA", "DFW7") == Levels(inbound=13)
    assert [(e.fnsku, e.delta, e.reason, e.cause_event_id) for e in uow.stock.entries] == [
        ("XA", 13, "inbound-shipment-planned", planned.id),
        ("XB", 3, "inbound-shipment-planned", planned.id),
    ]
    assert [(e.data.fnsku, e.data.inbound, e.data.seller_sku) for e in uow.events] == [
        ("XA", 13, "SKU-XA"),
        ("XB", 3, "SKU-XB"),
    ]
    assert {(e.causation_id, e.correlation_id) for e in uow.events} == {
        (planned.id, planned.correlation_id)
    }


async def test_a_plan_for_a_shipment_already_known_changes_nothing():
    uow = FakeInventoryUnitOfWork()
    await consume(uow, planned_event("FBA1", [("XA", 5)]))

    await consume(uow, planned_event("FBA1", [("XA", 5)]), planned_event("FBA1", [("XA", 7)]))

    assert uow.stock.levels_of("XA") == Levels(inbound=5)
    assert len(uow.emitted(InventoryLevelChanged)) == 1


async def test_two_plans_of_one_run_are_both_expected():
    uow = FakeInventoryUnitOfWork()

    await consume(uow, planned_event("FBA1", [("XA", 5)]), planned_event("FBA2", [("XA", 7)]))

    assert uow.stock.levels_of("XA") == Levels(inbound=12)
    assert [e.data.inbound for e in uow.events] == [5, 12]


async def test_the_sellers_hand_over_is_remembered_once_and_moves_no_stock():
    uow = FakeInventoryUnitOfWork()
    await consume(uow, planned_event("FBA1", [("XA", 5)]))
    shipped = inbound_shipped_event("FBA1")

    await consume(
        uow, shipped, inbound_shipped_event("FBA1"), inbound_shipped_event("FBA-NEVER-PLANNED")
    )

    assert uow.shipments.seller_shipped_at == {"FBA1": shipped.time}
    assert uow.stock.levels_of("XA") == Levels(inbound=5)
    assert len(uow.events) == 1


async def test_the_hand_over_time_is_the_announced_one_when_given():
    uow = FakeInventoryUnitOfWork()
    await consume(uow, planned_event("FBA1", [("XA", 5)]))
    when = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)

    await consume(uow, inbound_shipped_event("FBA1", shipped_at=when))

    assert uow.shipments.seller_shipped_at == {"FBA1": when}


async def test_a_cancellation_removes_what_has_not_arrived_and_keeps_what_has():
    uow = FakeInventoryUnitOfWork()
    await consume(uow, planned_event("FBA1", [("XA", 10), ("XB", 2)]))
    await receiving.record_receipt(
        RecordReceipt("R1", "FBA1", "SEA1", (LineCount("XA", 4, 1), LineCount("XB", 2, 0))), uow
    )
    cancelled = cancelled_event("FBA1")

    await consume(uow, cancelled)

    assert uow.shipments.stored["FBA1"].status is ShipmentStatus.CANCELLED
    assert uow.stock.levels_of("XA") == Levels(fulfillable=4, unfulfillable=1)
    assert uow.stock.levels_of("XB") == Levels(fulfillable=2)
    [entry] = [e for e in uow.stock.entries if e.cause_event_id == cancelled.id]
    assert (entry.fnsku, entry.delta, entry.reason) == ("XA", -5, "inbound-shipment-cancelled")
    [announced] = [e for e in uow.events if e.causation_id == cancelled.id]
    assert (announced.data.fnsku, announced.data.inbound) == ("XA", 0)


async def test_a_second_cancellation_finds_nothing_left_to_remove():
    uow = FakeInventoryUnitOfWork()
    await consume(uow, planned_event("FBA1", [("XA", 10)]), cancelled_event("FBA1"))
    entries, events = len(uow.stock.entries), len(uow.events)

    await consume(uow, cancelled_event("FBA1"))

    assert (len(uow.stock.entries), len(uow.events)) == (entries, events)
    assert uow.stock.levels_of("XA") == Levels()


async def test_a_cancellation_after_the_shipment_closed_changes_nothing():
    uow = FakeInventoryUnitOfWork()
    await consume(uow, planned_event("FBA1", [("XA", 2)]))
    await receiving.record_receipt(
        RecordReceipt("R1", "FBA1", "SEA1", (LineCount("XA", 2, 0),)), uow
    )

    await consume(uow, cancelled_event("FBA1"))

    assert uow.shipments.stored["FBA1"].status is ShipmentStatus.CLOSED
    assert uow.stock.levels_of("XA") == Levels(fulfillable=2)


async def test_a_plan_arriving_after_its_cancellation_creates_no_inbound_stock():
    uow = FakeInventoryUnitOfWork()
    cancelled = cancelled_event("FBA1", fulfillment_center_id="PHX3")

    await consume(uow, cancelled, planned_event("FBA1", [("XA", 9)]))

    tombstone = uow.shipments.stored["FBA1"]
    assert (tombstone.status, tombstone.fulfillment_center_id, tombstone.lines) == (
        ShipmentStatus.CANCELLED,
        "PHX3",
        {},
    )
    assert tombstone.correlation_id == cancelled.correlation_id
    assert uow.shipments.planned_event_ids["FBA1"] is None
    assert uow.stock.rows == {} and uow.events == []
