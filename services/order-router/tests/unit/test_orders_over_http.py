"""The handlers behind the HTTP API (placing an order, asking to cancel one, the order and stock
views) and the SKUs other services tell the router about, against an in-memory unit of work."""

from __future__ import annotations

import dataclasses

import pytest
from order_router_fakes import FakeOrderRouterUnitOfWork, carry_out
from order_router_testkit import BERLIN, line, listed, placed, registered

from order_router.domain.commands import PlaceOrder, RequestCancellation
from order_router.domain.model import (
    Listing,
    OrderIdInUse,
    OrderStatus,
    ReasonCode,
    Registration,
    ShipToRefused,
    UnknownOrder,
)
from order_router.domain.ownership import Party, PartyKind
from order_router.domain.routing import FewestShipmentsPolicy
from order_router.entrypoints.consumers import (
    order_of,
    record_listing,
    record_registration,
    route_order,
)
from order_router.service_layer import views
from order_router.service_layer.handlers import (
    place_order,
    record_listings,
    record_registrations,
    request_cancellation,
)
from order_router.service_layer.routing import route_orders
from stockpath_events.types.orders import OrderCancellationRequested, OrderPlaced
from stockpath_network import DEFAULT_NETWORK

WEB = Party(PartyKind.CHANNEL, "web")


def kettles(order_id: str = "O-1", quantity: int = 1):
    """An order for KETTLE units, as channel web would send it."""
    return order_of(
        placed(order_id, line("1", seller_id="S1", seller_sku="KETTLE", quantity=quantity)).data
    )


def by_web(order_id: str = "O-1", quantity: int = 1) -> PlaceOrder:
    return PlaceOrder(kettles(order_id, quantity), WEB)


async def test_a_new_order_is_recorded_pending_and_published_in_one_commit():
    uow = FakeOrderRouterUnitOfWork(correlation_id="checkout-77")

    order, status, created = await place_order(by_web(), uow)

    assert (order.order_id, status, created) == ("web:O-1", OrderStatus.PENDING, True)
    assert uow.commits == 1 and uow.orders.status == {"web:O-1": OrderStatus.PENDING}
    [event] = uow.events
    assert event.correlation_id == "checkout-77" and isinstance(event.data, OrderPlaced)
    assert order_of(event.data) == order == uow.orders.placed["web:O-1"], (
        "the worker routes the order placed"
    )


async def test_an_order_to_an_address_abroad_is_refused_at_once_and_nothing_is_recorded():
    abroad = dataclasses.replace(kettles(), ship_to=BERLIN)
    uow = FakeOrderRouterUnitOfWork()

    with pytest.raises(ShipToRefused) as refused:
        await place_order(PlaceOrder(abroad, WEB), uow)

    assert refused.value.reason_code is ReasonCode.SHIP_TO_OUTSIDE_NETWORK
    assert refused.value.order_id == "web:O-1" and "DE" in str(refused.value)
    assert uow.events == [] and uow.commits == 0 and uow.orders.status == {}


async def test_placing_the_same_order_again_answers_its_status_and_publishes_nothing():
    uow = FakeOrderRouterUnitOfWork()
    await place_order(by_web(), uow)
    uow.orders.status["web:O-1"] = OrderStatus.ROUTED

    assert (await place_order(by_web(), uow))[1:] == (OrderStatus.ROUTED, False)
    assert (await place_order(by_web("web:O-1"), uow))[1:] == (OrderStatus.ROUTED, False), (
        "by either form of its id"
    )

    assert len(uow.events) == 1 and uow.commits == 1


async def test_the_same_order_id_with_other_content_is_refused():
    uow = FakeOrderRouterUnitOfWork()
    await place_order(by_web(), uow)

    with pytest.raises(OrderIdInUse) as refused:
        await place_order(by_web(quantity=2), uow)

    assert refused.value.order_id == "web:O-1" and "already placed with different content" in str(
        refused.value
    )
    assert len(uow.events) == 1 and uow.orders.placed["web:O-1"].lines[0].quantity == 1


async def test_a_cancellation_request_for_a_known_order_is_published_with_its_reason():
    uow = FakeOrderRouterUnitOfWork()
    await place_order(by_web(), uow)

    answer = await request_cancellation(RequestCancellation("O-1", WEB, "found it cheaper"), uow)

    assert answer == ("web:O-1", OrderStatus.PENDING) and uow.commits == 2
    assert uow.emitted(OrderCancellationRequested) == [
        OrderCancellationRequested(order_id="web:O-1", reason="found it cheaper")
    ]


async def test_a_cancellation_request_for_an_unknown_order_is_refused_and_publishes_nothing():
    uow = FakeOrderRouterUnitOfWork()

    with pytest.raises(UnknownOrder, match="O-404 is not known"):
        await request_cancellation(RequestCancellation("O-404", WEB), uow)

    assert uow.events == [] and uow.commits == 0


async def test_registrations_and_listings_are_recorded_and_replace_what_was_known():
    uow = FakeOrderRouterUnitOfWork()
    first, again = registered("S1", "KETTLE", "X00KETTLE"), registered("S1", "KETTLE", "X00KETTLE2")

    await carry_out(
        record_registrations, [record_registration(first), record_registration(again)], uow
    )
    await carry_out(
        record_listings, [record_listing(listed("L-1", "S1", "KETTLE", "X00KETTLE2"))], uow
    )

    assert uow.skus.registered == {
        ("S1", "KETTLE"): (
            Registration("S1", "KETTLE", "X00KETTLE2", "CI-KETTLE"),
            again.data.registration_id,
        )
    }
    assert uow.skus.listed == {
        "L-1": Listing("L-1", "S1", "KETTLE", "X00KETTLE2", "web", active=True)
    }
    assert uow.events == [], "what others tell the router announces nothing"


async def test_the_order_view_shows_what_became_of_the_order_and_its_fulfillment_orders():
    uow = FakeOrderRouterUnitOfWork()
    uow.register("S1", "KETTLE", "X00KETTLE")
    uow.stock.put("X00KETTLE", "SEA1", 1)
    event = placed(
        "O-1",
        line("1", seller_id="S1", seller_sku="KETTLE", quantity=3),
        policy="fill-all-available",
    )
    await carry_out(
        route_orders, [route_order(event)], uow, policy=FewestShipmentsPolicy(DEFAULT_NETWORK)
    )

    details = await views.order_details(WEB, "O-1", uow)

    assert details.record.status is OrderStatus.ROUTED and details.record.order == order_of(
        event.data
    )
    [outcome] = details.record.lines
    assert (outcome.fnsku, outcome.backordered, outcome.cancelled) == ("X00KETTLE", 0, 2)
    [fo] = details.fulfillment_orders
    assert fo.fulfillment_center_id == "SEA1" and [ln.quantity for ln in fo.lines] == [1]
    assert await views.order_details(WEB, "O-404", uow) is None


async def test_the_stock_view_shows_every_fc_with_what_it_can_still_allocate():
    uow = FakeOrderRouterUnitOfWork()
    uow.stock.put("X00KETTLE", "SEA1", 4, reserved=5)
    uow.stock.put("X00KETTLE", "EWR4", 6, reserved=1)

    stock = await views.stock_of("X00KETTLE", uow)

    assert [
        (c.fulfillment_center_id, c.basis, c.reservations_total, c.allocatable) for c in stock
    ] == [
        ("EWR4", 6, 1, 5),
        ("SEA1", 4, 5, 0),
    ]
    assert dataclasses.asdict(stock[0])["fnsku"] == "X00KETTLE"
