"""Discrepancies: every difference between what was expected and what was found (a shortage, an
overage, an FNSKU nobody planned, an order asking for more than is fulfillable). They are what a
seller is reimbursed or asked about, so they are recorded, never dropped."""

from __future__ import annotations

import uuid
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


def new_discrepancy_id() -> str:
    return "DSC" + uuid.uuid4().hex[:16].upper()
