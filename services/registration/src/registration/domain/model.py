"""What registration knows: the catalog item a seller chose, the seller's offer of it, the
registration that results, and the inbound shipment that brings the seller's stock to an FC."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from stockpath_events import Condition


@dataclass(frozen=True)
class Dimensions:
    """Package dimensions in centimetres."""

    length_cm: float
    width_cm: float
    height_cm: float

    def sorted_sides(self) -> tuple[float, float, float]:
        """Longest, median and shortest side: size rules ignore which side the catalog called length."""
        longest, median, shortest = sorted(
            (self.length_cm, self.width_cm, self.height_cm), reverse=True
        )
        return longest, median, shortest


@dataclass(frozen=True)
class CatalogItem:
    """The catalog's information about an item, as registration read it when registering."""

    catalog_item_id: str
    title: str
    category: str
    brand: str | None = None
    identifiers: dict[str, str] = field(default_factory=dict)
    dimensions: Dimensions | None = None
    weight_g: float | None = None
    hazmat: bool = False
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Offer:
    """One item a seller asks to register: which catalog item, under which SKU, at what price."""

    catalog_item_id: str
    seller_sku: str
    condition: Condition
    price: Decimal
    channels: tuple[str, ...]


class RegistrationStatus(StrEnum):
    REGISTERED = "registered"
    REJECTED = "rejected"
    #: The seller withdrew the item: its listings close and its SKU may be used again.
    DEREGISTERED = "deregistered"


class RegistrationNotActive(Exception):
    """The seller tried to change a registration that is not (or no longer) registered."""

    def __init__(self, fnsku: str, status: RegistrationStatus) -> None:
        super().__init__(
            f"registration {fnsku} is {status.value}; only registered items can be changed"
        )
        self.fnsku = fnsku
        self.status = status


@dataclass(frozen=True)
class Registration:
    """The outcome of one offer: registered with an FNSKU, or rejected with a reason."""

    registration_id: str
    seller_id: str
    offer: Offer
    status: RegistrationStatus
    item: CatalogItem | None
    fnsku: str | None = None
    size_tier: str | None = None
    reason_code: str | None = None
    reason: str | None = None
    request_id: str | None = None
    position: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def change_offer(self, price: Decimal | None, channels: tuple[str, ...] | None) -> Registration:
        if self.status is not RegistrationStatus.REGISTERED:
            raise RegistrationNotActive(self.fnsku or self.registration_id, self.status)
        return replace(
            self,
            offer=replace(
                self.offer,
                price=price if price is not None else self.offer.price,
                channels=channels if channels is not None else self.offer.channels,
            ),
        )

    def deregister(self) -> Registration:
        if self.status is not RegistrationStatus.REGISTERED:
            raise RegistrationNotActive(self.fnsku or self.registration_id, self.status)
        return replace(self, status=RegistrationStatus.DEREGISTERED)


@dataclass(frozen=True)
class ShipmentLine:
    fnsku: str
    seller_sku: str
    quantity: int


class ShipmentStatus(StrEnum):
    WORKING = "WORKING"
    SHIPPED = "SHIPPED"
    RECEIVING = "RECEIVING"
    CLOSED = "CLOSED"
    CANCELLED = "CANCELLED"


class InvalidShipmentTransition(Exception):
    """The seller asked for a step the shipment's current status does not allow."""

    def __init__(self, shipment_id: str, action: str, status: ShipmentStatus) -> None:
        super().__init__(
            f"inbound shipment {shipment_id} is {status.value}; it can only be {action} while WORKING"
        )
        self.shipment_id = shipment_id
        self.action = action
        self.status = status


@dataclass(frozen=True)
class InboundShipment:
    """A plan telling the seller where to send stock, and how far that stock has got.

    WORKING (planned) → SHIPPED (seller handed it to a carrier) → RECEIVING (the FC counts it)
    → CLOSED (the FC finished). The seller may cancel only while WORKING: once the boxes are
    on a truck, the FC has to deal with them.
    """

    shipment_id: str
    seller_id: str
    fulfillment_center_id: str
    ship_to: dict
    lines: tuple[ShipmentLine, ...]
    status: ShipmentStatus = ShipmentStatus.WORKING
    carrier: str | None = None
    tracking_number: str | None = None
    cancel_reason: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    shipped_at: datetime | None = None
    #: The inbound plan this shipment belongs to, when it was planned as part of one.
    plan_id: str | None = None

    def ship(self, carrier: str, tracking_number: str, at: datetime) -> InboundShipment:
        if self.status is not ShipmentStatus.WORKING:
            raise InvalidShipmentTransition(self.shipment_id, "shipped", self.status)
        return replace(
            self,
            status=ShipmentStatus.SHIPPED,
            carrier=carrier,
            tracking_number=tracking_number,
            shipped_at=at,
        )

    def cancel(self, reason: str | None) -> InboundShipment:
        if self.status is not ShipmentStatus.WORKING:
            raise InvalidShipmentTransition(self.shipment_id, "cancelled", self.status)
        return replace(self, status=ShipmentStatus.CANCELLED, cancel_reason=reason)

    def receiving(self) -> InboundShipment:
        """The FC started counting; a cancelled or already closed shipment keeps its status
        (receipts for several FNSKUs arrive in any order relative to the close)."""
        if self.status in (ShipmentStatus.WORKING, ShipmentStatus.SHIPPED):
            return replace(self, status=ShipmentStatus.RECEIVING)
        return self

    def closed(self) -> InboundShipment:
        """The FC closed the shipment: that is what physically happened, whatever came before."""
        return replace(self, status=ShipmentStatus.CLOSED)


@dataclass(frozen=True)
class Seller:
    seller_id: str
    name: str
