"""What the inventory worker consumes: inbound shipment plans and cancellations from registration.

Other event types on `registration.events` (ItemRegistered, InboundShipmentShipped...) have no
handler, so the runtime acknowledges and ignores them.
"""

from __future__ import annotations

from inventory.service_layer import handlers
from stockpath_events import Topics
from stockpath_events.types.registration import InboundShipmentCancelled, InboundShipmentPlanned
from stockpath_runtime.consumer import Subscription


def subscriptions(settings, engine) -> list[Subscription]:
    return [
        Subscription(
            Topics.REGISTRATION,
            {
                InboundShipmentPlanned: handlers.inbound_shipment_planned,
                InboundShipmentCancelled: handlers.inbound_shipment_cancelled,
            },
        )
    ]
