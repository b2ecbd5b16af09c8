"""Events upstream order sources (and the storefront) write to `orders` (key: order_id)."""

from __future__ import annotations

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


class OrderPlaced(EventData):
    """A buyer placed an order in a sales channel."""

    order_id: str
    channel: str
    lines: list[OrderLine] = Field(min_length=1, max_length=100)
    ship_to: Address
    shipping_speed: ShippingSpeed = ShippingSpeed.STANDARD
    fulfillment_policy: FulfillmentPolicy = FulfillmentPolicy.FILL_OR_KILL
    currency: str = "USD"


class OrderCancellationRequested(EventData):
    """The buyer or the channel asked to cancel an order."""

    order_id: str
    reason: str | None = None
