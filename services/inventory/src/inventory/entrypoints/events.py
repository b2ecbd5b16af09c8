"""What the inventory worker consumes:

- `registration.events`: inbound shipment plans, the seller's hand-over to a carrier, cancellations;
- `fulfillment.instructions`: order-router's FulfillmentInstructed / FulfillmentCancelled (reserve, release);
- `fulfillment.updates`: the FCs' ShipmentShipped (reserved → shipped).

Instructions and shipment confirmations that arrive together are applied set-based (batch handlers).
Other event types on those topics have no handler, so the runtime acknowledges and ignores them.
"""

from __future__ import annotations

from inventory.service_layer import fulfillment, handlers
from stockpath_events import Topics
from stockpath_events.types.fulfillment import ShipmentShipped
from stockpath_events.types.order_router import FulfillmentCancelled, FulfillmentInstructed
from stockpath_events.types.registration import (
    InboundShipmentCancelled,
    InboundShipmentPlanned,
    InboundShipmentShipped,
)
from stockpath_runtime.consumer import Subscription


def subscriptions(settings, engine) -> list[Subscription]:
    return [
        Subscription(
            Topics.REGISTRATION,
            {
                InboundShipmentPlanned: handlers.inbound_shipment_planned,
                InboundShipmentShipped: handlers.inbound_shipment_shipped,
                InboundShipmentCancelled: handlers.inbound_shipment_cancelled,
            },
        ),
        Subscription(
            Topics.FULFILLMENT_INSTRUCTIONS,
            {
                FulfillmentInstructed: fulfillment.fulfillment_instructed,
                FulfillmentCancelled: fulfillment.fulfillment_cancelled,
            },
            # Instructions that arrive together move their stock together: a fixed number of statements.
            batch_handlers={FulfillmentInstructed: fulfillment.fulfillments_instructed},
        ),
        Subscription(
            Topics.FULFILLMENT_UPDATES,
            {ShipmentShipped: fulfillment.shipment_shipped},
            batch_handlers={ShipmentShipped: fulfillment.shipments_shipped},
        ),
    ]
