"""FC exceptions (issue 15): the units an FC reports it cannot ship are re-routed to other FCs
under the order's fulfillment policy — or backordered, or refused with a reason code — exactly
once, however often the report is delivered; against the real PostgreSQL, through the worker's
own handlers."""

from __future__ import annotations

import pytest
from order_router_testkit import (
    NEW_YORK,
    apply,
    center_exception,
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

from order_router.domain.identifiers import fulfillment_order_id

pytestmark = pytest.mark.integration


def kinds(events) -> list[str]:
    return [e.type.split(".")[2] for e in events]


async def test_a_short_pick_on_a_two_fc_order_re_routes_the_missing_units_once(engine):
    seller_id, sku, fnsku = await seller_with_stock(engine, ("SEA1", 2), ("EWR4", 3), ("DFW7", 2))
    order_id = unique("O")
    await apply(
        engine,
        placed(
            order_id, line("1", seller_id=seller_id, seller_sku=sku, quantity=5), ship_to=NEW_YORK
        ),
    )
    instructed = {
        i.data.fulfillment_center_id: i.data
        for i in await outbox_events(engine, order_id, "FulfillmentInstructed")
    }
    assert len(instructed) == 2 and "EWR4" in instructed
    [other] = instructed.keys() - {"EWR4"}
    ewr4 = instructed["EWR4"]

    report = center_exception(ewr4, [("1", 2, "SHORT_PICK")])
    # Delivered three times: twice as the same event (the inbox), once as the FC's new report.
    assert await apply(engine, report) is True
    assert await apply(engine, report) is False
    assert await apply(engine, center_exception(ewr4, [("1", 2, "SHORT_PICK")])) is True

    after = await outbox_events(engine, order_id)
    rerouted = [e for e in after if e.causation_id == report.id]
    assert kinds(rerouted) == ["FulfillmentInstructed", "OrderRouted"]
    new = rerouted[0].data
    assert new.fulfillment_center_id not in ("EWR4",)
    assert [(ln.line_id, ln.quantity) for ln in new.lines] == [("1", 2)]
    # Named after the exception that caused it, so a replay names it the same.
    assert new.fulfillment_order_id == fulfillment_order_id(
        report.id, order_id, new.fulfillment_center_id
    )
    assert len([e for e in after if kinds([e]) == ["FulfillmentInstructed"]]) == 3
    # EWR4 keeps one unit to ship; the two short-picked left its basis and its reservations.
    assert await stock(engine, fnsku, "EWR4") == (1, 1)
    assert await order_status(engine, order_id) == "ROUTED"

    # Every fulfillment order shipping (EWR4's last unit included) ships the order.
    for data in (ewr4, instructed[other], new):
        await apply(engine, shipped(data))
    assert await order_status(engine, order_id) == "SHIPPED"


async def test_fill_all_backorders_what_no_other_fc_holds_and_stock_arriving_routes_it(engine):
    seller_id, sku, fnsku = await seller_with_stock(engine, ("SEA1", 3))
    order_id = unique("O")
    await apply(
        engine,
        placed(
            order_id, line("1", seller_id=seller_id, seller_sku=sku, quantity=3), policy="fill-all"
        ),
    )
    [sea1] = [i.data for i in await outbox_events(engine, order_id, "FulfillmentInstructed")]
    report = center_exception(sea1, [("1", 1, "DAMAGED")])
    await apply(engine, report)
    assert kinds(
        [e for e in await outbox_events(engine, order_id) if e.causation_id == report.id]
    ) == ["OrderBackordered"]
    assert await order_status(engine, order_id) == "BACKORDERED"
    assert await stock(engine, fnsku, "SEA1") == (2, 2)
    # Stock of it arrives elsewhere: the backordered unit is routed there.
    await apply(engine, level(fnsku, "PDX9", 1, seller_id=seller_id))
    assert [
        i.data.fulfillment_center_id
        for i in await outbox_events(engine, order_id, "FulfillmentInstructed")
    ] == ["SEA1", "PDX9"]
    assert await order_status(engine, order_id) == "ROUTED"


async def test_nothing_re_routed_under_fill_or_kill_rejects_the_order_with_a_reason_code(engine):
    seller_id, sku, fnsku = await seller_with_stock(engine, ("SEA1", 2))
    order_id = unique("O")
    await apply(
        engine, placed(order_id, line("1", seller_id=seller_id, seller_sku=sku, quantity=2))
    )
    [sea1] = [i.data for i in await outbox_events(engine, order_id, "FulfillmentInstructed")]
    report = center_exception(sea1, None)  # the FC ships none of it; its units stay its stock
    await apply(engine, report)
    [rejected] = [e for e in await outbox_events(engine, order_id) if e.causation_id == report.id]
    assert kinds([rejected]) == ["OrderRejected"]
    assert rejected.data.reason_code == "INSUFFICIENT_INVENTORY"
    assert [(ln.line_id, ln.reason_code) for ln in rejected.data.lines] == [
        ("1", "INSUFFICIENT_INVENTORY")
    ]
    assert await order_status(engine, order_id) == "REJECTED"
    assert await stock(engine, fnsku, "SEA1") == (2, 0)  # released, not written off


async def test_a_report_for_a_shipped_fulfillment_order_changes_nothing(engine):
    seller_id, sku, fnsku = await seller_with_stock(engine, ("SEA1", 2))
    order_id = unique("O")
    await apply(
        engine, placed(order_id, line("1", seller_id=seller_id, seller_sku=sku, quantity=2))
    )
    [sea1] = [i.data for i in await outbox_events(engine, order_id, "FulfillmentInstructed")]
    await apply(engine, shipped(sea1))
    report = center_exception(sea1, [("1", 2, "SHORT_PICK")])
    await apply(engine, report)
    assert [e for e in await outbox_events(engine, order_id) if e.causation_id == report.id] == []
    assert await stock(engine, fnsku, "SEA1") == (2, 2)
    assert await order_status(engine, order_id) == "SHIPPED"
