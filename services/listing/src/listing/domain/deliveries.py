"""Listing changes pushed to a channel that must be told of them (the webhook channel)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class WebhookDelivery:
    """One listing change queued for the webhook channel's endpoint, and how its delivery went."""

    id: int
    #: Sent with every attempt; the receiver applies a key once, so a retry never duplicates.
    idempotency_key: str
    listing_id: str
    #: A `ListingChange` value: published, updated, availability or closed.
    change: str
    #: The JSON body the endpoint receives.
    payload: dict
    attempts: int
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    abandoned_at: datetime | None

    @property
    def state(self) -> str:
        if self.delivered_at:
            return "delivered"
        return "abandoned" if self.abandoned_at else "pending"
