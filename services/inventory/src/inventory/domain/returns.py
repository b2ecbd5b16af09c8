"""Customer returns as inventory applies them: an FC reports the units of an authorized return
that came back and their condition (ReturnReceived), the order router checks the report against
the authorization and accepts it (ReturnReceiptAccepted); sellable units become fulfillable
again, the others unfulfillable. The ``shipped`` bucket keeps counting them as shipped (it only grows), so a
sellable return raises ``fulfillable + reserved + shipped`` — the figure order-router allocates
against — by exactly the units that can be sold again.

A return is applied once, whatever is redelivered: its return id is recorded with the units."""

from __future__ import annotations

from dataclasses import dataclass

from inventory.domain.stock import Bucket, Movement, Reason
from stockpath_events.types.fulfillment import ReturnCondition

_REASONS = {
    ReturnCondition.SELLABLE: Reason.RETURNED_SELLABLE,
    ReturnCondition.CUSTOMER_DAMAGED: Reason.RETURNED_CUSTOMER_DAMAGED,
    ReturnCondition.CARRIER_DAMAGED: Reason.RETURNED_CARRIER_DAMAGED,
    ReturnCondition.DEFECTIVE: Reason.RETURNED_DEFECTIVE,
}


@dataclass(frozen=True)
class ReturnedUnits:
    fnsku: str
    quantity: int
    condition: ReturnCondition


@dataclass(frozen=True)
class CustomerReturn:
    """A return an FC received, as inventory keeps it (one per return id)."""

    return_id: str
    order_id: str
    fulfillment_center_id: str
    lines: tuple[ReturnedUnits, ...]
    received_event_id: str


def return_movements(units: ReturnedUnits) -> list[Movement]:
    """Where returned units go: fulfillable when sellable, else unfulfillable."""
    bucket = (
        Bucket.FULFILLABLE if units.condition is ReturnCondition.SELLABLE else Bucket.UNFULFILLABLE
    )
    return [Movement(bucket, units.quantity, _REASONS[units.condition])]


class UnknownReturnedStock(LookupError):
    """A return names an FNSKU the FC never held: nothing is moved and the event is dead-lettered,
    since a unit that was never shipped from here cannot come back here."""
