"""Recording receipts and closing shipments (FC staff's commands) against the in-memory unit of
work: buckets, ledger, discrepancies, the stored answer and the events, committed together."""

from __future__ import annotations

import pytest
from inventory_fakes import FakeInventoryUnitOfWork, consume
from inventory_testkit import cancelled_event, planned_event

from inventory.domain.commands import CloseShipment, RecordReceipt
from inventory.domain.discrepancies import DiscrepancyKind
from inventory.domain.receipts import ReceiptIdReused
from inventory.domain.shipments import (
    LineCount,
    ShipmentCancelled,
    ShipmentClosed,
    ShipmentStatus,
    UnknownShipment,
    WrongFulfillmentCenter,
)
from inventory.domain.stock import Levels
from inventory.service_layer import receiving
from stockpath_events.types.inventory import (
    InboundShipmentClosed,
    InventoryDiscrepancyRecorded,
    InventoryLevelChanged,
    InventoryReceived,
)


@pytest.fixture
async def uow():
    """A unit of work in which FBA1 (XA: 10, XB: 4) is planned at SEA1."""
    uow = FakeInventoryUnitOfWork()
    await consume(uow, planned_event("FBA1", [("XA", 10), ("XB", 4)]))
    uow.events.clear()
    return uow


def receipt(
    *counts: tuple[str, int, int], receipt_id: str = "R1", fc: str = "SEA1"
) -> RecordReceipt:
    return RecordReceipt(receipt_id, "FBA1", fc, tuple(LineCount(*c) for c in counts))


async def test_a_receipt_moves_counted_units_out_of_inbound_into_fulfillable_and_unfulfillable(uow):
    result, replayed = await receiving.record_receipt(receipt(("XA", 6, 1)), uow)

    assert not replayed and uow.commits == 2
    assert uow.stock.levels_of("XA") == Levels(inbound=3, fulfillable=6, unfulfillable=1)
    assert [
        (e.bucket, e.delta, e.reason, e.receipt_id, e.shipment_id) for e in uow.stock.entries[-3:]
    ] == [
        ("inbound", -7, "arrived", "R1", "FBA1"),
        ("fulfillable", 6, "received", "R1", "FBA1"),
        ("unfulfillable", 1, "received-damaged", "R1", "FBA1"),
    ]
    assert result.shipment_status is ShipmentStatus.RECEIVING
    [line] = result.lines
    assert (
        line.quantity_received,
        line.quantity_damaged,
        line.quantity_expected,
        line.total_received,
    ) == (6, 1, 10, 6)
    assert [(s.fnsku, s.levels) for s in result.inventory] == [
        ("XA", Levels(inbound=3, fulfillable=6, unfulfillable=1))
    ]
    [received] = uow.emitted(InventoryReceived)
    assert (
        received.receipt_id,
        received.fnsku,
        received.seller_sku,
        received.quantity_damaged,
    ) == ("R1", "XA", "SKU-XA", 1)
    assert not uow.emitted(InboundShipmentClosed)
    stored = uow.shipments.stored["FBA1"].lines["XA"]
    assert (stored.quantity_received, stored.quantity_damaged) == (6, 1)


async def test_a_receipts_events_continue_the_shipments_chain_unless_the_caller_names_one(uow):
    plan_chain = uow.shipments.stored["FBA1"].correlation_id
    await receiving.record_receipt(receipt(("XA", 1, 0)), uow)
    assert {e.correlation_id for e in uow.events} == {plan_chain}

    uow.events.clear()
    uow.correlation_id = "dock-door-7"
    await receiving.record_receipt(receipt(("XA", 1, 0), receipt_id="R2"), uow)
    assert {e.correlation_id for e in uow.events} == {"dock-door-7"}


async def test_receiving_every_line_in_full_closes_the_shipment_and_announces_it_once(uow):
    await receiving.record_receipt(receipt(("XA", 10, 0)), uow)
    result, _ = await receiving.record_receipt(receipt(("XB", 3, 1), receipt_id="R2"), uow)

    assert result.shipment_status is ShipmentStatus.CLOSED
    assert uow.shipments.stored["FBA1"].status is ShipmentStatus.CLOSED
    [closed] = uow.emitted(InboundShipmentClosed)
    assert (closed.shipment_id, closed.fulfillment_center_id, closed.seller_id) == (
        "FBA1",
        "SEA1",
        "S-ACME",
    )
    assert uow.stock.levels_of("XB") == Levels(fulfillable=3, unfulfillable=1)


async def test_an_overage_is_fulfillable_never_drives_inbound_negative_and_is_a_discrepancy(uow):
    await receiving.record_receipt(receipt(("XA", 8, 0)), uow)
    await receiving.record_receipt(receipt(("XA", 4, 1), receipt_id="R2"), uow)

    assert uow.stock.levels_of("XA") == Levels(inbound=0, fulfillable=12, unfulfillable=1)
    [over] = uow.discrepancies.recorded
    assert (
        over.kind,
        over.fnsku,
        over.quantity,
        over.quantity_expected,
        over.quantity_counted,
        over.receipt_id,
    ) == (
        DiscrepancyKind.OVERAGE,
        "XA",
        3,
        10,
        13,
        "R2",
    )
    assert [d.kind for d in uow.emitted(InventoryDiscrepancyRecorded)] == ["overage"]


