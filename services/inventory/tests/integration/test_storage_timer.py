"""The inventory worker, a separate process with a short `storage_snapshot_interval_s`, takes
yesterday's storage snapshot by itself — no HTTP call — announces it, reads it back and charges it:
the seller's statement of yesterday's month shows the day's storage."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from stockpath_runtime.consumer import Outcome
from stockpath_testing import eventually
from stockpath_testing.processes import start_worker

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]

SELLER = "S-TIMER"
#: 30.48 cm is a foot: a unit of exactly one cubic foot.
FOOT = (30.48, 30.48, 30.48)
YESTERDAY = datetime.now(UTC).date() - timedelta(days=1)


@pytest.fixture(scope="module")
def held_since_yesterday(stocked, deliver, events, database) -> str:
    """3 one-cubic-foot units of SELLER at SEA1, arrived yesterday morning (UTC)."""
    fnsku = stocked(3, seller_id=SELLER)
    assert deliver(events.registered(fnsku, seller_id=SELLER, dimensions_cm=FOOT)) == [
        Outcome.PROCESSED
    ]
    engine = sa.create_engine(database)
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text("UPDATE inventory_ledger SET created_at = :at WHERE fnsku = :fnsku"),
                {"at": datetime.combine(YESTERDAY, time(8), UTC), "fnsku": fnsku},
            )
    finally:
        engine.dispose()
    return fnsku


@pytest.fixture(scope="module")
def worker(held_since_yesterday, database, kafka_bootstrap, artifacts_dir, unique_group):
    """The worker started once the units are in place, its timer ticking every second."""
    process, _ = start_worker(
        "inventory",
        prefix="inventory",
        database_url=database,
        bootstrap=kafka_bootstrap,
        group=f"inventory-timer-{unique_group}",
        log_path=artifacts_dir / f"inventory-timer-{unique_group}.log",
        extra_env={"INVENTORY_STORAGE_SNAPSHOT_INTERVAL_S": "1"},
    )
    yield process
    process.stop()


async def test_the_worker_takes_yesterdays_snapshot_by_itself(
    worker, held_since_yesterday, operator
):
    def storage() -> list[dict]:
        r = operator.get(f"/v1/statements/{YESTERDAY:%Y-%m}", params={"seller_id": SELLER})
        return r.json()["storage"]

    await eventually(
        lambda: storage() != [], timeout=60, what="yesterday's storage taken and charged"
    )
    [line] = storage()
    assert (line["fnsku"], line["days"], line["unit_days"]) == (held_since_yesterday, 1, 3)
    log = worker.log_path.read_text(errors="replace")
    assert "storage snapshot taken" in log and str(YESTERDAY) in log
