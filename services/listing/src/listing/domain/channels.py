"""The seam between listings and the sales channels that show them to buyers.

A channel decides whether it can show a listing (`review`). Today the only built-in channel
is the Stockpath ``storefront``; marketplace-feed and webhook channels will implement the same
protocol (their I/O in adapters), and be registered in the `ChannelDirectory` by bootstrap.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from listing.domain.model import Listing

STOREFRONT = "storefront"


class Channel(Protocol):
    #: The name sellers choose when they register an item (lowercase).
    name: str

    def review(self, listing: Listing) -> list[str]:
        """Why this channel cannot show `listing` yet; empty when it can go live."""
        ...


class Storefront:
    """Stockpath's own buyer storefront: shows any listing a buyer can meaningfully order."""

    name = STOREFRONT

    def review(self, listing: Listing) -> list[str]:
        issues = []
        if not listing.title.strip():
            issues.append("storefront: a listing needs a title buyers can read")
        if listing.price <= 0:
            # A zero price is almost always a missing price, and an order at it would ship for free.
            issues.append("storefront: price must be greater than zero")
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

    @property
    def names(self) -> list[str]:
        return sorted(self._by_name)


def default_channels() -> ChannelDirectory:
    return ChannelDirectory([Storefront()])
