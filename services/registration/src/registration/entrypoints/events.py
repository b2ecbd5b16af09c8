"""The topics registration consumes and which handler each event type goes to."""

from __future__ import annotations

from registration.service_layer import handlers
from stockpath_events import Topics
from stockpath_events.types.inventory import InboundShipmentClosed, InventoryReceived
from stockpath_runtime.consumer import Subscription


def subscriptions(settings, engine) -> list[Subscription]:
    return [
        Subscription(
            Topics.INVENTORY,
            {
                InventoryReceived: handlers.on_inventory_received,
                InboundShipmentClosed: handlers.on_inbound_shipment_closed,
            },
        )
    ]
