"""Events FC systems write to `fulfillment.updates` (key: order_id)."""

from __future__ import annotations

from datetime import datetime

from stockpath_events.base import EventData


class ShipmentShipped(EventData):
    """An FC shipped a fulfillment order to the buyer."""

    fulfillment_order_id: str
    order_id: str
    fulfillment_center_id: str
    carrier: str
    tracking_number: str
    shipped_at: datetime | None = None


class FulfillmentRejectedByCenter(EventData):
    """An FC could not fulfil an instruction (e.g. stock found damaged at pick)."""

    fulfillment_order_id: str
    order_id: str
    fulfillment_center_id: str
    reason: str
