"""The JSON the order router's HTTP API takes and answers, and how it maps to the domain."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from order_router.domain.fulfillment import FulfillmentOrder, FulfillmentOrderStatus
from order_router.domain.identifiers import new_order_id
from order_router.domain.model import LineOutcome, Order, OrderStatus
from order_router.domain.returns import CustomerReturn
from order_router.domain.sellers_orders import SellersOrder
from order_router.domain.stock import CenterStock
from order_router.entrypoints.consumers import order_of
from order_router.service_layer.views import OrderDetails
from stockpath_events import Address, FulfillmentPolicy, ShippingSpeed
from stockpath_events.types.orders import OrderPlaced
from stockpath_runtime.http import Identifier

Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Sku = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
AddressText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
#: A channel's name as the listing service spells it (lowercase); never holds the ':' of order ids.
Channel = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")
]
#: No unit of anything sold here costs more.
MAX_UNIT_PRICE = Decimal("1000000.00")


class AddressIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: AddressText
    line1: AddressText
    line2: AddressText | None = None
    city: Sku
    region: Label
    postal_code: Annotated[
        str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9 -]{2,12}$")
    ]
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] = "US"


class OrderLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    line_id: Identifier
    seller_id: Label | None = None
    seller_sku: Sku | None = None
    listing_id: Sku | None = None
    quantity: int = Field(ge=1, le=10_000)
    unit_price: Decimal = Field(ge=0, le=MAX_UNIT_PRICE, max_digits=12, decimal_places=2)

    @model_validator(mode="after")
    def _names_the_item(self) -> OrderLineIn:
        if not self.listing_id and not (self.seller_id and self.seller_sku):
            raise ValueError("an order line needs seller_id and seller_sku, or listing_id")
        return self


class OrderIn(BaseModel):
    """The OrderPlaced payload; order_id may be left out and is then generated. `channel` may be
    left out by a channel (its own) and a seller (`mcf`); an operator names it."""

    model_config = ConfigDict(extra="forbid")

    order_id: Identifier | None = None
    channel: Channel | None = None
    lines: list[OrderLineIn] = Field(min_length=1, max_length=100)
    ship_to: AddressIn
    shipping_speed: ShippingSpeed = ShippingSpeed.STANDARD
    fulfillment_policy: FulfillmentPolicy = FulfillmentPolicy.FILL_OR_KILL
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] = "USD"

    @model_validator(mode="after")
    def _line_ids_are_unique(self) -> OrderIn:
        seen: set[str] = set()
        for line in self.lines:
            if line.line_id in seen:
                raise ValueError(f"line_id {line.line_id!r} appears more than once")
            seen.add(line.line_id)
        return self

    def to_domain(self) -> Order:
        """The order as requested, read from the OrderPlaced it would be published as (the channel
        "" when none is named; `ownership.placement` decides its channel and id)."""
        fields = self.model_dump(exclude={"order_id", "channel"})
        placed = OrderPlaced(
            order_id=self.order_id or new_order_id(), channel=self.channel or "", **fields
        )
        return order_of(placed)


class CancellationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
        | None
    ) = None


class ReturnLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    line_id: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    quantity: Annotated[int, Field(gt=0, le=10_000)]


class ReturnIn(BaseModel):
    """Shipped units of an order the buyer sends back, and optionally the FC to send them to."""

    model_config = ConfigDict(extra="forbid")

    lines: Annotated[list[ReturnLineIn], Field(min_length=1, max_length=100)]
    fulfillment_center_id: Annotated[str, StringConstraints(min_length=1, max_length=20)] | None = (
        None
    )
    reason: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
        | None
    ) = None


class ReturnLineOut(BaseModel):
    line_id: str
    fnsku: str
    seller_sku: str
    quantity: int


class ReceivedOut(BaseModel):
    fnsku: str
    quantity: int
    condition: str


class ReturnOut(BaseModel):
    """A customer return: AUTHORIZED, then RECEIVED with what the FC found."""

    return_id: str
    order_id: str
    fulfillment_center_id: str
    lines: list[ReturnLineOut]
    reason: str | None
    status: str = "AUTHORIZED"
    received: list[ReceivedOut] = []

    @classmethod
    def of(cls, r: CustomerReturn) -> ReturnOut:
        return cls(
            return_id=r.return_id,
            order_id=r.order_id,
            fulfillment_center_id=r.fulfillment_center_id,
            lines=_return_lines(r),
            reason=r.reason,
            status=r.status,
            received=_received(r),
        )


def _return_lines(r: CustomerReturn) -> list[ReturnLineOut]:
    return [
        ReturnLineOut(
            line_id=x.line_id, fnsku=x.fnsku, seller_sku=x.seller_sku, quantity=x.quantity
        )
        for x in r.lines
    ]


def _received(r: CustomerReturn) -> list[ReceivedOut]:
    return [ReceivedOut(fnsku=f, quantity=q, condition=c) for f, q, c in r.received or ()]


class OrderAccepted(BaseModel):
    order_id: str
    status: OrderStatus


class OrderLineOut(BaseModel):
    line_id: str
    seller_id: str | None
    seller_sku: str | None
    listing_id: str | None
    #: Set once the order is routed.
    fnsku: str | None
    quantity: int
    #: Units waiting for stock (fill-all).
    quantity_backordered: int = 0
    #: Units that will not ship (fill-all-available short of stock, or the order cancelled).
    quantity_cancelled: int = 0
    unit_price: Decimal

    @classmethod
    def of(cls, outcome: LineOutcome) -> OrderLineOut:
        return cls(
            line_id=outcome.line.line_id,
            seller_id=outcome.line.seller_id,
            seller_sku=outcome.line.seller_sku,
            listing_id=outcome.line.listing_id,
            fnsku=outcome.fnsku,
            quantity=outcome.line.quantity,
            quantity_backordered=outcome.backordered,
            quantity_cancelled=outcome.cancelled,
            unit_price=outcome.line.unit_price,
        )


class FulfillmentLineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)  # read from the domain's ResolvedLine

    line_id: str
    fnsku: str
    seller_id: str
    seller_sku: str
    quantity: int


class FulfillmentOrderOut(BaseModel):
    fulfillment_order_id: str
    fulfillment_center_id: str
    status: FulfillmentOrderStatus
    carrier: str | None = None
    tracking_number: str | None = None
    shipped_at: datetime | None = None
    lines: list[FulfillmentLineOut]

    @classmethod
    def of(cls, fo: FulfillmentOrder) -> FulfillmentOrderOut:
        shipment = fo.shipment
        return cls(
            fulfillment_order_id=fo.fulfillment_order_id,
            fulfillment_center_id=fo.fulfillment_center_id,
            status=fo.status,
            carrier=shipment.carrier if shipment else None,
            tracking_number=shipment.tracking_number if shipment else None,
            shipped_at=shipment.shipped_at if shipment else None,
            lines=list(fo.lines),
        )


class RejectedLineOut(BaseModel):
    line_id: str
    reason_code: str
    reason: str


class RejectionOut(BaseModel):
    reason_code: str
    lines: list[RejectedLineOut]


class CancellationOut(BaseModel):
    reason: str | None = None


class OrderReturnOut(BaseModel):
    """A customer return of the order: AUTHORIZED, then RECEIVED with what the FC found."""

    return_id: str
    fulfillment_center_id: str
    status: str
    lines: list[ReturnLineOut]
    received: list[ReceivedOut] = []


class OrderOut(BaseModel):
    order_id: str
    status: OrderStatus
    channel: str
    lines: list[OrderLineOut]
    fulfillment_orders: list[FulfillmentOrderOut]
    rejection: RejectionOut | None
    cancellation: CancellationOut | None = None
    shipping_speed: ShippingSpeed
    fulfillment_policy: FulfillmentPolicy
    currency: str
    ship_to: Address
    returns: list[OrderReturnOut] = []

    @classmethod
    def of(cls, details: OrderDetails) -> OrderOut:
        record, order = details.record, details.record.order
        rejection = record.rejection
        return cls(
            order_id=order.order_id,
            status=record.status,
            channel=order.channel,
            lines=[OrderLineOut.of(outcome) for outcome in record.lines],
            fulfillment_orders=[FulfillmentOrderOut.of(fo) for fo in details.fulfillment_orders],
            rejection=RejectionOut(
                reason_code=rejection.reason_code.value,
                lines=[
                    RejectedLineOut(
                        line_id=f.line_id, reason_code=f.reason_code.value, reason=f.reason
                    )
                    for f in rejection.failures
                ],
            )
            if rejection
            else None,
            cancellation=CancellationOut(reason=record.cancellation.reason)
            if record.cancellation
            else None,
            shipping_speed=order.shipping_speed,
            fulfillment_policy=order.fulfillment_policy,
            currency=order.currency,
            ship_to=order.ship_to,
            returns=[
                OrderReturnOut(
                    return_id=r.return_id,
                    fulfillment_center_id=r.fulfillment_center_id,
                    status=r.status,
                    lines=_return_lines(r),
                    received=_received(r),
                )
                for r in details.returns
            ],
        )


class StockAtCenter(BaseModel):
    model_config = ConfigDict(from_attributes=True)  # read from the domain's CenterStock

    fulfillment_center_id: str
    seller_id: str
    basis: int = Field(description="Inventory's fulfillable + reserved + shipped, as last reported")
    reservations_total: int = Field(
        description="Units this router allocated here and did not release"
    )
    #: What new orders can still get here; never below zero even if inventory dropped under our reservations.
    allocatable: int


class AvailabilityOut(BaseModel):
    fnsku: str
    basis: int
    reservations_total: int
    allocatable: int
    fulfillment_centers: list[StockAtCenter]

    @classmethod
    def of(cls, fnsku: str, stock: list[CenterStock]) -> AvailabilityOut:
        return cls(
            fnsku=fnsku,
            basis=sum(c.basis for c in stock),
            reservations_total=sum(c.reservations_total for c in stock),
            allocatable=sum(c.allocatable for c in stock),
            fulfillment_centers=stock,
        )


class SellersOrderOut(BaseModel):
    """An order with lines of one seller's, as that seller sees it: its status, the seller's own
    lines only, and the fulfillment orders shipping them with carrier and tracking."""

    order_id: str
    channel: str
    status: OrderStatus
    placed_at: datetime
    seller_id: str
    lines: list[OrderLineOut]
    fulfillment_orders: list[FulfillmentOrderOut]

    @classmethod
    def of(cls, seller_id: str, seen: SellersOrder) -> SellersOrderOut:
        return cls(
            order_id=seen.order_id,
            channel=seen.channel,
            status=seen.status,
            placed_at=seen.placed_at,
            seller_id=seller_id,
            lines=[OrderLineOut.of(outcome) for outcome in seen.lines],
            fulfillment_orders=[FulfillmentOrderOut.of(fo) for fo in seen.fulfillment_orders],
        )
