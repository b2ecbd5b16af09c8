"""Adjustments by FC staff against the in-memory unit of work: found, lost, damaged, transferred,
each through the ledger with an InventoryAdjusted per bucket moved; refusals move nothing."""

from __future__ import annotations

import pytest
from inventory_fakes import FakeInventoryUnitOfWork

from inventory.domain.adjustments import (
    AdjustmentIdReused,
    AdjustmentKind,
    BadTransfer,
    NotEnoughFulfillable,
    UnknownStock,
)
from inventory.domain.commands import AdjustInventory
from inventory.domain.stock import Levels
from inventory.service_layer.adjustments import adjust_inventory
from stockpath_events.types.inventory import InventoryAdjusted, InventoryLevelChanged


@pytest.fixture
def uow() -> FakeInventoryUnitOfWork:
    """XA: 10 fulfillable and 2 reserved at SEA1."""
    uow = FakeInventoryUnitOfWork()
    uow.stock.seed("XA", "SEA1", fulfillable=10, reserved=2)
    return uow


def adjustment(
    kind: AdjustmentKind, quantity: int, *, adjustment_id: str = "ADJ1", **more
) -> AdjustInventory:
    return AdjustInventory(
        adjustment_id, "SEA1", "XA", kind, quantity, f"cycle count: {kind.value}", **more
    )


@pytest.mark.parametrize(
    ("kind", "after", "moved"),
    [
        (
            AdjustmentKind.FOUND,
            Levels(fulfillable=12, reserved=2),
            [("fulfillable", 2, "adjustment-found")],
        ),
        (
            AdjustmentKind.LOST,
            Levels(fulfillable=8, reserved=2),
            [("fulfillable", -2, "adjustment-lost")],
        ),
        (
            AdjustmentKind.DAMAGED,
            Levels(fulfillable=8, reserved=2, unfulfillable=2),
            [("fulfillable", -2, "adjustment-damaged"), ("unfulfillable", 2, "adjustment-damaged")],
        ),
    ],
)
async def test_an_adjustment_moves_the_buckets_fba_reports_through_the_ledger(
    uow, kind, after, moved
):
    result = await adjust_inventory(adjustment(kind, 2), uow)

    assert not result.replayed and uow.commits == 1
    assert uow.stock.levels_of("XA") == after
    assert [s.levels for s in result.inventory] == [after]
    [announced_last] = [e for e in uow.events if isinstance(e.data, InventoryAdjusted)][-1:]
    assert [(e.bucket, e.delta, e.reason) for e in uow.stock.entries] == moved
    assert {(e.adjustment_id, e.cause_event_id) for e in uow.stock.entries} == {
        ("ADJ1", announced_last.id)
    }
    adjusted = uow.emitted(InventoryAdjusted)
    assert [(a.bucket, a.quantity_delta) for a in adjusted] == [(b, d) for b, d, _ in moved]
    assert adjusted[0].reason == f"{moved[0][2]}: cycle count: {kind.value}"
    [level] = uow.emitted(InventoryLevelChanged)
    assert (level.fulfillable, level.unfulfillable) == (after.fulfillable, after.unfulfillable)


async def test_a_transfer_moves_fulfillable_units_to_another_fc(uow):
    result = await adjust_inventory(
        adjustment(AdjustmentKind.TRANSFERRED, 4, to_fulfillment_center_id="DFW7"), uow
    )

    assert uow.stock.levels_of("XA", "SEA1") == Levels(fulfillable=6, reserved=2)
    assert uow.stock.levels_of("XA", "DFW7") == Levels(fulfillable=4)
    assert [(s.fulfillment_center_id, s.levels.fulfillable) for s in result.inventory] == [
        ("DFW7", 4),
        ("SEA1", 6),
    ]
    assert [
        (a.fulfillment_center_id, a.quantity_delta) for a in uow.emitted(InventoryAdjusted)
    ] == [
        ("DFW7", 4),
        ("SEA1", -4),
    ]
    assert uow.stock.rows[("XA", "DFW7")].seller_id == "S-ACME"


async def test_reserved_units_are_not_adjusted(uow):
    with pytest.raises(NotEnoughFulfillable) as refused:
        await adjust_inventory(adjustment(AdjustmentKind.LOST, 11), uow)
    assert refused.value.fulfillable == 10
    assert uow.stock.levels_of("XA") == Levels(fulfillable=10, reserved=2) and uow.events == []


async def test_an_adjustment_sent_again_moves_nothing_twice_and_a_reused_id_is_refused(uow):
    await adjust_inventory(adjustment(AdjustmentKind.LOST, 1), uow)

    again = await adjust_inventory(adjustment(AdjustmentKind.LOST, 1), uow)
    assert again.replayed and [s.levels.fulfillable for s in again.inventory] == [9]
    assert uow.stock.levels_of("XA").fulfillable == 9 and len(uow.emitted(InventoryAdjusted)) == 1

    with pytest.raises(AdjustmentIdReused):
        await adjust_inventory(adjustment(AdjustmentKind.LOST, 2), uow)
    assert uow.stock.levels_of("XA").fulfillable == 9


@pytest.mark.parametrize(
    ("kind", "to"),
    [
        (AdjustmentKind.TRANSFERRED, None),
        (AdjustmentKind.TRANSFERRED, "SEA1"),
        (AdjustmentKind.FOUND, "DFW7"),
    ],
)
async def test_only_a_transfer_names_another_fc(uow, kind, to):
    with pytest.raises(BadTransfer):
        await adjust_inventory(adjustment(kind, 1, to_fulfillment_center_id=to), uow)
    assert uow.adjustments.stored == {} and uow.events == []


async def test_stock_the_fc_never_had_cannot_be_adjusted(uow):
    with pytest.raises(UnknownStock):
        await adjust_inventory(
            AdjustInventory("ADJ1", "SEA1", "XNONE", AdjustmentKind.FOUND, 1, "found"), uow
        )
    assert uow.adjustments.stored == {}
