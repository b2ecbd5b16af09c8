"""Events the inventory service writes to `inventory.events` (key: fnsku; shipment close by shipment
id; removal orders by removal order id) and to `fulfillment.removals` (removal orders for the FCs)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import Field

from stockpath_events.base import Address, EventData, Money, Value


class InventoryReceived(EventData):
    """An FC counted what arrived for one FNSKU of an inbound shipment.

    ``line_number`` (this FNSKU's place in the receipt as sent, from 1), ``line_count`` (how many
    FNSKUs the receipt counted) and ``recorded_at`` let inventory rebuild the receipt from its
    announcements (`stockpath replay`): one per FNSKU the shipment planned, and for an FNSKU it
    never planned the InventoryDiscrepancyRecorded (``unknown-fnsku``) carrying the same fields.
    Absent on events announced before they existed.
    """

    receipt_id: str
    shipment_id: str
    fulfillment_center_id: str
    fnsku: str
    seller_id: str
    seller_sku: str | None = None
    quantity_expected: int = Field(ge=0)
    quantity_received: int = Field(ge=0)
    quantity_damaged: int = Field(ge=0)
    line_number: int | None = Field(default=None, ge=1)
    line_count: int | None = Field(default=None, ge=1)
    recorded_at: datetime | None = None


class InboundShipmentClosed(EventData):
    """An inbound shipment is fully received or was closed by the FC.

    ``receipt_id`` names the receipt that received it in full; absent when the FC closed it short
    (and on events announced before the field existed).
    """

    shipment_id: str
    fulfillment_center_id: str
    seller_id: str
    fnsku: str | None = None
    receipt_id: str | None = None


class InventoryAdjusted(EventData):
    """FC staff corrected a quantity bucket (found, lost, damaged, transferred).

    ``kind``, ``quantity``, ``adjustment_reason`` (the reason staff gave) and
    ``from_fulfillment_center_id`` / ``to_fulfillment_center_id`` carry the whole adjustment, so
    inventory rebuilds it from any one of its events (`stockpath replay`); absent on events
    announced before they existed.
    """

    adjustment_id: str
    fulfillment_center_id: str
    fnsku: str
    seller_id: str
    quantity_delta: int
    bucket: str
    reason: str
    kind: str | None = None
    quantity: int | None = Field(default=None, gt=0)
    adjustment_reason: str | None = None
    from_fulfillment_center_id: str | None = None
    to_fulfillment_center_id: str | None = None


class InventoryLevelChanged(EventData):
    """The quantity buckets of one FNSKU at one FC, after a change (absolute levels, not deltas).

    - ``inbound``: planned or on its way, not yet received;
    - ``fulfillable``: good units on the shelf not reserved for an order (what listings may sell);
    - ``reserved``: good units set aside for fulfillment orders, not yet shipped;
    - ``unfulfillable``: damaged or defective units;
    - ``shipped``: units shipped to buyers since the FNSKU arrived at this FC (only grows).

    ``fulfillable + reserved + shipped`` changes only when stock arrives or is adjusted, never
    when an order is reserved or shipped; order-router allocates against it minus its own
    reservations, so the two services never race each other into an oversell.
    """

    fulfillment_center_id: str
    fnsku: str
    seller_id: str
    seller_sku: str | None = None
    inbound: int = Field(ge=0)
    fulfillable: int = Field(ge=0)
    reserved: int = Field(default=0, ge=0)
    unfulfillable: int = Field(ge=0)
    shipped: int = Field(default=0, ge=0)


class InventoryDiscrepancyRecorded(EventData):
    """What was counted or reserved differs from what was expected; recorded, never dropped.

    ``kind`` is one of:

    - ``shortage``: an inbound shipment was closed with units still expected (``quantity`` missing);
    - ``overage``: more units of an FNSKU arrived than the shipment planned (``quantity`` extra);
    - ``unknown-fnsku``: a box held an FNSKU the shipment never planned (``quantity`` counted, kept
      aside in no bucket until the seller's stock is identified);
    - ``reservation-shortfall``: a fulfillment order asked to reserve more than was fulfillable at
      the FC (``quantity`` not reserved).
    """

    discrepancy_id: str
    kind: str
    fulfillment_center_id: str
    fnsku: str
    seller_id: str
    quantity: int = Field(gt=0)
    quantity_expected: int | None = Field(default=None, ge=0)
    quantity_counted: int | None = Field(default=None, ge=0)
    shipment_id: str | None = None
    fulfillment_order_id: str | None = None
    #: The receipt that found it (``overage``, ``unknown-fnsku``).
    receipt_id: str | None = None
    #: ``unknown-fnsku`` only: the line of the receipt as counted, with its place in the receipt and
    #: the receipt's size and time (see InventoryReceived), so inventory rebuilds the receipt.
    quantity_received: int | None = Field(default=None, ge=0)
    quantity_damaged: int | None = Field(default=None, ge=0)
    line_number: int | None = Field(default=None, ge=1)
    line_count: int | None = Field(default=None, ge=1)
    recorded_at: datetime | None = None


class RemovalDisposition(StrEnum):
    """What a seller asks the FC to do with units it removes from its stock."""

    #: Ship them to the seller's address.
    RETURN = "return"
    #: Destroy or recycle them at the FC.
    DISPOSE = "dispose"


class RemovalSource(StrEnum):
    """The bucket removed units are taken from."""

    FULFILLABLE = "fulfillable"
    UNFULFILLABLE = "unfulfillable"


class RemovalLine(Value):
    fnsku: str
    seller_sku: str | None = None
    source: RemovalSource
    quantity: int = Field(gt=0)


class RemovalOrderCreated(EventData):
    """A seller asked for units of one FC to be sent back (``ship_to``) or disposed of. They are set
    aside at once (held by the removal order, no longer in their bucket) until the FC reports
    RemovalShipped or UnitsDisposed, or the seller cancels first (RemovalOrderCancelled)."""

    removal_order_id: str
    seller_id: str
    fulfillment_center_id: str
    disposition: RemovalDisposition
    lines: list[RemovalLine] = Field(min_length=1)
    ship_to: Address | None = Field(
        default=None, description="Where returned units go (disposition return)"
    )


class RemovalInstructed(EventData):
    """The FC is told to carry out a removal order (on `fulfillment.removals`, its own topic)."""

    removal_order_id: str
    seller_id: str
    fulfillment_center_id: str
    disposition: RemovalDisposition
    lines: list[RemovalLine] = Field(min_length=1)
    ship_to: Address | None = None


class RemovalOrderCancelled(EventData):
    """The seller cancelled a removal order before the FC carried it out: its units are back in their
    buckets and the FC must not remove them (on `fulfillment.removals`)."""

    removal_order_id: str
    seller_id: str
    fulfillment_center_id: str


class StoredUnits(Value):
    """Units of one FNSKU an FC held for a seller at the end of a day."""

    fnsku: str
    units: int = Field(gt=0)


class StorageSnapshotTaken(EventData):
    """What one FC held for one seller at the end of a UTC day (fulfillable, reserved and
    unfulfillable units, as inventory's ledger stood at midnight): what the day's storage fee is
    charged from. Taken once per day; inventory consumes it back to charge storage, so a replay
    charges the same days from the same snapshots."""

    day: date
    fulfillment_center_id: str
    seller_id: str
    lines: list[StoredUnits] = Field(min_length=1)
    snapshots_that_day: int | None = Field(
        default=None,
        ge=1,
        description=(
            "How many StorageSnapshotTaken the day has in all (one per FC and seller holding "
            "units): inventory knows a day is charged completely once it charged that many. "
            "Absent on snapshots taken before the field existed."
        ),
    )


class StatementReady(EventData):
    """A seller's statement of a month is final: the storage of the month's last day has been
    charged from every snapshot of that day (or that day had none). Once per seller and month, for
    every seller with any charge in it; its id is derived from the seller and the month, so a
    replay announces the same event. The statement itself is read from inventory
    (``GET /v1/statements/{month}``)."""

    seller_id: str
    month: str = Field(description="The statement's month, yyyy-mm (e.g. 2026-10)")
    currency: str
    total: Money
    line_count: int = Field(
        ge=0, description="The statement's lines: charges, and storage per FNSKU and FC"
    )
