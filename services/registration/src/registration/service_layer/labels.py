"""What a shipment's labels PDF shows: an FNSKU label per unit (or per line) and a label per box.

Drawing the PDF is the renderer's (``adapters/labels.py``), done by the caller outside any
transaction; this decides what goes on it and refuses what cannot be printed.
"""

from __future__ import annotations

from dataclasses import dataclass

from registration.adapters import labels
from registration.domain.commands import PrintShipmentLabels
from registration.domain.errors import ShipmentNotFound, TooManyLabels
from registration.domain.model import InboundShipment, InvalidShipmentTransition, ShipmentStatus
from registration.service_layer.unit_of_work import RegistrationUnitOfWork


@dataclass(frozen=True)
class ShipmentLabels:
    shipment: InboundShipment
    item_labels: list[labels.ItemLabel]
    boxes: labels.BoxLabels


async def print_shipment_labels(
    command: PrintShipmentLabels, uow: RegistrationUnitOfWork
) -> ShipmentLabels:
    async with uow:
        shipment = await uow.shipments.get(command.shipment_id, seller_id=command.seller_id)
        if shipment is None:
            raise ShipmentNotFound(command.shipment_id)
        if shipment.status is ShipmentStatus.CANCELLED:
            raise InvalidShipmentTransition(command.shipment_id, "labelled", shipment.status)
        texts = await uow.registrations.label_texts(
            shipment.seller_id, [ln.fnsku for ln in shipment.lines]
        )
        seller = await uow.sellers.get(shipment.seller_id)
    units = sum(ln.quantity for ln in shipment.lines)
    if command.per_unit and units > labels.MAX_ITEM_LABELS:
        raise TooManyLabels(units, labels.MAX_ITEM_LABELS)
    item_labels = []
    for line in shipment.lines:
        title, condition = texts.get(line.fnsku, ("", "new"))
        if command.per_unit:
            item_labels += [labels.ItemLabel(line.fnsku, title, condition)] * line.quantity
        else:
            item_labels.append(labels.ItemLabel(line.fnsku, title, condition, count=line.quantity))
    box_labels = labels.BoxLabels(
        shipment_id=shipment.shipment_id,
        fulfillment_center_id=shipment.fulfillment_center_id,
        ship_to=shipment.ship_to,
        seller_name=seller.name if seller else shipment.seller_id,
        boxes=command.boxes,
        contents=[(ln.seller_sku, ln.fnsku, ln.quantity) for ln in shipment.lines],
    )
    return ShipmentLabels(shipment, item_labels, box_labels)
