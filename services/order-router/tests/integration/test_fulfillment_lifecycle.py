"""Fulfillment policies, backorders released by arriving stock, split routing, cancellation before
and after shipment, and shipment confirmations — against the real PostgreSQL, through the
worker's own handlers."""

from __future__ import annotations

import pytest
from order_router_testkit import (
    NEW_YORK,
    SOURCE,
    apply,
    cancel,
    level,
    line,
    order_status,
    outbox_events,
    placed,
    seller_with_stock,
    shipped,
    stock,
    unique,
)

from order_router.service_layer.unit_of_work import OrderRouterUnitOfWork

pytestmark = pytest.mark.integration


def kinds(events) -> list[str]:
    return [e.type.split(".")[2] for e in events]


async def test_inventory_reserving_and_shipping_never_changes_what_the_router_can_allocate(engine):
    """The contract: the router's basis is fulfillable + reserved + shipped, which inventory's own
    reservations and shipments leave unchanged — so however the two interleave, no oversell."""
    seller_id, sku, fnsku = await seller_with_stock(engine, ("SEA1", 10))
    order_id = unique("O")
    await apply(
        engine, placed(order_id, line("1", seller_id=seller_id, seller_sku=sku, quantity=6))
    )
    assert await stock(engine, fnsku, "SEA1") == (10, 6)
    # Inventory reserves the 6, then ships them; its levels arrive after the allocation.
    await apply(engine, level(fnsku, "SEA1", 4, seller_id=seller_id, reserved=6))
    await apply(engine, level(fnsku, "SEA1", 4, seller_id=seller_id, shipped=6))
    assert await stock(engine, fnsku, "SEA1") == (10, 6)
    greedy = unique("O")
    await apply(engine, placed(greedy, line("1", seller_id=seller_id, seller_sku=sku, quantity=5)))
    assert await order_status(engine, greedy) == "REJECTED"  # 4 left, not 5
    fits = unique("O")
    await apply(engine, placed(fits, line("1", seller_id=seller_id, seller_sku=sku, quantity=4)))
    assert await order_status(engine, fits) == "ROUTED"


async def test_an_order_no_single_fc_can_fill_is_split_one_instruction_per_fc(engine):
    seller_id, sku, fnsku = await seller_with_stock(engine, ("SEA1", 2), ("EWR4", 3), ("DFW7", 1))
    order_id = unique("O")
    await apply(
        engine,
        placed(
            order_id, line("1", seller_id=seller_id, seller_sku=sku, quantity=5), ship_to=NEW_YORK
        ),
    )
    instructions = await outbox_events(engine, order_id, "FulfillmentInstructed")
    assert sorted(
        (i.data.fulfillment_center_id, i.data.lines[0].quantity) for i in instructions
    ) == [("EWR4", 3), ("SEA1", 2)]
    [routed] = await outbox_events(engine, order_id, "OrderRouted")
    assert len(routed.data.fulfillment_orders) == 2
    assert [await stock(engine, fnsku, fc) for fc in ("SEA1", "EWR4", "DFW7")] == [
        (2, 2),
        (3, 3),
        (1, 0),
    ]


async def test_fill_or_kill_rejects_an_order_the_network_cannot_fill_whole(engine):
    seller_id, sku, fnsku = await seller_with_stock(engine, ("SEA1", 2))
    order_id = unique("O")
    await apply(
        engine, placed(order_id, line("1", seller_id=seller_id, seller_sku=sku, quantity=3))
    )
    assert kinds(await outbox_events(engine, order_id)) == ["OrderRejected"]
    assert await stock(engine, fnsku, "SEA1") == (2, 0)


async def test_fill_all_available_ships_what_exists_and_cancels_the_rest(engine):
    seller_id, sku, fnsku = await seller_with_stock(engine, ("SEA1", 2))
    order_id = unique("O")
    await apply(
        engine,
        placed(
            order_id,
            line("1", seller_id=seller_id, seller_sku=sku, quantity=5),
            policy="fill-all-available",
        ),
    )
    assert kinds(await outbox_events(engine, order_id)) == ["FulfillmentInstructed", "OrderRouted"]
    [routed] = await outbox_events(engine, order_id, "OrderRouted")
    assert [(c.line_id, c.quantity) for c in routed.data.cancelled_lines] == [("1", 3)]
    assert await order_status(engine, order_id) == "ROUTED"
    nothing = unique("O")
    await apply(
        engine,
        placed(
            nothing, line("1", seller_id=seller_id, seller_sku=sku), policy="fill-all-available"
        ),
    )
    assert kinds(await outbox_events(engine, nothing)) == ["OrderRejected"]


