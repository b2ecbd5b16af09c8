"""Customer returns against the in-memory unit of work: sellable units become fulfillable again,
damaged or defective ones unfulfillable, through the ledger, once per return id."""

from __future__ import annotations

import pytest
from inventory_fakes import FakeInventoryUnitOfWork, consume
from inventory_testkit import instructed_event, return_accepted_event, shipped_event

from inventory.domain.returns import UnknownReturnedStock
from inventory.domain.stock import Levels


@pytest.fixture
async def uow() -> FakeInventoryUnitOfWork:
    """XA: 10 fulfillable at SEA1, 3 of them shipped to a buyer."""
    uow = FakeInventoryUnitOfWork()
    uow.stock.seed("XA", "SEA1", fulfillable=10)
    await consume(uow, instructed_event("FO-1", [("XA", 3)]), shipped_event("FO-1"))
    uow.events.clear()
    return uow


async def test_a_sellable_return_is_fulfillable_again_and_announced(uow):
    returned = return_accepted_event("R-1", [("XA", 2, "sellable")])

    await consume(uow, returned)

    assert uow.stock.levels_of("XA") == Levels(fulfillable=9, shipped=3)
    assert [(e.bucket, e.delta, e.reason, e.cause_event_id) for e in uow.stock.entries][-1:] == [
        ("fulfillable", 2, "customer-return-sellable", returned.id)
    ]
    [level] = uow.events
    assert (level.data.fulfillable, level.data.shipped, level.causation_id) == (9, 3, returned.id)


@pytest.mark.parametrize("condition", ["customer-damaged", "carrier-damaged", "defective"])
async def test_a_damaged_or_defective_return_is_unfulfillable(uow, condition):
    await consume(uow, return_accepted_event("R-1", [("XA", 1, condition)]))

    assert uow.stock.levels_of("XA") == Levels(fulfillable=7, unfulfillable=1, shipped=3)
    assert uow.stock.entries[-1].reason == f"customer-return-{condition}"


async def test_one_return_with_units_in_two_conditions_moves_both(uow):
    await consume(
        uow, return_accepted_event("R-1", [("XA", 1, "sellable"), ("XA", 1, "defective")])
    )

    assert uow.stock.levels_of("XA") == Levels(fulfillable=8, unfulfillable=1, shipped=3)
    assert len(uow.events) == 1  # one level announced per (FNSKU, FC)


async def test_a_return_reported_again_under_another_event_id_moves_nothing(uow):
    await consume(uow, return_accepted_event("R-1", [("XA", 2, "sellable")]))
    await consume(uow, return_accepted_event("R-1", [("XA", 2, "sellable")]))
    await consume(
        uow,
        return_accepted_event("R-2", [("XA", 1, "sellable")]),
        return_accepted_event("R-2", [("XA", 1, "sellable")]),
    )

    assert uow.stock.levels_of("XA") == Levels(fulfillable=10, shipped=3)
    assert set(uow.returns.stored) == {"R-1", "R-2"}


async def test_a_return_of_an_fnsku_never_held_at_the_fc_is_refused_moving_nothing(uow):
    before = list(uow.stock.entries)

    with pytest.raises(UnknownReturnedStock, match="XZ was never held at SEA1"):
        await consume(uow, return_accepted_event("R-1", [("XZ", 1, "sellable")]))

    assert uow.stock.entries == before
