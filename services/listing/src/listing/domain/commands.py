"""What the listing service is asked to do. Commands made from consumed events carry their
`cause`, so every event a handler emits names the event that made it act.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from listing.domain.checkout import CartLine
from listing.domain.model import RegisteredItem
from listing.domain.orders import BuyerOrderStatus, PlacedOrder, Shipment
from stockpath_events import Address, CatalogItemSnapshot, Cause, ShippingSpeed


@dataclass(frozen=True)
class ListItem:
    """List a registered item in every channel the seller asked for."""

    item: RegisteredItem
    #: The catalog snapshot registration read: kept with the listings, published with them.
    snapshot: CatalogItemSnapshot
    cause: Cause


@dataclass(frozen=True)
class ReviseItem:
    """Bring an item's listings to the registration's current price and channels (its state,
    not a delta)."""

    fnsku: str
    price: Decimal
    currency: str
    channels: tuple[str, ...]
    cause: Cause


@dataclass(frozen=True)
class DelistItem:
    """Close every listing of an item the seller withdrew."""

    fnsku: str
    reason: str | None
    cause: Cause


@dataclass(frozen=True)
class RecordInventoryLevel:
    """Keep an FC's latest fulfillable quantity of an FNSKU, and the listings' stock with it."""

    fnsku: str
    fulfillment_center_id: str
    fulfillable: int
    cause: Cause


@dataclass(frozen=True)
class UpdateOrderStatus:
    """Move a storefront order to the status the platform reported (if the storefront placed it)."""

    order_id: str
    status: BuyerOrderStatus
    #: What the buyer reads beside the status.
    detail: str | None
    cause: Cause
    #: How many fulfillment orders routing split the order into, when the report says.
    fulfillment_orders: int | None = None


@dataclass(frozen=True)
class RecordShipment:
    """Record a parcel of a storefront order (if the storefront placed it)."""

    order_id: str
    shipment: Shipment
    cause: Cause


@dataclass(frozen=True)
class PlaceOrder:
    """A buyer's checkout: the cart, where to ship it and how fast. The token is the rendered
    checkout form's, so a second submit of the same form places nothing; the buyer digest is that
    of the key of the browser checking out (`listing.domain.orders.buyer_digest`), the only one
    that may then see the order."""

    cart: tuple[CartLine, ...]
    ship_to: Address
    shipping_speed: ShippingSpeed
    checkout_token: str
    buyer_sha256: str


@dataclass(frozen=True)
class RecordAnnouncedOrder:
    """A storefront order as listing announced it (StorefrontOrderPlaced): stored unless it is."""

    placed: PlacedOrder
    cause: Cause
