"""Removal orders against the in-memory unit of work: units set aside at once, the FC told on its
own topic, completed once, cancelled back into their bucket while pending."""

from __future__ import annotations

import pytest
from inventory_fakes import FakeInventoryUnitOfWork, consume
from inventory_testkit import removal_shipped_event, units_disposed_event

from inventory.domain.adjustments import UnknownStock
from inventory.domain.commands import CancelRemovalOrder, CreateRemovalOrder
from inventory.domain.removals import (
    RemovalIdReused,
    RemovalNotCancellable,
    RemovalOrder,
    RemovalRefused,
    RemovalStatus,
    RemovalUnits,
    UnknownRemovalOrder,
)
from inventory.domain.stock import Levels
from inventory.service_layer.removals import cancel_removal_order, create_removal_order
from stockpath_events import Address
from stockpath_events.types.inventory import RemovalDisposition, RemovalSource

HOME = Address(name="Acme", line1="1 Dock St", city="Seattle", region="WA", postal_code="98101")


@pytest.fixture
def uow() -> FakeInventoryUnitOfWork:
    """XA at SEA1: 5 fulfillable, 2 unfulfillable (S-ACME's)."""
    uow = FakeInventoryUnitOfWork()
    uow.stock.seed("XA", "SEA1", fulfillable=5, unfulfillable=2)
    return uow


def order(
    rid: str = "RMV-1",
    *,
    disposition=RemovalDisposition.DISPOSE,
    seller: str = "S-ACME",
    **lines: int,
):
    units = tuple(
        RemovalUnits("XA", RemovalSource(source), q)
        for source, q in (lines or {"unfulfillable": 2}).items()
    )
    ship_to = HOME if disposition is RemovalDisposition.RETURN else None
    return CreateRemovalOrder(RemovalOrder(rid, seller, "SEA1", disposition, units, ship_to))


def kinds(uow) -> list[str]:
    return [type(e.data).__name__ for e in uow.events]


async def test_a_removal_sets_its_units_aside_and_tells_the_fc(uow):
    made, created = await create_removal_order(order(unfulfillable=2, fulfillable=1), uow)

    assert created and made.status is RemovalStatus.PENDING
    assert uow.stock.levels_of("XA") == Levels(fulfillable=4, unfulfillable=0)
    assert kinds(uow) == ["RemovalOrderCreated", "InventoryLevelChanged", "RemovalInstructed"]
    creation = uow.events[0]
    assert {(e.bucket, e.delta, e.reason, e.cause_event_id) for e in uow.stock.entries} == {
        ("unfulfillable", -2, "removal-set-aside", creation.id),
        ("fulfillable", -1, "removal-set-aside", creation.id),
    }


async def test_the_same_request_again_creates_nothing_and_other_content_under_its_id_is_refused(
    uow,
):
    await create_removal_order(order(), uow)
    again, created = await create_removal_order(order(), uow)
    assert not created and again.removal_order_id == "RMV-1"
    assert uow.stock.levels_of("XA") == Levels(fulfillable=5, unfulfillable=0)
    with pytest.raises(RemovalIdReused):
        await create_removal_order(order(fulfillable=1), uow)


async def test_more_than_the_bucket_holds_another_sellers_stock_or_a_return_without_address_is_refused(
    uow,
):
    with pytest.raises(RemovalRefused, match="3 unfulfillable unit"):
        await create_removal_order(order(unfulfillable=3), uow)
    with pytest.raises(UnknownStock):
        await create_removal_order(order(seller="S-OTHER"), uow)
    no_address = order(disposition=RemovalDisposition.RETURN)
    with pytest.raises(RemovalRefused, match="ship_to"):
        await create_removal_order(
            CreateRemovalOrder(
                RemovalOrder(
                    "RMV-2",
                    "S-ACME",
                    "SEA1",
                    RemovalDisposition.RETURN,
                    no_address.removal_order.lines,
                    None,
                )
            ),
            uow,
        )
    assert uow.stock.levels_of("XA") == Levels(fulfillable=5, unfulfillable=2)
    assert uow.events == []


