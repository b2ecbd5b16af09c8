"""Builders and probes shared by the order router's tests (a unique module name, so it never
shadows another package's test helpers on sys.path)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa

from order_router.adapters.tables import availability, orders
from order_router.bootstrap import SERVICE
from order_router.service_layer.unit_of_work import OrderRouterUnitOfWork
from stockpath_events import Address, CatalogItemSnapshot, Envelope, decode, new_event
from stockpath_events.types.fulfillment import (
    ExceptionLine,
    ExceptionReason,
    FulfillmentRejectedByCenter,
    ShipmentShipped,
)
from stockpath_events.types.inventory import InventoryLevelChanged
from stockpath_events.types.listing import ListingClosed, ListingPublished
from stockpath_events.types.order_router import FulfillmentInstructed
from stockpath_events.types.orders import OrderCancellationRequested, OrderPlaced
from stockpath_events.types.registration import ItemDeregistered, ItemRegistered
from stockpath_runtime.db import outbox
from stockpath_runtime.unit_of_work import headers_from_row

CONSUMER = "order-router"
SOURCE = "/services/order-router"
SEATTLE = Address(
    name="Ada Buyer", line1="400 Pine St", city="Seattle", region="WA", postal_code="98101"
)
NEW_YORK = Address(
    name="Grace Buyer", line1="350 5th Ave", city="New York", region="NY", postal_code="10118"
)
#: An address abroad: the network delivers only in the US.
BERLIN = Address(
    name="Lise",
    line1="Unter den Linden 1",
    city="Berlin",
    region="BE",
    postal_code="10117",
    country="DE",
)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def registered(
    seller_id: str,
    seller_sku: str,
    fnsku: str,
    *,
    size_tier: str | None = None,
    weight_g: float | None = None,
) -> Envelope[ItemRegistered]:
    """The registration of a seller SKU, as registration announces it (with the item's size tier and
    weight when given: what its fulfillment fee depends on)."""
    return new_event(
        ItemRegistered(
            registration_id=unique("REG"),
            seller_id=seller_id,
            seller_sku=seller_sku,
            catalog_item_id="CI-KETTLE",
            fnsku=fnsku,
            condition="new",
            price="24.99",
            channels=["web"],
            item=CatalogItemSnapshot(
                catalog_item_id="CI-KETTLE", title="Kettle", category="Kitchen", weight_g=weight_g
            ),
            size_tier=size_tier,
        ),
        source="registration",
    )


def deregistered(registration: Envelope[ItemRegistered]) -> Envelope[ItemDeregistered]:
    """The seller withdrew the item `registration` registered."""
    data = registration.data
    return new_event(
        ItemDeregistered(
            registration_id=data.registration_id,
            seller_id=data.seller_id,
            seller_sku=data.seller_sku,
            fnsku=data.fnsku,
            reason="seller withdrew it",
        ),
        source="registration",
    )


def listed(
    listing_id: str, seller_id: str, seller_sku: str, fnsku: str, *, channel: str = "web"
) -> Envelope[ListingPublished]:
    return new_event(
        ListingPublished(
            listing_id=listing_id,
            channel=channel,
            seller_id=seller_id,
            seller_sku=seller_sku,
            fnsku=fnsku,
            title="Kettle",
            price="24.99",
            condition="new",
            item=CatalogItemSnapshot(
                catalog_item_id="CI-KETTLE", title="Kettle", category="Kitchen"
            ),
        ),
        source="listing",
    )


def closed(listing: Envelope[ListingPublished]) -> Envelope[ListingClosed]:
    """The listing `listing` published was taken down."""
    data = listing.data
    return new_event(
        ListingClosed(
            listing_id=data.listing_id,
            channel=data.channel,
            fnsku=data.fnsku,
            reason="channel removed",
        ),
        source="listing",
    )


def level(
    fnsku: str,
    fc: str,
    fulfillable: int,
    *,
    seller_id: str = "S1",
    reserved: int = 0,
    shipped: int = 0,
) -> Envelope[InventoryLevelChanged]:
    return new_event(
        InventoryLevelChanged(
            fulfillment_center_id=fc,
            fnsku=fnsku,
            seller_id=seller_id,
            inbound=0,
            fulfillable=fulfillable,
            reserved=reserved,
            shipped=shipped,
            unfulfillable=0,
        ),
        source="inventory",
    )


def line(
    line_id: str,
    *,
    seller_id: str | None = None,
    seller_sku: str | None = None,
    listing_id: str | None = None,
    quantity: int = 1,
) -> dict:
    return {
        "line_id": line_id,
        "seller_id": seller_id,
        "seller_sku": seller_sku,
        "listing_id": listing_id,
        "quantity": quantity,
        "unit_price": "24.99",
    }


def placed(
    order_id: str,
    *lines: dict,
    ship_to: Address = SEATTLE,
    speed: str = "standard",
    policy: str = "fill-or-kill",
    channel: str = "web",
    source: str | None = None,
) -> Envelope[OrderPlaced]:
    """An order of `channel`, as that channel's system publishes it (or `source`)."""
    return new_event(
        OrderPlaced(
            order_id=order_id,
            channel=channel,
            lines=list(lines),
            ship_to=ship_to,
            shipping_speed=speed,
            fulfillment_policy=policy,
        ),
        source=source or f"/channels/{channel}",
    )


