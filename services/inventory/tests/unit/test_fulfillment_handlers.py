"""Customer orders against the in-memory unit of work: instructions reserve, cancellations
release, confirmations ship — through the ledger, never below zero, in any order of arrival."""

from __future__ import annotations

import pytest
from inventory_fakes import FakeInventoryUnitOfWork, consume
from inventory_testkit import fulfillment_cancelled_event, instructed_event, shipped_event

from inventory.domain.discrepancies import DiscrepancyKind
from inventory.domain.fulfillment_orders import FulfillmentOrderStatus
from inventory.domain.stock import Levels
from stockpath_events.types.inventory import InventoryDiscrepancyRecorded, InventoryLevelChanged


@pytest.fixture
def uow() -> FakeInventoryUnitOfWork:
    """XA: 10 fulfillable, XB: 2 fulfillable at SEA1."""
    uow = FakeInventoryUnitOfWork()
    uow.stock.seed("XA", "SEA1", fulfillable=10)
    uow.stock.seed("XB", "SEA1", fulfillable=2)
    return uow


async def test_an_instruction_reserves_its_units_and_announces_the_levels(uow):
    instructed = instructed_event("FO-1", [("XA", 3)])

    await consume(uow, instructed)

    assert uow.stock.levels_of("XA") == Levels(fulfillable=7, reserved=3)
    assert [
        (e.bucket, e.delta, e.reason, e.cause_event_id, e.fulfillment_order_id)
        for e in uow.stock.entries
    ] == [
        ("fulfillable", -3, "reserved-for-order", instructed.id, "FO-1"),
        ("reserved", 3, "reserved-for-order", instructed.id, "FO-1"),
    ]
    order = uow.fulfillment_orders.stored["FO-1"]
    assert (order.status, order.instructed, order.order_id) == (
        FulfillmentOrderStatus.RESERVED,
        True,
        "O-FO-1",
    )
    assert [(s.fnsku, s.quantity_ordered, s.quantity_reserved) for s in order.stock] == [
        ("XA", 3, 3)
    ]
    [level] = uow.events
    assert (level.data.fulfillable, level.data.reserved, level.causation_id) == (
        7,
        3,
        instructed.id,
    )
    assert level.correlation_id == instructed.correlation_id


async def test_an_instruction_beyond_the_fulfillable_reserves_what_exists_and_records_the_shortfall(
    uow,
):
    # Two lines of one FNSKU draw on the same units: 4 asked, 2 exist.
    instructed = instructed_event("FO-1", [("XB", 3), ("XB", 1)])

    await consume(uow, instructed)

    assert uow.stock.levels_of("XB") == Levels(fulfillable=0, reserved=2)
    [short] = uow.discrepancies.recorded
    assert (
        short.kind,
        short.quantity,
        short.quantity_expected,
        short.quantity_counted,
        short.fulfillment_order_id,
    ) == (
        DiscrepancyKind.RESERVATION_SHORTFALL,
        2,
        4,
        2,
        "FO-1",
    )
    [recorded] = [e for e in uow.events if isinstance(e.data, InventoryDiscrepancyRecorded)]
    assert recorded.causation_id == instructed.id
    assert [
        (s.quantity_ordered, s.quantity_reserved)
        for s in uow.fulfillment_orders.stored["FO-1"].stock
    ] == [(4, 2)]


async def test_instructions_of_one_run_share_scarce_stock_in_the_order_they_came(uow):
    first = instructed_event("FO-1", [("XB", 2)])
    await consume(uow, first, instructed_event("FO-2", [("XB", 1)]), first)

    assert uow.stock.levels_of("XB") == Levels(reserved=2)
    assert [(d.fulfillment_order_id, d.quantity) for d in uow.discrepancies.recorded] == [
        ("FO-2", 1)
    ]
    # One level announced per FNSKU and run, caused by the last instruction that moved it.
    [level] = uow.emitted(InventoryLevelChanged)
    assert (level.fulfillable, level.reserved) == (0, 2)


async def test_the_same_order_instructed_again_changes_nothing(uow):
    await consume(uow, instructed_event("FO-1", [("XA", 3)]))

    await consume(uow, instructed_event("FO-1", [("XA", 5)]))

    assert uow.stock.levels_of("XA") == Levels(fulfillable=7, reserved=3)
    assert len(uow.events) == 1


