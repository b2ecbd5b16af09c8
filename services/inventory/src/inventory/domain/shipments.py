"""Inbound shipments: what a seller was told to send to an FC, and the arithmetic of receiving it.

A plan makes its units ``inbound``; receipts move counted units out of ``inbound`` into
``fulfillable`` or ``unfulfillable``; a close or a cancellation removes what never came. No I/O:
these rules are tested on their own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from inventory.domain.errors import InventoryError
from inventory.domain.stock import Bucket, Movement, Reason


class ShipmentStatus(StrEnum):
    #: The seller was told where to ship; nothing counted yet.
    PLANNED = "PLANNED"
    #: Some units were counted; more are expected.
    RECEIVING = "RECEIVING"
    #: Every line counted in full, or closed by the FC: no more receipts are accepted.
    CLOSED = "CLOSED"
    CANCELLED = "CANCELLED"


class UnknownShipment(InventoryError):
    def __init__(self, shipment_id: str) -> None:
        super().__init__(
            f"inbound shipment {shipment_id} is not known to the inventory (was it planned?)"
        )
        self.shipment_id = shipment_id


class ShipmentNotReceivable(InventoryError):
    """The shipment is closed or cancelled (`ShipmentClosed`, `ShipmentCancelled`)."""

    status: ShipmentStatus

    def __init__(self, shipment_id: str) -> None:
        super().__init__(
            f"inbound shipment {shipment_id} is {self.status.value.lower()}; it accepts no more receipts"
        )
        self.shipment_id = shipment_id

    @staticmethod
    def because(shipment_id: str, status: ShipmentStatus) -> ShipmentNotReceivable:
        return {ShipmentStatus.CLOSED: ShipmentClosed, ShipmentStatus.CANCELLED: ShipmentCancelled}[
            status
        ](shipment_id)


class ShipmentClosed(ShipmentNotReceivable):
    status = ShipmentStatus.CLOSED


class ShipmentCancelled(ShipmentNotReceivable):
    status = ShipmentStatus.CANCELLED


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
        super().__init__(
            f"FNSKU {fnsku} appears more than once in the receipt; send one line per FNSKU"
        )
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
            shipment_id,
            seller_id,
            fulfillment_center_id,
            ShipmentStatus.PLANNED,
            merged,
            correlation_id,
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
            raise WrongFulfillmentCenter(
                self.shipment_id, self.fulfillment_center_id, fulfillment_center_id
            )
        self._refuse_when_finished()
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
        self._refuse_when_finished()
        self.status = ShipmentStatus.CLOSED
        shortages = {
            f: line.quantity_outstanding
            for f, line in self.lines.items()
            if line.quantity_outstanding
        }
        movements = {
            f: [Movement(Bucket.INBOUND, -q, Reason.CLOSED_SHORT)] for f, q in shortages.items()
        }
        return movements, shortages

    def cancel(self) -> dict[str, list[Movement]]:
        """The seller cancelled: what has not arrived leaves ``inbound``. Cancelling twice moves nothing."""
        if self.status is ShipmentStatus.CANCELLED:
            return {}
        if self.status is ShipmentStatus.CLOSED:
            raise ShipmentNotReceivable.because(self.shipment_id, self.status)
        self.status = ShipmentStatus.CANCELLED
        return {
            fnsku: [Movement(Bucket.INBOUND, -line.quantity_outstanding, Reason.SHIPMENT_CANCELLED)]
            for fnsku, line in self.lines.items()
            if line.quantity_outstanding
        }

    def _refuse_when_finished(self) -> None:
        if self.status in (ShipmentStatus.CLOSED, ShipmentStatus.CANCELLED):
            raise ShipmentNotReceivable.because(self.shipment_id, self.status)