async def test_the_fcs_report_completes_it_once_and_then_it_cannot_be_cancelled(uow):
    await create_removal_order(order(), uow)
    await consume(uow, units_disposed_event("RMV-1"), units_disposed_event("RMV-1"))
    assert uow.removal_orders.stored["RMV-1"].status is RemovalStatus.DISPOSED
    assert uow.stock.levels_of("XA") == Levels(fulfillable=5, unfulfillable=0)
    with pytest.raises(RemovalNotCancellable):
        await cancel_removal_order(CancelRemovalOrder("RMV-1", "S-ACME"), uow)


async def test_a_pending_removal_is_cancelled_with_its_units_back_and_only_by_its_seller(uow):
    await create_removal_order(order(disposition=RemovalDisposition.RETURN, fulfillable=2), uow)
    with pytest.raises(UnknownRemovalOrder):
        await cancel_removal_order(CancelRemovalOrder("RMV-1", "S-OTHER"), uow)
    cancelled = await cancel_removal_order(CancelRemovalOrder("RMV-1", "S-ACME"), uow)
    assert cancelled.status is RemovalStatus.CANCELLED
    assert uow.stock.levels_of("XA") == Levels(fulfillable=5, unfulfillable=2)
    assert kinds(uow)[-2:] == ["RemovalOrderCancelled", "InventoryLevelChanged"]


async def test_a_removal_carried_out_after_its_cancellation_takes_the_units_out_again(uow):
    await create_removal_order(order(disposition=RemovalDisposition.RETURN, fulfillable=2), uow)
    await cancel_removal_order(CancelRemovalOrder("RMV-1", "S-ACME"), uow)
    shipped = removal_shipped_event("RMV-1")
    await consume(uow, shipped)
    assert uow.removal_orders.stored["RMV-1"].status is RemovalStatus.SHIPPED
    assert uow.stock.levels_of("XA") == Levels(fulfillable=3, unfulfillable=2)
    assert uow.stock.entries[-1].cause_event_id == shipped.id


async def test_a_report_on_an_unknown_removal_is_refused(uow):
    with pytest.raises(UnknownRemovalOrder):
        await consume(uow, units_disposed_event("RMV-NOPE"))


# --- its own announcements read back (issue 17) ----------------------------------------------------


def announced(uow) -> list:
    """What the requests announced that inventory reads back: removals created and cancelled."""
    return [
        e
        for e in uow.events
        if type(e.data).__name__ in ("RemovalOrderCreated", "RemovalOrderCancelled")
    ]


def ledger(uow) -> list[tuple]:
    return [(e.fnsku, e.bucket, e.delta, e.reason, e.cause_event_id) for e in uow.stock.entries]


async def test_removals_read_back_into_an_empty_store_are_set_aside_and_cancelled_as_requested(uow):
    await create_removal_order(
        order("RMV-1", disposition=RemovalDisposition.RETURN, fulfillable=2), uow
    )
    await cancel_removal_order(CancelRemovalOrder("RMV-1", "S-ACME"), uow)
    await create_removal_order(order("RMV-2", unfulfillable=2, fulfillable=1), uow)
    rebuilt = FakeInventoryUnitOfWork()
    rebuilt.stock.seed("XA", "SEA1", fulfillable=5, unfulfillable=2)

    for event in announced(uow):
        await consume(rebuilt, event)

    assert rebuilt.removal_orders.stored == uow.removal_orders.stored
    assert rebuilt.stock.levels_of("XA") == uow.stock.levels_of("XA") == Levels(fulfillable=4)
    assert ledger(rebuilt) == ledger(uow), "the same movements, caused by the same announcements"


async def test_removals_read_back_live_change_nothing(uow):
    await create_removal_order(order("RMV-1", fulfillable=2), uow)
    await cancel_removal_order(CancelRemovalOrder("RMV-1", "S-ACME"), uow)
    await create_removal_order(order("RMV-2", unfulfillable=1), uow)
    before = (dict(uow.removal_orders.stored), uow.stock.levels_of("XA"), ledger(uow))

    for event in announced(uow):
        await consume(uow, event)

    assert (dict(uow.removal_orders.stored), uow.stock.levels_of("XA"), ledger(uow)) == before
