"""Events the registration service writes to `registration.events`.

Sellers are keyed by seller id; items by FNSKU (a rejected registration has none and is keyed by
its registration id); inbound shipments by shipment id.

Registration consumes these announcements back (`stockpath replay` rebuilds its store from them),
so each carries what its rows hold: a registration its request's idempotency key, fingerprint and
place in the request (``request_id``, ``request_fingerprint``, ``position``), a rejection the
offer and the catalog item it was judged on, a plan its ``plan_id``.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from stockpath_events.base import Address, CatalogItemSnapshot, Condition, EventData, Money, Value


class SellerOnboarded(EventData):
    """An operator created a seller; its seller credential is announced on `identity.events`."""

    seller_id: str
    name: str


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
    #: The seller's idempotency key of the request that registered it, if it sent one.
    request_id: str | None = None
    #: What that request asked (the same for every item of it): a key reused is refused by it.
    request_fingerprint: str | None = None
    #: The item's place in the request, from 0.
    position: int | None = Field(default=None, ge=0)


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
    condition: Condition | None = None
    price: Money | None = None
    channels: list[str] | None = None
    #: The catalog item as registration read it (absent when the catalog did not know the id).
    item: CatalogItemSnapshot | None = None
    size_tier: str | None = None
    request_id: str | None = None
    request_fingerprint: str | None = None
    position: int | None = Field(default=None, ge=0)


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
    #: The inbound plan it is part of, when a plan split the units across FCs.
    plan_id: str | None = None


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
