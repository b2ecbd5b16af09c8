"""Stock as FBA reports it: quantity buckets per FNSKU and fulfillment center, moved only by
ledger movements.

Every change of a quantity is a `Movement` (bucket, signed delta, reason). The service stores each
movement as a ledger row and adds it to the bucket row in the same transaction, so the buckets can
always be recomputed from the ledger (`Levels.of`) and audited.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
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
    #: A customer return came back, per the condition the FC found it in (domain/returns.py).
    RETURNED_SELLABLE = "customer-return-sellable"
    RETURNED_CUSTOMER_DAMAGED = "customer-return-customer-damaged"
    RETURNED_CARRIER_DAMAGED = "customer-return-carrier-damaged"
    RETURNED_DEFECTIVE = "customer-return-defective"
    #: Units set aside for a seller's removal order leave their bucket (domain/removals.py) ...
    REMOVAL_SET_ASIDE = "removal-set-aside"
    #: ... and come back to it when the seller cancels before the FC removed them.
    REMOVAL_CANCELLED = "removal-cancelled"
    #: An FC exception: reserved units not found at pick (written off) or found damaged.
    PICK_SHORT = "fc-exception-short-pick"
    PICK_DAMAGED = "fc-exception-damaged"
    #: An FC exception without lines: the FC ships none of the order; its units are fulfillable again.
    PICK_REFUSED = "fc-exception-not-filled"


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


@dataclass(frozen=True)
class StockMove:
    """Movements of one FNSKU at one FC with what their ledger rows point at: the event that
    caused them, and the shipment, receipt, fulfillment order or adjustment they belong to."""

    fnsku: str
    fulfillment_center_id: str
    seller_id: str
    seller_sku: str | None
    movements: tuple[Movement, ...]
    cause_event_id: str | None
    fulfillment_order_id: str | None = None
    shipment_id: str | None = None
    receipt_id: str | None = None
    adjustment_id: str | None = None


@dataclass(frozen=True)
class LedgerEntry:
    """One stored movement, as the ledger lists it."""

    entry_id: int
    fnsku: str
    fulfillment_center_id: str
    seller_id: str
    bucket: Bucket
    delta: int
    reason: str
    shipment_id: str | None
    cause_event_id: str | None
    receipt_id: str | None
    fulfillment_order_id: str | None
    adjustment_id: str | None
    created_at: datetime
