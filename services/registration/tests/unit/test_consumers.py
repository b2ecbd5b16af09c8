"""What registration consumes: inventory's events become commands that name their event as cause,
and reach their handler through the consumer table as the worker wires it."""

from __future__ import annotations

from decimal import Decimal

from registration_testkit import FakeRegistrationUnitOfWork

from registration.domain.commands import (
    CloseInboundShipment,
    MarkShipmentReceiving,
    NoteStatementReady,
)
from registration.domain.model import InboundShipment, ShipmentLine, ShipmentStatus
from registration.domain.notifications import Kind
from registration.entrypoints import consumers
from stockpath_events import Topics, new_event
from stockpath_events.types.inventory import (
    InboundShipmentClosed,
    InventoryReceived,
    StatementReady,
)
from stockpath_runtime.consumer import subscribe


def received(shipment_id: str):
    return new_event(
        InventoryReceived(
            receipt_id="R-1",
            shipment_id=shipment_id,
            fulfillment_center_id="SEA1",
            fnsku="X00AAAAAAA",
            seller_id="S1",
            quantity_expected=2,
            quantity_received=2,
            quantity_damaged=0,
        ),
        source="/services/inventory",
    )


def closed(shipment_id: str):
    return new_event(
        InboundShipmentClosed(
            shipment_id=shipment_id, fulfillment_center_id="SEA1", seller_id="S1"
        ),
        source="/services/inventory",
    )


def test_inventorys_events_become_commands_carrying_their_cause():
    receipt, close = received("FBA000000001"), closed("FBA000000001")

    assert consumers.mark_shipment_receiving(receipt) == MarkShipmentReceiving(
        "FBA000000001", receipt.cause
    )
    assert consumers.close_inbound_shipment(close) == CloseInboundShipment(
        "FBA000000001", close.cause, closed_at=close.time
    )


async def test_the_consumer_table_moves_a_shipment_through_receiving_to_closed():
    [subscription] = [s for s in subscribe(consumers.CONSUMES) if s.topic == Topics.INVENTORY]
    uow = FakeRegistrationUnitOfWork()
    uow.shipments.shipments["FBA000000001"] = InboundShipment(
        "FBA000000001",
        "S1",
        "SEA1",
        {},
        (ShipmentLine("X00AAAAAAA", "SKU-1", 2),),
        ShipmentStatus.SHIPPED,
    )

    assert subscription.topic == Topics.INVENTORY
    await subscription.handlers[InventoryReceived](
        [received("FBA000000001"), received("FBA-UNKNOWN")], uow
    )
    assert uow.shipments.shipments["FBA000000001"].status is ShipmentStatus.RECEIVING
    await subscription.handlers[InboundShipmentClosed]([closed("FBA000000001")], uow)
    assert uow.shipments.shipments["FBA000000001"].status is ShipmentStatus.CLOSED


async def test_a_statement_ready_queues_the_sellers_notification():
    [subscription] = [s for s in subscribe(consumers.CONSUMES) if s.topic == Topics.INVENTORY]
    ready = new_event(
        StatementReady(
            seller_id="S1", month="2026-10", currency="USD", total=Decimal("7.05"), line_count=3
        ),
        source="/services/inventory",
    )
    assert consumers.note_statement_ready(ready) == NoteStatementReady(
        "S1", "2026-10", "USD", Decimal("7.05"), 3, ready.time, ready.cause
    )
    uow = FakeRegistrationUnitOfWork()

    async with uow:
        await subscription.handlers[StatementReady]([ready], uow)

    [told] = uow.deliveries.queued
    assert (told.seller_id, told.kind, told.event_id) == ("S1", Kind.STATEMENT_READY, ready.id)
    assert (told.data["total"], told.data["statement"]) == ("7.05", "/v1/statements/2026-10")
