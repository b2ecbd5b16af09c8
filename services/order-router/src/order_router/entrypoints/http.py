"""The order router's HTTP API: order ingress for upstream systems, order status, and stock
availability for operators."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from order_router.adapters.repository import OrderRouterRepository
from order_router.domain.model import Order, OrderIdInUse, OrderLine, OrderStatus
from order_router.service_layer import handlers
from stockpath_events import Address, FulfillmentPolicy, ShippingSpeed
from stockpath_events.types.orders import OrderCancellationRequested
from stockpath_runtime.http import Conflict, NotFound, unit_of_work
from stockpath_runtime.unit_of_work import UnitOfWork

router = APIRouter(prefix="/v1", tags=["orders"])

Identifier = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9._:-]{1,64}$")]


Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Sku = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
AddressText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class AddressIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: AddressText
    line1: AddressText
    line2: AddressText | None = None
    city: Sku
    region: Label
    postal_code: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9 -]{2,12}$")]
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] = "US"


class OrderLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    line_id: Identifier
    seller_id: Label | None = None
    seller_sku: Sku | None = None
    listing_id: Sku | None = None
    quantity: int = Field(ge=1, le=10_000)
    unit_price: Decimal = Field(ge=0, max_digits=12, decimal_places=2)

    @model_validator(mode="after")
    def _names_the_item(self) -> OrderLineIn:
        if not self.listing_id and not (self.seller_id and self.seller_sku):
            raise ValueError("an order line needs seller_id and seller_sku, or listing_id")
        return self


class OrderIn(BaseModel):
    """The OrderPlaced payload; order_id may be left out and is then generated."""

    model_config = ConfigDict(extra="forbid")

    order_id: Identifier | None = None
    channel: Label
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
        return Order(
            order_id=self.order_id or handlers.new_order_id(),
            channel=self.channel,
            lines=tuple(
                OrderLine(
                    line_id=line.line_id,
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    seller_id=line.seller_id,
                    seller_sku=line.seller_sku,
                    listing_id=line.listing_id,
                )
                for line in self.lines
            ),
            ship_to=Address(**self.ship_to.model_dump()),
            shipping_speed=self.shipping_speed,
            fulfillment_policy=self.fulfillment_policy,
            currency=self.currency,
        )


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


class FulfillmentLineOut(BaseModel):
    line_id: str
    fnsku: str
    seller_id: str
    seller_sku: str
    quantity: int


class FulfillmentOrderOut(BaseModel):
    fulfillment_order_id: str
    fulfillment_center_id: str
    status: str = Field(description="INSTRUCTED, CANCELLED or SHIPPED")
    carrier: str | None = None
    tracking_number: str | None = None
    shipped_at: datetime | None = None
    lines: list[FulfillmentLineOut]


class RejectedLineOut(BaseModel):
    line_id: str
    reason_code: str
    reason: str


class RejectionOut(BaseModel):
    reason_code: str
    lines: list[RejectedLineOut]


class OrderOut(BaseModel):
    order_id: str
    status: OrderStatus
    channel: str
    lines: list[OrderLineOut]
    fulfillment_orders: list[FulfillmentOrderOut]
    rejection: RejectionOut | None
    cancellation: dict | None = None
    shipping_speed: ShippingSpeed
    fulfillment_policy: FulfillmentPolicy
    currency: str
    ship_to: Address


class StockAtCenter(BaseModel):
    fulfillment_center_id: str
    seller_id: str
    basis: int = Field(description="Inventory's fulfillable + reserved + shipped, as last reported")
    reservations_total: int = Field(description="Units this router allocated here and did not release")
    #: What new orders can still get here; never below zero even if inventory dropped under our reservations.
    allocatable: int


class AvailabilityOut(BaseModel):
    fnsku: str
    basis: int
    reservations_total: int
    allocatable: int
    fulfillment_centers: list[StockAtCenter]


@router.post(
    "/orders",
    response_model=OrderAccepted,
    status_code=202,
    summary="Place an order (HTTP ingress: writes OrderPlaced to the orders topic)",
    responses={200: {"description": "The order was already placed; its current status"}},
)
async def post_order(
    body: OrderIn, response: Response, uow: Annotated[UnitOfWork, Depends(unit_of_work)]
) -> OrderAccepted:
    order = body.to_domain()
    try:
        async with uow:
            status, created = await handlers.place_order(order, uow)
    except OrderIdInUse as e:
        raise Conflict(str(e), code="order_id_in_use", order_id=e.order_id) from None
    if not created:
        response.status_code = 200
    return OrderAccepted(order_id=order.order_id, status=status)


@router.get("/orders/{order_id}", response_model=OrderOut, summary="An order's status and fulfillment orders")
async def get_order(order_id: str, request: Request) -> OrderOut:
    async with request.app.state.engine.connect() as conn:
        details = await OrderRouterRepository(conn).order_details(order_id)
    if details is None:
        raise NotFound(f"order {order_id} is not known to the order router", order_id=order_id)
    return OrderOut.model_validate(details)


@router.get("/availability", response_model=AvailabilityOut, summary="Stock of one FNSKU per FC (operators)")
async def get_availability(
    request: Request,
    fnsku: Annotated[str, Query(min_length=1, max_length=64, description="The fulfillment SKU")],
) -> AvailabilityOut:
    async with request.app.state.engine.connect() as conn:
        rows = await OrderRouterRepository(conn).stock_of(fnsku)
    centers = [
        StockAtCenter(
            fulfillment_center_id=r["fulfillment_center_id"],
            seller_id=r["seller_id"],
            basis=r["basis"],
            reservations_total=r["reservations_total"],
            allocatable=max(0, r["basis"] - r["reservations_total"]),
        )
        for r in rows
    ]
    return AvailabilityOut(
        fnsku=fnsku,
        basis=sum(c.basis for c in centers),
        reservations_total=sum(c.reservations_total for c in centers),
        allocatable=sum(c.allocatable for c in centers),
        fulfillment_centers=centers,
    )


class CancellationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)] | None = None


@router.post(
    "/orders/{order_id}/cancellation",
    response_model=OrderAccepted,
    status_code=202,
    summary="Ask to cancel an order (writes OrderCancellationRequested to the orders topic)",
    responses={404: {"description": "Unknown order"}},
)
async def request_cancellation(
    order_id: str, uow: Annotated[UnitOfWork, Depends(unit_of_work)], body: CancellationIn | None = None
) -> OrderAccepted:
    """The answer comes as an event (OrderCancelled or OrderCancellationRefused) and in the order's
    status: a cancellation after a shipment left is refused."""
    async with uow:
        found = await OrderRouterRepository(uow.connection).get_order(order_id)
        if found is None:
            raise NotFound(f"order {order_id} is not known to the order router", order_id=order_id)
        uow.emit(OrderCancellationRequested(order_id=order_id, reason=body.reason if body else None))
        await uow.commit()
    return OrderAccepted(order_id=order_id, status=found[1])
