"""What `stockpath replay` can rebuild of each service, and what it cannot and why.

A table is rebuilt when every row of it comes from events the service consumes. What requests
write over HTTP is announced in the same transaction, and each service reads its own
announcements back and applies those not recorded yet (live a no-op, in a replay the rows the
requests wrote): inventory its receipts, closes, adjustments and removal orders; registration its
sellers, registrations and inbound shipments; order-router the returns it authorized; listing the
storefront's orders. Every service's `credentials` table is rebuilt: every service, registration
included, consumes `identity.events`, where registration announces each credential it issues or
revokes.

The tables below are not consumed back from any topic, so a rebuilt store holds none of their
rows; the equivalence check leaves them out and says so, a switch carries them over from the
stopped live store (`carry_over`), and what is derived from them (`DERIVED`) would show up as a
difference, which refuses the switch. An announcement written
before its event carried what the row holds (before issue 17) is not rebuilt either: the check
shows the rows it made as only live.
"""

from __future__ import annotations

NOT_REBUILT: dict[str, dict[str, str]] = {
    "listing": {
        "webhook_deliveries": "attempts the live delivery loop made to sellers' webhooks; a rebuild delivers nothing",
    },
    "registration": {
        "notification_subscriptions": "sellers' notification endpoints, written over HTTP and not announced (their secrets must not travel on a topic)",
        "notification_deliveries": "notifications queued for those subscriptions; a rebuild queues none, so it delivers nothing twice",
        "notification_attempts": "attempts the live dispatcher made to sellers' endpoints",
        "notified_stock_levels": "kept only for sellers subscribed to low stock, whom a rebuild does not know",
    },
}

#: What follows from the tables above: tables that are rebuilt, but from events that need a row
#: the rebuild does not have, so they differ unless the service never received such requests.
DERIVED: dict[str, str] = {
    "listing": "nothing: listings, availability and storefront orders do not depend on delivery attempts",
    "registration": "nothing: sellers, registrations and shipments do not depend on notifications",
}


def not_rebuilt(service: str) -> dict[str, str]:
    """The tables of `service` a replay cannot rebuild, each with the reason."""
    return NOT_REBUILT.get(service, {})
