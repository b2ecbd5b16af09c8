"""Inbound shipments: planning them (one FC, or a plan split across FCs), shipping and cancelling
them for the seller, and following them through the FC as inventory reports it.

Seller commands open and commit their own unit of work, so a shipment's change and the event it
causes commit together. Inventory's events arrive as runs of commands inside the unit of work the
runtime opened (their events already claimed in the inbox): those handlers never commit.

Registration consumes its own announcements too (InboundShipmentPlanned, InboundShipmentShipped,
InboundShipmentCancelled) and records what is not recorded yet: live never (the request wrote it
with its announcement), in `stockpath replay` into an empty store the shipments the sellers
planned, shipped and cancelled, which inventory's reports then move as they moved live.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog

from registration.domain import identifiers, notification_rules
from registration.domain.commands import (
    CancelInboundShipment,
    CloseInboundShipment,
    MarkShipmentReceiving,
    PlanInbound,
    PlanInboundShipment,
    RecordAnnouncedCancellation,
    RecordAnnouncedShipment,
    RecordAnnouncedShipping,
    ShipInboundShipment,
)
from registration.domain.errors import ShipmentNotFound, UnknownSellerSkus
from registration.domain.model import InboundShipment, ShipmentLine, ShipmentStatus
from registration.domain.planning import choose_fulfillment_center, split_across_centers
from registration.service_layer.unit_of_work import RegistrationUnitOfWork
from stockpath_events import Address
from stockpath_events.types.registration import (
    InboundShipmentCancelled,
    InboundShipmentLine,
    InboundShipmentPlanned,
    InboundShipmentShipped,
)
from stockpath_network import FulfillmentCenter, distance_to

log = structlog.get_logger("registration")


@dataclass(frozen=True)
class InboundPlan:
    plan_id: str
    shipments: list[InboundShipment]


async def _registered_fnskus(
    uow: RegistrationUnitOfWork, seller_id: str, skus: list[str]
) -> dict[str, str]:
    fnskus = await uow.registrations.fnskus_by_sku(seller_id, skus)
    unknown = [sku for sku in skus if sku not in fnskus]
    if unknown:
        raise UnknownSellerSkus(unknown)
    return fnskus


async def _store_shipment(
    uow: RegistrationUnitOfWork,
    seller_id: str,
    fc: FulfillmentCenter,
    lines: tuple[ShipmentLine, ...],
    plan_id: str | None = None,
) -> InboundShipment:
    """Store a shipment to `fc` under a fresh id and tell everyone it is planned."""
    planned = InboundShipment(
        shipment_id="",  # drawn when stored
        seller_id=seller_id,
        fulfillment_center_id=fc.fulfillment_center_id,
        ship_to=fc.address.model_dump(mode="json"),
        lines=lines,
        plan_id=plan_id,
    )
    shipment = await uow.shipments.add(planned, identifiers.new_shipment_id)
    uow.emit(
        InboundShipmentPlanned(
            shipment_id=shipment.shipment_id,
            seller_id=shipment.seller_id,
            fulfillment_center_id=shipment.fulfillment_center_id,
            ship_to=Address.model_validate(shipment.ship_to),
            lines=[InboundShipmentLine(**dataclasses.asdict(line)) for line in shipment.lines],
            plan_id=shipment.plan_id,
        )
    )
    return shipment


async def plan_inbound(
    command: PlanInbound, uow: RegistrationUnitOfWork, *, centers: Iterable[FulfillmentCenter]
) -> InboundPlan:
    """An inbound plan: one shipment per FC the units go to (usually one, several when the nearest
    FC cannot take them all). Every shipment and its InboundShipmentPlanned commit together."""
    centers = list(centers)
    origin = command.ship_from_postal_code
    distance = (lambda fc: distance_to(fc, origin)) if origin else None
    allocations = split_across_centers(centers, command.lines, distance=distance)
    by_id = {fc.fulfillment_center_id: fc for fc in centers}
    plan_id = identifiers.new_plan_id()
    async with uow:
        fnskus = await _registered_fnskus(uow, command.seller_id, [sku for sku, _ in command.lines])
        shipments = []
        for fc_id in dict.fromkeys(a.fulfillment_center_id for a in allocations):
            lines = tuple(
                ShipmentLine(fnskus[a.seller_sku], a.seller_sku, a.quantity)
                for a in allocations
                if a.fulfillment_center_id == fc_id
            )
            shipments.append(
                await _store_shipment(uow, command.seller_id, by_id[fc_id], lines, plan_id)
            )
        await uow.commit()
    return InboundPlan(plan_id, shipments)


async def plan_inbound_shipment(
    command: PlanInboundShipment,
    uow: RegistrationUnitOfWork,
    *,
    centers: Iterable[FulfillmentCenter],
) -> InboundShipment:
    """Tell the seller which FC to send these units to, before any of them sells."""
    skus = [sku for sku, _ in command.lines]
    units = sum(quantity for _, quantity in command.lines)
    async with uow:
        fnskus = await _registered_fnskus(uow, command.seller_id, skus)
        fc = choose_fulfillment_center(centers, units)
        lines = tuple(ShipmentLine(fnskus[sku], sku, quantity) for sku, quantity in command.lines)
        shipment = await _store_shipment(uow, command.seller_id, fc, lines)
        await uow.commit()
    return shipment


async def _seller_shipment(
    uow: RegistrationUnitOfWork, seller_id: str, shipment_id: str
) -> InboundShipment:
    # Locked: a ship and a cancel racing on one shipment must see each other's outcome.
    shipment = await uow.shipments.get(shipment_id, seller_id=seller_id, for_update=True)
    if shipment is None:
        raise ShipmentNotFound(shipment_id)
    return shipment


async def ship_inbound_shipment(
    command: ShipInboundShipment, uow: RegistrationUnitOfWork
) -> InboundShipment:
    async with uow:
        shipment = await _seller_shipment(uow, command.seller_id, command.shipment_id)
        shipped = shipment.ship(command.carrier, command.tracking_number, datetime.now(UTC))
        await uow.shipments.save_status(shipped)
        uow.emit(
            InboundShipmentShipped(
                shipment_id=shipped.shipment_id,
                seller_id=shipped.seller_id,
                fulfillment_center_id=shipped.fulfillment_center_id,
                carrier=command.carrier,
                tracking_number=command.tracking_number,
                shipped_at=shipped.shipped_at,
            )
        )
        stored = await uow.shipments.get(command.shipment_id)
        await uow.commit()
    assert stored is not None
    return stored


async def cancel_inbound_shipment(
    command: CancelInboundShipment, uow: RegistrationUnitOfWork
) -> InboundShipment:
    async with uow:
        shipment = await _seller_shipment(uow, command.seller_id, command.shipment_id)
        cancelled = shipment.cancel(command.reason)
        await uow.shipments.save_status(cancelled)
        stored = await uow.shipments.get(command.shipment_id)
        uow.emit(
            InboundShipmentCancelled(
                shipment_id=cancelled.shipment_id,
                seller_id=cancelled.seller_id,
                fulfillment_center_id=cancelled.fulfillment_center_id,
                reason=command.reason,
            )
        )
        await uow.commit()
    assert stored is not None
    return stored


async def _advance(
    uow: RegistrationUnitOfWork,
    command: MarkShipmentReceiving | CloseInboundShipment,
    step: Callable[[InboundShipment], InboundShipment],
) -> InboundShipment | None:
    """The shipment after the step, when the step changed its status."""
    shipment = await uow.shipments.get(command.shipment_id, for_update=True)
    if shipment is None:
        # Stock the FC received against a shipment registration never planned: the FC's problem to
        # reconcile, not a reason to block the partition or dead-letter the event.
        log.warning(
            "inventory event for an unknown inbound shipment ignored",
            shipment_id=command.shipment_id,
            caused_by=command.cause.id,
        )
        return None
    advanced = step(shipment)
    if advanced.status is shipment.status:
        return None
    await uow.shipments.save_status(advanced)
    log.info(
        "inbound shipment status changed",
        shipment_id=shipment.shipment_id,
        before=shipment.status.value,
        after=advanced.status.value,
        caused_by=command.cause.id,
    )
    return advanced


async def mark_shipments_receiving(
    commands: list[MarkShipmentReceiving], uow: RegistrationUnitOfWork
) -> None:
    """The FC is counting these shipments' units: the seller sees them RECEIVING."""
    for command in commands:  # in the partition's order: one shipment's events apply as written
        await _advance(uow, command, InboundShipment.receiving)


