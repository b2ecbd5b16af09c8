"""At a replay's switch, the tables it cannot rebuild are carried over from the live store:
every row as it was, in foreign-key order, their sequences continuing, the rebuilt tables untouched."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from registration.adapters.tables import (
    notification_attempts,
    notification_deliveries,
    notification_subscriptions,
    sellers,
)
from stockpath_cli.ops.carry_over import carry_over
from stockpath_cli.ops.rebuildable import not_rebuilt

pytestmark = pytest.mark.integration


def engine(url: str) -> sa.Engine:
    return sa.create_engine(url, poolclass=sa.NullPool)


def rows(url: str, table: sa.Table) -> list[tuple]:
    with engine(url).connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(table).order_by(*table.primary_key))]


def subscription(seller_id: str, n: int) -> dict:
    return {
        "subscription_id": f"NS{n}",
        "seller_id": seller_id,
        "url": f"https://hooks.example.com/{n}",
        "kinds": ["order.shipped", "return.received"],
        "secret": f"secret-{n}",
        "low_stock_thresholds": {"X00000000A": 3},
    }


def delivery(n: int, subscription_id: str) -> dict:
    return {
        "subscription_id": subscription_id,
        "seller_id": "S1",
        "notification_id": f"N{n}",
        "kind": "order.shipped",
        "payload": {"n": n},
        "status": "failed" if n == 1 else "pending",
        "attempts": 2,
    }


def test_the_tables_a_replay_cannot_rebuild_are_copied_as_they_are(fresh_database):
    live, rebuilt = fresh_database("registration"), fresh_database("registration")
    with engine(live).begin() as conn:
        conn.execute(sa.insert(sellers), [{"seller_id": "S1", "name": "One"}])
        conn.execute(sa.insert(notification_subscriptions), [subscription("S1", 1)])
        ids = conn.execute(
            sa.insert(notification_deliveries).returning(notification_deliveries.c.delivery_id),
            [delivery(1, "NS1"), delivery(2, "NS1")],
        ).scalars()
        conn.execute(
            sa.insert(notification_attempts),
            [{"delivery_id": i, "number": k, "status_code": 503} for i in ids for k in (1, 2)],
        )
    with engine(rebuilt).begin() as conn:  # what the replay rebuilt: the seller, and another
        conn.execute(
            sa.insert(sellers),
            [{"seller_id": "S1", "name": "One"}, {"seller_id": "S2", "name": "Two"}],
        )

    copied = carry_over(live, rebuilt, list(not_rebuilt("registration")))

    order = list(copied)
    assert set(order) == set(not_rebuilt("registration"))
    assert (  # what is referred to before what refers to it
        order.index("notification_subscriptions")
        < order.index("notification_deliveries")
        < order.index("notification_attempts")
    ), order
    assert copied["notification_deliveries"] == 2 and copied["notification_attempts"] == 4
    for table in (notification_subscriptions, notification_deliveries, notification_attempts):
        assert rows(rebuilt, table) == rows(live, table), table.name
    assert [r[0] for r in rows(rebuilt, sellers)] == ["S1", "S2"]  # rebuilt tables untouched
    # The next delivery the switched service queues is numbered after the live ones.
    with engine(rebuilt).begin() as conn:
        new_id = conn.execute(
            sa.insert(notification_deliveries).returning(notification_deliveries.c.delivery_id),
            [delivery(3, "NS1")],
        ).scalar_one()
    assert new_id > max(r[0] for r in rows(live, notification_deliveries))


def test_carrying_over_again_replaces_instead_of_duplicating(fresh_database):
    live, rebuilt = fresh_database("registration"), fresh_database("registration")
    for url in (live, rebuilt):
        with engine(url).begin() as conn:
            conn.execute(sa.insert(sellers), [{"seller_id": "S1", "name": "One"}])
    with engine(live).begin() as conn:
        conn.execute(sa.insert(notification_subscriptions), [subscription("S1", 1)])
    tables = list(not_rebuilt("registration"))
    for _ in range(2):
        assert carry_over(live, rebuilt, tables)["notification_subscriptions"] == 1
    assert rows(rebuilt, notification_subscriptions) == rows(live, notification_subscriptions)
