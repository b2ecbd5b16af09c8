"""The fulfillment orders inventory keeps, and what they do to stock: an instruction reserves
(fulfillable → reserved), a cancellation releases (reserved → fulfillable), a shipment
confirmation ships (reserved → shipped).

Never a negative bucket: asking for more than is fulfillable moves what exists and reports the
shortfall, which the caller records as a discrepancy — the order was already promised by
order-router, and refusing would only lose the information.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from inventory.domain.charges import ChargedEvent
from inventory.domain.errors import InventoryError
from inventory.domain.stock import Bucket, Levels, Movement, Reason


class UnknownFulfillmentOrder(InventoryError):
    """No fulfillment order of that id at the caller's FC."""

    def __init__(self, fulfillment_order_id: str) -> None:
        super().__init__(f"fulfillment order {fulfillment_order_id} is not known here")
        self.fulfillment_order_id = fulfillment_order_id


class NotReserved(InventoryError):
    """The fulfillment order holds no reservation any more (shipped, cancelled, or its exception told)."""

    def __init__(self, fulfillment_order_id: str, why: str) -> None:
        super().__init__(
            f"fulfillment order {fulfillment_order_id} {why}; there is nothing to report"
        )
        self.fulfillment_order_id = fulfillment_order_id


class FulfillmentOrderStatus(StrEnum):
    RESERVED = "RESERVED"
    CANCELLED = "CANCELLED"
    SHIPPED = "SHIPPED"


@dataclass(frozen=True)
class InstructedLine:
    """One line of a fulfillment instruction: units of an FNSKU to send."""

    fnsku: str
    seller_id: str
    seller_sku: str
    quantity: int


@dataclass
class FulfillmentOrderStock:
    """Units of one FNSKU a fulfillment order asked for, and how many were actually reserved."""

    fnsku: str
    seller_id: str
    seller_sku: str | None
    quantity_ordered: int
    quantity_reserved: int


@dataclass
class FulfillmentOrder:
    fulfillment_order_id: str
    order_id: str
    fulfillment_center_id: str
    status: FulfillmentOrderStatus
    #: False for an order known only from a shipment confirmation that overtook its instruction.
    instructed: bool
    stock: list[FulfillmentOrderStock]
    #: The shipment confirmation that overtook the instruction, kept until the instruction brings
    #: the lines: their fulfillment fee is charged as that shipment (its id, its day), whichever of
    #: the two topics a consumer happened to read first.
    shipment: ChargedEvent | None = None


def stock_of(lines: Iterable[InstructedLine]) -> list[FulfillmentOrderStock]:
    """An instruction's lines summed per FNSKU, in FNSKU order (two lines of one FNSKU draw on the
    same units)."""
    by_fnsku: dict[str, FulfillmentOrderStock] = {}
    for line in lines:
        stock = by_fnsku.setdefault(
            line.fnsku, FulfillmentOrderStock(line.fnsku, line.seller_id, line.seller_sku, 0, 0)
        )
        stock.quantity_ordered += line.quantity
    return [by_fnsku[f] for f in sorted(by_fnsku)]


def reserve(levels: Levels, quantity: int) -> tuple[list[Movement], int]:
    """Set units aside for a fulfillment order: fulfillable → reserved, as many as exist.

    Returns the movements and the shortfall (units asked for that were not fulfillable).
    """
    return _from_fulfillable(levels, quantity, Bucket.RESERVED, Reason.RESERVED_FOR_ORDER)


def release(quantity: int) -> list[Movement]:
    """A cancelled fulfillment order gives its reserved units back to fulfillable."""
    return _from_reserved(quantity, Bucket.FULFILLABLE, Reason.RESERVATION_RELEASED)


def ship_reserved(quantity: int) -> list[Movement]:
    """The FC shipped a fulfillment order: its reserved units leave for good (reserved → shipped)."""
    return _from_reserved(quantity, Bucket.SHIPPED, Reason.SHIPPED)


def ship_unreserved(levels: Levels, quantity: int) -> tuple[list[Movement], int]:
    """The FC shipped units that are not reserved here (its confirmation overtook the instruction,
    or came after a cancellation): they leave from fulfillable. Returns movements and shortfall."""
    return _from_fulfillable(levels, quantity, Bucket.SHIPPED, Reason.SHIPPED)


def _from_fulfillable(
    levels: Levels, quantity: int, to: Bucket, reason: Reason
) -> tuple[list[Movement], int]:
    """Fulfillable units to another bucket, as many of `quantity` as exist; and the shortfall."""
    moved = min(quantity, max(0, levels.fulfillable))
    movements = (
        [Movement(Bucket.FULFILLABLE, -moved, reason), Movement(to, moved, reason)] if moved else []
    )
    return movements, quantity - moved


def _from_reserved(quantity: int, to: Bucket, reason: Reason) -> list[Movement]:
    """Units reserved for an order to another bucket (they were reserved: all of them exist)."""
    if not quantity:
        return []
    return [Movement(Bucket.RESERVED, -quantity, reason), Movement(to, quantity, reason)]


def short_picked(quantity: int) -> list[Movement]:
    """Reserved units the FC did not find at pick: written off (reserved −, no bucket +)."""
    return [Movement(Bucket.RESERVED, -quantity, Reason.PICK_SHORT)] if quantity else []


def damaged_at_pick(quantity: int) -> list[Movement]:
    """Reserved units the FC found damaged at pick: reserved → unfulfillable."""
    return _from_reserved(quantity, Bucket.UNFULFILLABLE, Reason.PICK_DAMAGED)


def not_filled(quantity: int) -> list[Movement]:
    """Reserved units of an order the FC will not ship at all: back to fulfillable."""
    return _from_reserved(quantity, Bucket.FULFILLABLE, Reason.PICK_REFUSED)