async def close_inbound_shipments(
    commands: list[CloseInboundShipment], uow: RegistrationUnitOfWork
) -> None:
    """The FC finished with these shipments: the seller sees them CLOSED, and its subscribed
    endpoints hear of it (docs/notifications.md)."""
    for command in commands:
        closed = await _advance(uow, command, InboundShipment.closed)
        if closed is not None:
            at = command.closed_at or datetime.now(UTC)
            notification = notification_rules.inbound_shipment_closed(closed, command.cause.id, at)
            await uow.deliveries.enqueue(notification)


async def record_announced_shipments(
    commands: list[RecordAnnouncedShipment], uow: RegistrationUnitOfWork
) -> None:
    """Planned shipments as announced, stored unless they are already (see the module's docstring)."""
    for command in commands:
        if await uow.shipments.record(command.shipment):
            log.info(
                "inbound shipment rebuilt from its announcement",
                shipment_id=command.shipment.shipment_id,
            )


async def _working_shipment(
    uow: RegistrationUnitOfWork, shipment_id: str
) -> InboundShipment | None:
    # Only a WORKING shipment was shipped or cancelled: any later status holds the step already.
    shipment = await uow.shipments.get(shipment_id, for_update=True)
    return shipment if shipment is not None and shipment.status is ShipmentStatus.WORKING else None


async def record_announced_shipping(
    commands: list[RecordAnnouncedShipping], uow: RegistrationUnitOfWork
) -> None:
    """Hand-overs to a carrier as announced, applied unless they are already."""
    for command in commands:
        shipment = await _working_shipment(uow, command.shipment_id)
        if shipment is not None:
            await uow.shipments.save_status(
                shipment.ship(command.carrier, command.tracking_number, command.shipped_at)
            )


async def record_announced_cancellations(
    commands: list[RecordAnnouncedCancellation], uow: RegistrationUnitOfWork
) -> None:
    """Cancellations as announced, applied unless they are already."""
    for command in commands:
        shipment = await _working_shipment(uow, command.shipment_id)
        if shipment is not None:
            await uow.shipments.save_status(shipment.cancel(command.reason))
