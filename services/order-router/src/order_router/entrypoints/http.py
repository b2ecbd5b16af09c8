"""The order router's HTTP API: order ingress for upstream systems, order status, and stock
availability for operators."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from order_router.adapters.repository import OrderRouterRepository
from order_router.domain.model import Order, OrderIdInUse, OrderLine, OrderStatus
from order_router.service_layer import handlers
from stockpath_events import Address, FulfillmentPolicy, ShippingSpeed
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
    status: str
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
    shipping_speed: ShippingSpeed
    fulfillment_policy: FulfillmentPolicy
    currency: str
    ship_to: Address


class StockAtCenter(BaseModel):
    fulfillment_center_id: str
    seller_id: str
    on_hand: int
    reserved: int
    #: What new orders can still get here; never below zero even if inventory dropped under our reservations.
    allocatable: int


class AvailabilityOut(BaseModel):
    fnsku: str
    on_hand: int
    reserved: int
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
            on_hand=r["on_hand"],
            reserved=r["reserved"],
            allocatable=max(0, r["on_hand"] - r["reserved"]),
        )
        for r in rows
    ]
    return AvailabilityOut(
        fnsku=fnsku,
        on_hand=sum(c.on_hand for c in centers),
        reserved=sum(c.reserved for c in centers),
        allocatable=sum(c.allocatable for c in centers),
        fulfillment_centers=centers,
    )
