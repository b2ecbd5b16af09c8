"""Storefront orders against an in-memory unit of work: checkout writes one OrderPlaced for what
can be bought, and the platform's reports move the status the buyer sees, only forward and only
for orders the storefront placed."""

from __future__ import annotations

import pytest
from listing_testkit import FakeListingUnitOfWork, consume

from listing.domain.channels import channel_directory
from listing.domain.checkout import CannotBuy, CartLine
from listing.domain.commands import PlaceOrder
from listing.domain.orders import BuyerOrderStatus, Shipment, buyer_digest
from listing.service_layer.checkout import place_order
from stockpath_events import Address, ShippingSpeed, new_event
from stockpath_events.types.fulfillment import ShipmentShipped
from stockpath_events.types.listing import StorefrontOrderPlaced
from stockpath_events.types.order_router import (
    BackorderedLine,
    OrderBackordered,
    OrderCancelled,
    OrderRejected,
    OrderRouted,
    RejectedLine,
    RoutedFulfillmentOrder,
)
from stockpath_events.types.orders import OrderPlaced

CHANNELS = channel_directory()
SHIP_TO = Address(
    name="Ada Lovelace", line1="12 Analytical Way", city="Seattle", region="WA", postal_code="98101"
)
#: The buyer key of the browser checking out (its cookie).
BUYER_KEY = "k" * 43


def checkout(*lines: tuple[str, int], token: str = "t" * 32) -> PlaceOrder:
    return PlaceOrder(
        tuple(CartLine(*line) for line in lines),
        SHIP_TO,
        ShippingSpeed.EXPEDITED,
        token,
        buyer_digest(BUYER_KEY),
    )


@pytest.fixture
async def shop(item_registered, inventory_level):
    """A fake unit of work with one storefront listing, 3 in stock; (uow, listing id)."""
    uow = FakeListingUnitOfWork()
    registration = item_registered(seller_id="S-SHOP")
    await consume(
        uow, registration, inventory_level(registration.data.fnsku, "SEA1", 3), channels=CHANNELS
    )
    return uow, f"L-{registration.data.fnsku}-storefront"


def routed(order_id: str, *centers: str):
    return new_event(
        OrderRouted(
            order_id=order_id,
            fulfillment_orders=[
                RoutedFulfillmentOrder(
                    fulfillment_order_id=f"{order_id}-{fc}", fulfillment_center_id=fc
                )
                for fc in centers
            ],
        ),
        source="order-router",
    )


def shipped(order_id: str, center: str, tracking_number: str = "1Z999"):
    return new_event(
        ShipmentShipped(
            fulfillment_order_id=f"{order_id}-{center}",
            order_id=order_id,
            fulfillment_center_id=center,
            carrier="UPS",
            tracking_number=tracking_number,
        ),
        source=f"/fulfillment-centers/{center}",
    )


async def test_checkout_places_one_order_and_writes_order_placed(shop):
    uow, listing_id = shop

    order_id = await place_order(checkout((listing_id, 2)), uow)

    [placed] = uow.emitted(OrderPlaced)
    assert (placed.order_id, placed.channel, placed.shipping_speed, placed.ship_to) == (
        order_id,
        "storefront",
        ShippingSpeed.EXPEDITED,
        SHIP_TO,
    )
    [line] = placed.lines
    assert (line.listing_id, line.seller_id, line.quantity, str(line.unit_price)) == (
        listing_id,
        "S-SHOP",
        2,
        "24.99",
    )
    order = uow.buyer_orders.orders[order_id]
    assert order.status is BuyerOrderStatus.PLACED and str(order.total) == "49.98"
    assert order.lines[0]["title"] == "Lodge 10-inch Cast Iron Skillet"


async def test_an_order_is_shown_only_to_the_browser_that_placed_it(shop):
    uow, listing_id = shop
    order = uow.buyer_orders.orders[await place_order(checkout((listing_id, 1)), uow)]

    assert order.placed_by(BUYER_KEY)
    assert order.buyer_sha256 != BUYER_KEY  # only the key's digest is kept
    for someone_else in ("j" * 43, "", None, order.buyer_sha256):
        assert not order.placed_by(someone_else)


async def test_a_second_submit_of_the_same_checkout_form_places_nothing_more(shop):
    uow, listing_id = shop
    first = await place_order(checkout((listing_id, 1)), uow)
    commits = uow.commits

    assert await place_order(checkout((listing_id, 1)), uow) == first
    assert len(uow.emitted(OrderPlaced)) == 1 and uow.commits == commits


@pytest.mark.parametrize(
    "lines, why",
    [
        ((("L-NOPE-storefront", 1),), "L-NOPE-storefront is not for sale in this shop"),
        (((None, 4),), "only 3 of Lodge 10-inch Cast Iron Skillet can be ordered now"),
        (((None, 11),), "quantity must be between 1 and 10"),
        ((), "your cart is empty"),
    ],
)
async def test_what_cannot_be_bought_is_refused_with_why_and_nothing_is_placed(shop, lines, why):
    uow, listing_id = shop
    cart = [(line_id or listing_id, quantity) for line_id, quantity in lines]
    commits = uow.commits

    with pytest.raises(CannotBuy, match=why):
        await place_order(checkout(*cart), uow)

    assert (
        uow.emitted(OrderPlaced) == [] and uow.buyer_orders.orders == {} and uow.commits == commits
    )


