"""The replay's equivalence check compares what rows hold, not the order they were written in:
a number the database gives rows as they are written (inventory's ledger entry ids) may differ
between the live store and a replay when events of two topics were applied in another order, and
the stores are still equal; a difference in what a row holds is still found."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from inventory.adapters.tables import inventory_ledger
from stockpath_cli.ops.equivalence import compare
from stockpath_runtime.db import async_url

pytestmark = pytest.mark.integration

#: A shipment of one fulfillment order and the reservation of another, at one FC.
SHIPPED = [
    {"bucket": "reserved", "delta": -2, "reason": "shipped", "fulfillment_order_id": "FO-1"},
    {"bucket": "shipped", "delta": 2, "reason": "shipped", "fulfillment_order_id": "FO-1"},
]
RESERVED = [
    {
        "bucket": "fulfillable",
        "delta": -4,
        "reason": "reserved-for-order",
        "fulfillment_order_id": "FO-2",
    },
    {
        "bucket": "reserved",
        "delta": 4,
        "reason": "reserved-for-order",
        "fulfillment_order_id": "FO-2",
    },
]


def write(url: str, entries: list[dict]) -> None:
    engine = sa.create_engine(async_url(url), poolclass=sa.NullPool)
    with engine.begin() as conn:
        conn.execute(
            inventory_ledger.insert(),
            [
                {
                    "fnsku": "X00Q20EJ0E",
                    "fulfillment_center_id": "CMH2",
                    "seller_id": "S1",
                    "cause_event_id": f"event-{e['fulfillment_order_id']}",
                    **e,
                }
                for e in entries
            ],
        )
    engine.dispose()


def test_ledger_rows_written_in_another_order_are_equal_and_a_different_row_is_not(fresh_database):
    live, rebuilt = fresh_database("inventory"), fresh_database("inventory")
    write(live, SHIPPED + RESERVED)  # the live worker applied the shipment first
    write(rebuilt, RESERVED + SHIPPED)  # the replay, in time order, the reservation

    same = compare(live, rebuilt, not_rebuilt={}, consumer="inventory")

    assert same.equal, same.named()
    assert same.compared["inventory_ledger"] == 4
    assert "entry_id" in same.left_out["inventory_ledger"]

    other = fresh_database("inventory")
    write(other, RESERVED + [{**SHIPPED[0], "delta": -3}, {**SHIPPED[1], "delta": 3}])
    differs = compare(live, other, not_rebuilt={}, consumer="inventory")
    [ledger] = differs.differences
    assert ledger.table == "inventory_ledger"
    assert len(ledger.only_live) == len(ledger.only_rebuilt) == 2
