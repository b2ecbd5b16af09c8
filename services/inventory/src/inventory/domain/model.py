"""Inventory as FBA reports it: quantity buckets per FNSKU and fulfillment center, moved only by
ledger movements, and the inbound shipments whose arrival fills them.

Every change of a quantity is a `Movement` (bucket, signed delta, reason). The service stores each
movement as a ledger row and adds it to the bucket row in the same transaction, so the buckets can
always be recomputed from the ledger (`Levels.of`) and audited.

No I/O and no framework imports here: the arithmetic of receiving is tested on its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Bucket(StrEnum):
    """The quantity buckets of one FNSKU at one FC.

    ``inbound`` is stock a seller was told to send and that has not arrived yet (the API splits it
    into working / shipped / receiving as FBA does, from the shipments' states); ``reserved``
    belongs to fulfillment orders not shipped yet; ``shipped`` counts every unit that left the FC
    for a buyer and only grows, so ``fulfillable + reserved + shipped`` stays put while orders
    are reserved and shipped (the figure order-router allocates against).
    """

    INBOUND = "inbound"
    FULFILLABLE = "fulfillable"
    RESERVED = "reserved"
    UNFULFILLABLE = "unfulfillable"
    SHIPPED = "shipped"


class Reason(StrEnum):
    """Why a ledger movement happened; stored with every ledger row."""

    SHIPMENT_PLANNED = "inbound-shipment-planned"
    SHIPMENT_CANCELLED = "inbound-shipment-cancelled"
    #: Units counted at the dock leave ``inbound``, whatever their condition.
    ARRIVED = "arrived"
    RECEIVED = "received"
    RECEIVED_DAMAGED = "received-damaged"
    #: The shipment was closed with units still expected: they will not come.
    CLOSED_SHORT = "inbound-shipment-closed-short"
    RESERVED_FOR_ORDER = "reserved-for-order"
    RESERVATION_RELEASED = "fulfillment-cancelled"
    SHIPPED = "shipped"
    FOUND = "adjustment-found"
    LOST = "adjustment-lost"
    DAMAGED_IN_WAREHOUSE = "adjustment-damaged"
    TRANSFERRED_OUT = "adjustment-transferred-out"
    TRANSFERRED_IN = "adjustment-transferred-in"


@dataclass(frozen=True)
class Movement:
    bucket: Bucket
    delta: int
    reason: Reason


@dataclass(frozen=True)
class Levels:
    """The buckets of one FNSKU at one FC."""

    inbound: int = 0
    fulfillable: int = 0
    reserved: int = 0
    unfulfillable: int = 0
    shipped: int = 0

    def apply(self, movements: Iterable[Movement]) -> Levels:
        changed = {b.value: getattr(self, b.value) for b in Bucket}
        for m in movements:
            changed[m.bucket.value] += m.delta
        return Levels(**changed)

    @classmethod
    def of(cls, movements: Iterable[Movement]) -> Levels:
        """The buckets a ledger adds up to."""
        return cls().apply(movements)


def net_deltas(movements: Iterable[Movement]) -> dict[Bucket, int]:
    """The sum of the movements per bucket (every bucket present, zero when untouched)."""
    totals = dict.fromkeys(Bucket, 0)
    for m in movements:
        totals[m.bucket] += m.delta
    return totals


@dataclass(frozen=True)
class StockLevel:
    """What the platform knows about one FNSKU at one FC: whose it is and its buckets."""

    fnsku: str
    fulfillment_center_id: str
    seller_id: str
    seller_sku: str | None
    levels: Levels


class ShipmentStatus(StrEnum):
    #: The seller was told where to ship; nothing counted yet.
    PLANNED = "PLANNED"
    #: Some units were counted; more are expected.
    RECEIVING = "RECEIVING"
    #: Every line counted in full: no more receipts are accepted.
    CLOSED = "CLOSED"
    CANCELLED = "CANCELLED"


class InventoryError(Exception):
    """A request the inventory cannot apply, with a message for the person who made it."""


class UnknownShipment(InventoryError):
    def __init__(self, shipment_id: str) -> None:
        super().__init__(f"inbound shipment {shipment_id} is not known to the inventory (was it planned?)")
        self.shipment_id = shipment_id


class ReceiptIdReused(InventoryError):
    def __init__(self, receipt_id: str) -> None:
        super().__init__(
            f"receipt {receipt_id} was already recorded with different content; "
            "use a new receipt_id for a new receipt"
        )
        self.receipt_id = receipt_id


class ShipmentNotReceivable(InventoryError):
    def __init__(self, shipment_id: str, status: ShipmentStatus) -> None:
        super().__init__(
            f"inbound shipment {shipment_id} is {status.value.lower()}; it accepts no more receipts"
        )
        self.shipment_id = shipment_id
        self.status = status


class WrongFulfillmentCenter(InventoryError):
    def __init__(self, shipment_id: str, expected: str, given: str) -> None:
        super().__init__(
            f"inbound shipment {shipment_id} is expected at fulfillment center {expected}, "
            f"not {given}; record the receipt at {expected}"
        )
        self.expected = expected
        self.given = given


class DuplicateFnsku(InventoryError):
    def __init__(self, fnsku: str) -> None:
        super().__init__(f"FNSKU {fnsku} appears more than once in the receipt; send one line per FNSKU")
        self.fnsku = fnsku


@dataclass
class ShipmentLine:
    """One FNSKU of an inbound shipment: how many were expected and how many were counted so far."""

    fnsku: str
    seller_sku: str
    quantity_expected: int
    quantity_received: int = 0
    quantity_damaged: int = 0

    @property
    def quantity_counted(self) -> int:
        return self.quantity_received + self.quantity_damaged

    @property
    def quantity_outstanding(self) -> int:
        """Units still in ``inbound`` for this line: expected and not yet counted (never negative,
        an overage does not make it negative)."""
        return max(0, self.quantity_expected - self.quantity_counted)

    @property
    def quantity_excess(self) -> int:
        """Units counted beyond the plan (an overage)."""
        return max(0, self.quantity_counted - self.quantity_expected)

    @property
    def complete(self) -> bool:
        return self.quantity_counted >= self.quantity_expected

    def receive(self, received: int, damaged: int) -> list[Movement]:
        """Count units at the dock; returns the movements of the buckets.

        Only the outstanding units leave ``inbound`` (an overage was never inbound), while every
        counted unit lands in ``fulfillable`` or, if damaged, ``unfulfillable``.
        """
        if received < 0 or damaged < 0:
            raise ValueError("counted quantities cannot be negative")
        cleared = min(received + damaged, self.quantity_outstanding)
        movements = []
        if cleared:
            movements.append(Movement(Bucket.INBOUND, -cleared, Reason.ARRIVED))
        if received:
            movements.append(Movement(Bucket.FULFILLABLE, received, Reason.RECEIVED))
        if damaged:
            movements.append(Movement(Bucket.UNFULFILLABLE, damaged, Reason.RECEIVED_DAMAGED))
        self.quantity_received += received
        self.quantity_damaged += damaged
        return movements


@dataclass(frozen=True)
class LineCount:
    """What FC staff counted for one FNSKU in one receipt."""

    fnsku: str
    received: int
    damaged: int


@dataclass(frozen=True)
class Receiving:
    """The outcome of one receipt against a shipment, line by line, in the receipt's order."""

    #: Counts of FNSKUs the shipment planned.
    counts: tuple[LineCount, ...]
    movements: dict[str, list[Movement]]
    closed: bool
    #: Units beyond the plan that this receipt added, per FNSKU.
    overages: dict[str, int] = field(default_factory=dict)
    #: Counts of FNSKUs the shipment never planned: recorded as discrepancies, moved into no bucket.
    unknown: tuple[LineCount, ...] = ()


@dataclass
class InboundShipment:
    shipment_id: str
    seller_id: str
    fulfillment_center_id: str
    status: ShipmentStatus
    lines: dict[str, ShipmentLine] = field(default_factory=dict)
    #: The correlation id of the plan, so receipts and the close continue the shipment's story.
    correlation_id: str | None = None

    @classmethod
    def plan(
        cls,
        shipment_id: str,
        seller_id: str,
        fulfillment_center_id: str,
        lines: Iterable[tuple[str, str, int]],
        *,
        correlation_id: str | None = None,
    ) -> tuple[InboundShipment, dict[str, list[Movement]]]:
        """A new expected shipment from (fnsku, seller_sku, quantity) lines, and its inbound movements.

        A plan may name one FNSKU on several lines (several boxes); they become one line.
        """
        merged: dict[str, ShipmentLine] = {}
        for fnsku, seller_sku, quantity in lines:
            if quantity <= 0:
                raise ValueError(f"planned quantity of {fnsku} must be positive")
            if fnsku in merged:
                merged[fnsku].quantity_expected += quantity
            else:
                merged[fnsku] = ShipmentLine(fnsku, seller_sku, quantity)
        shipment = cls(
            shipment_id, seller_id, fulfillment_center_id, ShipmentStatus.PLANNED, merged, correlation_id
        )
        movements = {
            fnsku: [Movement(Bucket.INBOUND, line.quantity_expected, Reason.SHIPMENT_PLANNED)]
            for fnsku, line in merged.items()
        }
        return shipment, movements

    @property
    def complete(self) -> bool:
        return all(line.complete for line in self.lines.values())

    def receive(self, fulfillment_center_id: str, counts: Sequence[LineCount]) -> Receiving:
        """Apply what FC staff counted. All-or-nothing: a bad line rejects the whole receipt
        before any line changes."""
        if fulfillment_center_id != self.fulfillment_center_id:
            raise WrongFulfillmentCenter(self.shipment_id, self.fulfillment_center_id, fulfillment_center_id)
        if self.status in (ShipmentStatus.CLOSED, ShipmentStatus.CANCELLED):
            raise ShipmentNotReceivable(self.shipment_id, self.status)
        seen: set[str] = set()
        for count in counts:
            if count.fnsku in seen:
                raise DuplicateFnsku(count.fnsku)
            seen.add(count.fnsku)
        known = [c for c in counts if c.fnsku in self.lines]
        overages: dict[str, int] = {}
        movements: dict[str, list[Movement]] = {}
        for c in known:
            line = self.lines[c.fnsku]
            excess_before = line.quantity_excess
            movements[c.fnsku] = line.receive(c.received, c.damaged)
            if line.quantity_excess > excess_before:
                overages[c.fnsku] = line.quantity_excess - excess_before
        closed = self.complete
        self.status = ShipmentStatus.CLOSED if closed else ShipmentStatus.RECEIVING
        unknown = tuple(c for c in counts if c.fnsku not in self.lines and c.received + c.damaged)
        return Receiving(tuple(known), movements, closed, overages, unknown)

    def close(self) -> tuple[dict[str, list[Movement]], dict[str, int]]:
        """FC staff declare the shipment done: what never arrived leaves ``inbound`` and is a
        shortage. Returns (movements, shortages per FNSKU); later receipts are refused."""
        if self.status in (ShipmentStatus.CLOSED, ShipmentStatus.CANCELLED):
            raise ShipmentNotReceivable(self.shipment_id, self.status)
        self.status = ShipmentStatus.CLOSED
        shortages = {f: line.quantity_outstanding for f, line in self.lines.items() if line.quantity_outstanding}
        movements = {f: [Movement(Bucket.INBOUND, -q, Reason.CLOSED_SHORT)] for f, q in shortages.items()}
        return movements, shortages

    def cancel(self) -> dict[str, list[Movement]]:
        """The seller cancelled: what has not arrived leaves ``inbound``. Cancelling twice moves nothing."""
        if self.status is ShipmentStatus.CANCELLED:
            return {}
        if self.status is ShipmentStatus.CLOSED:
            raise ShipmentNotReceivable(self.shipment_id, self.status)
        self.status = ShipmentStatus.CANCELLED
        return {
            fnsku: [Movement(Bucket.INBOUND, -line.quantity_outstanding, Reason.SHIPMENT_CANCELLED)]
            for fnsku, line in self.lines.items()
            if line.quantity_outstanding
        }


@dataclass(frozen=True)
class ReceivedLine:
    """One line of a recorded receipt: this receipt's counts and the line's totals after it."""

    fnsku: str
    seller_sku: str
    quantity_received: int
    quantity_damaged: int
    quantity_expected: int
    total_received: int
    total_damaged: int


@dataclass(frozen=True)
class ReceiptResult:
    """What recording a receipt did; stored, so the same receipt id sent again gets the same answer."""

    receipt_id: str
    shipment_id: str
    fulfillment_center_id: str
    seller_id: str
    shipment_status: ShipmentStatus
    recorded_at: datetime
    lines: tuple[ReceivedLine, ...]
    inventory: tuple[StockLevel, ...]
    #: Counts of FNSKUs the shipment never planned, recorded as discrepancies.
    unknown: tuple[LineCount, ...] = ()


class DiscrepancyKind(StrEnum):
    SHORTAGE = "shortage"
    OVERAGE = "overage"
    UNKNOWN_FNSKU = "unknown-fnsku"
    RESERVATION_SHORTFALL = "reservation-shortfall"


# --- customer orders -------------------------------------------------------------------------


def reserve(levels: Levels, quantity: int) -> tuple[list[Movement], int]:
    """Set units aside for a fulfillment order: fulfillable → reserved, as many as exist.

    Returns the movements and the shortfall (units asked for that were not fulfillable). Never
    a negative bucket: a shortfall is recorded as a discrepancy by the caller, not refused, because
    the order was already promised by order-router and refusing would only lose the information.
    """
    moved = min(quantity, max(0, levels.fulfillable))
    movements = (
        [Movement(Bucket.FULFILLABLE, -moved, Reason.RESERVED_FOR_ORDER), Movement(Bucket.RESERVED, moved, Reason.RESERVED_FOR_ORDER)]
        if moved
        else []
    )
    return movements, quantity - moved


def release(quantity: int) -> list[Movement]:
    """A cancelled fulfillment order gives its reserved units back to fulfillable."""
    if not quantity:
        return []
    return [
        Movement(Bucket.RESERVED, -quantity, Reason.RESERVATION_RELEASED),
        Movement(Bucket.FULFILLABLE, quantity, Reason.RESERVATION_RELEASED),
    ]


def ship_reserved(quantity: int) -> list[Movement]:
    """The FC shipped a fulfillment order: its reserved units leave for good (reserved → shipped)."""
    if not quantity:
        return []
    return [Movement(Bucket.RESERVED, -quantity, Reason.SHIPPED), Movement(Bucket.SHIPPED, quantity, Reason.SHIPPED)]


def ship_unreserved(levels: Levels, quantity: int) -> tuple[list[Movement], int]:
    """The FC shipped units that are not reserved here (its confirmation overtook the instruction,
    or came after a cancellation): they leave from fulfillable. Returns movements and shortfall."""
    moved = min(quantity, max(0, levels.fulfillable))
    movements = (
        [Movement(Bucket.FULFILLABLE, -moved, Reason.SHIPPED), Movement(Bucket.SHIPPED, moved, Reason.SHIPPED)]
        if moved
        else []
    )
    return movements, quantity - moved


# --- adjustments by FC staff -----------------------------------------------------------------


class AdjustmentKind(StrEnum):
    #: Units turned up that the FC did not know of: fulfillable grows.
    FOUND = "found"
    #: Units cannot be located: fulfillable shrinks.
    LOST = "lost"
    #: Units were damaged in the warehouse: fulfillable → unfulfillable.
    DAMAGED = "damaged"
    #: Units moved to another FC: fulfillable here → fulfillable there.
    TRANSFERRED = "transferred"


class NotEnoughFulfillable(InventoryError):
    def __init__(self, fnsku: str, fulfillment_center_id: str, asked: int, fulfillable: int) -> None:
        super().__init__(
            f"only {fulfillable} unit(s) of {fnsku} are fulfillable at {fulfillment_center_id}; "
            f"cannot adjust {asked} (reserved units belong to orders and are not adjusted)"
        )
        self.fulfillable = fulfillable


def adjust(kind: AdjustmentKind, levels: Levels, quantity: int, *, fnsku: str, fulfillment_center_id: str) -> list[Movement]:
    """The movements at the adjusted FC (a transfer's arrival elsewhere is `transfer_in`)."""
    if quantity <= 0:
        raise ValueError("an adjustment moves a positive quantity")
    if kind is AdjustmentKind.FOUND:
        return [Movement(Bucket.FULFILLABLE, quantity, Reason.FOUND)]
    if quantity > levels.fulfillable:
        raise NotEnoughFulfillable(fnsku, fulfillment_center_id, quantity, levels.fulfillable)
    if kind is AdjustmentKind.LOST:
        return [Movement(Bucket.FULFILLABLE, -quantity, Reason.LOST)]
    if kind is AdjustmentKind.DAMAGED:
        return [
            Movement(Bucket.FULFILLABLE, -quantity, Reason.DAMAGED_IN_WAREHOUSE),
            Movement(Bucket.UNFULFILLABLE, quantity, Reason.DAMAGED_IN_WAREHOUSE),
        ]
    return [Movement(Bucket.FULFILLABLE, -quantity, Reason.TRANSFERRED_OUT)]


def transfer_in(quantity: int) -> list[Movement]:
    return [Movement(Bucket.FULFILLABLE, quantity, Reason.TRANSFERRED_IN)]
