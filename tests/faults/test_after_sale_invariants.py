"""The checker's after-the-sale part (D: no unit returned or removed twice) against inventory's real
store: a return reported twice under two event ids passes (it moved once); a second movement
planted in the ledger, a removal created twice on the topic and a removal whose set-aside differs
from its lines are each reported."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa
from invariants.after_sale import load, no_unit_returned_or_removed_twice

from stockpath_events import new_event
from stockpath_events.types.fulfillment import ReturnedLine
from stockpath_events.types.inventory import RemovalLine, RemovalOrderCreated
from stockpath_events.types.order_router import ReturnReceiptAccepted
from stockpath_testing import ServiceConsumer

pytestmark = pytest.mark.integration


def returned(return_id: str):
    """An FC's report of a return, as the order router accepted it."""
    return new_event(
        ReturnReceiptAccepted(
            return_id=return_id,
            order_id="O-1",
            fulfillment_center_id="SEA1",
            lines=[ReturnedLine(fnsku="X00AFTER", quantity=2, condition="sellable")],
        ),
        source="/services/order-router",
    )


def created(removal_order_id: str, quantity: int):
    return new_event(
        RemovalOrderCreated(
            removal_order_id=removal_order_id,
            seller_id="S-1",
            fulfillment_center_id="SEA1",
            disposition="dispose",
            lines=[RemovalLine(fnsku="X00AFTER", source="fulfillable", quantity=quantity)],
        ),
        source="/services/inventory",
    )


def test_returns_and_removals_moved_once_pass_and_each_second_movement_is_reported(fresh_database):
    url = fresh_database("inventory")
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)

    def rows(_service: str, sql: str) -> list:
        with engine.connect() as conn:
            return list(conn.execute(sa.text(sql)))

    def run(sql: str, **params) -> None:
        with engine.begin() as conn:
            conn.execute(sa.text(sql), params)

    run(
        "INSERT INTO inventory_levels (fulfillment_center_id, fnsku, seller_id, fulfillable) "
        "VALUES ('SEA1', 'X00AFTER', 'S-1', 5)"
    )

    async def deliver(*events):
        async with ServiceConsumer("inventory", url, max_attempts=1) as consumer:
            await consumer.deliver(*events)

    asyncio.run(deliver(returned("RT-1"), returned("RT-1")))  # accepted twice, two event ids
    removal = created("RMV-1", 1)
    run(
        "INSERT INTO inventory_ledger (fnsku, fulfillment_center_id, seller_id, bucket, delta, reason, cause_event_id) "
        "VALUES ('X00AFTER', 'SEA1', 'S-1', 'fulfillable', -1, 'removal-set-aside', :cause)",
        cause=removal.id,
    )
    try:
        assert (
            no_unit_returned_or_removed_twice([removal, removal], load(rows)) == []
        )  # a redelivery is one event

        run(
            "INSERT INTO inventory_ledger (fnsku, fulfillment_center_id, seller_id, bucket, delta, reason, "
            "cause_event_id) VALUES ('X00AFTER', 'SEA1', 'S-1', 'fulfillable', 2, 'customer-return-sellable', 'E-2')"
        )
        again = created("RMV-1", 1)  # the same removal created a second time
        problems = no_unit_returned_or_removed_twice([removal, again], load(rows))
        assert problems == [
            "return ledger rows caused by E-2, which is no recorded return's report",
            "removal RMV-1: 2 RemovalOrderCreated events",
            f"removal created by {again.id}: 1 unit(s), ledger set aside 0",
        ]
    finally:
        engine.dispose()
