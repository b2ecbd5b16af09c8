"""Routing orders against the real PostgreSQL: resolution, allocation, the events in the outbox,
and that redelivery or a second copy of an order changes nothing."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from order_router_testkit import (
    NEW_YORK,
    apply,
    level,
    line,
    listed,
    order_status,
    outbox_events,
    placed,
    seller_with_stock,
    stock,
    unique,
)

from order_router.domain.identifiers import fulfillment_order_id
from stockpath_runtime.consumer import Outcome
from stockpath_testing import ServiceConsumer

pytestmark = pytest.mark.integration


async def test_an_order_is_instructed_to_the_nearest_fc_with_stock_reserved(engine):
    seller_id, sku, fnsku = await seller_with_stock(engine, ("SEA1", 5), ("EWR4", 5))
    order_id = unique("O")
    event = placed(
        order_id,
        line("1", seller_id=seller_id, seller_sku=sku, quantity=2),
        ship_to=NEW_YORK,
        speed="expedited",
    )
    assert await apply(engine, event)

    [instructed] = await outbox_events(engine, order_id, "FulfillmentInstructed")
    data = instructed.data
    assert data.fulfillment_center_id == "EWR4"
    # Derived from the OrderPlaced that caused it (a replay names it alike), one per FC.
    assert data.fulfillment_order_id == fulfillment_order_id(event.id, order_id, "EWR4")
    assert [
        (ln.line_id, ln.fnsku, ln.seller_id, ln.seller_sku, ln.quantity) for ln in data.lines
    ] == [("1", fnsku, seller_id, sku, 2)]
    assert data.ship_to == NEW_YORK and data.shipping_speed == "expedited"
    assert (instructed.correlation_id, instructed.causation_id) == (event.correlation_id, event.id)
    assert instructed.topic == "fulfillment.instructions"

    [routed] = await outbox_events(engine, order_id, "OrderRouted")
    assert [
        (f.fulfillment_order_id, f.fulfillment_center_id) for f in routed.data.fulfillment_orders
    ] == [(data.fulfillment_order_id, "EWR4")]
    assert routed.topic == "order-router.events" and routed.causation_id == event.id
    assert await stock(engine, fnsku, "EWR4") == (5, 2)
    assert await stock(engine, fnsku, "SEA1") == (5, 0)
    assert await order_status(engine, order_id) == "ROUTED"


async def test_a_line_naming_a_listing_ships_the_listed_fnsku(engine):
    seller_id, sku, fnsku = await seller_with_stock(engine, ("SEA1", 3))
    listing_id = unique("L")
    await apply(engine, listed(listing_id, seller_id, sku, fnsku))
    order_id = unique("O")
    await apply(engine, placed(order_id, line("1", listing_id=listing_id)))
    [instructed] = await outbox_events(engine, order_id, "FulfillmentInstructed")
    assert instructed.data.lines[0].fnsku == fnsku and instructed.data.lines[0].seller_sku == sku


async def test_an_unknown_sku_rejects_the_order_and_reserves_nothing(engine):
    seller_id, sku, fnsku = await seller_with_stock(engine, ("SEA1", 5))
    order_id = unique("O")
    await apply(
        engine,
        placed(
            order_id,
            line("1", seller_id=seller_id, seller_sku=sku),
            line("2", seller_id=seller_id, seller_sku="NOT-REGISTERED"),
            line("3", listing_id="L-NEVER-PUBLISHED"),
        ),
    )
    assert await outbox_events(engine, order_id, "FulfillmentInstructed") == []
    [rejected] = await outbox_events(engine, order_id, "OrderRejected")
    assert rejected.data.reason_code == "UNKNOWN_SKU"
    assert [(ln.line_id, ln.reason_code) for ln in rejected.data.lines] == [
        ("2", "UNKNOWN_SKU"),
        ("3", "UNKNOWN_LISTING"),
    ]
    assert await stock(engine, fnsku, "SEA1") == (5, 0)
    assert await order_status(engine, order_id) == "REJECTED"


async def test_an_order_larger_than_what_remains_is_rejected_for_insufficient_inventory(engine):
    seller_id, sku, fnsku = await seller_with_stock(engine, ("SEA1", 5))
    first, second = unique("O"), unique("O")
    await apply(engine, placed(first, line("1", seller_id=seller_id, seller_sku=sku, quantity=3)))
    await apply(engine, placed(second, line("1", seller_id=seller_id, seller_sku=sku, quantity=3)))
    assert await order_status(engine, first) == "ROUTED"
    [rejected] = await outbox_events(engine, second, "OrderRejected")
    assert rejected.data.reason_code == "INSUFFICIENT_INVENTORY"
    assert [ln.line_id for ln in rejected.data.lines] == ["1"]
    assert (
        "2 available at the fulfillment centers that ship standard" in rejected.data.lines[0].reason
    )
    assert await outbox_events(engine, second, "FulfillmentInstructed") == []
    assert await stock(engine, fnsku, "SEA1") == (5, 3)


async def test_one_order_event_delivered_three_times_is_instructed_once(engine, database):
    seller_id, sku, fnsku = await seller_with_stock(engine, ("SEA1", 5))
    order_id = unique("O")
    event = placed(order_id, line("1", seller_id=seller_id, seller_sku=sku))
    async with ServiceConsumer(
        "order-router", database
    ) as consumer:  # dead-lettering it fails the test
        outcomes = [outcome for _ in range(3) for outcome in await consumer.deliver(event)]
    assert outcomes == [Outcome.PROCESSED, Outcome.DUPLICATE, Outcome.DUPLICATE]
    assert len(await outbox_events(engine, order_id, "FulfillmentInstructed")) == 1
    assert len(await outbox_events(engine, order_id, "OrderRouted")) == 1
    assert await stock(engine, fnsku, "SEA1") == (5, 1)


async def test_the_same_order_under_another_event_id_has_no_second_outcome(engine):
    seller_id, sku, fnsku = await seller_with_stock(engine, ("SEA1", 5))
    order_id = unique("O")
    await apply(
        engine, placed(order_id, line("1", seller_id=seller_id, seller_sku=sku, quantity=2))
    )
    # Another copy of the order (e.g. the channel re-sent it), and a variant with more units.
    assert await apply(
        engine, placed(order_id, line("1", seller_id=seller_id, seller_sku=sku, quantity=2))
    )
    assert await apply(
        engine, placed(order_id, line("1", seller_id=seller_id, seller_sku=sku, quantity=4))
    )
    assert [e.type.split(".")[2] for e in await outbox_events(engine, order_id)] == [
        "FulfillmentInstructed",
        "OrderRouted",
    ]
    assert await stock(engine, fnsku, "SEA1") == (5, 2)


async def test_a_rejected_order_placed_again_stays_rejected(engine):
    order_id = unique("O")
    await apply(engine, placed(order_id, line("1", seller_id="S-NOBODY", seller_sku="X")))
    await apply(engine, placed(order_id, line("1", seller_id="S-NOBODY", seller_sku="X")))
    assert [e.type.split(".")[2] for e in await outbox_events(engine, order_id)] == [
        "OrderRejected"
    ]


async def test_repeated_line_ids_reject_the_order_instead_of_poisoning_the_partition(engine):
    seller_id, sku, _ = await seller_with_stock(engine, ("SEA1", 5))
    order_id = unique("O")
    await apply(
        engine,
        placed(
            order_id,
            line("1", seller_id=seller_id, seller_sku=sku),
            line("1", seller_id=seller_id, seller_sku=sku),
        ),
    )
    [rejected] = await outbox_events(engine, order_id, "OrderRejected")
    assert rejected.data.reason_code == "DUPLICATE_LINE_ID"


async def test_inventory_levels_replace_on_hand_keep_reservations_and_never_go_back_in_time(engine):
    seller_id, sku, fnsku = await seller_with_stock(engine, ("SEA1", 10))
    await apply(
        engine, placed(unique("O"), line("1", seller_id=seller_id, seller_sku=sku, quantity=4))
    )
    newer = level(fnsku, "SEA1", 7, seller_id=seller_id)
    await apply(engine, newer)
    assert await stock(engine, fnsku, "SEA1") == (7, 4)
    stale = dataclasses.replace(
        level(fnsku, "SEA1", 50, seller_id=seller_id), time=newer.time - timedelta(seconds=5)
    )
    await apply(engine, stale)
    assert await stock(engine, fnsku, "SEA1") == (7, 4)


async def test_only_stock_not_yet_reserved_is_offered_to_the_next_order(engine):
    seller_id, sku, fnsku = await seller_with_stock(engine, ("SEA1", 4), ("EWR4", 4))
    first, second = unique("O"), unique("O")
    await apply(engine, placed(first, line("1", seller_id=seller_id, seller_sku=sku, quantity=3)))
    await apply(engine, placed(second, line("1", seller_id=seller_id, seller_sku=sku, quantity=3)))
    # Seattle is nearer, but only 1 unit is left there after the first order.
    [instructed] = await outbox_events(engine, second, "FulfillmentInstructed")
    assert instructed.data.fulfillment_center_id == "EWR4"
    assert await stock(engine, fnsku, "SEA1") == (4, 3) and await stock(engine, fnsku, "EWR4") == (
        4,
        3,
    )
