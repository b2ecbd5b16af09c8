"""What the outside world asks the inventory to do (imperative names; events are past tense)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from inventory.domain.model import LineCount


@dataclass(frozen=True)
class RecordReceipt:
    """FC staff record what arrived for an inbound shipment.

    `receipt_id` is the client's idempotency key: the same id sent again returns the stored
    result and moves no stock.
    """

    receipt_id: str
    shipment_id: str
    fulfillment_center_id: str
    lines: tuple[LineCount, ...]

    @property
    def fingerprint(self) -> str:
        """Identifies the content, so reusing a receipt id for a different receipt is refused
        instead of silently answered with the old result."""
        content = {
            "shipment_id": self.shipment_id,
            "fulfillment_center_id": self.fulfillment_center_id,
            "lines": [[c.fnsku, c.received, c.damaged] for c in self.lines],
        }
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class AdjustInventory:
    """FC staff correct a bucket: units found, lost, damaged in the warehouse, or transferred to
    another FC. `adjustment_id` is the client's idempotency key, like a receipt's."""

    adjustment_id: str
    fulfillment_center_id: str
    fnsku: str
    kind: str
    quantity: int
    reason: str
    to_fulfillment_center_id: str | None = None

    @property
    def fingerprint(self) -> str:
        content = [self.fulfillment_center_id, self.fnsku, self.kind, self.quantity, self.reason, self.to_fulfillment_center_id]
        return hashlib.sha256(json.dumps(content).encode()).hexdigest()
