"""Discrepancies: every difference between what was expected and what was found (a shortage, an
overage, an FNSKU nobody planned, an order asking for more than is fulfillable). They are what a
seller is reimbursed or asked about, so they are recorded, never dropped."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class DiscrepancyKind(StrEnum):
    SHORTAGE = "shortage"
    OVERAGE = "overage"
    UNKNOWN_FNSKU = "unknown-fnsku"
    RESERVATION_SHORTFALL = "reservation-shortfall"


@dataclass(frozen=True)
class Discrepancy:
    discrepancy_id: str
    kind: DiscrepancyKind
    fulfillment_center_id: str
    fnsku: str
    seller_id: str
    quantity: int
    quantity_expected: int | None = None
    quantity_counted: int | None = None
    shipment_id: str | None = None
    fulfillment_order_id: str | None = None
    receipt_id: str | None = None
    recorded_at: datetime | None = None


def discrepancy_id(cause: str, kind: DiscrepancyKind, fnsku: str) -> str:
    """A discrepancy's id, derived from what found it (`cause`: the consumed event's id, or the
    receipt or close that found it) and what it is about, never drawn at random: a replay of the
    same events records the same discrepancies under the same ids."""
    digest = hashlib.sha256(f"{cause}\x1f{kind.value}\x1f{fnsku}".encode()).hexdigest()
    return "DSC" + digest[:16].upper()
