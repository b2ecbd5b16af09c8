"""Orders as the router sees them, and how each order line is resolved to a fulfillment SKU.

An order line names an item the way a sales channel knows it (seller + seller SKU, or a
listing); the FCs only know FNSKUs. Resolution is pure: the caller looks up the seller's
registrations and the channel listings, and `resolve_lines` decides, line by line, which
FNSKU to ship or why the line cannot be fulfilled.

The value types shared with the event contract (Address, ShippingSpeed, FulfillmentPolicy)
are used as they are: they are plain immutable values, and translating them would only add
a second spelling of the same thing.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from stockpath_events import Address, FulfillmentPolicy, ShippingSpeed

#: The channel of multi-channel fulfillment: orders a seller places for its own SKUs, through the
#: HTTP ingress only; nothing is listed in it.
MCF = "mcf"


class OrderStatus(StrEnum):
    #: Recorded, no outcome yet (the HTTP ingress accepted it, the router has not decided).
    PENDING = "PENDING"
    ROUTED = "ROUTED"
    REJECTED = "REJECTED"
    #: Some units wait for stock (fill-all); routed automatically when it arrives.
    BACKORDERED = "BACKORDERED"
    CANCELLED = "CANCELLED"
    #: Every fulfillment order of the order left its FC.
    SHIPPED = "SHIPPED"
    #: Every unit it shipped came back to an FC (customer returns received).
    RETURNED = "RETURNED"


#: Statuses an order does not leave: a cancellation has nothing left to stop.
FINAL = frozenset(
    {OrderStatus.REJECTED, OrderStatus.CANCELLED, OrderStatus.SHIPPED, OrderStatus.RETURNED}
)


class ReasonCode(StrEnum):
    """Why an order line cannot be fulfilled; travels in OrderRejected."""

    UNKNOWN_SKU = "UNKNOWN_SKU"
    UNKNOWN_LISTING = "UNKNOWN_LISTING"
    #: The line names a listing and a seller SKU that belong to different items.
    LISTING_MISMATCH = "LISTING_MISMATCH"
    #: Two lines of one order share a line_id, so a fulfillment line could not say which it ships.
    DUPLICATE_LINE_ID = "DUPLICATE_LINE_ID"
    INSUFFICIENT_INVENTORY = "INSUFFICIENT_INVENTORY"
    #: The item has no ACTIVE listing in the order's channel (never listed there, or its listing
    #: closed); also every line of an `mcf` order that did not come through the HTTP ingress.
    NOT_LISTED_IN_CHANNEL = "NOT_LISTED_IN_CHANNEL"
    #: The order id is another channel's (taken by its order, or in its namespace `<channel>:`).
    ORDER_ID_IN_USE = "ORDER_ID_IN_USE"
    #: The ship-to address is in a country the FC network does not deliver to.
    SHIP_TO_OUTSIDE_NETWORK = "SHIP_TO_OUTSIDE_NETWORK"
    #: The ship-to postal code does not exist in the network's country (US: not a real ZIP code).
    SHIP_TO_UNKNOWN_POSTAL_CODE = "SHIP_TO_UNKNOWN_POSTAL_CODE"
    #: (MCF preview and create only) the fee schedule cannot price the line's units, or their size
    #: tier and shipping weight are not known.
    UNPRICEABLE = "UNPRICEABLE"


@dataclass(frozen=True)
class OrderLine:
    line_id: str
    quantity: int
    unit_price: Decimal
    seller_id: str | None = None
    seller_sku: str | None = None
    listing_id: str | None = None


@dataclass(frozen=True)
class Order:
    """An order as it was placed; the first version recorded for an order_id is the one routed."""

    order_id: str
    channel: str
    lines: tuple[OrderLine, ...]
    ship_to: Address
    shipping_speed: ShippingSpeed = ShippingSpeed.STANDARD
    fulfillment_policy: FulfillmentPolicy = FulfillmentPolicy.FILL_OR_KILL
    currency: str = "USD"


@dataclass(frozen=True)
class Registration:
    """A seller's SKU registered for fulfillment: what the FCs call it (FNSKU), and what its
    fulfillment fee depends on (size tier, shipping weight; None when registration did not say)."""

    seller_id: str
    seller_sku: str
    fnsku: str
    catalog_item_id: str
    live: bool = True
    size_tier: str | None = None
    shipping_weight_g: float | None = None


@dataclass(frozen=True)
class Listing:
    """A channel's listing of a seller SKU; only an ACTIVE one (`active`) can be ordered."""

    listing_id: str
    seller_id: str
    seller_sku: str
    fnsku: str
    channel: str
    active: bool = True


