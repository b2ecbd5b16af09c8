"""The inventory worker as a separate process on the real broker: it consumes registration's
shipment plans and cancellations, and its relay publishes the resulting inventory events."""

from __future__ import annotations

import uuid

import pytest

from stockpath_events import Topics, decode_message
from stockpath_testing import consume, eventually, publish
from stockpath_testing.processes import start_worker

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def worker(database, kafka_bootstrap, tmp_path_factory):
    log = tmp_path_factory.mktemp("inventory-worker") / "worker.log"
    process, _ = start_worker(
        "inventory",
        prefix="inventory",
        database_url=database,
        bootstrap=kafka_bootstrap,
        group=f"inventory-test-{uuid.uuid4().hex[:8]}",
        log_path=log,
    )
    yield process
    process.stop()


async def test_the_worker_turns_published_plans_into_inbound_stock_and_announces_it(
    worker, operator, events, kafka_bootstrap
):
    t = uuid.uuid4().hex[:8].upper()
    kept, dropped = f"X{t}K", f"X{t}D"
    plan_kept = events.planned(f"FBA{t}1", [(kept, 6)], fulfillment_center_id="CMH2")
    plan_dropped = events.planned(f"FBA{t}2", [(dropped, 4)], fulfillment_center_id="CMH2")
    # Delivered twice, as after a producer retry: counted once.
    await publish(kafka_bootstrap, plan_kept, plan_dropped, times=2)
    await publish(kafka_bootstrap, events.cancelled(f"FBA{t}2", fulfillment_center_id="CMH2"))

    def inbound(fnsku):
        items = operator.get("/v1/inventory", params={"fnsku": fnsku}).json()["items"]
        return items[0]["inbound"] if items else None

    await eventually(
        lambda: inbound(dropped) == 0, timeout=30, what="the cancelled shipment to leave inbound"
    )
    assert inbound(kept) == 6

    announced = await consume(
        kafka_bootstrap,
        Topics.INVENTORY,
        where=lambda m: m.key == kept.encode(),
        until=lambda ms: len(ms) >= 1,
    )
    changed = decode_message(announced[0])
    assert changed.type == "stockpath.inventory.InventoryLevelChanged.v1"
    assert (changed.data.fulfillment_center_id, changed.data.inbound) == ("CMH2", 6)
    assert (
        changed.correlation_id == plan_kept.correlation_id and changed.causation_id == plan_kept.id
    )
    assert worker.alive()
