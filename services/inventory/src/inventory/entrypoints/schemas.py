"""The JSON of the inventory's API: what FC staff send (turned into commands here) and what
readers get back (built from domain records)."""

from __future__ import annotations

import uuid
from dataclasses import fields
from datetime import date, datetime
from typing import Annotated, Literal, get_type_hints

from fastapi import Path, Query
from pydantic import BaseModel, ConfigDict, Field, create_model

from inventory.domain.adjustments import AdjustmentKind
from inventory.domain.commands import (
    AdjustInventory,
    RecordReceipt,
    ReportCenterException,
    ReportedLine,
)
from inventory.domain.discrepancies import Discrepancy, DiscrepancyKind
from inventory.domain.receipts import ReceiptResult, ReceivedLine
from inventory.domain.removals import RemovalOrder, RemovalStatus, RemovalUnits
from inventory.domain.shipments import LineCount, ShipmentStatus
from inventory.domain.stock import LedgerEntry, StockLevel
from inventory.service_layer.views import AgedStock, Reconciled, ShipmentView
from stockpath_events import Address
from stockpath_events.types.inventory import RemovalDisposition, RemovalSource
from stockpath_runtime.http import ID_PATTERN, identifier
from stockpath_runtime.paging import limit, offset

#: Ids other services assign (shipment ids, FNSKUs) and client-chosen receipt and adjustment ids.
InventoryId = identifier(100)
FC_PATTERN = r"^[A-Z0-9]{3,8}$"
MAX_UNITS_PER_LINE = 100_000

IdQuery = Annotated[str | None, Query(min_length=1, max_length=100, pattern=ID_PATTERN)]
FcQuery = Annotated[
    str | None, Query(pattern=FC_PATTERN, description="Fulfillment center id, e.g. SEA1")
]
ShipmentIdPath = Annotated[str, Path(min_length=1, max_length=100, pattern=ID_PATTERN)]
FulfillmentOrderIdPath = Annotated[str, Path(min_length=1, max_length=100, pattern=ID_PATTERN)]
#: Pages of the inventory hold up to 500 items, the ledger and discrepancies up to 1,000 (an
#: audit reads many at once), more than the runtime's `Limit`.
InventoryLimit = limit(500)
AuditLimit = limit(1000)
AuditOffset = offset(10_000_000)


def described(record: type, name: str, **descriptions: str) -> type[BaseModel]:
    """A response model with the fields of a domain record (same names, same types), described for
    the API's documentation where a description is given: the JSON is the record."""
    types = get_type_hints(record)
    return create_model(
        name,
        **{
            f.name: (types[f.name], Field(description=descriptions.get(f.name)))
            for f in fields(record)
        },
    )


class ReceiptLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fnsku: InventoryId
    received: int = Field(
        ge=0, le=MAX_UNITS_PER_LINE, description="Units counted in sellable condition"
    )
    damaged: int = Field(
        default=0, ge=0, le=MAX_UNITS_PER_LINE, description="Units counted damaged"
    )


class ReceiptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    receipt_id: InventoryId | None = Field(
        default=None,
        description="Client-chosen id; sending the same receipt again with it records nothing twice",
    )
    shipment_id: InventoryId
    fulfillment_center_id: str = Field(pattern=FC_PATTERN)
    lines: list[ReceiptLineIn] = Field(min_length=1, max_length=200)

    def to_command(self) -> RecordReceipt:
        return RecordReceipt(
            receipt_id=self.receipt_id or f"RC{uuid.uuid4().hex.upper()}",
            shipment_id=self.shipment_id,
            fulfillment_center_id=self.fulfillment_center_id,
            lines=tuple(LineCount(line.fnsku, line.received, line.damaged) for line in self.lines),
        )


class ExceptionLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    line_id: InventoryId
    fnsku: InventoryId
    quantity: int = Field(gt=0, le=MAX_UNITS_PER_LINE)
    reason_code: Literal["SHORT_PICK", "DAMAGED"] = Field(
        description="SHORT_PICK: not found at pick (written off); DAMAGED: found damaged (unfulfillable)"
    )


class ExceptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500)
    lines: list[ExceptionLineIn] | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="The units that cannot ship; absent: none of the fulfillment order (its units stay fulfillable)",
    )

    def to_command(self, fulfillment_order_id: str) -> ReportCenterException:
        lines = (
            None
            if self.lines is None
            else tuple(
                ReportedLine(line.line_id, line.fnsku, line.quantity, line.reason_code)
                for line in self.lines
            )
        )
        return ReportCenterException(fulfillment_order_id, self.reason, lines)


class ExceptionOut(BaseModel):
    fulfillment_order_id: str
    event_id: str = Field(
        description="The FulfillmentRejectedByCenter published; the platform applies it once"
    )


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fulfillment_center_id: str | None = Field(
        default=None, pattern=FC_PATTERN, description="Checked if given"
    )


class AdjustmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    adjustment_id: InventoryId | None = Field(
        default=None,
        description="Client-chosen id; sending the same adjustment again with it moves nothing twice",
    )
    fulfillment_center_id: str = Field(pattern=FC_PATTERN)
    fnsku: InventoryId
    kind: AdjustmentKind
    quantity: int = Field(ge=1, le=MAX_UNITS_PER_LINE)
    reason: str = Field(min_length=3, max_length=500, description="Why, in the FC staff's words")
    to_fulfillment_center_id: str | None = Field(
        default=None, pattern=FC_PATTERN, description="Transfers only"
    )

    def to_command(self) -> AdjustInventory:
        return AdjustInventory(
            adjustment_id=self.adjustment_id or f"ADJ{uuid.uuid4().hex.upper()}",
            fulfillment_center_id=self.fulfillment_center_id,
            fnsku=self.fnsku,
            kind=self.kind,
            quantity=self.quantity,
            reason=self.reason,
            to_fulfillment_center_id=self.to_fulfillment_center_id,
        )


class StockLevelOut(BaseModel):
    fnsku: str
    seller_id: str
    seller_sku: str | None
    fulfillment_center_id: str
    inbound: int
    fulfillable: int
    reserved: int
    unfulfillable: int
    shipped: int = Field(description="Units shipped to buyers from this FC (cumulative)")
    inbound_working: int | None = Field(
        default=None, description="Inbound: planned, not yet shipped by the seller"
    )
    inbound_shipped: int | None = Field(default=None, description="Inbound: on its way to the FC")
    inbound_receiving: int | None = Field(
        default=None, description="Inbound: the FC has started counting"
    )

    @classmethod
    def of(cls, s: StockLevel, stages: dict[str, int] | None = None) -> StockLevelOut:
        # The inbound split is read for inventory listings only (None elsewhere: not computed).
        split = (
            {}
            if stages is None
            else {f"inbound_{k}": stages.get(k, 0) for k in ("working", "shipped", "receiving")}
        )
        return cls(
            **split,
            **vars(s.levels),
            fnsku=s.fnsku,
            seller_id=s.seller_id,
            seller_sku=s.seller_sku,
            fulfillment_center_id=s.fulfillment_center_id,
        )


class InventoryAgeOut(BaseModel):
    """Units on hand (fulfillable, reserved, unfulfillable) of one FNSKU at one FC by how many days
    ago they were received; units that left went from the oldest first."""

    fnsku: str
    seller_id: str
    seller_sku: str | None
    fulfillment_center_id: str
    on_hand: int = Field(description="fulfillable + reserved + unfulfillable")
    days_0_90: int
    days_91_180: int
    days_181_365: int
    days_over_365: int
    as_of: date = Field(description="The day (UTC) ages are counted to")

    @classmethod
    def of(cls, aged: AgedStock, as_of: date) -> InventoryAgeOut:
        s, levels = aged.stock, aged.stock.levels
        return cls(
            **vars(aged.ages),
            fnsku=s.fnsku,
            seller_id=s.seller_id,
            seller_sku=s.seller_sku,
            fulfillment_center_id=s.fulfillment_center_id,
            on_hand=levels.fulfillable + levels.reserved + levels.unfulfillable,
            as_of=as_of,
        )


