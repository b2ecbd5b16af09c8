"""Events upstream order sources (and the storefront) write to `orders` (key: order_id)."""

from __future__ import annotations

from datetime import date

from pydantic import Field, model_validator

from stockpath_events.base import Address, EventData, FulfillmentPolicy, Money, ShippingSpeed, Value


class OrderLine(Value):
    """One ordered item, named by seller_id + seller_sku or by listing_id."""

    line_id: str
    seller_id: str | None = None
    seller_sku: str | None = None
    listing_id: str | None = None
    quantity: int = Field(gt=0, le=10_000)
    unit_price: Money

    @model_validator(mode="after")
    def _names_the_item(self) -> OrderLine:
        if not self.listing_id and not (self.seller_id and self.seller_sku):
            raise ValueError("an order line needs seller_id and seller_sku, or listing_id")
        return self


class FeeLine(Value):
    """The fulfillment fee of one order line: its units' size tier and shipping weight, the fee per
    unit the schedule sets for them, and the line's fee (per unit × quantity)."""

    line_id: str
    fnsku: str
    size_tier: str
    shipping_weight_g: float = Field(gt=0)
    unit_fee: Money
    quantity: int = Field(gt=0)
    fee: Money


class FulfillmentFee(Value):
    """What fulfilling an order costs its seller, as previewed and recorded when it was placed:
    per line and in total, priced by the fee schedule version in force (`effective_from`)."""

    currency: str = "USD"
    effective_from: date
    lines: list[FeeLine] = Field(min_length=1, max_length=100)
    total: Money


class OrderPlaced(EventData):
    """A buyer placed an order in a sales channel (or a seller an `mcf` order of its own SKUs)."""

    order_id: str
    channel: str
    lines: list[OrderLine] = Field(min_length=1, max_length=100)
    ship_to: Address
    shipping_speed: ShippingSpeed = ShippingSpeed.STANDARD
    fulfillment_policy: FulfillmentPolicy = FulfillmentPolicy.FILL_OR_KILL
    currency: str = "USD"
    #: A multi-channel fulfillment order's fulfillment fee as the seller previewed it and is charged
    #: (`POST /v1/mcf-orders`); None when none was quoted (a channel's order).
    fulfillment_fee: FulfillmentFee | None = None


class OrderCancellationRequested(EventData):
    """The buyer or the channel asked to cancel an order."""

    order_id: str
    reason: str | None = None
