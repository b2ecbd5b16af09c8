"""Events FC systems write to `fulfillment.updates` (key: order_id)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from stockpath_events.base import EventData, Value


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


class ReturnCondition(StrEnum):
    """The condition an FC finds a returned unit in: only ``sellable`` units can be sold again."""

    SELLABLE = "sellable"
    CUSTOMER_DAMAGED = "customer-damaged"
    CARRIER_DAMAGED = "carrier-damaged"
    DEFECTIVE = "defective"


class ReturnedLine(Value):
    """Units of one FNSKU that came back in one condition."""

    fnsku: str
    quantity: int = Field(gt=0)
    condition: ReturnCondition


class ReturnReceived(EventData):
    """An FC received the units of an authorized customer return (ReturnAuthorized) and inspected
    them. One per return: the FC reports a return once, with every unit that came back."""

    return_id: str
    order_id: str
    fulfillment_center_id: str
    lines: list[ReturnedLine] = Field(min_length=1)
    received_at: datetime | None = None
