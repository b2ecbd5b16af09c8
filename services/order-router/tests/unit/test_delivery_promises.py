"""`route_orders` promises dates as of the order's event time (never the clock), and refuses
addresses the network cannot deliver to with a reason code."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from order_router_fakes import FakeOrderRouterUnitOfWork, carry_out
from order_router_testkit import BERLIN, SEATTLE, level, line, placed

from order_router.domain.model import OrderStatus
from order_router.domain.routing import FewestShipmentsPolicy
from order_router.entrypoints.consumers import record_inventory_level, route_order
from order_router.service_layer.routing import record_inventory_levels, route_orders
from stockpath_events.types.order_router import FulfillmentInstructed, OrderRejected, OrderRouted
from stockpath_network import DEFAULT_NETWORK

POLICY = FewestShipmentsPolicy(DEFAULT_NETWORK)
#: Friday 16 October 2026: 13:00 and 15:00 in Seattle (Pacific daylight time, UTC-7).
FRIDAY_BEFORE_CUT_OFF = datetime(2026, 10, 16, 20, 0, tzinfo=UTC)
FRIDAY_AFTER_CUT_OFF = datetime(2026, 10, 16, 22, 0, tzinfo=UTC)


def kettle(uow: FakeOrderRouterUnitOfWork, **units_at: int) -> None:
    uow.register("S1", "KETTLE", "X00KETTLE")
    for fc, units in units_at.items():
        uow.stock.put("X00KETTLE", fc, units)


def ordering(order_id: str, *, at: datetime, quantity: int = 1, **options):
    event = placed(
        order_id, line("1", seller_id="S1", seller_sku="KETTLE", quantity=quantity), **options
    )
    return replace(event, time=at)


async def route(uow: FakeOrderRouterUnitOfWork, *events) -> None:
    await carry_out(route_orders, [route_order(e) for e in events], uow, policy=POLICY)


async def test_a_seattle_order_is_shipped_from_sea1_with_its_promised_dates():
    uow = FakeOrderRouterUnitOfWork()
    kettle(uow, PHX3=5, OAK4=5, SEA1=5, EWR4=5)

    await route(uow, ordering("O-1", at=FRIDAY_BEFORE_CUT_OFF, ship_to=SEATTLE, speed="priority"))

    [instructed] = uow.emitted(FulfillmentInstructed)
    assert instructed.fulfillment_center_id == "SEA1"
    assert (instructed.ship_by, instructed.deliver_by) == (date(2026, 10, 16), date(2026, 10, 19))
    [routed] = uow.emitted(OrderRouted)
    assert (routed.ship_by, routed.deliver_by) == (date(2026, 10, 16), date(2026, 10, 19))
    assert routed.fulfillment_orders[0].deliver_by == date(2026, 10, 19)


async def test_an_order_after_the_cut_off_on_a_friday_is_promised_from_monday():
    uow = FakeOrderRouterUnitOfWork()
    kettle(uow, SEA1=5)

    await route(uow, ordering("O-1", at=FRIDAY_AFTER_CUT_OFF, ship_to=SEATTLE))

    [instructed] = uow.emitted(FulfillmentInstructed)
    assert (instructed.ship_by, instructed.deliver_by) == (date(2026, 10, 19), date(2026, 10, 20))


async def test_the_promise_comes_from_the_events_time_so_routing_it_again_promises_the_same():
    event = ordering("O-1", at=FRIDAY_AFTER_CUT_OFF, ship_to=SEATTLE)
    promised = []
    for _ in range(2):  # a replay: a fresh store, the same event, any wall clock
        uow = FakeOrderRouterUnitOfWork()
        kettle(uow, SEA1=5)
        await route(uow, event)
        [instructed] = uow.emitted(FulfillmentInstructed)
        promised.append((instructed.ship_by, instructed.deliver_by))
    assert promised[0] == promised[1] == (date(2026, 10, 19), date(2026, 10, 20))


async def test_a_backorder_released_by_stock_is_promised_as_of_the_stock_levels_time():
    uow = FakeOrderRouterUnitOfWork()
    kettle(uow, SEA1=0)
    await route(uow, ordering("O-1", at=FRIDAY_BEFORE_CUT_OFF, ship_to=SEATTLE, policy="fill-all"))
    assert uow.orders.status["O-1"] is OrderStatus.BACKORDERED

    stock = replace(level("X00KETTLE", "SEA1", 5), time=FRIDAY_AFTER_CUT_OFF)
    await carry_out(record_inventory_levels, [record_inventory_level(stock)], uow, policy=POLICY)

    [instructed] = uow.emitted(FulfillmentInstructed)
    assert (instructed.ship_by, instructed.deliver_by) == (date(2026, 10, 19), date(2026, 10, 20))


async def test_an_address_abroad_is_rejected_with_its_reason_code_and_reserves_nothing():
    uow = FakeOrderRouterUnitOfWork()
    kettle(uow, EWR4=5)

    await route(uow, ordering("O-1", at=FRIDAY_BEFORE_CUT_OFF, ship_to=BERLIN, policy="fill-all"))

    [rejected] = uow.emitted(OrderRejected)
    assert rejected.reason_code == "SHIP_TO_OUTSIDE_NETWORK"
    assert uow.orders.status["O-1"] is OrderStatus.REJECTED
    assert uow.stock.at("X00KETTLE", "EWR4") == (5, 0)
    assert not uow.emitted(FulfillmentInstructed)


async def test_a_us_address_with_no_such_zip_code_is_rejected():
    uow = FakeOrderRouterUnitOfWork()
    kettle(uow, SEA1=5)
    nowhere = SEATTLE.model_copy(update={"postal_code": "00000"})

    await route(uow, ordering("O-1", at=FRIDAY_BEFORE_CUT_OFF, ship_to=nowhere))

    [rejected] = uow.emitted(OrderRejected)
    assert rejected.reason_code == "SHIP_TO_UNKNOWN_POSTAL_CODE"
