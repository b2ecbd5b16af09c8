"""Stockpath's shared event contract.

from stockpath_events import new_event, encode, decode, REGISTRY, Topics
from stockpath_events.types.orders import OrderPlaced
"""

from stockpath_events.base import (
    Address,
    CatalogItemSnapshot,
    Condition,
    Dimensions,
    EventData,
    FulfillmentPolicy,
    Identifiers,
    ShippingSpeed,
)
from stockpath_events.codec import (
    KafkaMessage,
    MalformedEvent,
    UnsupportedEvent,
    decode,
    decode_message,
    encode,
)
from stockpath_events.envelope import Cause, Envelope, new_event
from stockpath_events.registry import (
    REGISTRY,
    EventSpec,
    Topics,
    UnknownEventType,
    dead_letter_topic,
)

__all__ = [
    "Address",
    "CatalogItemSnapshot",
    "Cause",
    "Condition",
    "Dimensions",
    "Envelope",
    "EventData",
    "EventSpec",
    "FulfillmentPolicy",
    "Identifiers",
    "KafkaMessage",
    "MalformedEvent",
    "REGISTRY",
    "ShippingSpeed",
    "Topics",
    "UnknownEventType",
    "UnsupportedEvent",
    "dead_letter_topic",
    "decode",
    "decode_message",
    "encode",
    "new_event",
]
