"""What the inventory is asked to do (imperative names; events are past tense).

FC staff ask over HTTP (`RecordReceipt`, `CloseShipment`, `AdjustInventory`); the other commands
are made from consumed events (``entrypoints/consumers.py``) and carry their `cause`, so that
everything their handler emits names that event as its cause and continues its chain.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime

from inventory.domain.adjustments import AdjustmentKind
from inventory.domain.charges import BilledItem, ChargedEvent, FeeQuote
from inventory.domain.fulfillment_orders import InstructedLine
from inventory.domain.receipts import AnnouncedLine
from inventory.domain.removals import RemovalOrder, RemovalStatus
from inventory.domain.returns import CustomerReturn
from inventory.domain.shipments import LineCount
from inventory.domain.storage import StoredUnits
from stockpath_events import Cause

# --- inbound shipments (registration) ----------------------------------------------------------


@dataclass(frozen=True)
class PlannedLine:
    fnsku: str
    seller_sku: str
    quantity: int


@dataclass(frozen=True)
class PlanInboundShipment:
    """Expect a shipment a seller was told to send: its units become inbound at its FC."""

    shipment_id: str
    seller_id: str
    fulfillment_center_id: str
    lines: tuple[PlannedLine, ...]
    cause: Cause


@dataclass(frozen=True)
class MarkInboundShipmentShipped:
    """The seller handed the shipment to a carrier at `shipped_at`."""

    shipment_id: str
    shipped_at: datetime
    cause: Cause


@dataclass(frozen=True)
class CancelInboundShipment:
    """Stop expecting what has not arrived of a shipment."""

    shipment_id: str
    seller_id: str
    fulfillment_center_id: str
    cause: Cause


# --- receiving (FC staff) ----------------------------------------------------------------------


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
    #: When the receipt was recorded; given when it is rebuilt from its announcement (else now).
    recorded_at: datetime | None = None
    #: The InventoryReceived the receipt is rebuilt from (inventory consumes its own announcements).
    cause: Cause | None = None

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
class RecordAnnouncedReceiptLine:
    """A line of a receipt inventory announced: recorded with the rest of its receipt unless the
    receipt is recorded already. `line` is None for an announcement that does not carry it
    (announced before it did, or a discrepancy that is not a receipt's line)."""

    line: AnnouncedLine | None
    cause: Cause


@dataclass(frozen=True)
class CloseShipment:
    """FC staff declare a shipment done although units are missing. `fulfillment_center_id`,
    when given, must be the shipment's."""

    shipment_id: str
    fulfillment_center_id: str | None = None
    #: The InboundShipmentClosed the close is rebuilt from: its ledger rows name that event.
    cause: Cause | None = None
    #: Announced closes only: the receipt that received the shipment in full (it closes the
    #: shipment when it is rebuilt, so such a close has nothing to apply).
    receipt_id: str | None = None


@dataclass(frozen=True)
class AdjustInventory:
    """FC staff correct a bucket: units found, lost, damaged in the warehouse, or transferred to
    another FC. `adjustment_id` is the client's idempotency key, like a receipt's."""

    adjustment_id: str
    fulfillment_center_id: str
    fnsku: str
    kind: AdjustmentKind
    quantity: int
    reason: str
    to_fulfillment_center_id: str | None = None
    #: The InventoryAdjusted the adjustment is rebuilt from (inventory consumes its own announcements).
    cause: Cause | None = None

    @property
    def fingerprint(self) -> str:
        content = [
            self.fulfillment_center_id,
            self.fnsku,
            self.kind,
            self.quantity,
            self.reason,
            self.to_fulfillment_center_id,
        ]
        return hashlib.sha256(json.dumps(content).encode()).hexdigest()


# --- customer orders (order-router, FCs) -------------------------------------------------------


@dataclass(frozen=True)
class ReserveStock:
    """Set a fulfillment order's units aside at its FC (fulfillable → reserved)."""

    fulfillment_order_id: str
    order_id: str
    fulfillment_center_id: str
    lines: tuple[InstructedLine, ...]
    cause: Cause
    #: The event as the cause of a charge: units it moves into shipped (the shipment was confirmed
    #: first) are charged to it.
    charged_as: ChargedEvent | None = None
    #: The fulfillment fee per FNSKU the order was quoted, as this fulfillment order's instruction
    #: carries it (none: not an MCF order): kept, it prices the order's units when they ship.
    quotes: tuple[FeeQuote, ...] = ()


@dataclass(frozen=True)
class ReleaseStock:
    """Give a cancelled fulfillment order's reserved units back (reserved → fulfillable)."""

    fulfillment_order_id: str
    cause: Cause


@dataclass(frozen=True)
class ShipStock:
    """The FC shipped a fulfillment order: its units leave (reserved → shipped)."""

    fulfillment_order_id: str
    order_id: str
    fulfillment_center_id: str
    carrier: str
    tracking_number: str | None
    cause: Cause
    #: The event as the cause of the fulfillment fee of the units shipped (None: nothing charged).
    charged_as: ChargedEvent | None = None


# --- charges (registration) ---------------------------------------------------------------------


@dataclass(frozen=True)
class RecordBilledItem:
    """Keep what pricing needs of a registered item (its seller, size tier and shipping weight)."""

    item: BilledItem
    cause: Cause


@dataclass(frozen=True)
class TakeStorageSnapshot:
    """Announce what every FC held per seller and FNSKU at the end of `day` (once per day)."""

    day: date
    #: Today (UTC): only a day that has ended can be taken.
    today: date


@dataclass(frozen=True)
class ChargeStorage:
    """Charge the day's storage of what one FC held for one seller (a StorageSnapshotTaken)."""

    day: date
    lines: tuple[StoredUnits, ...]
    charged_as: ChargedEvent
    cause: Cause
    fulfillment_center_id: str = ""
    seller_id: str = ""
    #: How many snapshots the day has in all (None: announced before the events said).
    snapshots_that_day: int | None = None


# --- customer returns (FCs) ------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceiveReturn:
    """Put the units of a customer return an FC received back in stock, by condition."""

    customer_return: CustomerReturn
    cause: Cause
    #: The event as the cause of the return processing fee (None: nothing charged).
    charged_as: ChargedEvent | None = None


@dataclass(frozen=True)
class MissingUnits:
    """Units of an FNSKU an FC cannot ship for a fulfillment order, and why (an FC exception)."""

    fnsku: str
    quantity: int
    reason_code: str  # stockpath_events.types.fulfillment.ExceptionReason


@dataclass(frozen=True)
class RecordCenterException:
    """An FC cannot ship a fulfillment order, or `missing` units of it (None: none of it)."""

    fulfillment_order_id: str
    order_id: str
    fulfillment_center_id: str
    missing: tuple[MissingUnits, ...] | None
    cause: Cause


# --- removal orders (sellers, FCs) -------------------------------------------------------------


@dataclass(frozen=True)
class CreateRemovalOrder:
    """A seller asks for units of one FC to be sent back or disposed of."""

    removal_order: RemovalOrder


@dataclass(frozen=True)
class CancelRemovalOrder:
    removal_order_id: str
    seller_id: str | None  # None: the operator


@dataclass(frozen=True)
class RecordAnnouncedRemoval:
    """A removal order as inventory announced it (RemovalOrderCreated): recorded unless it is."""

    removal_order: RemovalOrder
    cause: Cause


@dataclass(frozen=True)
class RecordAnnouncedRemovalCancellation:
    """A cancellation as inventory announced it (RemovalOrderCancelled): applied unless it is."""

    removal_order_id: str
    cause: Cause


@dataclass(frozen=True)
class CompleteRemoval:
    """An FC reports a removal order carried out: shipped (carrier, tracking) or disposed of."""

    removal_order_id: str
    fulfillment_center_id: str
    status: RemovalStatus
    cause: Cause
    carrier: str | None = None
    tracking_number: str | None = None
    #: The event as the cause of the removal fee (None: nothing charged).
    charged_as: ChargedEvent | None = None


@dataclass(frozen=True)
class ReportedLine:
    """Units of one line of a fulfillment order an FC reports it cannot ship, and why."""

    line_id: str
    fnsku: str
    quantity: int
    reason_code: str  # stockpath_events.types.fulfillment.ExceptionReason


@dataclass(frozen=True)
class ReportCenterException:
    """FC staff (over HTTP) report that they cannot ship `lines` of a fulfillment order (None: any of it)."""

    fulfillment_order_id: str
    reason: str
    lines: tuple[ReportedLine, ...] | None
