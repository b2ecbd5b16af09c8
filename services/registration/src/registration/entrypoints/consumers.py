"""What registration consumes, as which command, and which handler carries it out.

- `inventory.events`: how far a seller's inbound shipment has got at the FC: the first receipt
  against it makes it RECEIVING, the FC's close makes it CLOSED.
- `inventory.events` (levels), `fulfillment.instructions` and `fulfillment.updates`: what sellers
  are notified of (docs/notifications.md): an FC told to ship a seller's lines, their shipment, a
  return received, a level below the seller's threshold, a month's statement ready.
- `registration.events`: its own announcements of what sellers and operators asked for over HTTP
  (sellers, registrations and rejections, changes, inbound shipments planned, shipped and
  cancelled). Each is recorded only when it is not yet: live never (the request wrote it with its
  announcement), in `stockpath replay` into an empty store the rows the requests wrote.

Other event types on those topics have no entry, so the runtime acknowledges and ignores them.
The translators below only reshape: no I/O, no decisions.
"""

from __future__ import annotations

from registration.domain.commands import (
    CloseInboundShipment,
    FulfillmentLineOf,
    MarkShipmentReceiving,
    NoteFulfillmentCancelled,
    NoteFulfillmentOrder,
    NoteInboundDiscrepancy,
    NoteInventoryLevel,
    NoteRemovalOrder,
    NoteRemovalShipped,
    NoteReturnReceived,
    NoteShipmentShipped,
    NoteStatementReady,
    RecordAnnouncedCancellation,
    RecordAnnouncedChange,
    RecordAnnouncedRegistration,
    RecordAnnouncedSeller,
    RecordAnnouncedShipment,
    RecordAnnouncedShipping,
    RemovedUnits,
    ReturnedUnits,
)
from registration.domain.model import (
    CatalogItem,
    Dimensions,
    InboundShipment,
    Offer,
    Registration,
    RegistrationStatus,
    Seller,
    ShipmentLine,
)
from registration.service_layer import notifications, registrations, sellers, shipments
from stockpath_events import CatalogItemSnapshot, Envelope, Topics
from stockpath_events.types.fulfillment import RemovalShipped, ReturnReceived, ShipmentShipped
from stockpath_events.types.inventory import (
    InboundShipmentClosed,
    InventoryDiscrepancyRecorded,
    InventoryLevelChanged,
    InventoryReceived,
    RemovalOrderCreated,
    StatementReady,
)
from stockpath_events.types.order_router import FulfillmentCancelled, FulfillmentInstructed
from stockpath_events.types.registration import (
    InboundShipmentCancelled,
    InboundShipmentPlanned,
    InboundShipmentShipped,
    ItemDeregistered,
    ItemRegistered,
    ItemRegistrationRejected,
    ItemRegistrationUpdated,
    SellerOnboarded,
)
from stockpath_runtime.consumer import ConsumerTable


def mark_shipment_receiving(event: Envelope[InventoryReceived]) -> MarkShipmentReceiving:
    return MarkShipmentReceiving(event.data.shipment_id, event.cause)


def close_inbound_shipment(event: Envelope[InboundShipmentClosed]) -> CloseInboundShipment:
    return CloseInboundShipment(event.data.shipment_id, event.cause, closed_at=event.time)


def record_announced_seller(event: Envelope[SellerOnboarded]) -> RecordAnnouncedSeller:
    return RecordAnnouncedSeller(Seller(event.data.seller_id, event.data.name), event.cause)


def _catalog_item(snapshot: CatalogItemSnapshot | None) -> CatalogItem | None:
    """The catalog item as registration keeps it (the identifiers the catalog gave, no empty ones)."""
    if snapshot is None:
        return None
    d = snapshot.dimensions
    return CatalogItem(
        catalog_item_id=snapshot.catalog_item_id,
        title=snapshot.title,
        category=snapshot.category,
        brand=snapshot.brand,
        identifiers=snapshot.identifiers.model_dump(exclude_none=True),
        dimensions=Dimensions(d.length_cm, d.width_cm, d.height_cm) if d else None,
        weight_g=snapshot.weight_g,
        hazmat=snapshot.hazmat,
        attributes=dict(snapshot.attributes),
    )


