"""Seller notifications: what a seller subscribes its endpoints to, how each delivery is signed, and
which destinations may be called at all. No I/O here (resolving a host name is the adapter's)."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from urllib.parse import urlsplit


class Kind(StrEnum):
    """What a seller can be told of; each comes from one consumed event (docs/notifications.md)."""

    ORDER_ROUTED = "order.routed"
    ORDER_SHIPPED = "order.shipped"
    ORDER_CANCELLED = "order.cancelled"
    INVENTORY_LOW = "inventory.low"
    INBOUND_SHIPMENT_CLOSED = "inbound_shipment.closed"
    INBOUND_SHIPMENT_DISCREPANCY = "inbound_shipment.discrepancy"
    RETURN_RECEIVED = "return.received"
    REMOVAL_SHIPPED = "removal.shipped"
    STATEMENT_READY = "statement.ready"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    #: Every attempt failed: kept, shown, and re-drivable by the seller; never dropped.
    FAILED = "failed"


#: The headers every delivery carries.
TIMESTAMP_HEADER = "Stockpath-Timestamp"
SIGNATURE_HEADER = "Stockpath-Signature"
EVENT_ID_HEADER = "Stockpath-Notification-Id"
KIND_HEADER = "Stockpath-Kind"


@dataclass(frozen=True)
class Subscription:
    subscription_id: str
    seller_id: str
    url: str
    kinds: tuple[Kind, ...]
    #: Below how many fulfillable units at an FC `inventory.low` is sent, unless the FNSKU has its own.
    low_stock_threshold: int
    low_stock_thresholds: dict[str, int]
    created_at: datetime | None = None

    def threshold(self, fnsku: str) -> int:
        return self.low_stock_thresholds.get(fnsku, self.low_stock_threshold)


@dataclass(frozen=True)
class Attempt:
    number: int
    at: datetime
    #: The endpoint's HTTP status, when it answered.
    status_code: int | None
    error: str | None


@dataclass(frozen=True)
class Delivery:
    delivery_id: int
    subscription_id: str
    seller_id: str
    #: Unique per subscription: the receiver's idempotency key (a re-drive sends the same one).
    notification_id: str
    kind: Kind
    payload: dict
    status: DeliveryStatus
    attempts: tuple[Attempt, ...]
    #: Attempts since it was queued or last re-driven (a re-drive starts a new round).
    tries: int
    created_at: datetime
    delivered_at: datetime | None


@dataclass(frozen=True)
class Notification:
    """One thing to tell one seller, made from one consumed event (its id makes it unique)."""

    seller_id: str
    kind: Kind
    event_id: str
    occurred_at: datetime
    data: dict
    #: Only this subscription hears it (a low-stock threshold is a subscription's own); None: every
    #: subscription of the seller to the kind.
    subscription_id: str | None = None

    @property
    def notification_id(self) -> str:
        # One event may tell a seller two things (an FO routed holds lines of several FNSKUs, but
        # one kind per event per seller): event id and kind identify it.
        return f"{self.event_id}:{self.kind.value}"

    def payload(self) -> dict:
        return {
            "id": self.notification_id,
            "kind": self.kind.value,
            "seller_id": self.seller_id,
            "occurred_at": self.occurred_at.isoformat(),
            "data": self.data,
        }


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """``v1=`` and the hex HMAC-SHA256, keyed by the subscription's secret, of ``<timestamp>.<body>``."""
    signed = str(timestamp).encode() + b"." + body
    return "v1=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def crossed_below(previous: int | None, current: int, threshold: int) -> bool:
    """A level falls below its threshold: it was at or above it and now is not. An FC's level
    seen for the first time has crossed nothing (it is stock arriving, not running out)."""
    return previous is not None and previous >= threshold > current


class DestinationRefused(Exception):
    def __init__(self, url: str, why: str) -> None:
        super().__init__(f"{url!r} may not receive notifications: {why}")
        self.url = url
        self.why = why


def check_url(url: str, *, allow_local: bool) -> str:
    """The host to resolve, or why the URL may not be a destination: https only, no credentials
    in it; ``http`` only to a loopback host and only when `allow_local` (dev and tests)."""
    parts = urlsplit(url)
    host = parts.hostname
    if not host or parts.scheme not in ("https", "http"):
        raise DestinationRefused(url, "an https:// URL with a host is required")
    if parts.username or parts.password:
        raise DestinationRefused(url, "credentials in the URL are not allowed")
    if parts.scheme == "http" and not (allow_local and _is_loopback_name(host)):
        raise DestinationRefused(url, "only https is allowed")
    literal = _ip(host)
    if literal is not None:
        check_address(url, str(literal), allow_local=allow_local)
    return host


def check_address(url: str, address: str, *, allow_local: bool) -> None:
    """A destination's address must be a public one (no loopback, private, link-local — the
    cloud metadata service —, multicast or reserved), unless `allow_local`."""
    ip = _ip(address)
    if ip is None:
        raise DestinationRefused(url, f"{address} is not an IP address")
    if not allow_local and not ip.is_global:
        raise DestinationRefused(url, f"{address} is not a public address")


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        ip = ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None
    # ::ffff:10.0.0.1 is 10.0.0.1.
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _is_loopback_name(host: str) -> bool:
    ip = _ip(host)
    return host == "localhost" if ip is None else ip.is_loopback


class SubscriptionNotFound(Exception):
    def __init__(self, subscription_id: str) -> None:
        super().__init__(f"notification subscription {subscription_id} does not exist")
        self.subscription_id = subscription_id


class DeliveryNotFound(Exception):
    def __init__(self, delivery_id: int) -> None:
        super().__init__(f"notification delivery {delivery_id} does not exist")
        self.delivery_id = delivery_id


class TooManySubscriptions(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"a seller may have {limit} notification subscriptions; delete one first")
        self.limit = limit