class ShipmentReceiptLineOut(BaseModel):
    fnsku: str
    quantity_received: int
    quantity_damaged: int

    @classmethod
    def of(cls, count: LineCount) -> ShipmentReceiptLineOut:
        return cls(
            fnsku=count.fnsku, quantity_received=count.received, quantity_damaged=count.damaged
        )


#: A line of a recorded receipt (`ReceivedLine`).
ReceiptLineOut = described(
    ReceivedLine,
    "ReceiptLineOut",
    quantity_received="Counted sellable in this receipt",
    quantity_damaged="Counted damaged in this receipt",
    quantity_expected="Expected for this FNSKU in the whole shipment",
    total_received="Counted sellable over all receipts of the shipment",
    total_damaged="Counted damaged over all receipts of the shipment",
)


class ReceiptOut(BaseModel):
    receipt_id: str
    shipment_id: str
    fulfillment_center_id: str
    seller_id: str
    shipment_status: ShipmentStatus
    recorded_at: datetime
    lines: list[ReceiptLineOut]
    unknown_fnskus: list[ShipmentReceiptLineOut] = Field(
        default_factory=list,
        description="FNSKUs found in the boxes that the shipment never planned: recorded as discrepancies, in no bucket",
    )
    inventory: list[StockLevelOut] = Field(
        description="The buckets of each FNSKU in the receipt after it"
    )

    @classmethod
    def of(cls, r: ReceiptResult) -> ReceiptOut:
        return cls(
            receipt_id=r.receipt_id,
            shipment_id=r.shipment_id,
            fulfillment_center_id=r.fulfillment_center_id,
            seller_id=r.seller_id,
            shipment_status=r.shipment_status,
            recorded_at=r.recorded_at,
            lines=[ReceiptLineOut(**vars(line)) for line in r.lines],
            unknown_fnskus=[ShipmentReceiptLineOut.of(c) for c in r.unknown],
            inventory=[StockLevelOut.of(s) for s in r.inventory],
        )


class ShipmentLineOut(BaseModel):
    fnsku: str
    seller_sku: str
    quantity_expected: int
    quantity_received: int
    quantity_damaged: int
    quantity_outstanding: int = Field(
        description="Expected and not counted yet (missing, if the shipment is closed)"
    )


class ShipmentReceiptOut(BaseModel):
    receipt_id: str
    recorded_at: datetime
    lines: list[ShipmentReceiptLineOut]


class DiscrepancyOut(BaseModel):
    discrepancy_id: str
    kind: DiscrepancyKind
    fulfillment_center_id: str
    fnsku: str
    seller_id: str
    quantity: int = Field(description="Units missing, extra, unidentified or not reservable")
    quantity_expected: int | None
    quantity_counted: int | None
    shipment_id: str | None
    fulfillment_order_id: str | None
    receipt_id: str | None
    recorded_at: datetime

    @classmethod
    def of(cls, d: Discrepancy) -> DiscrepancyOut:
        return cls(**vars(d))


class ShipmentReceiptsOut(BaseModel):
    shipment_id: str
    seller_id: str
    fulfillment_center_id: str
    status: ShipmentStatus
    lines: list[ShipmentLineOut]
    receipts: list[ShipmentReceiptOut]
    discrepancies: list[DiscrepancyOut] = Field(default_factory=list)

    @classmethod
    def of(cls, view: ShipmentView) -> ShipmentReceiptsOut:
        shipment = view.shipment
        return cls(
            discrepancies=[DiscrepancyOut.of(d) for d in view.discrepancies],
            shipment_id=shipment.shipment_id,
            seller_id=shipment.seller_id,
            fulfillment_center_id=shipment.fulfillment_center_id,
            status=shipment.status,
            lines=[
                ShipmentLineOut(**vars(line), quantity_outstanding=line.quantity_outstanding)
                for line in shipment.lines.values()
            ],
            receipts=[
                ShipmentReceiptOut(
                    receipt_id=r.receipt_id,
                    recorded_at=r.recorded_at,
                    lines=[ShipmentReceiptLineOut.of(c) for c in r.lines],
                )
                for r in view.receipts
            ],
        )