def record_announced_registration(
    event: Envelope[ItemRegistered],
) -> RecordAnnouncedRegistration:
    data = event.data
    # Announced before events carried the item's place in its request: nothing to rebuild from.
    if data.position is None:
        return RecordAnnouncedRegistration(None, None, event.cause)
    offer = Offer(
        data.catalog_item_id, data.seller_sku, data.condition, data.price, tuple(data.channels)
    )
    registration = _registration(
        data, offer, data.position, RegistrationStatus.REGISTERED, fnsku=data.fnsku
    )
    return RecordAnnouncedRegistration(registration, data.request_fingerprint, event.cause)


def record_announced_rejection(
    event: Envelope[ItemRegistrationRejected],
) -> RecordAnnouncedRegistration:
    data = event.data
    if data.position is None or data.condition is None or data.price is None or not data.channels:
        return RecordAnnouncedRegistration(None, None, event.cause)
    offer = Offer(
        data.catalog_item_id, data.seller_sku, data.condition, data.price, tuple(data.channels)
    )
    registration = _registration(
        data,
        offer,
        data.position,
        RegistrationStatus.REJECTED,
        reason_code=data.reason_code,
        reason=data.reason,
    )
    return RecordAnnouncedRegistration(registration, data.request_fingerprint, event.cause)


def _registration(
    data: ItemRegistered | ItemRegistrationRejected,
    offer: Offer,
    position: int,
    status: RegistrationStatus,
    **outcome: str,
) -> Registration:
    return Registration(
        registration_id=data.registration_id,
        seller_id=data.seller_id,
        offer=offer,
        status=status,
        item=_catalog_item(data.item),
        size_tier=data.size_tier,
        request_id=data.request_id,
        position=position,
        **outcome,
    )


def record_announced_update(event: Envelope[ItemRegistrationUpdated]) -> RecordAnnouncedChange:
    data = event.data
    return RecordAnnouncedChange(
        data.registration_id,
        event.time,
        event.cause,
        price=data.price,
        channels=tuple(data.channels),
    )


def record_announced_withdrawal(event: Envelope[ItemDeregistered]) -> RecordAnnouncedChange:
    return RecordAnnouncedChange(
        event.data.registration_id, event.time, event.cause, deregistered=True
    )


def record_announced_shipment(event: Envelope[InboundShipmentPlanned]) -> RecordAnnouncedShipment:
    data = event.data
    shipment = InboundShipment(
        shipment_id=data.shipment_id,
        seller_id=data.seller_id,
        fulfillment_center_id=data.fulfillment_center_id,
        ship_to=data.ship_to.model_dump(mode="json"),
        lines=tuple(ShipmentLine(x.fnsku, x.seller_sku, x.quantity) for x in data.lines),
        plan_id=data.plan_id,
    )
    return RecordAnnouncedShipment(shipment, event.cause)


def record_announced_shipping(event: Envelope[InboundShipmentShipped]) -> RecordAnnouncedShipping:
    data = event.data
    # Announced without the hand-over time: the seller handed it over when it was announced.
    return RecordAnnouncedShipping(
        data.shipment_id,
        data.carrier,
        data.tracking_number,
        data.shipped_at or event.time,
        event.cause,
    )


def record_announced_cancellation(
    event: Envelope[InboundShipmentCancelled],
) -> RecordAnnouncedCancellation:
    return RecordAnnouncedCancellation(event.data.shipment_id, event.data.reason, event.cause)


def note_fulfillment_order(event: Envelope[FulfillmentInstructed]) -> NoteFulfillmentOrder:
    data = event.data
    return NoteFulfillmentOrder(
        data.fulfillment_order_id,
        data.order_id,
        data.fulfillment_center_id,
        tuple(
            FulfillmentLineOf(x.line_id, x.fnsku, x.seller_sku, x.seller_id, x.quantity)
            for x in data.lines
        ),
        event.time,
        event.cause,
    )


def note_shipment_shipped(event: Envelope[ShipmentShipped]) -> NoteShipmentShipped:
    data = event.data
    return NoteShipmentShipped(
        data.fulfillment_order_id,
        data.order_id,
        data.fulfillment_center_id,
        data.carrier,
        data.tracking_number,
        data.shipped_at or event.time,
        event.cause,
    )


def note_return_received(event: Envelope[ReturnReceived]) -> NoteReturnReceived:
    data = event.data
    return NoteReturnReceived(
        data.return_id,
        data.order_id,
        data.fulfillment_center_id,
        tuple(ReturnedUnits(x.fnsku, x.quantity, x.condition.value) for x in data.lines),
        data.received_at or event.time,
        event.cause,
    )


