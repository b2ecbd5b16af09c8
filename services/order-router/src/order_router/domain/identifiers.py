"""Where the router's new ids come from: the one place that makes them.

An id a handler mints is derived from what caused it (the causing event's id and what tells its
effects apart), never drawn at random: a replay of the same log then names every fulfillment
order as the live run did, so a later ShipmentShipped or cancellation finds it. Only an order
placed over HTTP without an id gets a random one, and that id travels in its OrderPlaced event.
"""

from __future__ import annotations

import hashlib
import uuid


def new_order_id() -> str:
    """An id for an order placed over HTTP without one."""
    return "O-" + uuid.uuid4().hex[:16]


def fulfillment_order_id(cause_id: str, order_id: str, fulfillment_center_id: str) -> str:
    """The id of the fulfillment order that the event `cause_id` (an OrderPlaced, or the stock
    report that released a backorder) sends to an FC for `order_id`: one per FC and cause, so an
    order whose backorder is later released to the same FC gets a second, different id."""
    digest = hashlib.sha256(
        f"{cause_id}\x1f{order_id}\x1f{fulfillment_center_id}".encode()
    ).hexdigest()
    return "FO-" + digest[:16]
