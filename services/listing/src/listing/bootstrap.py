"""How the runtime finds and wires the listing service: the one place dependencies are built."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from listing.app import create_api
from listing.domain.channels import ChannelDirectory, default_channels
from listing.service_layer import handlers
from listing.settings import Settings
from stockpath_events import Topics
from stockpath_events.types.inventory import InventoryLevelChanged
from stockpath_events.types.registration import ItemRegistered
from stockpath_runtime.consumer import Subscription
from stockpath_runtime.service import ServiceDefinition


def subscriptions(settings: Settings, engine, *, channels: ChannelDirectory | None = None) -> list[Subscription]:
    """Registrations become listings; stock reports keep their availability current.

    Other event types on these topics (rejections, inbound shipments, receipts) have no handler,
    so the runtime acknowledges and ignores them.
    """
    channels = channels or default_channels()
    return [
        Subscription(
            Topics.REGISTRATION,
            {ItemRegistered: partial(handlers.publish_registered_item, channels=channels)},
        ),
        Subscription(Topics.INVENTORY, {InventoryLevelChanged: handlers.apply_inventory_level}),
    ]


SERVICE = ServiceDefinition(
    name="listing",
    settings=Settings,
    migrations=Path(__file__).parent / "migrations",
    api=create_api,
    subscriptions=subscriptions,
    order=3,
)