def note_inventory_level(event: Envelope[InventoryLevelChanged]) -> NoteInventoryLevel:
    data = event.data
    return NoteInventoryLevel(
        data.fulfillment_center_id,
        data.fnsku,
        data.seller_id,
        data.seller_sku,
        data.fulfillable,
        event.time,
        event.cause,
    )


def note_fulfillment_cancelled(
    event: Envelope[FulfillmentCancelled],
) -> NoteFulfillmentCancelled:
    data = event.data
    return NoteFulfillmentCancelled(
        data.fulfillment_order_id,
        data.order_id,
        data.fulfillment_center_id,
        data.reason,
        event.time,
        event.cause,
    )


def note_inbound_discrepancy(
    event: Envelope[InventoryDiscrepancyRecorded],
) -> NoteInboundDiscrepancy:
    data = event.data
    return NoteInboundDiscrepancy(
        data.shipment_id,
        data.fulfillment_center_id,
        data.fnsku,
        data.seller_id,
        data.kind,
        data.quantity,
        event.time,
        event.cause,
    )


def note_removal_order(event: Envelope[RemovalOrderCreated]) -> NoteRemovalOrder:
    data = event.data
    return NoteRemovalOrder(
        data.removal_order_id,
        data.seller_id,
        data.fulfillment_center_id,
        data.disposition.value,
        tuple(RemovedUnits(x.fnsku, x.seller_sku, x.quantity) for x in data.lines),
        event.cause,
    )


def note_removal_shipped(event: Envelope[RemovalShipped]) -> NoteRemovalShipped:
    data = event.data
    return NoteRemovalShipped(
        data.removal_order_id,
        data.fulfillment_center_id,
        data.carrier,
        data.tracking_number,
        data.shipped_at or event.time,
        event.cause,
    )


def note_statement_ready(event: Envelope[StatementReady]) -> NoteStatementReady:
    data = event.data
    return NoteStatementReady(
        data.seller_id,
        data.month,
        data.currency,
        data.total,
        data.line_count,
        event.time,
        event.cause,
    )


CONSUMES: ConsumerTable = {
    Topics.INVENTORY: {
        InventoryReceived: (mark_shipment_receiving, shipments.mark_shipments_receiving),
        InboundShipmentClosed: (close_inbound_shipment, shipments.close_inbound_shipments),
        InventoryLevelChanged: (note_inventory_level, notifications.note_inventory_levels),
        InventoryDiscrepancyRecorded: (
            note_inbound_discrepancy,
            notifications.note_inbound_discrepancies,
        ),
        RemovalOrderCreated: (note_removal_order, notifications.note_removal_orders),
        StatementReady: (note_statement_ready, notifications.note_statements_ready),
    },
    # Seller notifications (service_layer/notifications.py). Both topics are hot: what is not
    # listed here is skipped on its type header, before it is decoded.
    Topics.FULFILLMENT_INSTRUCTIONS: {
        FulfillmentInstructed: (note_fulfillment_order, notifications.note_fulfillment_orders),
        FulfillmentCancelled: (
            note_fulfillment_cancelled,
            notifications.note_fulfillment_cancellations,
        ),
    },
    Topics.FULFILLMENT_UPDATES: {
        ShipmentShipped: (note_shipment_shipped, notifications.note_shipments_shipped),
        ReturnReceived: (note_return_received, notifications.note_returns_received),
        RemovalShipped: (note_removal_shipped, notifications.note_removals_shipped),
    },
    Topics.REGISTRATION: {
        SellerOnboarded: (record_announced_seller, sellers.record_announced_sellers),
        ItemRegistered: (
            record_announced_registration,
            registrations.record_announced_registrations,
        ),
        ItemRegistrationRejected: (
            record_announced_rejection,
            registrations.record_announced_registrations,
        ),
        ItemRegistrationUpdated: (record_announced_update, registrations.record_announced_changes),
        ItemDeregistered: (record_announced_withdrawal, registrations.record_announced_changes),
        InboundShipmentPlanned: (record_announced_shipment, shipments.record_announced_shipments),
        InboundShipmentShipped: (record_announced_shipping, shipments.record_announced_shipping),
        InboundShipmentCancelled: (
            record_announced_cancellation,
            shipments.record_announced_cancellations,
        ),
    },
}
