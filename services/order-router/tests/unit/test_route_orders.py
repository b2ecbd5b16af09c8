"""`route_orders` against an in-memory unit of work: every order ends routed, backordered or
rejected, and orders routed together share the stock first come, first served."""

from __future__ import annotations

import pytest
from order_router_fakes import FakeOrderRouterUnitOfWork, carry_out
from order_router_testkit import NEW_YORK, line, listed, placed

from order_router.domain.allocation import AllocationFailed
from order_router.domain.fulfillment import FulfillmentOrderStatus
from order_router.domain.model import OrderStatus
from order_router.domain.routing import Allocation, FewestShipmentsPolicy, RoutingPlan
from order_router.entrypoints.consumers import order_of, record_listing, route_order
from order_router.service_layer.handlers import record_listings
from order_router.service_layer.routing import route_orders
from stockpath_events.types.order_router import (
    FulfillmentInstructed,
    OrderBackordered,
    OrderRejected,
    OrderRouted,
)
from stockpath_network import DEFAULT_NETWORK

POLICY = FewestShipmentsPolicy(DEFAULT_NETWORK)


def kettle(uow: FakeOrderRouterUnitOfWork, **units_at: int) -> None:
    """Seller S1's SKU KETTLE is registered as X00KETTLE, with these units at these FCs."""
    uow.register("S1", "KETTLE", "X00KETTLE")
    for fc, units in units_at.items():
        uow.stock.put("X00KETTLE", fc, units)


def ordering(order_id: str, quantity: int, **options):
    return placed(
        order_id, line("1", seller_id="S1", seller_sku="KETTLE", quantity=quantity), **options
    )


async def route(uow: FakeOrderRouterUnitOfWork, *events, policy=POLICY) -> None:
    await carry_out(route_orders, [route_order(e) for e in events], uow, policy=policy)


def kinds(uow: FakeOrderRouterUnitOfWork) -> list[str]:
    return [type(e.data).__name__ for e in uow.events]


async def test_an_order_one_fc_can_fill_is_instructed_there_and_its_units_reserved():
    uow = FakeOrderRouterUnitOfWork()
    kettle(uow, SEA1=5, EWR4=5)
    event = ordering("O-1", 2, ship_to=NEW_YORK, speed="expedited")

    await route(uow, event)

    [instructed] = uow.emitted(FulfillmentInstructed)
    assert instructed.fulfillment_center_id == "EWR4" and instructed.shipping_speed == "expedited"
    assert [(ln.line_id, ln.fnsku, ln.seller_sku, ln.quantity) for ln in instructed.lines] == [
        ("1", "X00KETTLE", "KETTLE", 2)
    ]
    [routed] = uow.emitted(OrderRouted)
    assert [f.fulfillment_order_id for f in routed.fulfillment_orders] == [
        instructed.fulfillment_order_id
    ]
    assert all(
        e.causation_id == event.id and e.correlation_id == event.correlation_id for e in uow.events
    )
    assert uow.stock.at("X00KETTLE", "EWR4") == (5, 2) and uow.stock.at("X00KETTLE", "SEA1") == (
        5,
        0,
    )
    assert uow.orders.status["O-1"] is OrderStatus.ROUTED
    [fo] = await uow.fulfillment_orders.of_order("O-1")
    assert fo.status is FulfillmentOrderStatus.INSTRUCTED and fo.fulfillment_center_id == "EWR4"
    assert uow.orders.resolved["O-1"]["1"].fnsku == "X00KETTLE"


async def test_an_order_no_single_fc_can_fill_is_split_one_instruction_per_fc():
    uow = FakeOrderRouterUnitOfWork()
    kettle(uow, SEA1=2, EWR4=3, DFW7=1)

    await route(uow, ordering("O-1", 5, ship_to=NEW_YORK))

    instructions = uow.emitted(FulfillmentInstructed)
    assert [(i.fulfillment_center_id, i.lines[0].quantity) for i in instructions] == [
        ("EWR4", 3),
        ("SEA1", 2),
    ]
    [routed] = uow.emitted(OrderRouted)
    assert len(routed.fulfillment_orders) == 2
    assert [uow.stock.at("X00KETTLE", fc) for fc in ("SEA1", "EWR4", "DFW7")] == [
        (2, 2),
        (3, 3),
        (1, 0),
    ]


async def test_unknown_skus_and_listings_reject_the_order_and_reserve_nothing():
    uow = FakeOrderRouterUnitOfWork()
    kettle(uow, SEA1=5)
    lines = (
        line("1", seller_id="S1", seller_sku="KETTLE"),
        line("2", seller_id="S1", seller_sku="NOT-REGISTERED"),
        line("3", listing_id="L-NEVER-PUBLISHED"),
    )

    await route(uow, placed("O-1", *lines))

    assert kinds(uow) == ["OrderRejected"]
    [rejected] = uow.emitted(OrderRejected)
    assert rejected.reason_code == "UNKNOWN_SKU"
    assert [(ln.line_id, ln.reason_code) for ln in rejected.lines] == [
        ("2", "UNKNOWN_SKU"),
        ("3", "UNKNOWN_LISTING"),
    ]
    assert uow.orders.status["O-1"] is OrderStatus.REJECTED and uow.stock.at(
        "X00KETTLE", "SEA1"
    ) == (5, 0)


async def test_a_line_whose_listing_sells_another_sku_is_rejected_as_a_mismatch():
    uow = FakeOrderRouterUnitOfWork()
    kettle(uow, SEA1=5)
    await carry_out(
        record_listings, [record_listing(listed("L-1", "S1", "KETTLE", "X00KETTLE"))], uow
    )

    await route(uow, placed("O-1", line("1", listing_id="L-1", seller_id="S1", seller_sku="MUG")))

    [rejected] = uow.emitted(OrderRejected)
    assert rejected.reason_code == "LISTING_MISMATCH"