async def test_a_cancellation_releases_the_reservation_and_only_once(uow):
    await consume(uow, instructed_event("FO-1", [("XA", 3), ("XB", 1)]))
    cancelled = fulfillment_cancelled_event("FO-1")

    await consume(
        uow, cancelled, fulfillment_cancelled_event("FO-1"), fulfillment_cancelled_event("FO-NEVER")
    )

    assert uow.stock.levels_of("XA") == Levels(fulfillable=10)
    assert uow.stock.levels_of("XB") == Levels(fulfillable=2)
    assert uow.fulfillment_orders.stored["FO-1"].status is FulfillmentOrderStatus.CANCELLED
    released = [e for e in uow.stock.entries if e.reason == "fulfillment-cancelled"]
    assert {e.cause_event_id for e in released} == {cancelled.id} and len(released) == 4
    assert [(e.data.fnsku, e.causation_id) for e in uow.events[-2:]] == [
        ("XA", cancelled.id),
        ("XB", cancelled.id),
    ]


async def test_a_shipment_moves_reserved_units_to_shipped_once(uow):
    await consume(uow, instructed_event("FO-1", [("XA", 3)]))
    shipped = shipped_event("FO-1")

    await consume(uow, shipped, shipped_event("FO-1"))

    assert uow.stock.levels_of("XA") == Levels(fulfillable=7, shipped=3)
    assert uow.fulfillment_orders.stored["FO-1"].status is FulfillmentOrderStatus.SHIPPED
    assert uow.fulfillment_orders.shipped_by["FO-1"] == ("UPS", "1ZFO-1")
    levels = uow.emitted(InventoryLevelChanged)
    # fulfillable + reserved + shipped — what order-router allocates against — never moved.
    assert [lv.fulfillable + lv.reserved + lv.shipped for lv in levels] == [10, 10]
    assert (uow.events[-1].data.shipped, uow.events[-1].causation_id) == (3, shipped.id)


async def test_an_order_shipped_after_its_cancellation_ships_from_fulfillable(uow):
    await consume(uow, instructed_event("FO-1", [("XA", 2)]), fulfillment_cancelled_event("FO-1"))

    await consume(uow, shipped_event("FO-1"))

    assert uow.stock.levels_of("XA") == Levels(fulfillable=8, shipped=2)


async def test_a_confirmation_that_overtakes_its_instruction_is_applied_when_the_instruction_comes(
    uow,
):
    await consume(uow, shipped_event("FO-1"))
    assert uow.stock.levels_of("XA") == Levels(fulfillable=10) and uow.events == []
    order = uow.fulfillment_orders.stored["FO-1"]
    assert (order.status, order.instructed, order.stock) == (
        FulfillmentOrderStatus.SHIPPED,
        False,
        [],
    )

    await consume(uow, instructed_event("FO-1", [("XA", 3)]))

    assert uow.stock.levels_of("XA") == Levels(fulfillable=7, shipped=3)
    order = uow.fulfillment_orders.stored["FO-1"]
    assert (order.status, order.instructed) == (FulfillmentOrderStatus.SHIPPED, True)
    assert [(s.quantity_ordered, s.quantity_reserved) for s in order.stock] == [(3, 0)]
    # The same instruction re-published, then a cancellation: nothing moves.
    await consume(uow, instructed_event("FO-1", [("XA", 3)]), fulfillment_cancelled_event("FO-1"))
    assert uow.stock.levels_of("XA") == Levels(fulfillable=7, shipped=3)


async def test_no_bucket_goes_negative_whatever_the_orders_ask(uow):
    await consume(
        uow,
        instructed_event("FO-1", [("XB", 5)]),
        shipped_event("FO-2"),
        instructed_event("FO-2", [("XB", 4)]),
        shipped_event("FO-1"),
    )

    assert uow.stock.levels_of("XB") == Levels(shipped=2)
    assert [(d.fulfillment_order_id, d.quantity) for d in uow.discrepancies.recorded] == [
        ("FO-1", 3),
        ("FO-2", 4),
    ]


async def test_a_replayed_instruction_records_its_shortfall_under_the_same_id():
    # A rebuilt store must name the discrepancy as the live one did (the FC's reports cite it).
    instructed = instructed_event("FO-1", [("XB", 3)])
    ids = []
    for _ in range(2):
        store = FakeInventoryUnitOfWork()
        store.stock.seed("XB", "SEA1", fulfillable=2)
        await consume(store, instructed)
        [short] = store.discrepancies.recorded
        ids.append(short.discrepancy_id)
    assert ids[0] == ids[1]
    other = FakeInventoryUnitOfWork()
    other.stock.seed("XB", "SEA1", fulfillable=2)
    await consume(other, instructed_event("FO-2", [("XB", 3)]))
    assert other.discrepancies.recorded[0].discrepancy_id != ids[0]