async def test_an_fnsku_the_plan_never_named_is_a_discrepancy_in_no_bucket(uow):
    result, _ = await receiving.record_receipt(receipt(("XA", 1, 0), ("XSTRANGER", 2, 1)), uow)

    assert ("XSTRANGER", "SEA1") not in uow.stock.rows
    assert result.unknown == (LineCount("XSTRANGER", 2, 1),)
    [found] = uow.discrepancies.recorded
    assert (found.kind, found.fnsku, found.quantity, found.quantity_expected, found.seller_id) == (
        DiscrepancyKind.UNKNOWN_FNSKU,
        "XSTRANGER",
        3,
        0,
        "S-ACME",
    )
    assert uow.receipts.counts["R1"] == [LineCount("XA", 1, 0), LineCount("XSTRANGER", 2, 1)]


async def test_the_same_receipt_sent_again_returns_the_stored_result_and_moves_nothing(uow):
    first, _ = await receiving.record_receipt(receipt(("XA", 2, 0)), uow)
    entries, events = len(uow.stock.entries), len(uow.events)

    again, replayed = await receiving.record_receipt(receipt(("XA", 2, 0)), uow)

    assert replayed and again == first
    assert (len(uow.stock.entries), len(uow.events)) == (entries, events)
    assert uow.stock.levels_of("XA").fulfillable == 2


async def test_a_receipt_id_reused_for_other_counts_is_refused(uow):
    await receiving.record_receipt(receipt(("XA", 2, 0)), uow)

    with pytest.raises(ReceiptIdReused):
        await receiving.record_receipt(receipt(("XA", 3, 0)), uow)
    assert uow.stock.levels_of("XA").fulfillable == 2


async def test_a_receipt_at_another_fc_is_refused_with_the_expected_one(uow):
    with pytest.raises(WrongFulfillmentCenter) as refused:
        await receiving.record_receipt(receipt(("XA", 2, 0), fc="PHX3"), uow)
    assert refused.value.expected == "SEA1"
    assert uow.stock.levels_of("XA") == Levels(inbound=10) and uow.events == []


async def test_a_closed_or_cancelled_shipment_refuses_receipts(uow):
    await receiving.close_shipment(CloseShipment("FBA1"), uow)
    with pytest.raises(ShipmentClosed):
        await receiving.record_receipt(receipt(("XA", 2, 0), receipt_id="R-LATE"), uow)

    await consume(uow, planned_event("FBA2", [("XC", 1)]), cancelled_event("FBA2"))
    with pytest.raises(ShipmentCancelled):
        await receiving.record_receipt(
            RecordReceipt("R3", "FBA2", "SEA1", (LineCount("XC", 1, 0),)), uow
        )


async def test_a_receipt_for_an_unknown_shipment_is_refused(uow):
    with pytest.raises(UnknownShipment):
        await receiving.record_receipt(
            RecordReceipt("R1", "FBA-NOPE", "SEA1", (LineCount("XA", 1, 0),)), uow
        )
    assert uow.receipts.stored == {}


async def test_closing_short_makes_what_is_missing_a_shortage_caused_by_the_close(uow):
    await receiving.record_receipt(receipt(("XA", 6, 1)), uow)
    uow.events.clear()

    await receiving.close_shipment(CloseShipment("FBA1", "SEA1"), uow)

    assert uow.shipments.stored["FBA1"].status is ShipmentStatus.CLOSED
    assert uow.stock.levels_of("XA") == Levels(fulfillable=6, unfulfillable=1)
    assert uow.stock.levels_of("XB") == Levels()
    [closed] = [e for e in uow.events if isinstance(e.data, InboundShipmentClosed)]
    assert [(e.fnsku, e.delta, e.reason, e.cause_event_id) for e in uow.stock.entries[-2:]] == [
        ("XA", -3, "inbound-shipment-closed-short", closed.id),
        ("XB", -4, "inbound-shipment-closed-short", closed.id),
    ]
    assert [
        (d.kind, d.fnsku, d.quantity, d.quantity_expected, d.quantity_counted)
        for d in uow.discrepancies.recorded
    ] == [
        (DiscrepancyKind.SHORTAGE, "XA", 3, 10, 7),
        (DiscrepancyKind.SHORTAGE, "XB", 4, 4, 0),
    ]
    assert len(uow.emitted(InventoryDiscrepancyRecorded)) == 2
    assert [e.inbound for e in uow.emitted(InventoryLevelChanged)] == [0, 0]


async def test_closing_refuses_an_unknown_shipment_another_fc_and_a_second_close(uow):
    with pytest.raises(UnknownShipment):
        await receiving.close_shipment(CloseShipment("FBA-NOPE"), uow)
    with pytest.raises(WrongFulfillmentCenter):
        await receiving.close_shipment(CloseShipment("FBA1", "PHX3"), uow)
    await receiving.close_shipment(CloseShipment("FBA1"), uow)
    with pytest.raises(ShipmentClosed):
        await receiving.close_shipment(CloseShipment("FBA1"), uow)