def cancel(
    order_id: str, reason: str = "buyer changed their mind", *, source: str = "/channels/web"
) -> Envelope[OrderCancellationRequested]:
    return new_event(OrderCancellationRequested(order_id=order_id, reason=reason), source=source)


def shipped(instructed: FulfillmentInstructed) -> Envelope[ShipmentShipped]:
    """The FC's confirmation that it shipped what it was instructed to."""
    return new_event(
        ShipmentShipped(
            fulfillment_order_id=instructed.fulfillment_order_id,
            order_id=instructed.order_id,
            fulfillment_center_id=instructed.fulfillment_center_id,
            carrier="UPS",
            tracking_number="1Z999",
        ),
        source="/fulfillment-centers/" + instructed.fulfillment_center_id,
    )


def center_exception(
    instructed: FulfillmentInstructed, missing: list[tuple[str, int, str]] | None
) -> Envelope[FulfillmentRejectedByCenter]:
    """The FC's report that it cannot ship (line_id, units, SHORT_PICK | DAMAGED) of what it was
    instructed (None: none of it)."""
    fnskus = {line.line_id: line.fnsku for line in instructed.lines}
    return new_event(
        FulfillmentRejectedByCenter(
            fulfillment_order_id=instructed.fulfillment_order_id,
            order_id=instructed.order_id,
            fulfillment_center_id=instructed.fulfillment_center_id,
            reason="pick exception",
            lines=None
            if missing is None
            else [
                ExceptionLine(
                    line_id=line_id,
                    fnsku=fnskus[line_id],
                    quantity=q,
                    reason_code=ExceptionReason(r),
                )
                for line_id, q, r in missing
            ],
        ),
        source="/fulfillment-centers/" + instructed.fulfillment_center_id,
    )


async def apply(engine, envelope: Envelope) -> bool:
    """Handle one event the way the worker does: inbox claim, handler, commit, in one unit of work.

    Called directly rather than through the MessageProcessor so a failure (e.g. a deadlock)
    surfaces in the test instead of being retried away.
    """
    handler = HANDLERS[type(envelope.data)]
    async with OrderRouterUnitOfWork(engine, source=SOURCE) as uow:
        if not await uow.claim(CONSUMER, [envelope]):
            return False
        await handler([envelope], uow)
        await uow.commit()
    return True


#: The worker's own handlers, by event type (a single event is a run of one).
HANDLERS = {
    model: handler
    for subscription in SERVICE.subscriptions(SERVICE.load_settings())
    for model, handler in subscription.handlers.items()
}


async def listed_item(
    engine, seller_id: str, seller_sku: str, fnsku: str, *, channels=("web",)
) -> Envelope[ItemRegistered]:
    """Register a seller SKU and list it ACTIVE in `channels` (`L-<channel>-<fnsku>`), as
    registration and the listing service announce it; returns the registration."""
    registration = registered(seller_id, seller_sku, fnsku)
    await apply(engine, registration)
    for channel in channels:
        await apply(
            engine, listed(f"L-{channel}-{fnsku}", seller_id, seller_sku, fnsku, channel=channel)
        )
    return registration


async def seller_with_stock(engine, *levels: tuple[str, int]) -> tuple[str, str, str]:
    """A seller with one registered SKU listed in channel web and `levels` (FC, fulfillable
    units); returns (seller, sku, fnsku)."""
    seller_id, seller_sku, fnsku = unique("S"), unique("SKU"), unique("X00")
    await listed_item(engine, seller_id, seller_sku, fnsku)
    for fc, units in levels:
        await apply(engine, level(fnsku, fc, units, seller_id=seller_id))
    return seller_id, seller_sku, fnsku


async def outbox_events(engine, order_id: str, event_type: str | None = None) -> list[Envelope]:
    """Every event this service wrote for `order_id`, in outbox order."""
    query = sa.select(outbox).where(outbox.c.key == order_id.encode()).order_by(outbox.c.id)
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    events = [decode(r.value, headers_from_row(r.headers)) for r in rows]
    return [e for e in events if event_type is None or e.data.__class__.__name__ == event_type]


async def stock(engine, fnsku: str, fc: str) -> tuple[int, int]:
    """(basis, reservations_total) of one FNSKU at one FC."""
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                sa.select(availability.c.basis, availability.c.reservations_total).where(
                    availability.c.fnsku == fnsku, availability.c.fulfillment_center_id == fc
                )
            )
        ).one()
    return row.basis, row.reservations_total


async def order_status(engine, order_id: str) -> str | None:
    async with engine.connect() as conn:
        return (
            await conn.execute(sa.select(orders.c.status).where(orders.c.order_id == order_id))
        ).scalar()


def now() -> datetime:
    return datetime.now(UTC)
