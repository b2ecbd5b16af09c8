"""What registration is asked to do: by a seller (over the API or the console), by inventory's
events (a shipment the FC is receiving or has closed), or by its own announcements read back
(recorded when they are not yet: `stockpath replay` rebuilds the store from them). Each command
has exactly one handler."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from registration.domain.model import InboundShipment, Offer, Registration, Seller
from registration.domain.notifications import Kind
from stockpath_events import Cause

#: How long a credential registration issues is valid unless its issuer says otherwise.
CREDENTIAL_DAYS = 90


@dataclass(frozen=True)
class RegisterSeller:
    """Create a seller and issue its seller credential (an operator's action)."""

    name: str
    expires_in_days: int = CREDENTIAL_DAYS


@dataclass(frozen=True)
class IssueCredential:
    """Issue a credential to a seller, an FC, a sales channel, an operator or a service."""

    #: seller, fulfillment-center, channel, operator or service.
    kind: str
    subject: str
    expires_in_days: int = CREDENTIAL_DAYS


@dataclass(frozen=True)
class RotateCredential:
    """A new credential for the same actor; the old one is revoked."""

    credential_id: str
    expires_in_days: int = CREDENTIAL_DAYS
    #: Only a credential of this seller may be rotated (a seller acting on its own); None: any (the operator).
    seller_id: str | None = None


@dataclass(frozen=True)
class RevokeCredential:
    credential_id: str
    reason: str | None = None
    #: Only a credential of this seller may be revoked (a seller acting on its own); None: any (the operator).
    seller_id: str | None = None


@dataclass(frozen=True)
class RegisterItems:
    seller_id: str
    offers: tuple[Offer, ...]
    #: The seller's idempotency key: the same key never registers anything twice.
    request_id: str | None = None

    def fingerprint(self) -> str:
        """Identifies what was asked, so a key reused for a different request is caught."""
        canonical = [
            {
                "catalog_item_id": o.catalog_item_id,
                "seller_sku": o.seller_sku,
                "condition": o.condition.value,
                "price": format(o.price, "f"),
                "channels": list(o.channels),
            }
            for o in self.offers
        ]
        return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class PreviewItems:
    """Decide each offer as registering them together would, and change nothing."""

    seller_id: str
    offers: tuple[Offer, ...]


@dataclass(frozen=True)
class PlanInboundShipment:
    seller_id: str
    #: (seller_sku, quantity) in the order the seller listed them.
    lines: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class ShipInboundShipment:
    seller_id: str
    shipment_id: str
    carrier: str
    tracking_number: str


@dataclass(frozen=True)
class CancelInboundShipment:
    seller_id: str
    shipment_id: str
    reason: str | None = None


@dataclass(frozen=True)
class PlanInbound:
    """Plan inbound stock that may split across FCs (an inbound plan of one or more shipments)."""

    seller_id: str
    #: (seller_sku, quantity) in the order the seller listed them.
    lines: tuple[tuple[str, int], ...]
    #: Where the seller ships from; the nearest FCs are preferred. None: by capacity alone.
    ship_from_postal_code: str | None = None


@dataclass(frozen=True)
class ChangeRegistration:
    seller_id: str
    fnsku: str
    price: Decimal | None = None
    channels: tuple[str, ...] | None = None


@dataclass(frozen=True)
class DeregisterItem:
    seller_id: str
    fnsku: str
    reason: str | None = None


@dataclass(frozen=True)
class PrintShipmentLabels:
    """The labels of a shipment: an FNSKU label per unit (or per line, with its count) and one per box."""

    #: Only this seller's shipment (None: anyone's, for the operator); its name is printed as the sender.
    seller_id: str | None
    shipment_id: str
    boxes: int = 1
    per_unit: bool = True


@dataclass(frozen=True)
class MarkShipmentReceiving:
    """The FC started counting a shipment's units (inventory's InventoryReceived)."""

    shipment_id: str
    cause: Cause


@dataclass(frozen=True)
class CloseInboundShipment:
    """The FC finished with a shipment (inventory's InboundShipmentClosed)."""

    shipment_id: str
    cause: Cause
    #: When inventory announced it (what the seller's `inbound_shipment.closed` says).
    closed_at: datetime | None = None


@dataclass(frozen=True)
class RecordAnnouncedSeller:
    """A seller as SellerOnboarded announced it."""

    seller: Seller
    cause: Cause


@dataclass(frozen=True)
class RecordAnnouncedRegistration:
    """A registration or rejection as ItemRegistered / ItemRegistrationRejected announced it.

    `registration` is None for an announcement from before events carried its place in its
    request: there is nothing to rebuild it from."""

    registration: Registration | None
    #: The fingerprint of the request that made it (with its `request_id`), for its idempotency key.
    request_fingerprint: str | None
    cause: Cause


@dataclass(frozen=True)
class RecordAnnouncedChange:
    """ItemRegistrationUpdated (the registration's price and channels now) or ItemDeregistered."""

    registration_id: str
    #: When the change was announced: an older change never overwrites a newer one.
    at: datetime
    cause: Cause
    price: Decimal | None = None
    channels: tuple[str, ...] | None = None
    deregistered: bool = False


@dataclass(frozen=True)
class RecordAnnouncedShipment:
    """A shipment as InboundShipmentPlanned announced it."""

    shipment: InboundShipment
    cause: Cause


@dataclass(frozen=True)
class RecordAnnouncedShipping:
    """InboundShipmentShipped: the seller handed the shipment to a carrier."""

    shipment_id: str
    carrier: str
    tracking_number: str
    shipped_at: datetime
    cause: Cause


@dataclass(frozen=True)
class RecordAnnouncedCancellation:
    """InboundShipmentCancelled: the seller cancelled the shipment."""

    shipment_id: str
    reason: str | None
    cause: Cause


# --- seller notifications (domain/notifications.py) ------------------------------------------


@dataclass(frozen=True)
class SubscribeEndpoint:
    """A seller subscribes one of its endpoints to kinds of notifications."""

    seller_id: str
    url: str
    kinds: tuple[Kind, ...]
    low_stock_threshold: int = 0
    low_stock_thresholds: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Unsubscribe:
    seller_id: str
    subscription_id: str


@dataclass(frozen=True)
class RotateSubscriptionSecret:
    seller_id: str
    subscription_id: str


@dataclass(frozen=True)
class RedriveDeliveries:
    """Send failed deliveries again: one (`delivery_id`) or every failed one of the seller."""

    seller_id: str
    delivery_id: int | None = None


@dataclass(frozen=True)
class FulfillmentLineOf:
    line_id: str
    fnsku: str
    seller_sku: str
    seller_id: str
    quantity: int


@dataclass(frozen=True)
class NoteFulfillmentOrder:
    """An FC was told to ship these lines: their sellers hear the order was routed, and the
    fulfillment order's sellers are remembered for its shipment."""

    fulfillment_order_id: str
    order_id: str
    fulfillment_center_id: str
    lines: tuple[FulfillmentLineOf, ...]
    occurred_at: datetime
    cause: Cause


@dataclass(frozen=True)
class NoteShipmentShipped:
    fulfillment_order_id: str
    order_id: str
    fulfillment_center_id: str
    carrier: str
    tracking_number: str
    shipped_at: datetime
    cause: Cause


@dataclass(frozen=True)
class ReturnedUnits:
    fnsku: str
    quantity: int
    condition: str


@dataclass(frozen=True)
class NoteReturnReceived:
    return_id: str
    order_id: str
    fulfillment_center_id: str
    lines: tuple[ReturnedUnits, ...]
    received_at: datetime
    cause: Cause


@dataclass(frozen=True)
class NoteInventoryLevel:
    fulfillment_center_id: str
    fnsku: str
    seller_id: str
    seller_sku: str | None
    fulfillable: int
    occurred_at: datetime
    cause: Cause


@dataclass(frozen=True)
class NoteFulfillmentCancelled:
    """An FC is told to stop a fulfillment order: the sellers of its lines hear the order was
    cancelled (its instruction, read before it on the same partition, named them)."""

    fulfillment_order_id: str
    order_id: str
    fulfillment_center_id: str
    reason: str | None
    occurred_at: datetime
    cause: Cause


@dataclass(frozen=True)
class NoteInboundDiscrepancy:
    #: None for a discrepancy of no inbound shipment (a reservation shortfall).
    shipment_id: str | None
    fulfillment_center_id: str
    fnsku: str
    seller_id: str
    #: shortage (closed with units missing), overage or unknown-fnsku.
    kind: str
    quantity: int
    occurred_at: datetime
    cause: Cause


@dataclass(frozen=True)
class RemovedUnits:
    fnsku: str
    seller_sku: str | None
    quantity: int


@dataclass(frozen=True)
class NoteRemovalOrder:
    """A removal order was created: remembered so its shipment tells its seller."""

    removal_order_id: str
    seller_id: str
    fulfillment_center_id: str
    disposition: str
    lines: tuple[RemovedUnits, ...]
    cause: Cause


@dataclass(frozen=True)
class NoteRemovalShipped:
    removal_order_id: str
    fulfillment_center_id: str
    carrier: str
    tracking_number: str
    shipped_at: datetime
    cause: Cause


@dataclass(frozen=True)
class NoteStatementReady:
    """A seller's statement of a month is final (inventory's StatementReady)."""

    seller_id: str
    #: yyyy-mm
    month: str
    currency: str
    total: Decimal
    line_count: int
    occurred_at: datetime
    cause: Cause
