"""Receipts: what FC staff recorded against an inbound shipment, and the answer each got.

A receipt id is the client's idempotency key: the stored result is returned when the same
receipt is sent again, and a receipt id reused for other content is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from inventory.domain.errors import InventoryError
from inventory.domain.shipments import LineCount, ShipmentStatus
from inventory.domain.stock import StockLevel


class ReceiptIdReused(InventoryError):
    def __init__(self, receipt_id: str) -> None:
        super().__init__(
            f"receipt {receipt_id} was already recorded with different content; "
            "use a new receipt_id for a new receipt"
        )
        self.receipt_id = receipt_id


@dataclass(frozen=True)
class AnnouncedLine:
    """One line of a receipt as inventory announced it (InventoryReceived, or for an FNSKU the
    shipment never planned InventoryDiscrepancyRecorded): what a rebuild gathers until it holds
    all `line_count` lines of the receipt, then records the receipt as the request did."""

    receipt_id: str
    shipment_id: str
    fulfillment_center_id: str
    line_number: int
    line_count: int
    count: LineCount
    recorded_at: datetime | None


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


@dataclass(frozen=True)
class StoredReceipt:
    """A receipt id already claimed: the content it was claimed for and, once recorded, its result."""

    receipt_id: str
    shipment_id: str
    fingerprint: str
    result: ReceiptResult | None


@dataclass(frozen=True)
class ShipmentReceipt:
    """One receipt of a shipment as FC staff recorded it."""

    receipt_id: str
    recorded_at: datetime
    lines: tuple[LineCount, ...]
