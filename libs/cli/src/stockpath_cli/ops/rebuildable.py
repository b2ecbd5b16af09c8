"""What `stockpath replay` can rebuild of each service, and what it cannot and why.

A table is rebuilt when every row of it comes from events the service consumes. Inventory consumes
its own announcements of what FC staff recorded over HTTP (receipts, closes, adjustments), so all
of its store is rebuilt. The tables below are written by requests (HTTP) and are not consumed back
from any topic, so a rebuilt store holds none of their rows; the equivalence check leaves them out and says so, and what is derived from
them (stock counted at receipt, statuses of shipments the rebuild never saw) shows up as a
difference, which refuses the switch. Every service's `credentials` table is rebuilt: every
service, registration included, consumes `identity.events`, where registration announces each
credential it issues or revokes.
"""

from __future__ import annotations

_REGISTRATION = "written by seller requests over HTTP (announced on registration.events, which registration does not consume)"

NOT_REBUILT: dict[str, dict[str, str]] = {
    "order-router": {
        "order_returns": "customer returns authorized by channels and sellers over HTTP (announced as ReturnAuthorized "
        "on fulfillment.instructions, which order-router does not consume)",
    },
    # Receipts, closes and adjustments are rebuilt: inventory consumes its own announcements of
    # them (InventoryReceived and unknown-FNSKU discrepancies a line each, InboundShipmentClosed,
    # InventoryAdjusted), and applies those not recorded yet (issue 17).
    "inventory": {
        "removal_orders": "created and cancelled by sellers over HTTP (announced as RemovalOrderCreated on "
        "inventory.events and RemovalOrderCancelled on fulfillment.removals, which inventory does not consume back yet)",
    },
    "listing": {
        "buyer_orders": "written by the storefront's checkout over HTTP (its OrderPlaced goes to orders, which listing does not consume)",
        "webhook_deliveries": "attempts the live delivery loop made to sellers' webhooks; a rebuild delivers nothing",
    },
    "registration": {
        "sellers": "created by operators over HTTP (no event announces a seller)",
        "registration_requests": _REGISTRATION,
        "registrations": _REGISTRATION,
        "inbound_shipments": _REGISTRATION,
        "inbound_shipment_lines": _REGISTRATION,
    },
}

#: What follows from the tables above: tables that are rebuilt, but from events that need a row
#: the rebuild does not have, so they differ unless the service never received such requests.
DERIVED: dict[str, str] = {
    "order-router": "the returns an FC reported received and the status RETURNED: ReturnReceived applies only to "
    "order_returns rows, which the rebuild does not have; they differ once a return was authorized",
    "inventory": "the buckets and ledger rows a removal order moved (set aside, back on cancellation, shipped or "
    "disposed): they differ once a seller asked for a removal",
    "listing": "nothing: order statuses apply only to buyer_orders rows, which the rebuild does not have",
    "registration": "everything: inventory's reports only move shipments the rebuild does not have",
}


def not_rebuilt(service: str) -> dict[str, str]:
    """The tables of `service` a replay cannot rebuild, each with the reason."""
    return NOT_REBUILT.get(service, {})
