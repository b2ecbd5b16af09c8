"""Which seller is told what, from which consumed event: an order line's seller, an FNSKU's seller,
a level's seller. Pure: the handler looks up what these need (sellers of FNSKUs, the previous
level) and queues what they return."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime

from registration.domain.commands import (
    NoteFulfillmentCancelled,
    NoteFulfillmentOrder,
    NoteInboundDiscrepancy,
    NoteInventoryLevel,
    NoteRemovalOrder,
    NoteRemovalShipped,
    NoteReturnReceived,
    NoteShipmentShipped,
    NoteStatementReady,
)
from registration.domain.model import InboundShipment
from registration.domain.notifications import Kind, Notification, Subscription, crossed_below


def lines_by_seller(command: NoteFulfillmentOrder) -> dict[str, list[dict]]:
    """A fulfillment order's lines, per seller (one order may hold several sellers' items)."""
    lines: dict[str, list[dict]] = defaultdict(list)
    for line in command.lines:
        lines[line.seller_id].append(
            {
                "line_id": line.line_id,
                "fnsku": line.fnsku,
                "seller_sku": line.seller_sku,
                "quantity": line.quantity,
            }
        )
    return dict(lines)


def order_routed(command: NoteFulfillmentOrder) -> list[Notification]:
    """Each seller with lines in the fulfillment order hears where its own lines ship from."""
    return [
        Notification(
            seller_id,
            Kind.ORDER_ROUTED,
            command.cause.id,
            command.occurred_at,
            {
                "order_id": command.order_id,
                "fulfillment_order_id": command.fulfillment_order_id,
                "fulfillment_center_id": command.fulfillment_center_id,
                "lines": lines,
            },
        )
        for seller_id, lines in lines_by_seller(command).items()
    ]


def order_shipped(
    command: NoteShipmentShipped, lines_of: Mapping[str, list[dict]]
) -> list[Notification]:
    """Each seller with lines in the shipped fulfillment order hears of it, with its own lines."""
    return [
        Notification(
            seller_id,
            Kind.ORDER_SHIPPED,
            command.cause.id,
            command.shipped_at,
            {
                "order_id": command.order_id,
                "fulfillment_order_id": command.fulfillment_order_id,
                "fulfillment_center_id": command.fulfillment_center_id,
                "carrier": command.carrier,
                "tracking_number": command.tracking_number,
                "lines": lines,
            },
        )
        for seller_id, lines in lines_of.items()
    ]


def return_received(
    command: NoteReturnReceived, seller_of: Mapping[str, str]
) -> list[Notification]:
    """Each seller whose FNSKUs came back hears of its own units; an FNSKU registration does not
    know (none of its sellers') tells no one."""
    lines: dict[str, list[dict]] = defaultdict(list)
    for line in command.lines:
        if (seller_id := seller_of.get(line.fnsku)) is not None:
            lines[seller_id].append(
                {"fnsku": line.fnsku, "quantity": line.quantity, "condition": line.condition}
            )
    return [
        Notification(
            seller_id,
            Kind.RETURN_RECEIVED,
            command.cause.id,
            command.received_at,
            {
                "return_id": command.return_id,
                "order_id": command.order_id,
                "fulfillment_center_id": command.fulfillment_center_id,
                "lines": seller_lines,
            },
        )
        for seller_id, seller_lines in lines.items()
    ]


def low_stock(
    command: NoteInventoryLevel, subscription: Subscription, previous: int | None
) -> Notification | None:
    """The subscription hears of the level when it fell below its threshold for the FNSKU."""
    threshold = subscription.threshold(command.fnsku)
    if not crossed_below(previous, command.fulfillable, threshold):
        return None
    return Notification(
        command.seller_id,
        Kind.INVENTORY_LOW,
        command.cause.id,
        command.occurred_at,
        {
            "fnsku": command.fnsku,
            "seller_sku": command.seller_sku,
            "fulfillment_center_id": command.fulfillment_center_id,
            "fulfillable": command.fulfillable,
            "threshold": threshold,
        },
        subscription_id=subscription.subscription_id,
    )


def order_cancelled(
    command: NoteFulfillmentCancelled, lines_of: Mapping[str, list[dict]]
) -> list[Notification]:
    """Each seller with lines in the cancelled fulfillment order hears of it, with its own lines."""
    return [
        Notification(
            seller_id,
            Kind.ORDER_CANCELLED,
            command.cause.id,
            command.occurred_at,
            {
                "order_id": command.order_id,
                "fulfillment_order_id": command.fulfillment_order_id,
                "fulfillment_center_id": command.fulfillment_center_id,
                "reason": command.reason,
                "lines": lines,
            },
        )
        for seller_id, lines in lines_of.items()
    ]


def inbound_shipment_closed(shipment: InboundShipment, cause_id: str, at: datetime) -> Notification:
    """The shipment's seller hears the FC closed it, with the lines it planned (discrepancies
    follow as `inbound_shipment.discrepancy`, one per FNSKU)."""
    return Notification(
        shipment.seller_id,
        Kind.INBOUND_SHIPMENT_CLOSED,
        cause_id,
        at,
        {
            "shipment_id": shipment.shipment_id,
            "fulfillment_center_id": shipment.fulfillment_center_id,
            "lines": [
                {"fnsku": x.fnsku, "seller_sku": x.seller_sku, "quantity": x.quantity}
                for x in shipment.lines
            ],
        },
    )


def inbound_discrepancy(command: NoteInboundDiscrepancy) -> Notification | None:
    """The shipment's seller hears what the FC found short, over or never planned; a reservation
    shortfall (of no shipment) is the router's and the FC's business, not the seller's."""
    if command.shipment_id is None:
        return None
    return Notification(
        command.seller_id,
        Kind.INBOUND_SHIPMENT_DISCREPANCY,
        command.cause.id,
        command.occurred_at,
        {
            "shipment_id": command.shipment_id,
            "fulfillment_center_id": command.fulfillment_center_id,
            "fnsku": command.fnsku,
            "kind": command.kind,
            "quantity": command.quantity,
        },
    )


def removal_order(command: NoteRemovalOrder) -> dict:
    """What is remembered of a removal order until it ships: its seller and what it removes."""
    return {
        "seller_id": command.seller_id,
        "disposition": command.disposition,
        "lines": [
            {"fnsku": x.fnsku, "seller_sku": x.seller_sku, "quantity": x.quantity}
            for x in command.lines
        ],
    }


def removal_shipped(command: NoteRemovalShipped, order: Mapping) -> Notification:
    """The removal order's seller hears it left the FC, with carrier and tracking."""
    return Notification(
        order["seller_id"],
        Kind.REMOVAL_SHIPPED,
        command.cause.id,
        command.shipped_at,
        {
            "removal_order_id": command.removal_order_id,
            "fulfillment_center_id": command.fulfillment_center_id,
            "disposition": order["disposition"],
            "carrier": command.carrier,
            "tracking_number": command.tracking_number,
            "lines": order["lines"],
        },
    )


def statement_ready(command: NoteStatementReady) -> Notification:
    """The seller hears its statement of the month is final: its total, and where to read it (the
    statement is inventory's, `GET /v1/statements/{month}`; the console's Statement page shows it)."""
    return Notification(
        command.seller_id,
        Kind.STATEMENT_READY,
        command.cause.id,
        command.occurred_at,
        {
            "month": command.month,
            "currency": command.currency,
            "total": format(command.total, "f"),
            "line_count": command.line_count,
            "statement": f"/v1/statements/{command.month}",
            "console": f"/console/statement?month={command.month}",
        },
    )
