"""What the order router's worker consumes: topic → event type → (translator, handler).

The translators turn a wire event into the command its handler carries out (pure: no I/O, no
decisions); the handlers, in `service_layer/`, take every command of a run at once. Orders that
arrive together are routed together, at a fixed number of statements per run.
"""

from __future__ import annotations

from order_router.domain.commands import (
    CancelOrder,
    CloseListing,
    MissingLine,
    RecordAuthorizedReturn,
    RecordDeregistration,
    RecordInventoryLevel,
    RecordListing,
    RecordRegistration,
    RecordReturn,
    RecordShipment,
    RerouteMissingUnits,
    RouteOrder,
)
from order_router.domain.fulfillment import Shipment
from order_router.domain.model import Listing, Order, OrderLine, Registration, ResolvedLine
from order_router.domain.returns import CustomerReturn
from order_router.service_layer import center_exceptions, fulfillment, handlers, returns, routing
from stockpath_events import Envelope, Topics
from stockpath_events.types.fulfillment import (
    FulfillmentRejectedByCenter,
    ReturnReceived,
    ShipmentShipped,
)
from stockpath_events.types.inventory import InventoryLevelChanged
from stockpath_events.types.listing import ListingClosed, ListingPublished
from stockpath_events.types.order_router import ReturnAuthorized
from stockpath_events.types.orders import OrderCancellationRequested, OrderPlaced
from stockpath_events.types.registration import ItemDeregistered, ItemRegistered
from stockpath_runtime.consumer import ConsumerTable


def order_of(data: OrderPlaced) -> Order:
    """The order an OrderPlaced payload describes (the HTTP ingress builds its orders this way too)."""
    return Order(
        order_id=data.order_id,
        channel=data.channel,
        lines=tuple(
            OrderLine(
                line_id=line.line_id,
                quantity=line.quantity,
                unit_price=line.unit_price,
                seller_id=line.seller_id,
                seller_sku=line.seller_sku,
                listing_id=line.listing_id,
            )
            for line in data.lines
        ),
        ship_to=data.ship_to,
        shipping_speed=data.shipping_speed,
        fulfillment_policy=data.fulfillment_policy,
        currency=data.currency,
    )


def route_order(event: Envelope[OrderPlaced]) -> RouteOrder:
    data = event.data
    return RouteOrder(
        order_of(data),
        event.cause,
        source=event.source,
        placed_at=event.time,
        fee=data.fulfillment_fee,
    )


def cancel_order(event: Envelope[OrderCancellationRequested]) -> CancelOrder:
    return CancelOrder(event.data.order_id, event.data.reason, event.cause, requester=event.source)


def record_shipment(event: Envelope[ShipmentShipped]) -> RecordShipment:
    data = event.data
    # An FC that does not say when it shipped, shipped when it said so.
    shipment = Shipment(data.carrier, data.tracking_number, data.shipped_at or event.time)
    return RecordShipment(data.fulfillment_order_id, data.order_id, shipment, event.cause)


def reroute_missing_units(event: Envelope[FulfillmentRejectedByCenter]) -> RerouteMissingUnits:
    data = event.data
    missing = None
    if data.lines is not None:
        missing = tuple(
            MissingLine(line.line_id, line.quantity, line.reason_code.value) for line in data.lines
        )
    return RerouteMissingUnits(
        data.fulfillment_order_id,
        data.order_id,
        data.fulfillment_center_id,
        missing,
        event.time,
        event.cause,
    )


def record_inventory_level(event: Envelope[InventoryLevelChanged]) -> RecordInventoryLevel:
    data = event.data
    return RecordInventoryLevel(
        fnsku=data.fnsku,
        fulfillment_center_id=data.fulfillment_center_id,
        seller_id=data.seller_id,
        fulfillable=data.fulfillable,
        reserved=data.reserved,
        shipped=data.shipped,
        as_of=event.time,
        cause=event.cause,
    )


def record_registration(event: Envelope[ItemRegistered]) -> RecordRegistration:
    data = event.data
    registration = Registration(
        data.seller_id,
        data.seller_sku,
        data.fnsku,
        data.catalog_item_id,
        live=True,
        size_tier=data.size_tier,
        shipping_weight_g=data.item.weight_g,
    )
    return RecordRegistration(registration, data.registration_id, event.cause)


def record_deregistration(event: Envelope[ItemDeregistered]) -> RecordDeregistration:
    data = event.data
    return RecordDeregistration(data.seller_id, data.seller_sku, data.registration_id, event.cause)


def record_listing(event: Envelope[ListingPublished]) -> RecordListing:
    data = event.data
    listing = Listing(
        data.listing_id, data.seller_id, data.seller_sku, data.fnsku, data.channel, active=True
    )
    return RecordListing(listing, event.cause)


def close_listing(event: Envelope[ListingClosed]) -> CloseListing:
    return CloseListing(event.data.listing_id, event.cause)


def record_return(event: Envelope[ReturnReceived]) -> RecordReturn:
    data = event.data
    received = tuple((line.fnsku, line.quantity, line.condition.value) for line in data.lines)
    return RecordReturn(
        data.return_id,
        data.order_id,
        data.fulfillment_center_id,
        received,
        event.cause,
        data.received_at,
    )


def record_authorized_return(event: Envelope[ReturnAuthorized]) -> RecordAuthorizedReturn:
    data = event.data
    if data.authorized_by is None:
        return RecordAuthorizedReturn(None, event.cause)
    customer_return = CustomerReturn(
        return_id=data.return_id,
        order_id=data.order_id,
        fulfillment_center_id=data.fulfillment_center_id,
        lines=tuple(
            ResolvedLine(line.line_id, line.fnsku, line.seller_id, line.seller_sku, line.quantity)
            for line in data.lines
        ),
        reason=data.reason,
        authorized_by=data.authorized_by,
    )
    return RecordAuthorizedReturn(customer_return, event.cause)


CONSUMES: ConsumerTable = {
    Topics.REGISTRATION: {
        ItemRegistered: (record_registration, handlers.record_registrations),
        ItemDeregistered: (record_deregistration, handlers.record_deregistrations),
    },
    Topics.LISTING: {
        ListingPublished: (record_listing, handlers.record_listings),
        ListingClosed: (close_listing, handlers.close_listings),
    },
    Topics.INVENTORY: {
        InventoryLevelChanged: (record_inventory_level, routing.record_inventory_levels)
    },
    Topics.ORDERS: {
        OrderPlaced: (route_order, routing.route_orders),
        OrderCancellationRequested: (cancel_order, fulfillment.cancel_orders),
    },
    Topics.FULFILLMENT_UPDATES: {
        ShipmentShipped: (record_shipment, fulfillment.record_shipments),
        FulfillmentRejectedByCenter: (
            reroute_missing_units,
            center_exceptions.reroute_missing_units,
        ),
        ReturnReceived: (record_return, returns.record_returns),
    },
    # Its own announcements of returns, read back (see service_layer/returns.py); the fulfillment
    # instructions it writes there are ignored on their type alone.
    Topics.FULFILLMENT_INSTRUCTIONS: {
        ReturnAuthorized: (record_authorized_return, returns.record_authorized_returns),
    },
}