@dataclass(frozen=True)
class ResolvedLine:
    """An order line that names a live registration: ship `quantity` units of `fnsku`."""

    line_id: str
    fnsku: str
    seller_id: str
    seller_sku: str
    quantity: int


@dataclass(frozen=True)
class LineFailure:
    line_id: str
    reason_code: ReasonCode
    reason: str


@dataclass(frozen=True)
class Resolution:
    lines: tuple[ResolvedLine, ...]
    failures: tuple[LineFailure, ...]

    @property
    def ok(self) -> bool:
        return not self.failures


def first_versions(orders: Iterable[Order]) -> list[Order]:
    """One order per order id: the first of several with one id is the version recorded (a copy
    delivered in the same batch under another event id changes nothing)."""
    return list({o.order_id: o for o in reversed(list(orders))}.values())


def resolve_lines(
    lines: tuple[OrderLine, ...] | list[OrderLine],
    registrations: Mapping[tuple[str, str], Registration],
    listings: Mapping[str, Listing],
    *,
    channel: str,
    listed: Collection[tuple[str, str, str]],
) -> Resolution:
    """Resolve every line of an order of `channel` to a live registration listed ACTIVE in that
    channel, or say why it cannot be (in line order).

    A line naming a listing ships that listing's item; if it also names a seller SKU, the two
    must agree, because shipping either one when they differ would be a guess. A line naming a
    listing needs that listing ACTIVE in the order's channel; one naming a seller SKU needs an
    ACTIVE listing of it there (`listed`: the (channel, seller_id, seller_sku) that have one).
    Orders of channel `mcf` (a seller's own SKUs, checked by the HTTP ingress) need no listing.
    """
    resolved: list[ResolvedLine] = []
    failures: list[LineFailure] = []
    seen: set[str] = set()

    def fail(line: OrderLine, code: ReasonCode, reason: str) -> None:
        failures.append(LineFailure(line.line_id, code, reason))

    for line in lines:
        if line.line_id in seen:
            fail(
                line,
                ReasonCode.DUPLICATE_LINE_ID,
                f"line_id {line.line_id!r} appears more than once",
            )
            continue
        seen.add(line.line_id)
        listing = listings.get(line.listing_id) if line.listing_id else None
        if line.listing_id:
            if listing is None:
                fail(
                    line, ReasonCode.UNKNOWN_LISTING, f"listing {line.listing_id} is not published"
                )
                continue
            if (line.seller_id and line.seller_id != listing.seller_id) or (
                line.seller_sku and line.seller_sku != listing.seller_sku
            ):
                fail(
                    line,
                    ReasonCode.LISTING_MISMATCH,
                    f"listing {line.listing_id} sells seller {listing.seller_id}'s SKU {listing.seller_sku}, "
                    f"not seller {line.seller_id}'s SKU {line.seller_sku}",
                )
                continue
            seller_id, seller_sku = listing.seller_id, listing.seller_sku
        else:
            seller_id, seller_sku = line.seller_id or "", line.seller_sku or ""
        registration = registrations.get((seller_id, seller_sku))
        if registration is None or not registration.live:
            fail(
                line,
                ReasonCode.UNKNOWN_SKU,
                f"seller {seller_id} has no SKU {seller_sku} registered for fulfillment",
            )
            continue
        if channel != MCF:
            if listing is not None and not (listing.active and listing.channel == channel):
                fail(
                    line,
                    ReasonCode.NOT_LISTED_IN_CHANNEL,
                    f"listing {listing.listing_id} is not active in channel {channel}",
                )
                continue
            if listing is None and (channel, seller_id, seller_sku) not in listed:
                fail(
                    line,
                    ReasonCode.NOT_LISTED_IN_CHANNEL,
                    f"seller {seller_id}'s SKU {seller_sku} has no active listing in channel {channel}",
                )
                continue
        resolved.append(
            ResolvedLine(line.line_id, registration.fnsku, seller_id, seller_sku, line.quantity)
        )
    return Resolution(tuple(resolved), tuple(failures))


