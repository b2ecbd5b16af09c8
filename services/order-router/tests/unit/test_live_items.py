"""Only live items route: what registration and the listing service announce (deregistration,
registration again, a listing closed or published) decides which lines `route_orders` accepts,
against an in-memory unit of work."""

from __future__ import annotations

from order_router_fakes import FakeOrderRouterUnitOfWork, carry_out
from order_router_testkit import closed, deregistered, line, listed, placed, registered

from order_router.domain.model import OrderStatus
from order_router.domain.routing import FewestShipmentsPolicy
from order_router.entrypoints.consumers import (
    close_listing,
    record_deregistration,
    record_listing,
    record_registration,
    route_order,
)
from order_router.service_layer.handlers import (
    close_listings,
    record_deregistrations,
    record_listings,
    record_registrations,
)
from order_router.service_layer.routing import route_orders
from stockpath_events.types.order_router import FulfillmentInstructed, OrderRejected
from stockpath_network import DEFAULT_NETWORK

POLICY = FewestShipmentsPolicy(DEFAULT_NETWORK)


async def announce(uow: FakeOrderRouterUnitOfWork, *events) -> None:
    """Apply what registration and the listing service announced, in order, as the worker does."""
    handlers = {
        "ItemRegistered": (record_registration, record_registrations),
        "ItemDeregistered": (record_deregistration, record_deregistrations),
        "ListingPublished": (record_listing, record_listings),
        "ListingClosed": (close_listing, close_listings),
    }
    for event in events:
        translate, handler = handlers[type(event.data).__name__]
        await carry_out(handler, [translate(event)], uow)


async def order(
    uow: FakeOrderRouterUnitOfWork, order_id: str, *, channel: str = "web", **names
) -> OrderStatus:
    """Route an order of one KETTLE unit (named by `names`) in `channel`; its status after."""
    names = names or {"seller_id": "S1", "seller_sku": "KETTLE"}
    await carry_out(
        route_orders,
        [route_order(placed(order_id, line("1", **names), channel=channel))],
        uow,
        policy=POLICY,
    )
    return uow.orders.status[order_id]


def rejection(uow: FakeOrderRouterUnitOfWork, order_id: str) -> tuple[str, list[str]]:
    [rejected] = [r for r in uow.emitted(OrderRejected) if r.order_id == order_id]
    return rejected.reason_code, [ln.reason for ln in rejected.lines]


def stocked() -> FakeOrderRouterUnitOfWork:
    uow = FakeOrderRouterUnitOfWork()
    uow.stock.put("X00KETTLE", "SEA1", 10)
    return uow


async def test_a_registered_item_listed_in_the_channel_routes():
    uow = stocked()
    await announce(
        uow, registered("S1", "KETTLE", "X00KETTLE"), listed("L-1", "S1", "KETTLE", "X00KETTLE")
    )

    assert await order(uow, "O-1") is OrderStatus.ROUTED
    assert await order(uow, "O-2", listing_id="L-1") is OrderStatus.ROUTED


async def test_a_registered_item_never_listed_in_the_orders_channel_is_rejected_not_listed_in_channel():
    uow = stocked()
    await announce(
        uow,
        registered("S1", "KETTLE", "X00KETTLE"),
        listed("L-1", "S1", "KETTLE", "X00KETTLE", channel="app"),
    )

    assert await order(uow, "O-1", channel="web") is OrderStatus.REJECTED
    code, [reason] = rejection(uow, "O-1")
    assert code == "NOT_LISTED_IN_CHANNEL" and "no active listing in channel web" in reason
    assert await order(uow, "O-2", channel="web", listing_id="L-1") is OrderStatus.REJECTED
    assert rejection(uow, "O-2")[0] == "NOT_LISTED_IN_CHANNEL", (
        "a listing of another channel does not do"
    )
    assert await order(uow, "O-3", channel="app") is OrderStatus.ROUTED
    assert uow.emitted(FulfillmentInstructed)[0].order_id == "O-3" and uow.stock.at(
        "X00KETTLE", "SEA1"
    ) == (10, 1)


async def test_a_closed_listing_stops_its_item_routing_in_that_channel_until_it_is_published_again():
    uow = stocked()
    publication = listed("L-1", "S1", "KETTLE", "X00KETTLE")
    await announce(uow, registered("S1", "KETTLE", "X00KETTLE"), publication, closed(publication))

    assert await order(uow, "O-1") is OrderStatus.REJECTED
    assert await order(uow, "O-2", listing_id="L-1") is OrderStatus.REJECTED
    assert rejection(uow, "O-1")[0] == rejection(uow, "O-2")[0] == "NOT_LISTED_IN_CHANNEL"

    await announce(uow, publication)  # reopened
    assert await order(uow, "O-3") is OrderStatus.ROUTED


async def test_a_deregistered_item_is_rejected_unknown_sku_and_routes_again_once_registered_again():
    uow = stocked()
    registration = registered("S1", "KETTLE", "X00KETTLE")
    await announce(
        uow, registration, listed("L-1", "S1", "KETTLE", "X00KETTLE"), deregistered(registration)
    )

    assert await order(uow, "O-1") is OrderStatus.REJECTED
    assert await order(uow, "O-2", listing_id="L-1") is OrderStatus.REJECTED
    assert rejection(uow, "O-1")[0] == rejection(uow, "O-2")[0] == "UNKNOWN_SKU"
    assert uow.stock.at("X00KETTLE", "SEA1") == (10, 0)

    await announce(uow, registered("S1", "KETTLE", "X00KETTLE"))  # registered again
    assert await order(uow, "O-3") is OrderStatus.ROUTED


async def test_withdrawing_an_older_registration_leaves_the_newer_one_live():
    uow = stocked()
    older, newer = registered("S1", "KETTLE", "X00KETTLE"), registered("S1", "KETTLE", "X00KETTLE")
    await announce(
        uow, older, newer, listed("L-1", "S1", "KETTLE", "X00KETTLE"), deregistered(older)
    )

    assert await order(uow, "O-1") is OrderStatus.ROUTED
