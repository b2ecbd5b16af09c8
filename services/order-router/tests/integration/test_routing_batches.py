"""Orders that arrive together are routed together (`route_orders` takes the whole batch as one
run), against the real PostgreSQL: the outcomes are those of routing them one by one, in
arrival order, and the stock they share is never promised twice."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
import sqlalchemy as sa
from order_router_testkit import (
    SEATTLE,
    SOURCE,
    apply,
    level,
    line,
    listed_item,
    order_status,
    outbox_events,
    placed,
    seller_with_stock,
    stock,
    unique,
)

from order_router.domain.commands import PlaceOrder
from order_router.domain.ownership import Party, PartyKind
from order_router.entrypoints.consumers import order_of
from order_router.service_layer.handlers import place_order
from order_router.service_layer.unit_of_work import OrderRouterUnitOfWork
from stockpath_runtime.consumer import Outcome
from stockpath_testing import ServiceConsumer

pytestmark = pytest.mark.integration


async def together(database, *events, statements: list[str] | None = None) -> list[Outcome]:
    """Deliver events of one topic as one batch, through the worker's own subscriptions (a
    dead-lettered event fails the test); `statements` collects the SQL it sent."""
    async with ServiceConsumer("order-router", database) as consumer:
        if statements is not None:
            sa.event.listen(
                consumer.engine.sync_engine,
                "before_cursor_execute",
                lambda *args: statements.append(args[2]),
            )
        outcomes = await consumer.deliver_batch(*events)
    assert consumer.transactions == 1, "the batch was applied in one transaction, not one by one"
    return outcomes


async def test_orders_routed_together_share_scarce_stock_first_come_first_served(engine, database):
    seller_id, sku, fnsku = unique("S"), unique("SKU"), unique("X00")
    await listed_item(engine, seller_id, sku, fnsku)
    await apply(engine, level(fnsku, "SEA1", 3, seller_id=seller_id))
    await apply(engine, level(fnsku, "EWR4", 2, seller_id=seller_id))
    ids = [unique("O") for _ in range(5)]
    events = [
        placed(order_id, line("1", seller_id=seller_id, seller_sku=sku, quantity=2))
        for order_id in ids
    ]

    assert await together(database, *events) == [Outcome.PROCESSED] * 5

    statuses = [await order_status(engine, order_id) for order_id in ids]
    assert statuses == ["ROUTED", "ROUTED", "REJECTED", "REJECTED", "REJECTED"]
    first = await outbox_events(engine, ids[0], "FulfillmentInstructed")
    second = await outbox_events(engine, ids[1], "FulfillmentInstructed")
    assert [e.data.fulfillment_center_id for e in first + second] == ["SEA1", "EWR4"]
    assert await stock(engine, fnsku, "SEA1") == (3, 2) and await stock(engine, fnsku, "EWR4") == (
        2,
        2,
    )
    for order_id in ids[2:]:
        [rejected] = await outbox_events(engine, order_id, "OrderRejected")
        assert rejected.data.reason_code == "INSUFFICIENT_INVENTORY"


async def test_a_batch_mixes_new_orders_rejections_copies_and_orders_placed_over_http(
    engine, database
):
    seller_id, sku, fnsku = unique("S"), unique("SKU"), unique("X00")
    await listed_item(engine, seller_id, sku, fnsku)
    await apply(engine, level(fnsku, "SEA1", 10, seller_id=seller_id))
    routed_before = unique("O")
    await apply(engine, placed(routed_before, line("1", seller_id=seller_id, seller_sku=sku)))
    over_http = placed(
        unique("O"), line("1", seller_id=seller_id, seller_sku=sku, quantity=3), source=SOURCE
    )
    # Recorded PENDING by the API first (an operator's order keeps its id).
    operator = Party(PartyKind.OPERATOR, "ops")
    await place_order(
        PlaceOrder(order_of(over_http.data), operator), OrderRouterUnitOfWork(engine, source=SOURCE)
    )
    new = placed(unique("O"), line("1", seller_id=seller_id, seller_sku=sku, quantity=2))
    unknown_sku = placed(unique("O"), line("1", seller_id=seller_id, seller_sku="NO-SUCH-SKU"))
    copy_of_new = placed(
        new.data.order_id, line("1", seller_id=seller_id, seller_sku=sku, quantity=5)
    )
    again = placed(routed_before, line("1", seller_id=seller_id, seller_sku=sku))

    outcomes = await together(database, new, unknown_sku, over_http, copy_of_new, again, new)

    assert outcomes == [Outcome.PROCESSED] * 5 + [Outcome.DUPLICATE]
    assert await order_status(engine, new.data.order_id) == "ROUTED"
    assert await order_status(engine, over_http.data.order_id) == "ROUTED"
    assert await order_status(engine, unknown_sku.data.order_id) == "REJECTED"
    [instructed] = await outbox_events(engine, new.data.order_id, "FulfillmentInstructed")
    assert [ln.quantity for ln in instructed.data.lines] == [2], (
        "the first version of an order is the one routed"
    )
    assert len(await outbox_events(engine, routed_before, "FulfillmentInstructed")) == 1
    assert await stock(engine, fnsku, "SEA1") == (10, 1 + 3 + 2)


async def test_a_new_orders_lines_are_written_resolved_and_only_orders_recorded_before_updated(
    engine, database
):
    seller_id, sku, fnsku = unique("S"), unique("SKU"), unique("X00")
    await listed_item(engine, seller_id, sku, fnsku)
    await apply(engine, level(fnsku, "SEA1", 10, seller_id=seller_id))
    over_http = placed(unique("O"), line("1", seller_id=seller_id, seller_sku=sku), source=SOURCE)
    await place_order(
        PlaceOrder(order_of(over_http.data), Party(PartyKind.OPERATOR, "ops")),
        OrderRouterUnitOfWork(engine, source=SOURCE),
    )
    new = placed(unique("O"), line("1", seller_id=seller_id, seller_sku=sku, quantity=2))

    written_new: list[str] = []
    await together(database, new, statements=written_new)
    written_before: list[str] = []
    await together(database, over_http, statements=written_before)

    assert not [s for s in written_new if "SET fnsku" in s], (
        "a new order's lines are written once, resolved, not written and then updated"
    )
    assert len([s for s in written_before if "SET fnsku" in s]) == 1, (
        "an order recorded before (over HTTP) has its recorded lines resolved"
    )
    async with OrderRouterUnitOfWork(engine, source=SOURCE) as uow:
        for event in (new, over_http):
            record = await uow.orders.record(event.data.order_id)
            assert record is not None and record.status.value == "ROUTED"
            assert [(o.fnsku, o.resolved_seller_id) for o in record.lines] == [(fnsku, seller_id)]


async def test_fill_all_orders_in_a_batch_backorder_what_the_earlier_ones_took(engine, database):
    seller_id, sku, fnsku = unique("S"), unique("SKU"), unique("X00")
    await listed_item(engine, seller_id, sku, fnsku)
    await apply(engine, level(fnsku, "SEA1", 3, seller_id=seller_id))
    first = placed(
        unique("O"), line("1", seller_id=seller_id, seller_sku=sku, quantity=2), ship_to=SEATTLE
    )
    second = placed(
        unique("O"), line("1", seller_id=seller_id, seller_sku=sku, quantity=2), policy="fill-all"
    )

    await together(database, first, second)

    assert await order_status(engine, first.data.order_id) == "ROUTED"
    assert await order_status(engine, second.data.order_id) == "BACKORDERED"
    [backordered] = await outbox_events(engine, second.data.order_id, "OrderBackordered")
    assert [(ln.line_id, ln.quantity) for ln in backordered.data.lines] == [("1", 1)]
    assert await stock(engine, fnsku, "SEA1") == (3, 3)
    await apply(engine, level(fnsku, "SEA1", 4, seller_id=seller_id))  # one more unit arrives
    assert await order_status(engine, second.data.order_id) == "ROUTED"
    assert await stock(engine, fnsku, "SEA1") == (4, 4)


async def test_levels_recorded_together_keep_the_newest_per_fc_and_release_backorders(
    engine, database
):
    seller_id, sku, fnsku = unique("S"), unique("SKU"), unique("X00")
    await listed_item(engine, seller_id, sku, fnsku)
    await apply(engine, level(fnsku, "SEA1", 1, seller_id=seller_id))
    waiting = placed(
        unique("O"), line("1", seller_id=seller_id, seller_sku=sku, quantity=3), policy="fill-all"
    )
    await apply(engine, waiting)
    assert await order_status(engine, waiting.data.order_id) == "BACKORDERED"
    newest = level(fnsku, "SEA1", 3, seller_id=seller_id)
    older = dataclasses.replace(
        level(fnsku, "SEA1", 9, seller_id=seller_id), time=newest.time - timedelta(seconds=1)
    )
    elsewhere = level(fnsku, "EWR4", 1, seller_id=seller_id)

    outcomes = await together(database, newest, older, elsewhere)

    assert outcomes == [Outcome.PROCESSED] * 3
    assert await stock(engine, fnsku, "SEA1") == (3, 3), (
        "the newer level wins whatever order the batch holds"
    )
    assert await stock(engine, fnsku, "EWR4") == (1, 0)
    assert await order_status(engine, waiting.data.order_id) == "ROUTED"
    placed_part, released = await outbox_events(engine, waiting.data.order_id, "OrderRouted")
    assert placed_part.causation_id == waiting.id and released.causation_id == newest.id


async def test_a_batch_sets_the_backordered_and_cancelled_units_of_all_its_orders_in_one_statement_each(
    engine, database
):
    seller_a, sku_a, fnsku_a = await seller_with_stock(engine, ("SEA1", 1))
    seller_b, sku_b, fnsku_b = await seller_with_stock(engine, ("SEA1", 1))
    a, b = (
        {"seller_id": seller_a, "seller_sku": sku_a},
        {"seller_id": seller_b, "seller_sku": sku_b},
    )
    partly = placed(unique("O"), line("1", **a, quantity=2), policy="fill-all-available")
    mostly = placed(unique("O"), line("1", **b, quantity=3), policy="fill-all-available")
    both = placed(
        unique("O"), line("1", **a, quantity=1), line("2", **b, quantity=2), policy="fill-all"
    )
    more = placed(unique("O"), line("1", **a, quantity=4), policy="fill-all")
    statements: list[str] = []

    await together(database, partly, mostly, both, more, statements=statements)

    async with OrderRouterUnitOfWork(engine, source=SOURCE) as uow:
        records = [await uow.orders.record(e.data.order_id) for e in (partly, mostly, both, more)]
    assert [r.status.value for r in records] == ["ROUTED", "ROUTED", "BACKORDERED", "BACKORDERED"]
    assert [[(o.line.line_id, o.backordered, o.cancelled) for o in r.lines] for r in records] == [
        [("1", 0, 1)],
        [("1", 0, 2)],
        [("1", 1, 0), ("2", 2, 0)],
        [("1", 4, 0)],
    ]
    line_updates = [s for s in statements if "UPDATE order_lines" in s]
    assert sum("quantity_cancelled" in s for s in line_updates) == 1
    assert sum("quantity_backordered" in s for s in line_updates) == 1


async def test_a_batch_reads_registrations_and_listings_a_fixed_number_of_times_whatever_its_size(
    engine, database
):
    seller_id, sku, fnsku = unique("S"), unique("SKU"), unique("X00")
    await listed_item(engine, seller_id, sku, fnsku, channels=("web", "app"))
    await apply(engine, level(fnsku, "SEA1", 100, seller_id=seller_id))
    other_sku, other_fnsku = unique("SKU"), unique("X00")
    await listed_item(engine, seller_id, other_sku, other_fnsku, channels=("app",))

    async def reads(count: int) -> tuple[list[str], list[str]]:
        by_sku = line("1", seller_id=seller_id, seller_sku=sku)
        by_listing = line("2", listing_id=f"L-web-{fnsku}")
        not_in_web = line("1", seller_id=seller_id, seller_sku=other_sku)
        events = [placed(unique("O"), by_sku, by_listing) for _ in range(count)]
        events += [placed(unique("O"), by_sku, channel="app") for _ in range(count)]
        events += [placed(unique("O"), not_in_web) for _ in range(count)]
        statements: list[str] = []
        await together(database, *events, statements=statements)
        statuses = {await order_status(engine, e.data.order_id) for e in events[: 2 * count]}
        assert statuses == {"ROUTED"}
        for event in events[2 * count :]:
            [rejected] = await outbox_events(engine, event.data.order_id, "OrderRejected")
            assert rejected.data.reason_code == "NOT_LISTED_IN_CHANNEL"
        return [s for s in statements if "FROM listings" in s], [
            s for s in statements if "FROM registrations" in s
        ]

    few, many = await reads(1), await reads(8)

    assert [len(found) for found in few] == [len(found) for found in many] == [2, 1], (
        "one read of listings by id, one of the items listed per channel, one of registrations"
    )
