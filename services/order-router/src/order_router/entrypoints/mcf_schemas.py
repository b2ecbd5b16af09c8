"""The JSON of the multi-channel fulfillment routes, and how it maps to the domain. Fees are the
event contract's `FulfillmentFee` as it is (amounts as strings, like every price)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from order_router.domain.mcf import McfLine, McfPreview, McfRequest, SpeedOption
from order_router.domain.model import OrderStatus
from order_router.entrypoints.schemas import (
    AddressIn,
    FulfillmentLineOut,
    FulfillmentOrderOut,
    OrderOut,
    RejectedLineOut,
    Sku,
)
from order_router.service_layer.mcf import McfOrderListed, McfPlacement
from order_router.service_layer.routing import latest_day
from stockpath_events import Address, FulfillmentPolicy, ShippingSpeed
from stockpath_events.types.orders import FulfillmentFee
from stockpath_runtime.http import Identifier

#: The id a preview's order goes by (it is never recorded).
PREVIEW_ID = "preview"


class McfLineIn(BaseModel):
    """One line: the seller's SKU or its FNSKU (both: they must name the same registration)."""

    model_config = ConfigDict(extra="forbid")

    line_id: Identifier
    seller_sku: Sku | None = None
    fnsku: Identifier | None = None
    quantity: int = Field(ge=1, le=10_000)

    @model_validator(mode="after")
    def _names_the_item(self) -> McfLineIn:
        if not self.seller_sku and not self.fnsku:
            raise ValueError("an MCF line names its seller_sku or its fnsku")
        return self


class McfPreviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lines: list[McfLineIn] = Field(min_length=1, max_length=100)
    ship_to: AddressIn

    @model_validator(mode="after")
    def _line_ids_are_unique(self) -> McfPreviewIn:
        ids = [line.line_id for line in self.lines]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"line_id {twice[0]!r} appears more than once")
        return self

    def to_domain(self) -> McfRequest:
        return self._request(PREVIEW_ID)

    def _request(self, order_id: str, **fields) -> McfRequest:
        return McfRequest(
            order_id=order_id,
            lines=tuple(
                McfLine(x.line_id, x.quantity, seller_sku=x.seller_sku, fnsku=x.fnsku)
                for x in self.lines
            ),
            ship_to=Address.model_validate(self.ship_to.model_dump()),
            **fields,
        )


class McfOrderIn(McfPreviewIn):
    """An MCF order: the preview's lines and address, the seller's own order id (placing it again
    is a harmless retry) and the speed chosen from the preview."""

    order_id: Identifier
    shipping_speed: ShippingSpeed = ShippingSpeed.STANDARD
    fulfillment_policy: FulfillmentPolicy = FulfillmentPolicy.FILL_OR_KILL

    def to_domain(self) -> McfRequest:
        return self._request(
            self.order_id,
            shipping_speed=self.shipping_speed,
            fulfillment_policy=self.fulfillment_policy,
        )


class PreviewShipmentOut(BaseModel):
    """What one FC would ship, and when."""

    fulfillment_center_id: str
    lines: list[FulfillmentLineOut]
    ship_by: date | None
    deliver_by: date | None


class SpeedOptionOut(BaseModel):
    shipping_speed: ShippingSpeed
    available: bool
    #: The order's promise: its last shipment's (None when the speed is unavailable).
    ship_by: date | None = None
    deliver_by: date | None = None
    shipments: list[PreviewShipmentOut] = []
    #: Why the speed cannot ship the order whole (e.g. INSUFFICIENT_INVENTORY at the FCs that can
    #: meet it there).
    unavailable: list[RejectedLineOut] = []

    @classmethod
    def of(cls, option: SpeedOption) -> SpeedOptionOut:
        shipments = [
            PreviewShipmentOut(
                fulfillment_center_id=a.fulfillment_center_id,
                lines=list(a.lines),
                ship_by=a.promise.ship_by if a.promise else None,
                deliver_by=a.promise.deliver_by if a.promise else None,
            )
            for a in option.allocations
        ]
        return cls(
            shipping_speed=option.speed,
            available=bool(shipments),
            ship_by=latest_day(s.ship_by for s in shipments),
            deliver_by=latest_day(s.deliver_by for s in shipments),
            shipments=shipments,
            unavailable=[
                RejectedLineOut(line_id=f.line_id, reason_code=f.reason_code.value, reason=f.reason)
                for f in option.unavailable
            ],
        )


class McfPreviewOut(BaseModel):
    ship_to: Address
    #: One entry per shipping speed, available or not.
    options: list[SpeedOptionOut]
    #: The fulfillment fee, per line and in total (it does not depend on the speed).
    fulfillment_fee: FulfillmentFee

    @classmethod
    def of(cls, preview: McfPreview) -> McfPreviewOut:
        return cls(
            ship_to=preview.order.ship_to,
            options=[SpeedOptionOut.of(option) for option in preview.options],
            fulfillment_fee=preview.fee,
        )


class McfOrderAccepted(BaseModel):
    order_id: str
    status: OrderStatus
    shipping_speed: ShippingSpeed
    #: The fee recorded with the order (None for an mcf order placed through POST /v1/orders).
    fulfillment_fee: FulfillmentFee | None

    @classmethod
    def of(cls, placed: McfPlacement) -> McfOrderAccepted:
        return cls(
            order_id=placed.order.order_id,
            status=placed.status,
            shipping_speed=placed.order.shipping_speed,
            fulfillment_fee=placed.fee,
        )


class McfOrderOut(OrderOut):
    """An MCF order as `GET /v1/orders/{id}` shows it, with the fee recorded with it."""

    fulfillment_fee: FulfillmentFee | None


class McfOrderSummaryOut(BaseModel):
    order_id: str
    status: OrderStatus
    shipping_speed: ShippingSpeed
    placed_at: datetime
    #: Its fulfillment orders: FC, status and, once shipped, carrier and tracking number.
    fulfillment_orders: list[FulfillmentOrderOut]
    fulfillment_fee: FulfillmentFee | None

    @classmethod
    def of(cls, listed: McfOrderListed) -> McfOrderSummaryOut:
        return cls(
            order_id=listed.summary.order_id,
            status=listed.summary.status,
            shipping_speed=listed.summary.shipping_speed,
            placed_at=listed.summary.placed_at,
            fulfillment_orders=[FulfillmentOrderOut.of(fo) for fo in listed.fulfillment_orders],
            fulfillment_fee=listed.fee,
        )


class McfOrderListOut(BaseModel):
    orders: list[McfOrderSummaryOut]
