"""The arithmetic of customer orders and adjustments, without a database."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inventory.domain.adjustments import AdjustmentKind, NotEnoughFulfillable, adjust, transfer_in
from inventory.domain.fulfillment_orders import release, reserve, ship_reserved, ship_unreserved
from inventory.domain.stock import Levels


def test_reserving_moves_fulfillable_to_reserved_and_reports_a_shortfall_instead_of_going_negative():
    movements, short = reserve(Levels(fulfillable=3), 5)
    assert Levels(fulfillable=3).apply(movements) == Levels(fulfillable=0, reserved=3)
    assert short == 2
    assert reserve(Levels(), 2) == ([], 2)


def test_release_and_shipping_move_only_reserved_units():
    after = Levels(fulfillable=1, reserved=4).apply(release(4))
    assert after == Levels(fulfillable=5)
    assert Levels(reserved=4).apply(ship_reserved(4)) == Levels(shipped=4)
    assert release(0) == [] and ship_reserved(0) == []


def test_shipping_units_that_were_not_reserved_takes_them_from_fulfillable():
    movements, short = ship_unreserved(Levels(fulfillable=2), 3)
    assert Levels(fulfillable=2).apply(movements) == Levels(shipped=2) and short == 1


@given(
    fulfillable=st.integers(0, 50),
    orders=st.lists(
        st.tuples(st.integers(1, 10), st.sampled_from(["ship", "cancel", "hold"])), max_size=20
    ),
)
def test_orders_never_change_fulfillable_plus_reserved_plus_shipped_nor_go_negative(
    fulfillable, orders
):
    levels = Levels(fulfillable=fulfillable)
    for quantity, fate in orders:
        movements, short = reserve(levels, quantity)
        levels = levels.apply(movements)
        reserved = quantity - short
        if fate == "ship":
            levels = levels.apply(ship_reserved(reserved))
        elif fate == "cancel":
            levels = levels.apply(release(reserved))
        assert min(levels.fulfillable, levels.reserved, levels.shipped) >= 0
        assert levels.fulfillable + levels.reserved + levels.shipped == fulfillable


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (AdjustmentKind.FOUND, Levels(fulfillable=7)),
        (AdjustmentKind.LOST, Levels(fulfillable=3)),
        (AdjustmentKind.DAMAGED, Levels(fulfillable=3, unfulfillable=2)),
        (AdjustmentKind.TRANSFERRED, Levels(fulfillable=3)),
    ],
)
def test_adjustments_move_the_buckets_fba_reports(kind, expected):
    start = Levels(fulfillable=5)
    assert start.apply(adjust(kind, start, 2, fnsku="X1", fulfillment_center_id="SEA1")) == expected


def test_a_transfer_arrives_as_fulfillable_at_the_other_fc():
    assert Levels().apply(transfer_in(2)) == Levels(fulfillable=2)


def test_only_fulfillable_units_can_be_lost_damaged_or_transferred():
    with pytest.raises(NotEnoughFulfillable, match="only 1 unit"):
        adjust(
            AdjustmentKind.LOST,
            Levels(fulfillable=1, reserved=9),
            2,
            fnsku="X1",
            fulfillment_center_id="SEA1",
        )
    with pytest.raises(ValueError):
        adjust(AdjustmentKind.FOUND, Levels(), 0, fnsku="X1", fulfillment_center_id="SEA1")
