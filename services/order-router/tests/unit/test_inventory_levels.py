"""`record_inventory_levels` against an in-memory unit of work: the newest level per FNSKU and FC
sets the basis, and stock that arrives routes the orders waiting for it, oldest first."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from order_router_fakes import FakeOrderRouterUnitOfWork, carry_out
from order_router_testkit import level, line, placed

from order_router.domain.model import OrderStatus
from order_router.domain.routing import FewestShipmentsPolicy
from order_router.entrypoints.consumers import record_inventory_level, route_order
from order_router.service_layer.routing import record_inventory_levels, route_orders
from stockpath_events.types.order_router import FulfillmentInstructed, OrderRouted
from stockpath_network import DEFAULT_NETWORK

POLICY = FewestShipmentsPolicy(DEFAULT_NETWORK)


async def record(uow: FakeOrderRouterUnitOfWork, *levels) -> None:
    await carry_out(
        record_inventory_levels, [record_inventory_level(e) for e in levels], uow, policy=POLICY
    )


async def route(uow: FakeOrderRouterUnitOfWork, *orders) -> None:
    await carry_out(route_orders, [route_order(e) for e in orders], uow, policy=POLICY)


def older(event, by: timedelta):
    return dataclasses.replace(event, time=event.time - by)


def waiting_kettles(order_id: str, quantity: int):
    return placed(
        order_id,
        line("1", seller_id="S1", seller_sku="KETTLE", quantity=quantity),
        policy="fill-all",
    )


async def test_a_level_sets_the_basis_keeps_the_reservations_and_an_older_one_is_ignored():
    uow = FakeOrderRouterUnitOfWork()
    uow.stock.put("X00KETTLE", "SEA1", 10, reserved=4)
    newer = level("X00KETTLE", "SEA1", 7)

    await record(uow, newer)
    await record(uow, older(level("X00KETTLE", "SEA1", 50), by=timedelta(seconds=5)))

    assert uow.stock.at("X00KETTLE", "SEA1") == (7, 4)
    assert uow.events == [], "a level alone announces nothing"


async def test_the_basis_counts_what_inventory_reserved_and_shipped_so_allocation_never_doubles():
    uow = FakeOrderRouterUnitOfWork()

    await record(uow, level("X00KETTLE", "SEA1", 4, reserved=6))
    assert uow.stock.at("X00KETTLE", "SEA1") == (10, 0)
    await record(uow, level("X00KETTLE", "SEA1", 4, shipped=6))
    assert uow.stock.at("X00KETTLE", "SEA1") == (10, 0)


async def test_levels_recorded_together_keep_the_newest_per_fc_whatever_their_order():
    uow = FakeOrderRouterUnitOfWork()
    newest = level("X00KETTLE", "SEA1", 3)

    await record(
        uow,
        newest,
        older(level("X00KETTLE", "SEA1", 9), by=timedelta(seconds=1)),
        level("X00KETTLE", "EWR4", 1),
    )

    assert uow.stock.at("X00KETTLE", "SEA1") == (3, 0) and uow.stock.at("X00KETTLE", "EWR4") == (
        1,
        0,
    )


async def test_stock_that_arrives_routes_backorders_oldest_first_as_far_as_it_goes():
    uow = FakeOrderRouterUnitOfWork()
    uow.register("S1", "KETTLE", "X00KETTLE")
    uow.stock.put("X00KETTLE", "SEA1", 2)
    await route(uow, waiting_kettles("O-1", 5))
    await route(uow, waiting_kettles("O-2", 2))
    before = len(uow.events)

    # 4 more units arrive at EWR4: the oldest backorder is served first (3), the next gets 1.
    arrival = level("X00KETTLE", "EWR4", 4)
    await record(uow, arrival)

    released = uow.events[before:]
    assert [(type(e.data).__name__, e.data.order_id) for e in released] == [
        ("FulfillmentInstructed", "O-1"),
        ("OrderRouted", "O-1"),
        ("FulfillmentInstructed", "O-2"),
        ("OrderRouted", "O-2"),
    ]
    assert all(e.causation_id == arrival.id for e in released)
    assert [(e.data.fulfillment_center_id, e.data.lines[0].quantity) for e in released[::2]] == [
        ("EWR4", 3),
        ("EWR4", 1),
    ]
    assert uow.orders.status == {"O-1": OrderStatus.ROUTED, "O-2": OrderStatus.BACKORDERED}
    assert uow.orders.backordered == {"O-1": {"1": 0}, "O-2": {"1": 1}}
    assert uow.stock.at("X00KETTLE", "EWR4") == (4, 4)

    # The last unit: the second order is complete.
    await record(uow, level("X00KETTLE", "EWR4", 5))
    assert uow.orders.status["O-2"] is OrderStatus.ROUTED and uow.orders.backordered["O-2"] == {
        "1": 0
    }
    assert (
        sum(i.lines[0].quantity for i in uow.emitted(FulfillmentInstructed) if i.order_id == "O-2")
        == 2
    )


async def test_a_level_with_nothing_for_a_backorder_routes_nothing():
    uow = FakeOrderRouterUnitOfWork()
    uow.register("S1", "KETTLE", "X00KETTLE")
    uow.stock.put("X00KETTLE", "SEA1", 1)
    await route(uow, waiting_kettles("O-1", 2))
    before = len(uow.events)

    await record(uow, level("X00KETTLE", "SEA1", 1))  # the same unit, reported again

    assert uow.events[before:] == [] and uow.orders.status["O-1"] is OrderStatus.BACKORDERED
    assert uow.orders.backordered["O-1"] == {"1": 1}


async def test_a_release_routes_a_backorder_only_once_whatever_fnskus_arrive_together():
    uow = FakeOrderRouterUnitOfWork()
    uow.register("S1", "KETTLE", "X00KETTLE")
    uow.register("S1", "MUG", "X00MUG")
    lines = (
        line("1", seller_id="S1", seller_sku="KETTLE"),
        line("2", seller_id="S1", seller_sku="MUG"),
    )
    await route(uow, placed("O-1", *lines, policy="fill-all"))
    assert uow.orders.status["O-1"] is OrderStatus.BACKORDERED

    await record(uow, level("X00KETTLE", "SEA1", 1), level("X00MUG", "SEA1", 1))

    [routed] = uow.emitted(OrderRouted)
    [instructed] = uow.emitted(FulfillmentInstructed)
    assert [ln.fnsku for ln in instructed.lines] == ["X00KETTLE", "X00MUG"] and len(
        routed.fulfillment_orders
    ) == 1
    assert uow.orders.status["O-1"] is OrderStatus.ROUTED
