"""The sales channels that show listings to buyers, and the directory of those a deployment runs.

A channel is one class: its `name` (what sellers choose at registration), `review` (why it
cannot show a listing yet; the listing is HELD with those reasons, never dropped), and
`pushes_changes` (True when the channel must be *told* of every change — a webhook — rather
than reading the listings itself, as the storefront pages and the product feed do). Adding a
channel is one class here plus its configuration in `listing.settings`, registered in
`channel_directory`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from listing.domain.model import Listing
from listing.domain.product_feed import product_issues

STOREFRONT = "storefront"
MARKETPLACE_FEED = "marketplace-feed"
WEBHOOK = "webhook"


class Channel(Protocol):
    #: The name sellers choose when they register an item (lowercase).
    name: str
    #: True when every change must be delivered to the channel (see `listing.adapters.webhook`).
    pushes_changes: bool

    def review(self, listing: Listing) -> list[str]:
        """Why this channel cannot show `listing` yet; empty when it can go live."""
        ...


class Storefront:
    """Stockpath's own buyer storefront: shows any listing a buyer can meaningfully order."""

    name = STOREFRONT
    pushes_changes = False

    def review(self, listing: Listing) -> list[str]:
        issues = []
        if not listing.title.strip():
            issues.append("storefront: a listing needs a title buyers can read")
        if listing.price <= 0:
            # A zero price is almost always a missing price, and an order at it would ship for free.
            issues.append("storefront: price must be greater than zero")
        return issues


class MarketplaceFeed:
    """A per-seller product feed in Google Merchant Center format, read by marketplaces and
    comparison-shopping engines; holds listings the feed's specification would reject."""

    name = MARKETPLACE_FEED
    pushes_changes = False

    def review(self, listing: Listing) -> list[str]:
        return product_issues(listing)


class Webhook:
    """Pushes every listing change to one external endpoint (a partner shop, an ERP)."""

    name = WEBHOOK
    pushes_changes = True

    def __init__(self, url: str | None) -> None:
        self.url = url or None

    def review(self, listing: Listing) -> list[str]:
        issues = []
        if self.url is None:
            issues.append("webhook: this deployment has no endpoint for the webhook channel")
        if not listing.title.strip():
            issues.append("webhook: title is required")
        if listing.price <= 0:
            issues.append("webhook: price must be greater than zero")
        return issues


def normalise_channel_name(raw: str) -> str:
    """Channel names are matched case- and whitespace-insensitively ("Storefront " is storefront)."""
    return raw.strip().lower()


class ChannelDirectory:
    """The channels this deployment can publish to, by name."""

    def __init__(self, channels: Iterable[Channel]) -> None:
        self._by_name = {normalise_channel_name(c.name): c for c in channels}

    def get(self, name: str) -> Channel | None:
        return self._by_name.get(normalise_channel_name(name))

    def pushes_changes(self, name: str) -> bool:
        channel = self.get(name)
        return bool(channel is not None and getattr(channel, "pushes_changes", False))

    @property
    def names(self) -> list[str]:
        return sorted(self._by_name)


def channel_directory(*, webhook_url: str | None = None) -> ChannelDirectory:
    """Every built-in channel; the webhook one holds its listings until an endpoint is configured."""
    return ChannelDirectory([Storefront(), MarketplaceFeed(), Webhook(webhook_url)])


def default_channels() -> ChannelDirectory:
    return channel_directory()
