"""Events order-router writes to `order-router.events` and `fulfillment.instructions` (key: order_id)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from stockpath_events.base import Address, EventData, ShippingSpeed, Value
from stockpath_events.types.fulfillment import ReturnedLine
from stockpath_events.types.orders import FulfillmentFee


class RoutedFulfillmentOrder(Value):
    fulfillment_order_id: str
    fulfillment_center_id: str
    ship_by: date | None = Field(
        default=None, description="The day the FC promises to ship it (FC's local date)"
    )
    deliver_by: date | None = Field(default=None, description="The day the buyer is promised it")


class CancelledLine(Value):
    """Units of an order line that will not ship (fill-all-available: nothing left to ship them from)."""

    line_id: str
    quantity: int = Field(gt=0)
    reason: str | None = None


class OrderRouted(EventData):
    """Lines of the order have stock reserved at one or more FCs.

    Under fill-or-kill every line is routed in full. Under fill-all-available, ``cancelled_lines``
    names the units that could not be routed and will never ship; under fill-all, the units still
    waiting appear in an OrderBackordered written with it.
    """

    order_id: str
    fulfillment_orders: list[RoutedFulfillmentOrder] = Field(min_length=1)
    cancelled_lines: list[CancelledLine] = Field(default_factory=list)
    ship_by: date | None = Field(
        default=None, description="The latest ship-by of its fulfillment orders"
    )
    deliver_by: date | None = Field(
        default=None,
        description="The delivery date promised: the latest deliver-by of its fulfillment orders",
    )


class RejectedLine(Value):
    line_id: str
    reason_code: str
    reason: str


class OrderRejected(EventData):
    """The order cannot be fulfilled; each failing line carries a reason code."""

    order_id: str
    reason_code: str
    lines: list[RejectedLine] = Field(default_factory=list)


class BackorderedLine(Value):
    line_id: str
    quantity: int = Field(gt=0)


class OrderBackordered(EventData):
    """Some lines wait for stock (fill-all policy); they are routed when it arrives."""

    order_id: str
    lines: list[BackorderedLine] = Field(min_length=1)


class OrderCancelled(EventData):
    """An order was cancelled before shipment and its reservations released."""

    order_id: str
    reason: str | None = None


class FulfillmentLine(Value):
    line_id: str
    fnsku: str
    seller_sku: str
    seller_id: str
    quantity: int = Field(gt=0)


class FulfillmentInstructed(EventData):
    """An FC is told to pick, pack and ship these lines to the buyer."""

    fulfillment_order_id: str
    order_id: str
    fulfillment_center_id: str
    lines: list[FulfillmentLine] = Field(min_length=1)
    ship_to: Address
    shipping_speed: ShippingSpeed
    ship_by: date | None = Field(
        default=None,
        description="Ship by this day (FC's local date): the order came before its cut-off, or the next working day",
    )
    deliver_by: date | None = Field(
        default=None, description="The day the buyer was promised the parcel"
    )
    #: An MCF order's quoted fulfillment fee, this fulfillment order's share of it: a line per line
    #: here (its units, the quoted fee per unit, their fee), so the shares of a split order add up
    #: to the quote exactly; None when the order was quoted none (a channel's order).
    fulfillment_fee: FulfillmentFee | None = Field(
        default=None,
        description="An MCF order's quoted fulfillment fee: this fulfillment order's share, per line",
    )


class FulfillmentCancelled(EventData):
    """An FC is told to stop a fulfillment order it has not shipped."""

    fulfillment_order_id: str
    order_id: str
    fulfillment_center_id: str
    reason: str | None = None


class OrderCancellationRefused(EventData):
    """A cancellation request that cannot be honoured, e.g. because a shipment already left the FC."""

    order_id: str
    reason_code: str
    reason: str


class ReturnLine(Value):
    """Shipped units of one order line the buyer may send back."""

    line_id: str
    fnsku: str
    seller_id: str
    seller_sku: str
    quantity: int = Field(gt=0)


class ReturnAuthorized(EventData):
    """A sales channel or the seller authorized a customer return of shipped units of an order:
    the buyer sends them to ``fulfillment_center_id``, which reports them with ReturnReceived."""

    return_id: str
    order_id: str
    fulfillment_center_id: str
    lines: list[ReturnLine] = Field(min_length=1)
    reason: str | None = Field(default=None, description="Why the buyer returns them, as they said")
    authorized_by: str | None = Field(
        default=None, description="The channel or seller that authorized it"
    )


class ReturnReceiptAccepted(EventData):
    """The order router checked an FC's ReturnReceived against the return it authorized — the FC it
    named, no FNSKU and no unit more than authorized — and accepted it: the units are back at the
    FC, in the conditions the FC found. One per return, however often the FC reported it; inventory
    puts the units back in stock from this event, never from an FC's report it was not checked."""

    return_id: str
    order_id: str
    fulfillment_center_id: str
    lines: list[ReturnedLine] = Field(min_length=1)
    received_at: datetime | None = Field(
        default=None, description="When the FC received them, as its report says"
    )
