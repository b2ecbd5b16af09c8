"""A month's statement announced ready, against the real PostgreSQL: the snapshots of the month's
last day delivered through the worker's path, the last one charged announces one StatementReady
per seller with charges in the month, and redelivered they announce nothing more; two snapshots of
the day charged at once (two workers) still announce each statement exactly once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from inventory.domain.statements import Month
from inventory.service_layer.storage import statement_ready_id
from stockpath_runtime.consumer import Outcome
from stockpath_testing import ServiceConsumer

pytestmark = pytest.mark.integration

ACME, OTHER = "S-READY-A", "S-READY-B"
#: 30.48 cm is a foot: a unit of exactly one cubic foot.
FOOT = (30.48, 30.48, 30.48)


@pytest.fixture(scope="module")
def stored(stocked, deliver, events, database):
    """One-cubic-foot units at SEA1 of two sellers (2 of ACME's, 1 of OTHER's), held since 1
    October 2026."""
    fnskus = {ACME: stocked(2, seller_id=ACME), OTHER: stocked(1, seller_id=OTHER)}
    for seller, fnsku in fnskus.items():
        assert deliver(events.registered(fnsku, seller_id=seller, dimensions_cm=FOOT)) == [
            Outcome.PROCESSED
        ]
    engine = sa.create_engine(database)
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text("UPDATE inventory_ledger SET created_at = :at"),
                {"at": datetime(2026, 10, 1, 8, 0, tzinfo=UTC)},
            )
    finally:
        engine.dispose()
    return fnskus


def test_the_last_days_last_snapshot_charged_announces_each_statement_once(
    stored, operator, deliver, outbox_events
):
    taken = operator.post("/v1/storage-snapshots", json={"day": "2026-10-31"})
    assert taken.status_code == 201, taken.text
    snapshots = [s for s in outbox_events("StorageSnapshotTaken") if s.data.day.month == 10]
    assert sorted((s.data.seller_id, s.data.snapshots_that_day) for s in snapshots) == [
        (ACME, 2),
        (OTHER, 2),
    ]

    assert deliver(snapshots[0]) == [Outcome.PROCESSED]
    assert outbox_events("StatementReady") == []

    assert deliver(snapshots[1]) == [Outcome.PROCESSED]
    ready = outbox_events("StatementReady")
    # One October day's storage at 2.40 / 31 per cubic foot: 2 → 0.15, 1 → 0.08.
    assert sorted(
        (e.key, e.data.month, e.data.currency, str(e.data.total), e.data.line_count) for e in ready
    ) == [(ACME, "2026-10", "USD", "0.15", 1), (OTHER, "2026-10", "USD", "0.08", 1)]
    assert {e.id for e in ready} == {
        statement_ready_id(ACME, Month(2026, 10)),
        statement_ready_id(OTHER, Month(2026, 10)),
    }

    assert deliver(*snapshots) == [Outcome.DUPLICATE] * 2
    assert len(outbox_events("StatementReady")) == 2


def test_the_days_snapshots_charged_at_once_announce_each_statement_once(
    stored, operator, database, outbox_events
):
    taken = operator.post("/v1/storage-snapshots", json={"day": "2026-11-30"})
    assert taken.status_code == 201, taken.text
    snapshots = [s for s in outbox_events("StorageSnapshotTaken") if s.data.day.month == 11]
    assert len(snapshots) == 2

    async def charge_apart() -> None:
        # Two workers, each charging one of the day's snapshots in its own transaction.
        async with (
            ServiceConsumer("inventory", database) as one,
            ServiceConsumer("inventory", database) as two,
        ):
            outcomes = await asyncio.gather(one.deliver(snapshots[0]), two.deliver(snapshots[1]))
        assert outcomes == [[Outcome.PROCESSED], [Outcome.PROCESSED]]

    asyncio.run(charge_apart())

    november = [e for e in outbox_events("StatementReady") if e.data.month == "2026-11"]
    assert sorted(e.key for e in november) == [ACME, OTHER]
