"""Inbound shipments as registration announces them: planned (their units become ``inbound``),
handed to a carrier by the seller, cancelled (what has not arrived leaves ``inbound``).

These handlers run inside the runtime's unit of work, which has claimed the events in the inbox
already and commits after them; they never commit. Each takes every command of a run, applied in
the order the events came.
"""

from __future__ import annotations

import structlog

from inventory.domain.commands import (
    CancelInboundShipment,
    MarkInboundShipmentShipped,
    PlanInboundShipment,
)
from inventory.domain.shipments import InboundShipment, ShipmentNotReceivable, ShipmentStatus
from inventory.service_layer.stock_moves import move_shipment_stock
from inventory.service_layer.unit_of_work import InventoryUnitOfWork

log = structlog.get_logger("inventory")


async def plan_inbound_shipments(
    commands: list[PlanInboundShipment], uow: InventoryUnitOfWork
) -> None:
    """Expect each shipment at its FC: its quantities become ``inbound`` there.

    A plan for a shipment id already known (re-published by registration, or arriving after its
    cancellation) changes nothing: a shipment is planned once.
    """
    for command in commands:
        shipment, movements = InboundShipment.plan(
            command.shipment_id,
            command.seller_id,
            command.fulfillment_center_id,
            [(line.fnsku, line.seller_sku, line.quantity) for line in command.lines],
            correlation_id=command.cause.correlation_id,
        )
        if not await uow.shipments.add(shipment, planned_event_id=command.cause.id):
            log.info(
                "inbound shipment already known; plan ignored", shipment_id=command.shipment_id
            )
            continue
        await move_shipment_stock(uow, shipment, movements, caused_by=command.cause)


async def mark_inbound_shipments_shipped(
    commands: list[MarkInboundShipmentShipped], uow: InventoryUnitOfWork
) -> None:
    """The seller handed each shipment to a carrier: its inbound units move from "working" to
    "shipped" in the inventory report (no bucket changes: they are inbound either way). A
    shipment never planned here changes nothing."""
    for command in commands:
        await uow.shipments.mark_seller_shipped(command.shipment_id, command.shipped_at)


async def cancel_inbound_shipments(
    commands: list[CancelInboundShipment], uow: InventoryUnitOfWork
) -> None:
    """Stop expecting what has not arrived: the outstanding quantities leave ``inbound``."""
    for command in commands:
        shipment = await uow.shipments.get(command.shipment_id, for_update=True)
        if shipment is None:
            # Never planned here (e.g. the plan predates this store). Remember the cancellation so
            # that a late plan for the same shipment id cannot create inbound stock.
            tombstone = InboundShipment(
                command.shipment_id,
                command.seller_id,
                command.fulfillment_center_id,
                ShipmentStatus.CANCELLED,
                correlation_id=command.cause.correlation_id,
            )
            await uow.shipments.add(tombstone, planned_event_id=None)
            log.warning(
                "cancellation of an unknown inbound shipment recorded",
                shipment_id=command.shipment_id,
            )
            continue
        try:
            movements = shipment.cancel()
        except ShipmentNotReceivable:
            # The FC finished receiving before the cancellation arrived: the stock is here, keep it.
            log.warning(
                "cancellation of a closed inbound shipment ignored", shipment_id=command.shipment_id
            )
            continue
        await uow.shipments.save(shipment)
        await move_shipment_stock(uow, shipment, movements, caused_by=command.cause)
