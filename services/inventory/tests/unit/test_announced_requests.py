"""Inventory consumes its own announcements of what FC staff asked over HTTP (receipts, closes,
adjustments; issue 17): live they change nothing (the request wrote it with its announcement);
applied to a store that never saw the requests — a replay's rebuilt store — they write the same
rows the requests wrote: shipment counts, receipts and their answers, ledger rows with the same
causes, buckets, discrepancies and adjustments."""

from __future__ import annotations

import dataclasses

import pytest
from inventory_fakes import FakeInventoryUnitOfWork, consume
from inventory_testkit import planned_event

from inventory.domain.adjustments import AdjustmentKind
from inventory.domain.commands import AdjustInventory, CloseShipment, RecordReceipt
from inventory.domain.discrepancies import DiscrepancyKind
from inventory.domain.shipments import LineCount
from inventory.service_layer import adjustments, receiving
from stockpath_events import Envelope
from stockpath_events.types.inventory import (
    InboundShipmentClosed,
    InventoryAdjusted,
    InventoryDiscrepancyRecorded,
    InventoryReceived,
)

ANNOUNCEMENTS = (
    InventoryReceived,
    InventoryDiscrepancyRecorded,
    InboundShipmentClosed,
    InventoryAdjusted,
)


async def planned() -> FakeInventoryUnitOfWork:
    uow = FakeInventoryUnitOfWork()
    await consume(uow, PLAN)
    return uow


PLAN = planned_event("FBA1", [("XA", 10), ("XB", 4)])


async def live_history() -> tuple[FakeInventoryUnitOfWork, list[Envelope]]:
    """FC staff's requests as the live service takes them; returns the store and what it announced."""
    uow = await planned()
    uow.events.clear()
    # XA in full, XB partly (one damaged), and an FNSKU never planned.
    await receiving.record_receipt(
        RecordReceipt(
            "R1",
            "FBA1",
            "SEA1",
            (LineCount("XA", 10, 0), LineCount("XB", 2, 1), LineCount("XZ", 1, 0)),
        ),
        uow,
    )
    await adjustments.adjust_inventory(
        AdjustInventory("ADJ1", "SEA1", "XA", AdjustmentKind.DAMAGED, 2, "forklift"), uow
    )
    await adjustments.adjust_inventory(
        AdjustInventory(
            "ADJ2",
            "SEA1",
            "XA",
            AdjustmentKind.TRANSFERRED,
            3,
            "rebalance",
            to_fulfillment_center_id="PDX1",
        ),
        uow,
    )
    await receiving.close_shipment(CloseShipment("FBA1", "SEA1"), uow)
    return uow, [e for e in uow.events if isinstance(e.data, ANNOUNCEMENTS)]


def store(uow: FakeInventoryUnitOfWork) -> dict:
    """Every row the requests write, ledger and receipts included (apply-time stamps aside)."""
    return {
        "shipments": uow.shipments.stored,
        "receipts": uow.receipts.stored,
        "receipt_lines": uow.receipts.counts,
        "ledger": [dataclasses.replace(e, created_at=None) for e in uow.stock.entries],
        "levels": {
            k: v for k, v in uow.stock.__dict__.items() if k not in ("entries", "_entry_ids")
        },
        "discrepancies": [
            dataclasses.replace(d, recorded_at=None) for d in uow.discrepancies.recorded
        ],
        "adjustments": uow.adjustments.__dict__,
    }


async def test_live_the_announcements_consumed_back_change_nothing():
    uow, announced = await live_history()
    before = store(uow)
    emitted = len(uow.events)

    await consume(uow, *announced)

    assert store(uow) == before
    assert len(uow.events) == emitted


async def test_a_store_that_never_saw_the_requests_rebuilds_them_from_the_announcements():
    live, announced = await live_history()
    assert {type(e.data) for e in announced} == set(ANNOUNCEMENTS)
    rebuilt = await planned()
    rebuilt.events.clear()

    await consume(rebuilt, *announced)

    assert store(rebuilt) == store(live)
    # The ledger names the same causes: the receipt, the close's announcement, each adjustment's own.
    assert {e.receipt_id for e in rebuilt.stock.entries} >= {"R1"}
    [closed] = [e for e in announced if isinstance(e.data, InboundShipmentClosed)]
    assert closed.id in {e.cause_event_id for e in rebuilt.stock.entries}
    assert {e.cause_event_id for e in rebuilt.stock.entries if e.adjustment_id} <= {
        e.id for e in announced if isinstance(e.data, InventoryAdjusted)
    }
    # What the rebuild announces again names the announcement it was rebuilt from (so a replay
    # recognises it as an effect already published).
    assert rebuilt.events and {e.causation_id for e in rebuilt.events} <= {a.id for a in announced}


async def test_a_receipt_that_closed_its_shipment_is_not_closed_again_by_its_announcement_applied_first():
    live = await planned()
    await receiving.record_receipt(
        RecordReceipt("R1", "FBA1", "SEA1", (LineCount("XA", 10, 0), LineCount("XB", 4, 0))), live
    )
    announced = [e for e in live.events if isinstance(e.data, ANNOUNCEMENTS)]
    [closed] = [e for e in announced if isinstance(e.data, InboundShipmentClosed)]
    assert closed.data.receipt_id == "R1"
    rebuilt = await planned()

    # Keyed apart (shipment id, FNSKU), a replay may read the close before the receipt.
    await consume(rebuilt, closed, *[e for e in announced if e is not closed])

    assert store(rebuilt) == store(live)
    assert not rebuilt.discrepancies.recorded


@pytest.mark.parametrize(
    ("field", "kind"), [("line_count", InventoryReceived), ("kind", InventoryAdjusted)]
)
async def test_an_announcement_from_before_it_carried_the_request_is_skipped(field, kind):
    _, announced = await live_history()
    rebuilt = await planned()
    before = store(rebuilt)
    old = [
        dataclasses.replace(e, data=e.data.model_copy(update={field: None}))
        for e in announced
        if isinstance(e.data, kind)
    ]

    await consume(rebuilt, *old)

    assert store(rebuilt) == before


async def test_a_receipt_is_recorded_once_every_line_arrived_whatever_their_order():
    """Its lines are keyed by FNSKU (several partitions): a rebuild may read them in any order."""
    live, announced = await live_history()
    lines = [
        e
        for e in announced
        if isinstance(e.data, InventoryReceived)
        or (
            isinstance(e.data, InventoryDiscrepancyRecorded)
            and e.data.kind == DiscrepancyKind.UNKNOWN_FNSKU
        )
    ]
    assert len(lines) == 3
    rebuilt = await planned()

    await consume(rebuilt, *reversed(lines[1:]))
    assert not rebuilt.receipts.stored and len(rebuilt.receipts.gathered["R1"]) == 2
    await consume(rebuilt, lines[0])

    assert rebuilt.receipts.stored["R1"] == live.receipts.stored["R1"]
    assert rebuilt.receipts.counts == live.receipts.counts and not rebuilt.receipts.gathered
