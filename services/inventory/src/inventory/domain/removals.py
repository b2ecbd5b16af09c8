"""Removal orders: a seller asks for units of one FC, fulfillable or unfulfillable, to be sent back
to an address or disposed of.

Creating one sets its units aside at once: they leave their bucket in the ledger
(``removal-set-aside``) and are held by the removal order, so no order can be routed to them and
they are not counted twice. The FC is told (RemovalInstructed) and reports RemovalShipped or
UnitsDisposed, which completes the order: the units had already left the buckets, so that moves
nothing more. Until then the seller may cancel: the units go back to the bucket they came from
(``removal-cancelled``) and the FC is told not to remove them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from enum import StrEnum

from inventory.domain.errors import InventoryError
from inventory.domain.stock import Bucket, Levels, Movement, Reason
from stockpath_events import Address
from stockpath_events.types.inventory import RemovalDisposition, RemovalSource


class RemovalStatus(StrEnum):
    PENDING = "PENDING"
    SHIPPED = "SHIPPED"
    DISPOSED = "DISPOSED"
    CANCELLED = "CANCELLED"


@dataclass(frozen=True)
class RemovalUnits:
    fnsku: str
    source: RemovalSource
    quantity: int
    seller_sku: str | None = None


@dataclass(frozen=True)
class RemovalOrder:
    removal_order_id: str
    seller_id: str
    fulfillment_center_id: str
    disposition: RemovalDisposition
    lines: tuple[RemovalUnits, ...]
    ship_to: Address | None
    status: RemovalStatus = RemovalStatus.PENDING
    carrier: str | None = None
    tracking_number: str | None = None

    def fingerprint(self) -> str:
        """What the seller asked, so the same id sent again with other content is told apart."""
        asked = {
            "fc": self.fulfillment_center_id,
            "disposition": self.disposition.value,
            "lines": [[u.fnsku, u.source.value, u.quantity] for u in self.lines],
            "ship_to": self.ship_to.model_dump(mode="json") if self.ship_to else None,
        }
        return hashlib.sha256(json.dumps(asked, sort_keys=True).encode()).hexdigest()


class RemovalRefused(InventoryError):
    """A removal order that cannot be created as asked."""


class UnknownRemovalOrder(InventoryError):
    def __init__(self, removal_order_id: str) -> None:
        super().__init__(f"removal order {removal_order_id} not found")
        self.removal_order_id = removal_order_id


class RemovalIdReused(InventoryError):
    def __init__(self, removal_order_id: str) -> None:
        super().__init__(f"removal order id {removal_order_id} is taken by another removal order")
        self.removal_order_id = removal_order_id


class RemovalNotCancellable(InventoryError):
    def __init__(self, removal_order_id: str, status: RemovalStatus) -> None:
        super().__init__(
            f"removal order {removal_order_id} is {status.value.lower()}: it can no longer be cancelled"
        )
        self.removal_order_id = removal_order_id
        self.status = status


def check_request(order: RemovalOrder) -> None:
    if order.disposition is RemovalDisposition.RETURN and order.ship_to is None:
        raise RemovalRefused(
            "a removal order that returns units names the address to ship them to (ship_to)"
        )
    keys = [(u.fnsku, u.source) for u in order.lines]
    if len(set(keys)) != len(keys):
        raise RemovalRefused("each FNSKU and source appears once in a removal order")


def set_aside(units: RemovalUnits, levels: Levels) -> list[Movement]:
    """The units leave their bucket; RemovalRefused when the bucket holds fewer."""
    held = getattr(levels, units.source.value)
    if units.quantity > held:
        raise RemovalRefused(
            f"{units.fnsku}: {units.quantity} {units.source.value} unit(s) asked, {held} {units.source.value}"
        )
    return [Movement(Bucket(units.source.value), -units.quantity, Reason.REMOVAL_SET_ASIDE)]


def put_back(units: RemovalUnits) -> list[Movement]:
    """A cancelled removal's units return to the bucket they came from."""
    return [Movement(Bucket(units.source.value), units.quantity, Reason.REMOVAL_CANCELLED)]
