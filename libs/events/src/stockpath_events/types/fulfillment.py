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


class ExceptionReason(StrEnum):
    """Why an FC cannot ship units of a fulfillment order."""

    #: The units were not where the FC's records said (short pick): written off in the ledger.
    SHORT_PICK = "SHORT_PICK"
    #: The units were found damaged at pick: they move to unfulfillable.
    DAMAGED = "DAMAGED"


class ExceptionLine(Value):
    """Units of one line of the fulfillment order the FC cannot ship, and why."""

    line_id: str
    fnsku: str
    quantity: int = Field(gt=0)
    reason_code: ExceptionReason


class FulfillmentRejectedByCenter(EventData):
    """An FC cannot fill a fulfillment order, or part of it (an FC exception).

    With ``lines``, only those units are missing (each with its reason: short pick or damaged);
    the FC ships the rest of the fulfillment order as instructed, and the order router re-routes
    the missing units elsewhere. Without ``lines`` (the first form of this event), the FC ships
    none of it: its units go back to fulfillable there and all of them are re-routed.
    One exception per fulfillment order counts; a later one for the same order changes nothing.
    """

    fulfillment_order_id: str
    order_id: str
    fulfillment_center_id: str
    reason: str
    lines: list[ExceptionLine] | None = Field(
        default=None,
        description="The units the FC cannot ship, per line; absent: none of the fulfillment order",
    )


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


class RemovalShipped(EventData):
    """An FC shipped the units of a removal order (disposition return) to the seller."""

    removal_order_id: str
    fulfillment_center_id: str
    carrier: str
    tracking_number: str
    shipped_at: datetime | None = None


class UnitsDisposed(EventData):
    """An FC disposed of the units of a removal order (disposition dispose)."""

    removal_order_id: str
    fulfillment_center_id: str
    disposed_at: datetime | None = None