#: One movement of the ledger (`LedgerEntry`).
LedgerEntryOut = described(
    LedgerEntry,
    "LedgerEntryOut",
    cause_event_id="The consumed event that caused the movement, if any",
    receipt_id="The receipt that caused the movement, if any",
    fulfillment_order_id="The fulfillment order moved, if any",
    adjustment_id="The adjustment by FC staff, if any",
)


class AdjustmentOut(BaseModel):
    adjustment_id: str
    inventory: list[StockLevelOut]


class ReconciliationRow(BaseModel):
    fnsku: str
    fulfillment_center_id: str
    stored: dict[str, int]
    from_ledger: dict[str, int]
    balanced: bool

    @classmethod
    def of(cls, r: Reconciled) -> ReconciliationRow:
        return cls(
            fnsku=r.fnsku,
            fulfillment_center_id=r.fulfillment_center_id,
            stored=vars(r.stored),
            from_ledger=vars(r.from_ledger),
            balanced=r.balanced,
        )


class ReconciliationOut(BaseModel):
    balanced: bool = Field(description="Every stored bucket equals its ledger movements added up")
    items: list[ReconciliationRow]


class RemovalLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fnsku: InventoryId
    source: RemovalSource = Field(description="The bucket the units are taken from")
    quantity: int = Field(ge=1, le=MAX_UNITS_PER_LINE)


class RemovalOrderIn(BaseModel):
    """Units of one FC a seller wants back (``return``, to ``ship_to``) or disposed of (``dispose``)."""

    model_config = ConfigDict(extra="forbid")

    removal_order_id: InventoryId | None = Field(
        default=None,
        description="Client-chosen id; sending the same request again with it creates nothing twice",
    )
    fulfillment_center_id: str = Field(pattern=FC_PATTERN)
    disposition: RemovalDisposition
    lines: list[RemovalLineIn] = Field(min_length=1, max_length=100)
    ship_to: Address | None = None

    def to_order(self, seller_id: str) -> RemovalOrder:
        return RemovalOrder(
            removal_order_id=self.removal_order_id or f"RMV{uuid.uuid4().hex[:16].upper()}",
            seller_id=seller_id,
            fulfillment_center_id=self.fulfillment_center_id,
            disposition=self.disposition,
            lines=tuple(RemovalUnits(x.fnsku, x.source, x.quantity) for x in self.lines),
            ship_to=self.ship_to,
        )


class RemovalLineOut(BaseModel):
    fnsku: str
    seller_sku: str | None
    source: RemovalSource
    quantity: int


class RemovalOrderOut(BaseModel):
    removal_order_id: str
    seller_id: str
    fulfillment_center_id: str
    disposition: RemovalDisposition
    status: RemovalStatus
    lines: list[RemovalLineOut]
    ship_to: Address | None
    carrier: str | None
    tracking_number: str | None

    @classmethod
    def of(cls, order: RemovalOrder) -> RemovalOrderOut:
        return cls(
            removal_order_id=order.removal_order_id,
            seller_id=order.seller_id,
            fulfillment_center_id=order.fulfillment_center_id,
            disposition=order.disposition,
            status=order.status,
            lines=[
                RemovalLineOut(
                    fnsku=u.fnsku, seller_sku=u.seller_sku, source=u.source, quantity=u.quantity
                )
                for u in order.lines
            ],
            ship_to=order.ship_to,
            carrier=order.carrier,
            tracking_number=order.tracking_number,
        )
