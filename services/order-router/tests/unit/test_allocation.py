"""The allocator's invariant: orders never take more units of a stock row than the locked row
holds, less what earlier orders of the same unit of work took — whatever the policy plans."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from order_router.domain.allocation import AllocationFailed, Allocator
from order_router.domain.fulfillment import FulfillmentOrder, FulfillmentOrderStatus, units_of
from order_router.domain.model import Order, OrderLine, ResolvedLine
from order_router.domain.routing import Allocation, FewestShipmentsPolicy, RoutingPlan, StockLevel
from stockpath_events import Address, FulfillmentPolicy
from stockpath_network import DEFAULT_NETWORK

SEATTLE = Address(name="Ada", line1="400 Pine St", city="Seattle", region="WA", postal_code="98101")
NOW = datetime(2026, 10, 12, 17, 0, tzinfo=UTC)


def order(order_id: str = "O-1") -> Order:
    return Order(order_id, "web", (OrderLine("1", 1, Decimal("1.00"), "S1", "SKU"),), SEATTLE)


def wanted(fnsku: str, quantity: int, line_id: str = "1") -> ResolvedLine:
    return ResolvedLine(line_id, fnsku, "S1", f"SKU-{fnsku}", quantity)


def plan(*allocations: tuple[str, list[ResolvedLine]]) -> RoutingPlan:
    return RoutingPlan(tuple(Allocation(fc, tuple(lines)) for fc, lines in allocations))


class Scripted:
    """A policy that plans whatever the test says, however wrong: the allocator must hold anyway."""

    def __init__(self, *plans: RoutingPlan) -> None:
        self.plans = list(plans)

    def plan(self, request, stock) -> RoutingPlan:
        return self.plans.pop(0)


def allocator(policy=None, **levels: int) -> Allocator:
    """An allocator holding stock of X00A at the FCs given (SEA1=3, ...), with counted ids."""
    ids = (f"FO-{n}" for n in itertools.count(1))
    held = Allocator(
        policy or FewestShipmentsPolicy(DEFAULT_NETWORK), fulfillment_order_id=lambda *_: next(ids)
    )
    held.hold(["X00A"], [StockLevel("X00A", fc, units) for fc, units in levels.items()])
    return held


def test_a_plan_within_the_locked_stock_is_allocated_one_fulfillment_order_per_fc():
    held = allocator(SEA1=3, EWR4=2)

    instructed = held.allocate(
        "O-1", plan(("SEA1", [wanted("X00A", 3)]), ("EWR4", [wanted("X00A", 1)])), cause_id="E-1"
    )

    assert instructed == (
        FulfillmentOrder("FO-1", "O-1", "SEA1", (wanted("X00A", 3),)),
        FulfillmentOrder("FO-2", "O-1", "EWR4", (wanted("X00A", 1),)),
    )
    assert (held.allocatable("X00A", "SEA1"), held.allocatable("X00A", "EWR4")) == (0, 1)


def test_a_plan_asking_a_row_for_more_than_it_holds_is_refused_and_changes_nothing():
    held = allocator(SEA1=3, EWR4=2)

    with pytest.raises(AllocationFailed, match="3 unit"):
        held.allocate(
            "O-1",
            plan(("SEA1", [wanted("X00A", 1)]), ("EWR4", [wanted("X00A", 3)])),
            cause_id="E-1",
        )

    assert (held.allocatable("X00A", "SEA1"), held.allocatable("X00A", "EWR4")) == (3, 2)
    assert held.take().reservations == {} and held.take().fulfillment_orders == ()


def test_two_lines_of_one_fnsku_draw_on_the_same_row():
    held = allocator(SEA1=3)

    with pytest.raises(AllocationFailed):
        held.allocate(
            "O-1", plan(("SEA1", [wanted("X00A", 2, "1"), wanted("X00A", 2, "2")])), cause_id="E-1"
        )

    assert held.allocatable("X00A", "SEA1") == 3


def test_a_row_the_lock_did_not_find_holds_nothing():
    held = allocator(SEA1=3)

    with pytest.raises(AllocationFailed, match="at PHX3"):
        held.allocate("O-1", plan(("PHX3", [wanted("X00A", 1)])), cause_id="E-1")


def test_an_allocation_of_no_units_or_fewer_is_refused():
    held = allocator(SEA1=3)

    with pytest.raises(AllocationFailed, match="-1 unit"):
        held.allocate("O-1", plan(("SEA1", [wanted("X00A", -1)])), cause_id="E-1")

    assert held.allocatable("X00A", "SEA1") == 3


def test_each_order_is_planned_against_what_earlier_orders_left():
    held = allocator(SEA1=3, EWR4=4)

    first = held.allocate(
        "O-1",
        held.plan(order("O-1"), [wanted("X00A", 2)], FulfillmentPolicy.FILL_OR_KILL, now=NOW),
        cause_id="E-1",
    )
    second = held.plan(order("O-2"), [wanted("X00A", 2)], FulfillmentPolicy.FILL_OR_KILL, now=NOW)

    assert [fo.fulfillment_center_id for fo in first] == ["SEA1"]
    assert [a.fulfillment_center_id for a in second.allocations] == ["EWR4"], (
        "only 1 unit is left at SEA1"
    )


def test_what_was_taken_is_handed_over_once_for_writing():
    held = allocator(SEA1=5)
    held.allocate("O-1", plan(("SEA1", [wanted("X00A", 2)])), cause_id="E-1")
    held.allocate("O-2", plan(("SEA1", [wanted("X00A", 1)])), cause_id="E-1")

    taken = held.take()

    assert taken.reservations == {("X00A", "SEA1"): 3}
    assert [fo.order_id for fo in taken.fulfillment_orders] == ["O-1", "O-2"]
    assert held.take().reservations == {} and held.allocatable("X00A", "SEA1") == 2


def test_stock_is_held_once_and_must_be_held_before_it_is_planned_on():
    held = allocator(SEA1=5)

    assert held.unheld(["X00B", "X00A", "X00B"]) == ["X00B"]
    with pytest.raises(ValueError, match="held already"):
        held.hold(["X00A"], [StockLevel("X00A", "SEA1", 50)])
    with pytest.raises(ValueError, match="not held"):
        held.plan(order(), [wanted("X00B", 1)], FulfillmentPolicy.FILL_OR_KILL, now=NOW)
    held.hold(["X00B"], [])  # locked, but no FC has a row of it: no stock anywhere
    assert not held.plan(
        order(), [wanted("X00B", 1)], FulfillmentPolicy.FILL_OR_KILL, now=NOW
    ).allocations


def test_whatever_a_policy_plans_no_row_ever_gives_more_than_it_held():
    rng = random.Random(12)
    rows = {("X00A", "SEA1"): 90, ("X00A", "EWR4"): 30, ("X00B", "SEA1"): 60, ("X00B", "DFW7"): 0}
    ids = (f"FO-{n}" for n in itertools.count(1))
    held = Allocator(Scripted(), fulfillment_order_id=lambda *_: next(ids))
    held.hold(
        ["X00A", "X00B"], [StockLevel(fnsku, fc, units) for (fnsku, fc), units in rows.items()]
    )

    for n in range(300):
        greedy = plan(
            *(
                (fc, [wanted(fnsku, rng.randint(1, 4), str(line))])
                for line, (fnsku, fc) in enumerate(rng.sample(sorted(rows), rng.randint(1, 3)))
            )
        )
        try:
            held.allocate(f"O-{n}", greedy, cause_id="E-1")
        except AllocationFailed:
            pass
        taken = units_of(held.take().fulfillment_orders)
        for pair, units in rows.items():
            rows[pair] = units - taken.get(pair, 0)
            assert rows[pair] >= 0 and held.allocatable(*pair) == rows[pair]


def test_a_fulfillment_order_holds_its_units_per_stock_row():
    fo = FulfillmentOrder(
        "FO-1",
        "O-1",
        "SEA1",
        (wanted("X00A", 2, "1"), wanted("X00B", 1, "2"), wanted("X00A", 3, "3")),
    )
    other = FulfillmentOrder(
        "FO-2", "O-1", "SEA1", (wanted("X00A", 1),), FulfillmentOrderStatus.CANCELLED
    )

    assert fo.units() == {("X00A", "SEA1"): 5, ("X00B", "SEA1"): 1}
    assert units_of([fo, other]) == {("X00A", "SEA1"): 6, ("X00B", "SEA1"): 1}
