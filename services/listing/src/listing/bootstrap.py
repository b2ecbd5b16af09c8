"""How the runtime finds and wires the listing service: the one place dependencies are built."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from listing.app import create_api
from listing.domain.channels import ChannelDirectory, channel_directory
from listing.service_layer import handlers, order_tracking
from listing.settings import Settings
from stockpath_events import Topics
from stockpath_events.types.fulfillment import ShipmentShipped
from stockpath_events.types.inventory import InventoryLevelChanged
from stockpath_events.types.order_router import (
    OrderBackordered,
    OrderCancelled,
    OrderRejected,
    OrderRouted,
)
from stockpath_events.types.registration import (
    ItemDeregistered,
    ItemRegistered,
    ItemRegistrationUpdated,
)
from stockpath_runtime.consumer import Subscription
from stockpath_runtime.service import ServiceDefinition


def channels_for(settings: Settings) -> ChannelDirectory:
    return channel_directory(webhook_url=settings.webhook.url)


def listing_subscriptions(channels: ChannelDirectory) -> list[Subscription]:
    """What builds and keeps the listings: registrations and stock reports (replayable)."""
    return [
        Subscription(
            Topics.REGISTRATION,
            {
                ItemRegistered: partial(handlers.publish_registered_item, channels=channels),
                ItemRegistrationUpdated: partial(handlers.apply_registration_update, channels=channels),
                ItemDeregistered: partial(handlers.close_deregistered_item, channels=channels),
            },
        ),
        Subscription(
            Topics.INVENTORY,
            {InventoryLevelChanged: partial(handlers.apply_inventory_level, channels=channels)},
            # Stock reports that arrive together are applied together: a fixed number of statements.
            batch_handlers={InventoryLevelChanged: partial(handlers.apply_inventory_levels, channels=channels)},
        ),
    ]


def subscriptions(settings: Settings, engine, *, channels: ChannelDirectory | None = None) -> list[Subscription]:
    """Registrations become listings; stock reports keep their availability current; order and
    shipment reports move the status storefront buyers see.

    Other event types on these topics (rejections, inbound shipments, receipts) have no handler,
    so the runtime acknowledges and ignores them.
    """
    channels = channels or channels_for(settings)
    return [
        *listing_subscriptions(channels),
        _order_reports(
            Topics.ORDER_ROUTER,
            {
                OrderRouted: order_tracking.order_routed,
                OrderRejected: order_tracking.order_rejected,
                OrderBackordered: order_tracking.order_backordered,
                OrderCancelled: order_tracking.order_cancelled,
            },
        ),
        _order_reports(Topics.FULFILLMENT_UPDATES, {ShipmentShipped: order_tracking.shipment_shipped}),
    ]


def _order_reports(topic: str, handlers: dict) -> Subscription:
    """Reports on orders, which the storefront applies only to the orders it placed."""
    return Subscription(
        topic,
        handlers,
        batch_handlers={model: partial(order_tracking.storefront_reports, h) for model, h in handlers.items()},
    )


SERVICE = ServiceDefinition(
    name="listing",
    settings=Settings,
    migrations=Path(__file__).parent / "migrations",
    api=create_api,
    subscriptions=subscriptions,
    order=3,
)
