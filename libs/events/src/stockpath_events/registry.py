"""The one registry: event type ↔ model ↔ topic ↔ partition key ↔ who may publish it.

Topic creation, encoding, decoding, the consumers' admission checks, JSON Schema export and
the AsyncAPI document all read this table, so a new event type is one model plus one line here.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from stockpath_events.base import EventData
from stockpath_events.types import (
    catalog,
    fulfillment,
    identity,
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
    #: Removal orders for the FCs to carry out (or not, once cancelled).
    FULFILLMENT_REMOVALS = "fulfillment.removals"
    #: Credentials issued and revoked (every service keeps a copy to authenticate callers).
    IDENTITY = "identity.events"

    #: Topics outside systems write to: a type the registry does not know there is refused
    #: (dead-lettered), not taken for a newer contract version published side by side.
    WRITTEN_FROM_OUTSIDE = (ORDERS, FULFILLMENT_UPDATES)

    ALL = (
        CATALOG,
        REGISTRATION,
        LISTING,
        INVENTORY,
        ORDERS,
        ORDER_ROUTER,
        FULFILLMENT_INSTRUCTIONS,
        FULFILLMENT_UPDATES,
        FULFILLMENT_REMOVALS,
        IDENTITY,
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
    #: Who may publish it (``ce_source``); empty means the producing service only,
    #: ``/services/<domain>``. ``*`` matches one path segment; ``{field}`` must equal that payload
    #: field (a sales channel publishes only its own orders: ``/channels/{channel}``).
    sources: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.model.__name__

    @property
    def allowed_sources(self) -> tuple[str, ...]:
        return self.sources or (f"/services/{self.domain}",)

    def source_refusal(self, source: str, data: EventData) -> str | None:
        """Why `source` may not publish this event with this payload; None when it may."""
        for pattern in self.allowed_sources:
            if _source_matches(pattern, source, data):
                return None
        return (
            f"{self.name} may be published by {', '.join(self.allowed_sources)}, not by {source!r}"
        )

    @property
    def type(self) -> str:
        return f"stockpath.{self.domain}.{self.name}.v{self.version}"

    def key_of(self, data: EventData) -> str:
        return str(getattr(data, self.key_field))


def _source_matches(pattern: str, source: str, data: EventData) -> bool:
    regex, fields = _source_pattern(pattern)
    found = regex.fullmatch(source)
    # A {field} segment must be exactly that payload field's value.
    return found is not None and all(
        found.group(n + 1) == str(getattr(data, f, None)) for n, f in enumerate(fields)
    )


@functools.cache
def _source_pattern(pattern: str) -> tuple[re.Pattern, tuple[str, ...]]:
    """A source pattern as a regex (compiled once): `*` and `{field}` each match one path segment."""
    regex, fields = "", []
    for part in re.split(r"(\*|\{[a-z_]+\})", pattern):
        if part == "*":
            regex += "[^/]+"
        elif part.startswith("{"):
            regex += "([^/]+)"
            fields.append(part[1:-1])
        else:
            regex += re.escape(part)
    return re.compile(regex), tuple(fields)


#: Orders come from a sales channel's own system (for its channel only), order-router's HTTP
#: ingress (which authenticates the channel) and the storefront.
_ORDER_SOURCES = ("/channels/{channel}", "/services/order-router", "/services/listing")
#: A cancellation names only the order: the router checks that the channel owns it.
_CANCELLATION_SOURCES = ("/channels/*", "/services/order-router", "/services/listing")
#: An FC reports only on its own fulfillment orders.
_FC_SOURCES = ("/fulfillment-centers/{fulfillment_center_id}",)
#: An FC exception comes from the FC's system, or from inventory's FC API (which authenticates the FC).
_FC_EXCEPTION_SOURCES = (*_FC_SOURCES, "/services/inventory")

_SPECS = [
    EventSpec(catalog.CatalogItemCreated, Topics.CATALOG, "catalog_item_id", "catalog"),
    EventSpec(catalog.CatalogItemUpdated, Topics.CATALOG, "catalog_item_id", "catalog"),
    EventSpec(registration.SellerOnboarded, Topics.REGISTRATION, "seller_id", "registration"),
    EventSpec(registration.ItemRegistered, Topics.REGISTRATION, "fnsku", "registration"),
    EventSpec(
        registration.ItemRegistrationRejected,
        Topics.REGISTRATION,
        "registration_id",
        "registration",
    ),
    EventSpec(registration.ItemRegistrationUpdated, Topics.REGISTRATION, "fnsku", "registration"),
    EventSpec(registration.ItemDeregistered, Topics.REGISTRATION, "fnsku", "registration"),
    EventSpec(
        registration.InboundShipmentPlanned, Topics.REGISTRATION, "shipment_id", "registration"
    ),
    EventSpec(
        registration.InboundShipmentShipped, Topics.REGISTRATION, "shipment_id", "registration"
    ),
    EventSpec(
        registration.InboundShipmentCancelled, Topics.REGISTRATION, "shipment_id", "registration"
    ),
    EventSpec(listing.ListingPublished, Topics.LISTING, "listing_id", "listing"),
    EventSpec(listing.ListingUpdated, Topics.LISTING, "listing_id", "listing"),
    EventSpec(listing.ListingAvailabilityChanged, Topics.LISTING, "listing_id", "listing"),
    EventSpec(listing.ListingClosed, Topics.LISTING, "listing_id", "listing"),
    EventSpec(listing.StorefrontOrderPlaced, Topics.LISTING, "order_id", "listing"),
    EventSpec(inventory.InventoryReceived, Topics.INVENTORY, "fnsku", "inventory"),
    EventSpec(inventory.InboundShipmentClosed, Topics.INVENTORY, "shipment_id", "inventory"),
    EventSpec(inventory.InventoryAdjusted, Topics.INVENTORY, "fnsku", "inventory"),
    EventSpec(inventory.InventoryLevelChanged, Topics.INVENTORY, "fnsku", "inventory"),
    EventSpec(inventory.InventoryDiscrepancyRecorded, Topics.INVENTORY, "fnsku", "inventory"),
    EventSpec(inventory.RemovalOrderCreated, Topics.INVENTORY, "removal_order_id", "inventory"),
    EventSpec(inventory.StorageSnapshotTaken, Topics.INVENTORY, "seller_id", "inventory"),
    EventSpec(inventory.StatementReady, Topics.INVENTORY, "seller_id", "inventory"),
    EventSpec(
        inventory.RemovalInstructed,
        Topics.FULFILLMENT_REMOVALS,
        "removal_order_id",
        "inventory",
        extensions={"fulfillmentcenter": "fulfillment_center_id"},
    ),
    EventSpec(
        inventory.RemovalOrderCancelled,
        Topics.FULFILLMENT_REMOVALS,
        "removal_order_id",
        "inventory",
        extensions={"fulfillmentcenter": "fulfillment_center_id"},
    ),
    EventSpec(orders.OrderPlaced, Topics.ORDERS, "order_id", "orders", sources=_ORDER_SOURCES),
    EventSpec(
        orders.OrderCancellationRequested,
        Topics.ORDERS,
        "order_id",
        "orders",
        sources=_CANCELLATION_SOURCES,
    ),
    EventSpec(order_router.OrderRouted, Topics.ORDER_ROUTER, "order_id", "order-router"),
    EventSpec(order_router.OrderRejected, Topics.ORDER_ROUTER, "order_id", "order-router"),
    EventSpec(order_router.OrderBackordered, Topics.ORDER_ROUTER, "order_id", "order-router"),
    EventSpec(order_router.OrderCancelled, Topics.ORDER_ROUTER, "order_id", "order-router"),
    EventSpec(
        order_router.OrderCancellationRefused, Topics.ORDER_ROUTER, "order_id", "order-router"
    ),
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
    EventSpec(
        order_router.ReturnAuthorized,
        Topics.FULFILLMENT_INSTRUCTIONS,
        "order_id",
        "order-router",
        extensions={"fulfillmentcenter": "fulfillment_center_id"},
    ),
    EventSpec(order_router.ReturnReceiptAccepted, Topics.ORDER_ROUTER, "order_id", "order-router"),
    EventSpec(identity.CredentialIssued, Topics.IDENTITY, "credential_id", "registration"),
    EventSpec(identity.CredentialRevoked, Topics.IDENTITY, "credential_id", "registration"),
    EventSpec(
        fulfillment.ShipmentShipped,
        Topics.FULFILLMENT_UPDATES,
        "order_id",
        "fulfillment",
        sources=_FC_SOURCES,
    ),
    EventSpec(
        fulfillment.FulfillmentRejectedByCenter,
        Topics.FULFILLMENT_UPDATES,
        "order_id",
        "fulfillment",
        sources=_FC_EXCEPTION_SOURCES,
    ),
    EventSpec(
        fulfillment.RemovalShipped,
        Topics.FULFILLMENT_UPDATES,
        "removal_order_id",
        "fulfillment",
        sources=_FC_SOURCES,
    ),
    EventSpec(
        fulfillment.UnitsDisposed,
        Topics.FULFILLMENT_UPDATES,
        "removal_order_id",
        "fulfillment",
        sources=_FC_SOURCES,
    ),
    EventSpec(
        fulfillment.ReturnReceived,
        Topics.FULFILLMENT_UPDATES,
        "order_id",
        "fulfillment",
        sources=_FC_SOURCES,
    ),
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
                raise ValueError(
                    f"{spec.name}: key field {spec.key_field!r} is not a payload field"
                )
            if spec.topic not in Topics.ALL:
                raise ValueError(f"{spec.name}: unknown topic {spec.topic!r}")
            for pattern in spec.allowed_sources:
                for name in re.findall(r"\{([a-z_]+)\}", pattern):
                    if name not in spec.model.model_fields:
                        raise ValueError(
                            f"{spec.name}: source {pattern!r} names {name!r}, not a payload field"
                        )
            spec.model.ce_type = spec.type

    def __iter__(self):
        return iter(self._by_type.values())

    def knows(self, ce_type: str) -> bool:
        return ce_type in self._by_type

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