async def test_a_line_naming_a_listing_ships_the_listed_fnsku():
    uow = FakeOrderRouterUnitOfWork()
    kettle(uow, SEA1=5)
    await carry_out(
        record_listings, [record_listing(listed("L-1", "S1", "KETTLE", "X00KETTLE"))], uow
    )

    await route(uow, placed("O-1", line("1", listing_id="L-1")))

    [instructed] = uow.emitted(FulfillmentInstructed)
    assert instructed.lines[0].fnsku == "X00KETTLE" and instructed.lines[0].seller_sku == "KETTLE"


async def test_fill_or_kill_rejects_an_order_the_stock_cannot_fill_whole():
    uow = FakeOrderRouterUnitOfWork()
    kettle(uow, SEA1=2)

    await route(uow, ordering("O-1", 3))

    [rejected] = uow.emitted(OrderRejected)
    assert rejected.reason_code == "INSUFFICIENT_INVENTORY"
    assert "2 available at the fulfillment centers that ship standard" in rejected.lines[0].reason
    assert kinds(uow) == ["OrderRejected"] and uow.stock.at("X00KETTLE", "SEA1") == (2, 0)


async def test_fill_all_ships_what_exists_and_backorders_the_rest():
    uow = FakeOrderRouterUnitOfWork()
    kettle(uow, SEA1=2)

    await route(uow, ordering("O-1", 5, policy="fill-all"), ordering("O-2", 2, policy="fill-all"))

    assert kinds(uow) == [
        "FulfillmentInstructed",
        "OrderRouted",
        "OrderBackordered",
        "OrderBackordered",
    ]
    first, second = uow.emitted(OrderBackordered)
    assert [(b.line_id, b.quantity) for b in first.lines] == [("1", 3)]
    assert [(b.line_id, b.quantity) for b in second.lines] == [("1", 2)]
    assert uow.orders.status["O-1"] is uow.orders.status["O-2"] is OrderStatus.BACKORDERED
    assert uow.orders.backordered == {"O-1": {"1": 3}, "O-2": {"1": 2}}
    assert uow.stock.at("X00KETTLE", "SEA1") == (2, 2)


async def test_fill_all_available_ships_what_exists_and_cancels_the_rest():
    uow = FakeOrderRouterUnitOfWork()
    kettle(uow, SEA1=2)

    await route(uow, ordering("O-1", 5, policy="fill-all-available"))

    assert kinds(uow) == ["FulfillmentInstructed", "OrderRouted"]
    [routed] = uow.emitted(OrderRouted)
    assert [(c.line_id, c.quantity, c.reason) for c in routed.cancelled_lines] == [
        ("1", 3, "not in stock (fill-all-available)")
    ]
    assert uow.orders.status["O-1"] is OrderStatus.ROUTED and uow.orders.cancelled == {
        "O-1": {"1": 3}
    }


async def test_fill_all_available_with_nothing_in_stock_is_rejected():
    uow = FakeOrderRouterUnitOfWork()
    kettle(uow, SEA1=0)

    await route(uow, ordering("O-1", 1, policy="fill-all-available"))

    [rejected] = uow.emitted(OrderRejected)
    assert (
        rejected.reason_code == "INSUFFICIENT_INVENTORY"
        and "no unit of X00KETTLE" in rejected.lines[0].reason
    )


async def test_orders_routed_together_share_scarce_stock_first_come_first_served():
    uow = FakeOrderRouterUnitOfWork()
    kettle(uow, SEA1=3, EWR4=2)

    await route(uow, *(ordering(f"O-{n}", 2) for n in range(5)))

    assert [uow.orders.status[f"O-{n}"] for n in range(5)] == [OrderStatus.ROUTED] * 2 + [
        OrderStatus.REJECTED
    ] * 3
    assert [i.fulfillment_center_id for i in uow.emitted(FulfillmentInstructed)] == ["SEA1", "EWR4"]
    assert uow.stock.locks == [["X00KETTLE"]], "the stock rows were locked once for the whole batch"


async def test_an_order_id_seen_before_is_routed_once_and_only_while_pending():
    uow = FakeOrderRouterUnitOfWork()
    kettle(uow, SEA1=10)
    await route(uow, ordering("O-ROUTED", 1))
    over_http = ordering("O-HTTP", 3)
    await uow.orders.add([order_of(over_http.data)])  # recorded PENDING by the API first
    events_before = len(uow.events)

    await route(uow, ordering("O-NEW", 2), over_http, ordering("O-NEW", 5), ordering("O-ROUTED", 1))

    new = [e.data for e in uow.events[events_before:] if isinstance(e.data, FulfillmentInstructed)]
    assert [(i.order_id, i.lines[0].quantity) for i in new] == [("O-NEW", 2), ("O-HTTP", 3)]
    assert uow.orders.status["O-HTTP"] is OrderStatus.ROUTED
    assert uow.stock.at("X00KETTLE", "SEA1") == (10, 1 + 2 + 3)


async def test_a_policy_that_plans_more_than_a_row_holds_fails_the_run_and_commits_nothing():
    class Greedy:
        def plan(self, request, stock) -> RoutingPlan:
            return RoutingPlan((Allocation("SEA1", request.lines),))

    uow = FakeOrderRouterUnitOfWork()
    kettle(uow, SEA1=1)

    with pytest.raises(AllocationFailed):
        await route(uow, ordering("O-1", 2), policy=Greedy())

    assert uow.events == [] and uow.commits == 0 and uow.stock.at("X00KETTLE", "SEA1") == (1, 0)
