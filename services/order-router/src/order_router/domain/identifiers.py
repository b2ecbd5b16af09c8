"""Where the router's new ids come from: the one place that draws them (at random, for now)."""

from __future__ import annotations

import uuid


def new_order_id() -> str:
    """An id for an order placed over HTTP without one."""
    return "O-" + uuid.uuid4().hex[:16]


def new_fulfillment_order_id() -> str:
    """An id for a fulfillment order: one per FC an order is routed to."""
    return "FO-" + uuid.uuid4().hex[:12]