async def test_fill_all_backorders_the_rest_and_routes_it_automatically_when_stock_arrives(engine):
    seller_id, sku, fnsku = await seller_with_stock(engine, ("SEA1", 2))
    first, second = unique("O"), unique("O")
    await apply(
        engine,
        placed(
            first, line("1", seller_id=seller_id, seller_sku=sku, quantity=5), policy="fill-all"
        ),
    )
    await apply(
        engine,
        placed(
            second, line("1", seller_id=seller_id, seller_sku=sku, quantity=2), policy="fill-all"
        ),
    )
    assert kinds(await outbox_events(engine, first)) == [
        "FulfillmentInstructed",
        "OrderRouted",
        "OrderBackordered",
    ]
    [backordered] = await outbox_events(engine, first, "OrderBackordered")
    assert [(b.line_id, b.quantity) for b in backordered.data.lines] == [("1", 3)]
    assert kinds(await outbox_events(engine, second)) == ["OrderBackordered"]
    assert (await order_status(engine, first), await order_status(engine, second)) == (
        "BACKORDERED",
        "BACKORDERED",
    )

    # 4 more units arrive at EWR4: the oldest backorder is served first (3), the next gets 1.
    arrival = level(fnsku, "EWR4", 4, seller_id=seller_id)
    await apply(engine, arrival)
    later = [
        e
        for e in await outbox_events(engine, first, "FulfillmentInstructed")
        if e.causation_id == arrival.id
    ]
    assert [(i.data.fulfillment_center_id, i.data.lines[0].quantity) for i in later] == [
        ("EWR4", 3)
    ]
    assert await order_status(engine, first) == "ROUTED"
    [partial] = await outbox_events(engine, second, "FulfillmentInstructed")
    assert partial.data.lines[0].quantity == 1 and partial.causation_id == arrival.id
    assert await order_status(engine, second) == "BACKORDERED"
    assert await stock(engine, fnsku, "EWR4") == (4, 4)

    # The last unit: the second order is complete.
    await apply(engine, level(fnsku, "EWR4", 5, seller_id=seller_id))
    assert await order_status(engine, second) == "ROUTED"
    assert (
        sum(
            i.data.lines[0].quantity
            for i in await outbox_events(engine, second, "FulfillmentInstructed")
        )
        == 2
    )


async def test_cancellation_before_shipment_releases_the_reservation_and_tells_the_fc(engine):
    seller_id, sku, fnsku = await seller_with_stock(engine, ("SEA1", 2), ("EWR4", 2))
    order_id = unique("O")
    await apply(
        engine, placed(order_id, line("1", seller_id=seller_id, seller_sku=sku, quantity=4))
    )
    request = cancel(order_id)
    await apply(engine, request)
    cancelled = await outbox_events(engine, order_id, "FulfillmentCancelled")
    assert sorted(c.data.fulfillment_center_id for c in cancelled) == ["EWR4", "SEA1"]
    assert all(
        c.causation_id == request.id and c.topic == "fulfillment.instructions" for c in cancelled
    )
    [done] = await outbox_events(engine, order_id, "OrderCancelled")
    assert done.data.reason == "buyer changed their mind"
    assert await order_status(engine, order_id) == "CANCELLED"
    assert [await stock(engine, fnsku, fc) for fc in ("SEA1", "EWR4")] == [(2, 0), (2, 0)]
    # Asked twice: nothing more happens.
    await apply(engine, cancel(order_id))
    assert len(await outbox_events(engine, order_id, "OrderCancelled")) == 1


async def test_cancellation_of_a_backordered_order_stops_it_waiting(engine):
    seller_id, sku, fnsku = await seller_with_stock(engine, ("SEA1", 0))
    order_id = unique("O")
    await apply(
        engine,
        placed(
            order_id, line("1", seller_id=seller_id, seller_sku=sku, quantity=2), policy="fill-all"
        ),
    )
    await apply(engine, cancel(order_id))
    assert await order_status(engine, order_id) == "CANCELLED"
    async with OrderRouterUnitOfWork(engine, source=SOURCE) as uow:
        assert [outcome.backordered for outcome in (await uow.orders.record(order_id)).lines] == [0]
    await apply(engine, level(fnsku, "SEA1", 5, seller_id=seller_id))
    assert await outbox_events(engine, order_id, "FulfillmentInstructed") == []


async def test_a_shipment_marks_the_order_shipped_and_a_later_cancellation_is_refused(engine):
    seller_id, sku, fnsku = await seller_with_stock(engine, ("SEA1", 3))
    order_id = unique("O")
    await apply(
        engine, placed(order_id, line("1", seller_id=seller_id, seller_sku=sku, quantity=2))
    )
    [instruction] = await outbox_events(engine, order_id, "FulfillmentInstructed")
    await apply(engine, shipped(instruction.data))
    assert await order_status(engine, order_id) == "SHIPPED"
    # Shipped units stay counted: inventory's basis still includes them.
    assert await stock(engine, fnsku, "SEA1") == (3, 2)

    await apply(engine, cancel(order_id))
    [refused] = await outbox_events(engine, order_id, "OrderCancellationRefused")
    assert refused.data.reason_code == "ALREADY_SHIPPED"
    assert instruction.data.fulfillment_order_id in refused.data.reason
    assert await outbox_events(engine, order_id, "FulfillmentCancelled") == []
    assert await order_status(engine, order_id) == "SHIPPED"


async def test_cancelling_an_unknown_or_rejected_order_is_refused_with_a_reason(engine):
    unknown = unique("O")
    await apply(engine, cancel(unknown))
    [refused] = await outbox_events(engine, unknown, "OrderCancellationRefused")
    assert refused.data.reason_code == "UNKNOWN_ORDER"
    rejected = unique("O")
    await apply(engine, placed(rejected, line("1", seller_id="S-NONE", seller_sku="NOPE")))
    await apply(engine, cancel(rejected))
    [refused] = await outbox_events(engine, rejected, "OrderCancellationRefused")
    assert refused.data.reason_code == "ORDER_REJECTED"


async def test_a_cancelled_fulfillment_order_shipped_anyway_takes_its_units_back_out(engine):
    seller_id, sku, fnsku = await seller_with_stock(engine, ("SEA1", 3))
    order_id = unique("O")
    await apply(
        engine, placed(order_id, line("1", seller_id=seller_id, seller_sku=sku, quantity=2))
    )
    [instruction] = await outbox_events(engine, order_id, "FulfillmentInstructed")
    await apply(engine, cancel(order_id))
    assert await stock(engine, fnsku, "SEA1") == (3, 0)
    await apply(engine, shipped(instruction.data))
    assert await stock(engine, fnsku, "SEA1") == (3, 2)
