"""What registration consumes, as which command, and which handler carries it out.

Inventory tells registration how far a seller's inbound shipment has got at the FC: the first
receipt against it makes it RECEIVING, the FC's close makes it CLOSED.
"""

from __future__ import annotations

from registration.domain.commands import CloseInboundShipment, MarkShipmentReceiving
from registration.service_layer import shipments
from stockpath_events import Envelope, Topics
from stockpath_events.types.inventory import InboundShipmentClosed, InventoryReceived


def mark_shipment_receiving(event: Envelope[InventoryReceived]) -> MarkShipmentReceiving:
    return MarkShipmentReceiving(event.data.shipment_id, event.cause)


def close_inbound_shipment(event: Envelope[InboundShipmentClosed]) -> CloseInboundShipment:
    return CloseInboundShipment(event.data.shipment_id, event.cause)


CONSUMES = {
    Topics.INVENTORY: {
        InventoryReceived: (mark_shipment_receiving, shipments.mark_shipments_receiving),
        InboundShipmentClosed: (close_inbound_shipment, shipments.close_inbound_shipments),
    }
}
