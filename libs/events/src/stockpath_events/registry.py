"""The one registry: event type ↔ model ↔ topic ↔ partition key.

Topic creation, encoding, decoding, JSON Schema export and the AsyncAPI document all read
this table, so a new event type is one model plus one line here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from stockpath_events.base import EventData
from stockpath_events.types import (
    catalog,
    fulfillment,
    inventory,
    listing,
    order_router,
    orders,
    registration,
)


class Topics:
    CATALOG = "catalog.events"
    REGISTRATION = "registration.events"
    LISTING = "listing.events"
    INVENTORY = "inventory.events"
    ORDERS = "orders"
    ORDER_ROUTER = "order-router.events"
    FULFILLMENT_INSTRUCTIONS = "fulfillment.instructions"
    FULFILLMENT_UPDATES = "fulfillment.updates"

    ALL = (
        CATALOG,
        REGISTRATION,
        LISTING,
        INVENTORY,
        ORDERS,
        ORDER_ROUTER,
        FULFILLMENT_INSTRUCTIONS,
        FULFILLMENT_UPDATES,
    )


def dead_letter_topic(topic: str) -> str:
    """Where a consumer of `topic` puts what it cannot process."""
    return f"{topic}.dlq"


@dataclass(frozen=True)
class EventSpec:
    """Everything the platform knows about one event type."""

    model: type[EventData]
    topic: str
    #: The payload field whose value is the Kafka key (and the CloudEvents subject).
    key_field: str
    #: The ``<service>`` of ``stockpath.<service>.<Name>.v1``; for events written by
    #: outside systems, the topic's domain (orders, fulfillment).
    domain: str
    version: int = 1
    #: CloudEvents extension attributes taken from payload fields: {"fulfillmentcenter": "fulfillment_center_id"}.
    extensions: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.model.__name__

    @property
    def type(self) -> str:
        return f"stockpath.{self.domain}.{self.name}.v{self.version}"

    def key_of(self, data: EventData) -> str:
        return str(getattr(data, self.key_field))


_SPECS = [
    EventSpec(catalog.CatalogItemCreated, Topics.CATALOG, "catalog_item_id", "catalog"),
    EventSpec(catalog.CatalogItemUpdated, Topics.CATALOG, "catalog_item_id", "catalog"),
    EventSpec(registration.ItemRegistered, Topics.REGISTRATION, "fnsku", "registration"),
    EventSpec(registration.ItemRegistrationRejected, Topics.REGISTRATION, "registration_id", "registration"),
    EventSpec(registration.ItemRegistrationUpdated, Topics.REGISTRATION, "fnsku", "registration"),
    EventSpec(registration.ItemDeregistered, Topics.REGISTRATION, "fnsku", "registration"),
    EventSpec(registration.InboundShipmentPlanned, Topics.REGISTRATION, "shipment_id", "registration"),
    EventSpec(registration.InboundShipmentShipped, Topics.REGISTRATION, "shipment_id", "registration"),
    EventSpec(registration.InboundShipmentCancelled, Topics.REGISTRATION, "shipment_id", "registration"),
    EventSpec(listing.ListingPublished, Topics.LISTING, "listing_id", "listing"),
    EventSpec(listing.ListingUpdated, Topics.LISTING, "listing_id", "listing"),
    EventSpec(listing.ListingAvailabilityChanged, Topics.LISTING, "listing_id", "listing"),
    EventSpec(listing.ListingClosed, Topics.LISTING, "listing_id", "listing"),
    EventSpec(inventory.InventoryReceived, Topics.INVENTORY, "fnsku", "inventory"),
    EventSpec(inventory.InboundShipmentClosed, Topics.INVENTORY, "shipment_id", "inventory"),
    EventSpec(inventory.InventoryAdjusted, Topics.INVENTORY, "fnsku", "inventory"),
    EventSpec(inventory.InventoryLevelChanged, Topics.INVENTORY, "fnsku", "inventory"),
    EventSpec(inventory.InventoryDiscrepancyRecorded, Topics.INVENTORY, "fnsku", "inventory"),
    EventSpec(orders.OrderPlaced, Topics.ORDERS, "order_id", "orders"),
    EventSpec(orders.OrderCancellationRequested, Topics.ORDERS, "order_id", "orders"),
    EventSpec(order_router.OrderRouted, Topics.ORDER_ROUTER, "order_id", "order-router"),
    EventSpec(order_router.OrderRejected, Topics.ORDER_ROUTER, "order_id", "order-router"),
    EventSpec(order_router.OrderBackordered, Topics.ORDER_ROUTER, "order_id", "order-router"),
    EventSpec(order_router.OrderCancelled, Topics.ORDER_ROUTER, "order_id", "order-router"),
    EventSpec(order_router.OrderCancellationRefused, Topics.ORDER_ROUTER, "order_id", "order-router"),
    EventSpec(
        order_router.FulfillmentInstructed,
        Topics.FULFILLMENT_INSTRUCTIONS,
        "order_id",
        "order-router",
        extensions={"fulfillmentcenter": "fulfillment_center_id"},
    ),
    EventSpec(
        order_router.FulfillmentCancelled,
        Topics.FULFILLMENT_INSTRUCTIONS,
        "order_id",
        "order-router",
        extensions={"fulfillmentcenter": "fulfillment_center_id"},
    ),
    EventSpec(fulfillment.ShipmentShipped, Topics.FULFILLMENT_UPDATES, "order_id", "fulfillment"),
    EventSpec(fulfillment.FulfillmentRejectedByCenter, Topics.FULFILLMENT_UPDATES, "order_id", "fulfillment"),
]


class UnknownEventType(LookupError):
    """The CloudEvents type is not one this registry knows (e.g. a newer version)."""


class Registry:
    def __init__(self, specs: list[EventSpec]) -> None:
        self._by_type = {s.type: s for s in specs}
        self._by_model = {s.model: s for s in specs}
        if len(self._by_type) != len(specs) or len(self._by_model) != len(specs):
            raise ValueError("duplicate event type in the registry")
        for spec in specs:
            if spec.key_field not in spec.model.model_fields:
                raise ValueError(f"{spec.name}: key field {spec.key_field!r} is not a payload field")
            if spec.topic not in Topics.ALL:
                raise ValueError(f"{spec.name}: unknown topic {spec.topic!r}")
            spec.model.ce_type = spec.type

    def __iter__(self):
        return iter(self._by_type.values())

    def by_type(self, ce_type: str) -> EventSpec:
        try:
            return self._by_type[ce_type]
        except KeyError:
            raise UnknownEventType(ce_type) from None

    def for_model(self, model: type[EventData]) -> EventSpec:
        return self._by_model[model]

    def on_topic(self, topic: str) -> list[EventSpec]:
        return [s for s in self if s.topic == topic]

    def topics(self) -> list[str]:
        return list(Topics.ALL)


REGISTRY = Registry(_SPECS)
