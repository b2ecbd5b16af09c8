"""What the order router is asked to do. Commands made from consumed events carry their `cause`,
so every event their handler emits names that event as its cause and continues its chain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from order_router.domain.fulfillment import Shipment
from order_router.domain.mcf import McfRequest
from order_router.domain.model import Listing, Order, Registration
from order_router.domain.ownership import Party
from order_router.domain.returns import CustomerReturn, ReturnRequestLine
from order_router.domain.stock import StockBasis, basis
from stockpath_events import Cause
from stockpath_events.types.orders import FulfillmentFee


@dataclass(frozen=True)
class PlaceOrder:
    """Accept an order over HTTP from `placed_by`: record it and publish it to `orders`, to be
    routed like any other. `order.channel` is the channel the request named, "" if none (see
    `order_router.domain.ownership.placement`)."""

    order: Order
    placed_by: Party


@dataclass(frozen=True)
class RequestCancellation:
    """`requested_by` asks (over HTTP) to cancel one of its orders, by either form of its id: the
    request travels through `orders` like any other."""

    order_id: str
    requested_by: Party
    reason: str | None = None
    #: Refuse (NotCancellable) an order that has shipped or ended rather than ask the worker, which
    #: would refuse it later (the MCF route answers so).
    only_while_cancellable: bool = False


@dataclass(frozen=True)
class PreviewMcfOrder:
    """A seller asks what an MCF order would do `now`: FCs, promises per speed, and the fee."""

    seller_id: str
    request: McfRequest
    now: datetime


@dataclass(frozen=True)
class PlaceMcfOrder:
    """A seller places an MCF order `now`, charged the fee previewed for it (priced the same way)."""

    seller_id: str
    request: McfRequest
    now: datetime


@dataclass(frozen=True)
class AuthorizeReturn:
    """`requested_by` (the order's channel, a seller of its lines, an operator) authorizes a customer
    return of shipped units of an order; the FC hears of it as ReturnAuthorized."""

    order_id: str
    requested_by: Party
    lines: tuple[ReturnRequestLine, ...]
    fulfillment_center_id: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class RecordAuthorizedReturn:
    """A return as order-router announced it (ReturnAuthorized): recorded unless it is already.
    None for one announced without who authorized it: nothing to record."""

    customer_return: CustomerReturn | None
    cause: Cause


@dataclass(frozen=True)
class RecordReturn:
    """An FC received an authorized return: lines of (fnsku, quantity, condition)."""

    return_id: str
    order_id: str
    fulfillment_center_id: str
    received: tuple[tuple[str, int, str], ...]
    cause: Cause
    #: When the FC received them, as its report says.
    received_at: datetime | None = None


@dataclass(frozen=True)
class RouteOrder:
    """Decide the one outcome of an order: routed, backordered or rejected. `source` is who
    published it (a channel's system, the HTTP ingress, the storefront)."""

    order: Order
    cause: Cause
    source: str
    #: When it was placed (its event's time): delivery promises are made as of then, so routing
    #: the same events again promises the same dates.
    placed_at: datetime
    #: The fee an MCF order's seller was quoted (carried by its OrderPlaced); None for others.
    fee: FulfillmentFee | None = None


@dataclass(frozen=True)
class CancelOrder:
    """Cancel an order before it ships; `requester` is who published the request (a channel's
    system may cancel only its channel's orders)."""

    order_id: str
    reason: str | None
    cause: Cause
    requester: str


@dataclass(frozen=True)
class RecordShipment:
    """An FC shipped a fulfillment order."""

    fulfillment_order_id: str
    order_id: str
    shipment: Shipment
    cause: Cause


@dataclass(frozen=True)
class MissingLine:
    """Units of a fulfillment order's line the FC cannot ship; `reason_code` SHORT_PICK or DAMAGED."""

    line_id: str
    quantity: int
    reason_code: str


@dataclass(frozen=True)
class RerouteMissingUnits:
    """An FC cannot ship `missing` units of a fulfillment order (None: none of it), reported at
    `reported_at` (the event's time: the promise of a re-route is made as of then)."""

    fulfillment_order_id: str
    order_id: str
    fulfillment_center_id: str
    missing: tuple[MissingLine, ...] | None
    reported_at: datetime
    cause: Cause


@dataclass(frozen=True)
class RecordInventoryLevel:
    """Inventory reported how many units of an FNSKU an FC has, in each of its buckets, at `as_of`."""

    fnsku: str
    fulfillment_center_id: str
    seller_id: str
    fulfillable: int
    reserved: int
    shipped: int
    as_of: datetime
    cause: Cause

    @property
    def basis(self) -> StockBasis:
        """The only figure the router keeps of it (see `order_router.domain.stock`)."""
        units = basis(fulfillable=self.fulfillable, reserved=self.reserved, shipped=self.shipped)
        return StockBasis(self.fnsku, self.fulfillment_center_id, self.seller_id, units, self.as_of)


@dataclass(frozen=True)
class RecordRegistration:
    """A seller's SKU was registered for fulfillment: order lines naming it can be resolved."""

    registration: Registration
    registration_id: str
    cause: Cause


@dataclass(frozen=True)
class RecordListing:
    """A listing went live in its channel: its item may be ordered there, and order lines naming
    it ship its seller SKU."""

    listing: Listing
    cause: Cause


@dataclass(frozen=True)
class RecordDeregistration:
    """A seller withdrew a registered SKU: its order lines are rejected (UNKNOWN_SKU) until it is
    registered again."""

    seller_id: str
    seller_sku: str
    registration_id: str
    cause: Cause


@dataclass(frozen=True)
class CloseListing:
    """A listing was taken down: its item may no longer be ordered in its channel through it."""

    listing_id: str
    cause: Cause