def registration_keys(
    lines: list[OrderLine] | tuple[OrderLine, ...], listings: Mapping[str, Listing]
) -> set[tuple[str, str]]:
    """The (seller_id, seller_sku) pairs whose registrations `resolve_lines` will need."""
    keys: set[tuple[str, str]] = set()
    for line in lines:
        if line.listing_id:
            listing = listings.get(line.listing_id)
            if listing is not None:
                keys.add((listing.seller_id, listing.seller_sku))
        elif line.seller_id and line.seller_sku:
            keys.add((line.seller_id, line.seller_sku))
    return keys


def listing_keys(orders: Iterable[Order]) -> set[tuple[str, str, str]]:
    """The (channel, seller_id, seller_sku) whose ACTIVE listings `resolve_lines` will need: the
    lines naming a seller SKU in an order of a channel that lists (every channel but `mcf`)."""
    return {
        (order.channel, line.seller_id, line.seller_sku)
        for order in orders
        if order.channel != MCF
        for line in order.lines
        if not line.listing_id and line.seller_id and line.seller_sku
    }


@dataclass(frozen=True)
class LineOutcome:
    """What became of one order line: the FNSKU it resolved to (once routed or backordered), the
    units waiting for stock (fill-all) and the units that will never ship."""

    line: OrderLine
    fnsku: str | None = None
    backordered: int = 0
    cancelled: int = 0
    #: The seller whose SKU the line resolved to (once routed or backordered).
    resolved_seller_id: str | None = None

    @property
    def seller_id(self) -> str | None:
        """Whose units the line orders: as resolved, or as the line named them."""
        return self.resolved_seller_id or self.line.seller_id


@dataclass(frozen=True)
class Rejection:
    """Why an order was rejected: every line that failed, in line order."""

    failures: tuple[LineFailure, ...]

    @property
    def reason_code(self) -> ReasonCode:
        """The order's reason is its first failing line's."""
        return self.failures[0].reason_code


@dataclass(frozen=True)
class Cancellation:
    reason: str | None = None


@dataclass(frozen=True)
class OrderRecord:
    """An order as recorded: as it was placed, its status and what became of each line, and why
    it was rejected or cancelled, if it was."""

    order: Order
    status: OrderStatus
    lines: tuple[LineOutcome, ...]
    rejection: Rejection | None = None
    cancellation: Cancellation | None = None


@dataclass(frozen=True)
class OrderSummary:
    """An order in a list: its id, status, speed and when it was recorded."""

    order_id: str
    status: OrderStatus
    shipping_speed: ShippingSpeed
    placed_at: datetime


class OrderIdInUse(Exception):
    """An order_id that is already recorded was placed again with different content (or is in
    another channel's namespace)."""

    def __init__(
        self, order_id: str, why: str = "was already placed with different content"
    ) -> None:
        super().__init__(f"order {order_id} {why}; use a new order_id")
        self.order_id = order_id


class NotCancellable(Exception):
    """The order has shipped or ended (`FINAL`): nothing to cancel."""

    def __init__(self, order_id: str, status: str) -> None:
        super().__init__(f"order {order_id} is {status} and can no longer be cancelled")
        self.order_id = order_id
        self.status = status


class UnknownOrder(Exception):
    """An order the router has never recorded."""

    def __init__(self, order_id: str) -> None:
        super().__init__(f"order {order_id} is not known to the order router")
        self.order_id = order_id


class ShipToRefused(Exception):
    """The network cannot deliver to the order's address at all (a country none of its FCs is
    in): refused at the HTTP ingress, before anything is recorded or published."""

    def __init__(self, order_id: str, reason_code: ReasonCode, reason: str) -> None:
        super().__init__(f"order {order_id}: {reason}")
        self.order_id = order_id
        self.reason_code = reason_code
