"""Storage accrued from the daily snapshot, against the real PostgreSQL: the operator takes a past
day's snapshot once (what the ledger held at midnight), the worker's path charges it once however
often it is delivered, and the seller's statement shows the day's storage per FNSKU and FC."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from stockpath_runtime.consumer import Outcome

pytestmark = pytest.mark.integration

SELLER = "S-STORAGE"
#: 30.48 cm is a foot: a unit of exactly one cubic foot.
FOOT = (30.48, 30.48, 30.48)


@pytest.fixture(scope="module")
def stored(stocked, deliver, events, database):
    """4 one-cubic-foot units of SELLER received at SEA1, as if on 1 October 2026."""
    fnsku = stocked(4, seller_id=SELLER)
    assert deliver(events.registered(fnsku, seller_id=SELLER, dimensions_cm=FOOT)) == [
        Outcome.PROCESSED
    ]
    # The ledger as it stood then: the plan and the receipt recorded on 1 October.
    engine = sa.create_engine(database)
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text("UPDATE inventory_ledger SET created_at = :at WHERE fnsku = :fnsku"),
                {"at": datetime(2026, 10, 1, 8, 0, tzinfo=UTC), "fnsku": fnsku},
            )
    finally:
        engine.dispose()
    return fnsku


def test_a_past_days_snapshot_is_taken_once_and_charged_once(
    stored, operator, deliver, outbox_events
):
    taken = operator.post("/v1/storage-snapshots", json={"day": "2026-10-01"})
    again = operator.post("/v1/storage-snapshots", json={"day": "2026-10-01"})

    assert (taken.status_code, taken.json()) == (
        201,
        {"day": "2026-10-01", "taken": True, "snapshots": 1, "lines": 1},
    )
    assert (again.status_code, again.json()["taken"], again.json()["snapshots"]) == (200, False, 0)
    [snapshot] = outbox_events("StorageSnapshotTaken")
    assert (snapshot.data.seller_id, [(u.fnsku, u.units) for u in snapshot.data.lines]) == (
        SELLER,
        [(stored, 4)],
    )

    assert deliver(snapshot, snapshot, snapshot) == [Outcome.PROCESSED] + [Outcome.DUPLICATE] * 2

    body = operator.get("/v1/statements/2026-10", params={"seller_id": SELLER}).json()
    # 4 cubic feet for one October day at the peak rate: 4 × 2.40 / 31 = 0.3096… → 0.31
    assert body["storage"] == [
        {
            "fnsku": stored,
            "fulfillment_center_id": "SEA1",
            "days": 1,
            "unit_days": 4,
            "amount": "0.31",
        }
    ]
    assert body["totals"]["storage"] == body["total"] == "0.31"
    csv_rows = operator.get(
        "/v1/statements/2026-10", params={"seller_id": SELLER, "format": "csv"}
    ).text.splitlines()
    assert csv_rows[1].split(",")[:9] == [
        "",
        "storage",
        "2026-10",
        stored,
        "SEA1",
        "1",
        "",
        "0.31",
        "USD",
    ]
    assert csv_rows[-1].split(",")[7] == "0.31"


def test_a_day_that_has_not_ended_is_refused(operator):
    today = datetime.now(UTC).date().isoformat()

    r = operator.post("/v1/storage-snapshots", json={"day": today})

    assert (r.status_code, r.json()["error"]["code"]) == (422, "day_not_over")
    assert operator.post("/v1/storage-snapshots", json={"day": "01/10/2026"}).status_code == 422


def test_only_the_operator_takes_a_snapshot(seller, fc_staff):
    for caller in (seller, fc_staff):
        assert caller.post("/v1/storage-snapshots", json={"day": "2026-09-01"}).status_code == 403
