"""What the listing worker consumes: topic → event type → (translator, handler).

Registrations become listings and stock reports keep their availability current (`LISTINGS`,
what a replay of those topics rebuilds); the storefront's own orders, read back from its
announcements (StorefrontOrderPlaced on `listing.events`, stored when not stored yet), and order
and shipment reports move the status storefront buyers see (`STOREFRONT_ORDERS`). The listing
events it writes there are ignored on their type alone: no other storefront order is read. Other event types on these topics (rejections, inbound
shipments, receipts) have no handler, so the runtime acknowledges and ignores them.

The translators below turn a wire event into the command its handler carries out, so wire
names stay at this edge.
"""

from __future__ import annotations

from listing.domain.commands import (
    DelistItem,
    ListItem,
    RecordAnnouncedOrder,
    RecordInventoryLevel,
    RecordShipment,
    ReviseItem,
    UpdateOrderStatus,
)
from listing.domain.model import RegisteredItem
from listing.domain.orders import BuyerOrderStatus, Shipment
from listing.service_layer import checkout, handlers, order_tracking
from stockpath_events import Envelope, Topics
from stockpath_events.types.fulfillment import ShipmentShipped
from stockpath_events.types.inventory import InventoryLevelChanged
from stockpath_events.types.listing import StorefrontOrderPlaced
from stockpath_events.types.order_router import (
    OrderBackordered,
    OrderCancelled,
    OrderRejected,
    OrderRouted,
)
from stockpath_events.types.registration import (
    ItemDeregistered,
    ItemRegistered,
    ItemRegistrationUpdated,
)
from stockpath_runtime.consumer import ConsumerTable


def list_item(event: Envelope[ItemRegistered]) -> ListItem:
    data, snapshot = event.data, event.data.item
    item = RegisteredItem(
        registration_id=data.registration_id,
        seller_id=data.seller_id,
        seller_sku=data.seller_sku,
        fnsku=data.fnsku,
        catalog_item_id=data.catalog_item_id,
        condition=data.condition.value,
        price=data.price,
        currency=data.currency,
        channels=tuple(data.channels),
        title=snapshot.title,
        category=snapshot.category,
        brand=snapshot.brand,
        identifiers=snapshot.identifiers.model_dump(exclude_none=True),
        attributes=dict(snapshot.attributes),
    )
    return ListItem(item, snapshot, event.cause)


def revise_item(event: Envelope[ItemRegistrationUpdated]) -> ReviseItem:
    data = event.data
    return ReviseItem(data.fnsku, data.price, data.currency, tuple(data.channels), event.cause)


def delist_item(event: Envelope[ItemDeregistered]) -> DelistItem:
    return DelistItem(event.data.fnsku, event.data.reason, event.cause)


def record_inventory_level(event: Envelope[InventoryLevelChanged]) -> RecordInventoryLevel:
    data = event.data
    return RecordInventoryLevel(
        data.fnsku, data.fulfillment_center_id, data.fulfillable, event.cause
    )


def update_order_status(
    event: Envelope[OrderRouted | OrderRejected | OrderBackordered | OrderCancelled],
) -> UpdateOrderStatus:
    """Each of order routing's reports as the status (and the words) its buyer sees."""
    match event.data:
        case OrderRouted(order_id=order_id, fulfillment_orders=fulfillment_orders):
            centers = ", ".join(sorted({f.fulfillment_center_id for f in fulfillment_orders}))
            return UpdateOrderStatus(
                order_id,
                BuyerOrderStatus.ROUTED,
                f"being prepared at {centers}",
                event.cause,
                fulfillment_orders=len(fulfillment_orders),
            )
        case OrderRejected(order_id=order_id, reason_code=reason_code, lines=lines):
            reasons = "; ".join(line.reason for line in lines) or reason_code
            return UpdateOrderStatus(order_id, BuyerOrderStatus.REJECTED, reasons, event.cause)
        case OrderBackordered(order_id=order_id):
            return UpdateOrderStatus(
                order_id, BuyerOrderStatus.BACKORDERED, "waiting for stock", event.cause
            )
        case OrderCancelled(order_id=order_id, reason=reason):
            return UpdateOrderStatus(order_id, BuyerOrderStatus.CANCELLED, reason, event.cause)
    raise TypeError(f"no order status for {event.type}")


def record_shipment(event: Envelope[ShipmentShipped]) -> RecordShipment:
    data = event.data
    return RecordShipment(
        data.order_id,
        Shipment(data.fulfillment_order_id, data.carrier, data.tracking_number),
        event.cause,
    )


#: What builds and keeps the listings: registrations and stock reports (replayable).
LISTINGS: ConsumerTable = {
    Topics.REGISTRATION: {
        ItemRegistered: (list_item, handlers.list_items),
        ItemRegistrationUpdated: (revise_item, handlers.revise_items),
        ItemDeregistered: (delist_item, handlers.delist_items),
    },
    Topics.INVENTORY: {
        # Stock reports that arrive together are applied together: a fixed number of statements.
        InventoryLevelChanged: (record_inventory_level, handlers.record_inventory_levels),
    },
}


def record_announced_order(event: Envelope[StorefrontOrderPlaced]) -> RecordAnnouncedOrder:
    return RecordAnnouncedOrder(checkout.placed_order(event.data), event.cause)


#: The storefront's orders as it announced them, and reports on orders, which the storefront
#: applies to the orders it placed.
STOREFRONT_ORDERS: ConsumerTable = {
    Topics.LISTING: {
        StorefrontOrderPlaced: (record_announced_order, checkout.record_announced_orders),
    },
    Topics.ORDER_ROUTER: {
        OrderRouted: (update_order_status, order_tracking.update_order_statuses),
        OrderRejected: (update_order_status, order_tracking.update_order_statuses),
        OrderBackordered: (update_order_status, order_tracking.update_order_statuses),
        OrderCancelled: (update_order_status, order_tracking.update_order_statuses),
    },
    Topics.FULFILLMENT_UPDATES: {
        ShipmentShipped: (record_shipment, order_tracking.record_shipments)
    },
}

CONSUMES: ConsumerTable = {**LISTINGS, **STOREFRONT_ORDERS}
