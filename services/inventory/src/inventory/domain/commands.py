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
