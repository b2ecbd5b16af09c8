"""Multi-channel fulfillment (MCF): a seller ships its own stock to a buyer of another channel (its
own web shop, say). Pure rules; the service layer reads what they need and plans with the routing
policy, the same allocator and promises as every order (`order_router.service_layer.mcf`).

- A seller names its lines by its own seller SKU or by FNSKU; an FNSKU it has not registered
  (another seller's, or none) is refused `UNKNOWN_SKU`, exactly like one that does not exist.
- The order is an ordinary `mcf` order (`ownership.placement`: id `mcf:<seller_id>:<order_id>`);
  its lines carry no price (the sale was made elsewhere).
- Its fulfillment fee is priced per line from the registration's size tier and shipping weight by
  the fee schedule in force on the day (`stockpath_network.fees`). The fee values are the event
  contract's (`FulfillmentFee`, `FeeLine`), used as they are: the quote travels in OrderPlaced,
  and each fulfillment order routed from it carries its share (`fee_share`) in
  FulfillmentInstructed, which is what inventory charges the units by when they ship.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from order_router.domain.model import (
    LineFailure,
    Order,
    OrderLine,
    ReasonCode,
    Registration,
    ResolvedLine,
)
from order_router.domain.routing import Allocation
from stockpath_events import Address, FulfillmentPolicy, ShippingSpeed
from stockpath_events.types.orders import FeeLine, FulfillmentFee
from stockpath_network.fees import FeeSchedule, Unpriceable

#: The reasons a preview or an MCF order is refused whole: the address is not one the network
#: delivers to (nothing could ever ship there).
UNSERVABLE = frozenset({ReasonCode.SHIP_TO_OUTSIDE_NETWORK, ReasonCode.SHIP_TO_UNKNOWN_POSTAL_CODE})


class McfOrderRefused(Exception):
    """An MCF order that cannot be previewed or placed as asked: every line that fails, and why."""

    def __init__(self, failures: Sequence[LineFailure]) -> None:
        self.failures = tuple(failures)
        self.reason_code = self.failures[0].reason_code.value
        self.lines = [
            {"line_id": f.line_id, "reason_code": f.reason_code.value, "reason": f.reason}
            for f in self.failures
        ]
        super().__init__("; ".join(f"line {f.line_id}: {f.reason}" for f in self.failures))


@dataclass(frozen=True)
class McfLine:
    """A line as the seller asks: its seller SKU or its FNSKU (or both, which must agree)."""

    line_id: str
    quantity: int
    seller_sku: str | None = None
    fnsku: str | None = None


@dataclass(frozen=True)
class McfRequest:
    order_id: str
    lines: tuple[McfLine, ...]
    ship_to: Address
    shipping_speed: ShippingSpeed = ShippingSpeed.STANDARD
    fulfillment_policy: FulfillmentPolicy = FulfillmentPolicy.FILL_OR_KILL


def fnskus_named(request: McfRequest) -> set[str]:
    return {line.fnsku for line in request.lines if line.fnsku}


def requested_order(seller_id: str, request: McfRequest, seller_skus: Mapping[str, str]) -> Order:
    """The order `request` asks for, each line naming the seller's SKU (`seller_skus`: the SKU each
    of its FNSKUs is registered under), in no channel yet (`ownership.placement` makes it `mcf`)."""
    lines, failures = [], []
    for line in request.lines:
        sku = line.seller_sku
        if line.fnsku:
            registered = seller_skus.get(line.fnsku)
            if registered is None or (sku is not None and sku != registered):
                failures.append(
                    LineFailure(
                        line.line_id,
                        ReasonCode.UNKNOWN_SKU,
                        f"seller {seller_id} has no FNSKU {line.fnsku} registered for fulfillment"
                        + (f" as SKU {sku}" if sku and registered else ""),
                    )
                )
                continue
            sku = registered
        lines.append(
            OrderLine(line.line_id, line.quantity, Decimal(0), seller_id=seller_id, seller_sku=sku)
        )
    if failures:
        raise McfOrderRefused(failures)
    return Order(
        order_id=request.order_id,
        channel="",
        lines=tuple(lines),
        ship_to=request.ship_to,
        shipping_speed=request.shipping_speed,
        fulfillment_policy=request.fulfillment_policy,
    )


def fulfillment_fee(
    lines: Iterable[ResolvedLine],
    registrations: Mapping[tuple[str, str], Registration],
    schedule: FeeSchedule,
    day: date,
) -> FulfillmentFee:
    """The fulfillment fee of the lines shipped on `day`, per line and in total; refused (line by
    line) when the schedule cannot price a line or its size tier and weight are not known."""
    priced, failures = [], []
    for line in lines:
        registration = registrations[(line.seller_id, line.seller_sku)]
        tier, weight = registration.size_tier, registration.shipping_weight_g
        if tier is None or weight is None:
            failures.append(
                LineFailure(
                    line.line_id,
                    ReasonCode.UNPRICEABLE,
                    f"the size tier and shipping weight of {line.fnsku} are not known to the order "
                    "router (registered before it kept them)",
                )
            )
            continue
        try:
            price = schedule.fulfillment_fee(tier, weight, line.quantity, day)
        except Unpriceable as refused:
            failures.append(LineFailure(line.line_id, ReasonCode.UNPRICEABLE, str(refused)))
            continue
        priced.append(
            FeeLine(
                line_id=line.line_id,
                fnsku=line.fnsku,
                size_tier=tier,
                shipping_weight_g=weight,
                unit_fee=price.unit_fee,
                quantity=line.quantity,
                fee=price.fee,
            )
        )
    if failures:
        raise McfOrderRefused(failures)
    return FulfillmentFee(
        currency=schedule.currency,
        effective_from=schedule.in_force(day).effective_from,
        lines=priced,
        total=sum((line.fee for line in priced), Decimal(0)),
    )


def fee_share(fee: FulfillmentFee, lines: Iterable[ResolvedLine]) -> FulfillmentFee:
    """A fulfillment order's share of its order's quoted fee: for each of its `lines` (an order
    line's units this FC ships) the quoted fee per unit × those units, priced by the quote's
    schedule version. A fee per unit is whole cents and a line's quoted fee is its fee per unit ×
    its units, so no share rounds: however a line's units are split over fulfillment orders (several
    FCs, a backorder routed in parts, units re-routed after an FC exception), their shares add up to
    the line's quoted fee exactly."""
    quoted = {line.line_id: line for line in fee.lines}
    shares = [
        quoted[line.line_id].model_copy(
            update={"quantity": line.quantity, "fee": quoted[line.line_id].unit_fee * line.quantity}
        )
        for line in lines
    ]
    return FulfillmentFee(
        currency=fee.currency,
        effective_from=fee.effective_from,
        lines=shares,
        total=sum((share.fee for share in shares), Decimal(0)),
    )


@dataclass(frozen=True)
class SpeedOption:
    """What one shipping speed would do for the order now: the fulfillment orders it would make
    (FC, lines, promise), or why it cannot ship the order whole."""

    speed: ShippingSpeed
    allocations: tuple[Allocation, ...]
    unavailable: tuple[LineFailure, ...] = ()


@dataclass(frozen=True)
class McfPreview:
    order: Order
    fee: FulfillmentFee
    options: tuple[SpeedOption, ...]


def refuse_unservable(options: Iterable[SpeedOption]) -> None:
    """An address the network does not deliver to refuses the order whole, whatever the speed."""
    for option in options:
        if option.unavailable and option.unavailable[0].reason_code in UNSERVABLE:
            raise McfOrderRefused(option.unavailable)