async def test_an_out_of_stock_listing_cannot_be_bought(item_registered):
    uow = FakeListingUnitOfWork()
    registration = item_registered(title="Fellow Stagg Kettle")
    await consume(uow, registration, channels=CHANNELS)

    with pytest.raises(CannotBuy, match="Fellow Stagg Kettle is out of stock"):
        await place_order(checkout((f"L-{registration.data.fnsku}-storefront", 1)), uow)


@pytest.mark.parametrize(
    "report, status, detail",
    [
        (
            lambda o: routed(o, "SEA1", "PHX1"),
            BuyerOrderStatus.ROUTED,
            "being prepared at PHX1, SEA1",
        ),
        (
            lambda o: new_event(
                OrderRejected(
                    order_id=o,
                    reason_code="NO_STOCK",
                    lines=[
                        RejectedLine(
                            line_id="1", reason_code="NO_STOCK", reason="no stock anywhere"
                        )
                    ],
                ),
                source="order-router",
            ),
            BuyerOrderStatus.REJECTED,
            "no stock anywhere",
        ),
        (
            lambda o: new_event(
                OrderBackordered(order_id=o, lines=[BackorderedLine(line_id="1", quantity=1)]),
                source="order-router",
            ),
            BuyerOrderStatus.BACKORDERED,
            "waiting for stock",
        ),
        (
            lambda o: new_event(
                OrderCancelled(order_id=o, reason="asked by the buyer"), source="order-router"
            ),
            BuyerOrderStatus.CANCELLED,
            "asked by the buyer",
        ),
    ],
)
async def test_each_report_on_an_order_moves_it_to_the_status_its_buyer_sees(
    shop, report, status, detail
):
    uow, listing_id = shop
    order_id = await place_order(checkout((listing_id, 1)), uow)

    await consume(uow, report(order_id), channels=CHANNELS)

    order = uow.buyer_orders.orders[order_id]
    assert (order.status, order.status_detail) == (status, detail)


async def test_an_order_ships_once_every_fulfillment_order_has_shipped(shop):
    uow, listing_id = shop
    order_id = await place_order(checkout((listing_id, 2)), uow)
    await consume(uow, routed(order_id, "SEA1", "PHX1"), channels=CHANNELS)

    await consume(uow, shipped(order_id, "SEA1", "1Z1"), channels=CHANNELS)
    assert uow.buyer_orders.orders[order_id].status is BuyerOrderStatus.ROUTED

    await consume(uow, shipped(order_id, "PHX1", "1Z2"), channels=CHANNELS)
    order = uow.buyer_orders.orders[order_id]
    assert (order.status, order.status_detail, order.fulfillment_orders) == (
        BuyerOrderStatus.SHIPPED,
        "shipped with UPS",
        2,
    )
    assert order.shipments == (
        Shipment(f"{order_id}-SEA1", "UPS", "1Z1"),
        Shipment(f"{order_id}-PHX1", "UPS", "1Z2"),
    )


async def test_a_status_only_moves_forward_whatever_order_the_reports_come_in(shop):
    uow, listing_id = shop
    order_id = await place_order(checkout((listing_id, 1)), uow)

    # The shipment is read before the routing it followed (they come on different topics).
    await consume(uow, shipped(order_id, "SEA1"), routed(order_id, "SEA1"), channels=CHANNELS)
    order = uow.buyer_orders.orders[order_id]
    assert order.status is BuyerOrderStatus.SHIPPED and order.fulfillment_orders == 1
    await consume(
        uow, new_event(OrderCancelled(order_id=order_id), source="order-router"), channels=CHANNELS
    )
    assert uow.buyer_orders.orders[order_id].status is BuyerOrderStatus.SHIPPED


async def test_reports_on_orders_the_storefront_did_not_place_are_ignored(shop):
    uow, listing_id = shop
    order_id = await place_order(checkout((listing_id, 1)), uow)

    await consume(
        uow,
        routed("O-other-1", "EWR4"),
        routed(order_id, "EWR4"),
        routed("O-other-2", "EWR4"),
        shipped("O-other-1", "EWR4"),
        channels=CHANNELS,
    )

    assert set(uow.buyer_orders.orders) == {order_id}
    assert uow.buyer_orders.orders[order_id].status_detail == "being prepared at EWR4"


# --- its own StorefrontOrderPlaced read back (issue 17) --------------------------------------------


async def test_an_order_read_back_into_an_empty_store_is_the_order_checkout_stored(shop):
    uow, listing_id = shop
    order_id = await place_order(checkout((listing_id, 2)), uow)
    [announced] = [e for e in uow.events if isinstance(e.data, StorefrontOrderPlaced)]
    rebuilt = FakeListingUnitOfWork()

    await consume(rebuilt, announced, channels=CHANNELS)

    assert rebuilt.buyer_orders.orders[order_id] == uow.buyer_orders.orders[order_id]
    assert await rebuilt.buyer_orders.order_id_for_checkout("t" * 32) == order_id
    # The platform's reports then move the rebuilt order.
    await consume(rebuilt, routed(order_id, "SEA1"), channels=CHANNELS)
    assert rebuilt.buyer_orders.orders[order_id].status is BuyerOrderStatus.ROUTED


async def test_an_order_read_back_live_changes_nothing(shop):
    uow, listing_id = shop
    order_id = await place_order(checkout((listing_id, 2)), uow)
    await consume(uow, routed(order_id, "SEA1"), channels=CHANNELS)
    before, events = uow.buyer_orders.orders[order_id], list(uow.events)
    [announced] = [e for e in events if isinstance(e.data, StorefrontOrderPlaced)]

    await consume(uow, announced, channels=CHANNELS)

    assert uow.buyer_orders.orders[order_id] == before and uow.events == events
