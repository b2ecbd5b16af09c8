"""What the order router's worker consumes: one subscription per topic, wire event → use case."""

from __future__ import annotations

from functools import partial

from order_router.domain.routing import RoutingPolicy
from order_router.service_layer import handlers
from stockpath_events import Topics
from stockpath_events.types.fulfillment import ShipmentShipped
from stockpath_events.types.inventory import InventoryLevelChanged
from stockpath_events.types.listing import ListingPublished
from stockpath_events.types.orders import OrderCancellationRequested, OrderPlaced
from stockpath_events.types.registration import ItemRegistered
from stockpath_runtime.consumer import Subscription


def subscriptions(policy: RoutingPolicy) -> list[Subscription]:
    return [
        Subscription(Topics.REGISTRATION, {ItemRegistered: handlers.record_registration}),
        Subscription(Topics.LISTING, {ListingPublished: handlers.record_listing}),
        Subscription(
            Topics.INVENTORY,
            {InventoryLevelChanged: partial(handlers.record_inventory_level, policy=policy)},
            batch_handlers={InventoryLevelChanged: partial(handlers.record_inventory_levels, policy=policy)},
        ),
        Subscription(
            Topics.ORDERS,
            {
                OrderPlaced: partial(handlers.route_order, policy=policy),
                OrderCancellationRequested: handlers.cancel_order,
            },
            # Orders that arrive together are routed together: a fixed number of statements per batch.
            batch_handlers={OrderPlaced: partial(handlers.route_orders, policy=policy)},
        ),
        Subscription(Topics.FULFILLMENT_UPDATES, {ShipmentShipped: handlers.shipment_shipped}),
    ]
