"""Events the inventory service writes to `inventory.events` (key: fnsku; shipment close by shipment id)."""

from __future__ import annotations

from pydantic import Field

from stockpath_events.base import EventData


class InventoryReceived(EventData):
    """An FC counted what arrived for one FNSKU of an inbound shipment."""

    receipt_id: str
    shipment_id: str
    fulfillment_center_id: str
    fnsku: str
    seller_id: str
    seller_sku: str | None = None
    quantity_expected: int = Field(ge=0)
    quantity_received: int = Field(ge=0)
    quantity_damaged: int = Field(ge=0)


class InboundShipmentClosed(EventData):
    """An inbound shipment is fully received or was closed by the FC."""

    shipment_id: str
    fulfillment_center_id: str
    seller_id: str
    fnsku: str | None = None


class InventoryAdjusted(EventData):
    """FC staff corrected a quantity bucket (found, lost, damaged, transferred)."""

    adjustment_id: str
    fulfillment_center_id: str
    fnsku: str
    seller_id: str
    quantity_delta: int
    bucket: str
    reason: str


class InventoryLevelChanged(EventData):
    """The quantity buckets of one FNSKU at one FC, after a change."""

    fulfillment_center_id: str
    fnsku: str
    seller_id: str
    seller_sku: str | None = None
    inbound: int = Field(ge=0)
    fulfillable: int = Field(ge=0)
    reserved: int = Field(default=0, ge=0)
    unfulfillable: int = Field(ge=0)
