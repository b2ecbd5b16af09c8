"""What a seller is charged for the units the inventory moves: the ledger of charges (the monthly
statement made of it is `domain.statements`).

A charge prices one FNSKU's units moved by one event under the fee schedule version in force on
the day the event says it happened (`stockpath_network.fees`): fulfillment per unit shipped,
return processing per unit received back, removal per unit shipped to the seller or disposed of.
A multi-channel fulfillment (MCF) order's units are charged the fulfillment fee the seller was
quoted when it placed the order (carried by its FulfillmentInstructed), whatever the schedule
says on the day they ship. Its key is derived from the causing event (event id, kind, what it concerns,
FNSKU), so the same event applied again (a re-delivery under the same id, or a replay) can only
write the same charge.

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from stockpath_network.fees import FeeSchedule, Unpriceable, cents


class ChargeKind(StrEnum):
    FULFILLMENT = "fulfillment"
    RETURN_PROCESSING = "return_processing"
    REMOVAL = "removal"
    #: Per day from the daily snapshots (`domain.storage`), summed per FNSKU and FC on a statement.
    STORAGE = "storage"


@dataclass(frozen=True)
class BilledItem:
    """What pricing needs to know of a seller's registered item (from ItemRegistered)."""

    fnsku: str
    seller_id: str
    size_tier: str | None
    shipping_weight_g: float | None
    #: One unit's volume from the item's dimensions (None: no dimensions, no storage priced).
    cubic_feet: Decimal | None = None


@dataclass(frozen=True)
class FeeQuote:
    """The fulfillment fee per unit of an FNSKU a seller was quoted for an order (MCF), and the
    schedule version that priced it."""

    order_id: str
    fnsku: str
    unit_fee: Decimal
    schedule_effective_from: date


@dataclass(frozen=True)
class ChargedEvent:
    """The event a charge is traced to: its id, type and the time it says the units moved."""

    event_id: str
    event_type: str
    occurred_at: datetime


@dataclass(frozen=True)
class ChargedUnits:
    """Units of one FNSKU that one event moved in a way that costs the seller."""

    kind: ChargeKind
    #: What the units belong to: the fulfillment order, the return or the removal order.
    reference: str
    fnsku: str
    fulfillment_center_id: str
    quantity: int
    #: The order a fulfillment order's units belong to (what a quoted fee is looked up by).
    order_id: str | None = None


@dataclass(frozen=True)
class Charge:
    charge_id: str
    seller_id: str
    kind: ChargeKind
    reference: str
    fnsku: str
    fulfillment_center_id: str
    quantity: int
    unit_fee: Decimal
    amount: Decimal
    currency: str
    #: The fee schedule version that priced it.
    schedule_effective_from: date
    event: ChargedEvent


def per_fnsku(
    kind: ChargeKind, reference: str, fulfillment_center_id: str, lines: Iterable[tuple[str, int]]
) -> list[ChargedUnits]:
    """Units of one return or removal order as charged: one per FNSKU (lines of one FNSKU in several
    conditions or from several buckets summed), in FNSKU order."""
    summed: dict[str, int] = {}
    for fnsku, quantity in lines:
        summed[fnsku] = summed.get(fnsku, 0) + quantity
    return [
        ChargedUnits(kind, reference, fnsku, fulfillment_center_id, quantity)
        for fnsku, quantity in sorted(summed.items())
    ]


def charge_id(event_id: str, units: ChargedUnits) -> str:
    """The charge's key, derived from its causing event: one charge per event, kind, reference
    and FNSKU however often the event is applied."""
    return f"{event_id}/{units.kind.value}/{units.reference}/{units.fnsku}"


def price(
    units: ChargedUnits,
    item: BilledItem,
    event: ChargedEvent,
    schedule: FeeSchedule,
    quote: FeeQuote | None = None,
) -> Charge:
    """The charge for `units` of `item` moved by `event`: the fulfillment fee quoted for the order
    when there is one (`quote`), else priced by the schedule on the day the event happened.
    Raises Unpriceable when the item has no size tier (or, for fulfillment, no shipping weight) or
    the schedule prices nothing that day."""
    if units.kind is ChargeKind.FULFILLMENT and quote is not None:
        unit_fee, version = quote.unit_fee, quote.schedule_effective_from
        return _charge(units, item, event, unit_fee, version, schedule.currency)
    if item.size_tier is None:
        raise Unpriceable(f"{item.fnsku} has no size tier to price its {units.kind.value} by")
    day = event.occurred_at.date()
    version = schedule.in_force(day).effective_from
    if units.kind is ChargeKind.FULFILLMENT:
        if item.shipping_weight_g is None:
            raise Unpriceable(f"{item.fnsku} has no shipping weight to price its fulfillment by")
        unit_fee = schedule.fulfillment_fee(item.size_tier, item.shipping_weight_g, 1, day).unit_fee
    elif units.kind is ChargeKind.RETURN_PROCESSING:
        unit_fee = schedule.return_processing_fee(item.size_tier, 1, day)
    else:
        unit_fee = schedule.removal_fee(item.size_tier, 1, day)
    return _charge(units, item, event, unit_fee, version, schedule.currency)


def _charge(
    units: ChargedUnits,
    item: BilledItem,
    event: ChargedEvent,
    unit_fee: Decimal,
    version: date,
    currency: str,
) -> Charge:
    return Charge(
        charge_id=charge_id(event.event_id, units),
        seller_id=item.seller_id,
        kind=units.kind,
        reference=units.reference,
        fnsku=units.fnsku,
        fulfillment_center_id=units.fulfillment_center_id,
        quantity=units.quantity,
        unit_fee=unit_fee,
        amount=cents(unit_fee * units.quantity),
        currency=currency,
        schedule_effective_from=version,
        event=event,
    )
