"""Events the registration service writes to `registration.events`.

Items are keyed by FNSKU (a rejected registration has none and is keyed by its
registration id); inbound shipments by shipment id.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from stockpath_events.base import Address, CatalogItemSnapshot, Condition, EventData, Money, Value


class ItemRegistered(EventData):
    """A seller's item is registered for fulfillment and listing services."""

    registration_id: str
    seller_id: str
    seller_sku: str
    catalog_item_id: str
    fnsku: str
    condition: Condition
    price: Money
    currency: str = "USD"
    channels: list[str] = Field(min_length=1)
    item: CatalogItemSnapshot
    size_tier: str | None = None


class ItemRegistrationUpdated(EventData):
    """A seller changed a live registration's price or channels; the payload is its state now."""

    registration_id: str
    seller_id: str
    seller_sku: str
    fnsku: str
    price: Money
    currency: str = "USD"
    channels: list[str] = Field(min_length=1)


class ItemDeregistered(EventData):
    """A seller withdrew an item from fulfillment and listing; its listings close."""

    registration_id: str
    seller_id: str
    seller_sku: str
    fnsku: str
    reason: str | None = None


class ItemRegistrationRejected(EventData):
    """A registration request for one item was refused, with a reason code."""

    registration_id: str
    seller_id: str
    seller_sku: str
    catalog_item_id: str
    reason_code: str
    reason: str


class InboundShipmentLine(Value):
    fnsku: str
    seller_sku: str
    quantity: int = Field(gt=0)


class InboundShipmentPlanned(EventData):
    """The seller has been told where and how to ship stock, before any sale."""

    shipment_id: str
    seller_id: str
    fulfillment_center_id: str
    ship_to: Address
    lines: list[InboundShipmentLine] = Field(min_length=1)


class InboundShipmentShipped(EventData):
    """The seller handed the shipment to a carrier."""

    shipment_id: str
    seller_id: str
    fulfillment_center_id: str
    carrier: str
    tracking_number: str
    shipped_at: datetime | None = None


class InboundShipmentCancelled(EventData):
    """The seller cancelled a shipment that had not been received."""

    shipment_id: str
    seller_id: str
    fulfillment_center_id: str
    reason: str | None = None
