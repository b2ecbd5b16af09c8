"""Adjustments by FC staff: units found, lost, damaged in the warehouse, or transferred to another
FC. Only fulfillable units are adjusted: reserved ones belong to orders.

An adjustment id is the client's idempotency key, like a receipt's: sent again it moves nothing,
reused for other content it is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from inventory.domain.errors import InventoryError
from inventory.domain.stock import Bucket, Levels, Movement, Reason, StockLevel


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
    def __init__(
        self, fnsku: str, fulfillment_center_id: str, asked: int, fulfillable: int
    ) -> None:
        super().__init__(
            f"only {fulfillable} unit(s) of {fnsku} are fulfillable at {fulfillment_center_id}; "
            f"cannot adjust {asked} (reserved units belong to orders and are not adjusted)"
        )
        self.fulfillable = fulfillable


class UnknownStock(InventoryError):
    def __init__(self, fnsku: str, fulfillment_center_id: str) -> None:
        super().__init__(
            f"FNSKU {fnsku} has no stock record at {fulfillment_center_id}; nothing to adjust"
        )


class AdjustmentIdReused(InventoryError):
    def __init__(self, adjustment_id: str) -> None:
        super().__init__(
            f"adjustment {adjustment_id} was already recorded with different content; use a new adjustment_id"
        )
        self.adjustment_id = adjustment_id


class BadTransfer(InventoryError):
    pass


@dataclass(frozen=True)
class Adjustment:
    """An adjustment as it is kept: what was asked, whose stock it is, and the fingerprint of
    its content (to tell a retry from a reused id)."""

    adjustment_id: str
    kind: AdjustmentKind
    fulfillment_center_id: str
    to_fulfillment_center_id: str | None
    fnsku: str
    seller_id: str
    quantity: int
    reason: str
    fingerprint: str


@dataclass(frozen=True)
class AdjustmentResult:
    adjustment_id: str
    #: True when the adjustment was recorded before under this id (then nothing moved now).
    replayed: bool
    inventory: tuple[StockLevel, ...]


def check_destination(
    kind: AdjustmentKind, fulfillment_center_id: str, to_fulfillment_center_id: str | None
) -> None:
    """A transfer names another FC to send the units to; no other adjustment names one."""
    if kind is AdjustmentKind.TRANSFERRED:
        if not to_fulfillment_center_id:
            raise BadTransfer("a transfer names the FC the units go to (to_fulfillment_center_id)")
        if to_fulfillment_center_id == fulfillment_center_id:
            raise BadTransfer("a transfer goes to another fulfillment center")
    elif to_fulfillment_center_id:
        raise BadTransfer(f"only a transfer names a destination FC, not a {kind.value} adjustment")


def adjust(
    kind: AdjustmentKind, levels: Levels, quantity: int, *, fnsku: str, fulfillment_center_id: str
) -> list[Movement]:
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
