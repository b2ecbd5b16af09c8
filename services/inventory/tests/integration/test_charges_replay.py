"""Charges made by the inventory worker as a separate process on the real broker, and rebuilt by a
replay: an FC's shipment confirmation published three times charges once, a day's storage snapshot
is charged from the snapshot the worker announced and read back, and replaying the topics from
their beginning into an empty database gives the same statement, line for line.

The replay runs the inventory's handlers through the runtime's MessageProcessor (decode, inbox,
handler, commit) over every message read back from the topics the charges come from, in causal
order (registrations and plans, the inventory's own receipt announcements, instructions, the FCs'
reports), into a fresh database — as `stockpath replay` rebuilds a service that consumes topics.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from inventory.domain.statements import Month
from inventory.entrypoints import consumers
from inventory.entrypoints.statements import StatementOut
from inventory.service_layer.charges import month_statement
from inventory.service_layer.unit_of_work import InventoryUnitOfWork
from stockpath_events import decode_message, encode
from stockpath_network.fees import DEFAULT_FEE_SCHEDULE
from stockpath_runtime.consumer import MessageProcessor, subscribe
from stockpath_runtime.db import create_engine
from stockpath_testing import consume, eventually, publish
from stockpath_testing.processes import start_worker

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]

OCT_2 = datetime(2026, 10, 2, 9, 30, tzinfo=UTC)
OCT_9 = datetime(2026, 10, 9, 16, 0, tzinfo=UTC)
OCTOBER = Month(2026, 10)
#: The topics the charges come from, in the order a replay applies them.
TOPICS = (
    "registration.events",
    "inventory.events",
    "fulfillment.instructions",
    "fulfillment.updates",
    "order-router.events",
)


class DeadLetterLog:
    """The replay reads whatever else is on the shared topics; it records, never sends, dead letters."""

    def __init__(self) -> None:
        self.sent: list[dict] = []

    async def send(self, message, **details) -> None:
        self.sent.append(details)


@pytest.fixture(scope="module")
def worker(database, kafka_bootstrap, artifacts_dir, unique_group):
    process, _ = start_worker(
        "inventory",
        prefix="inventory",
        database_url=database,
        bootstrap=kafka_bootstrap,
        group=f"inventory-charges-{unique_group}",
        log_path=artifacts_dir / f"inventory-charges-{unique_group}.log",
    )
    yield process
    process.stop()


async def statement_of(database: str, seller_id: str) -> dict:
    engine = create_engine(database)
    try:
        uow = InventoryUnitOfWork(engine, source="/services/inventory")
        found = await month_statement(seller_id, OCTOBER, uow, fees=DEFAULT_FEE_SCHEDULE)
        return StatementOut.of(found).model_dump(mode="json")
    finally:
        await engine.dispose()


async def test_a_confirmation_published_three_times_charges_once_and_a_replay_rebuilds_the_statement(
    worker, database, fresh_database, kafka_bootstrap, operator, fc_staff, events
):
    t = uuid.uuid4().hex[:8].upper()
    seller, fnsku, shipment, fo = f"S-{t}", f"X{t}", f"FBA{t}", f"FO-{t}"
    history = [
        events.registered(fnsku, seller_id=seller, dimensions_cm=(30.48, 30.48, 30.48)),
        events.planned(shipment, [(fnsku, 10)], seller_id=seller),
    ]
    await publish(kafka_bootstrap, *history)

    def inbound() -> int | None:
        items = operator.get("/v1/inventory", params={"fnsku": fnsku}).json()["items"]
        return items[0]["inbound"] if items else None

    await eventually(lambda: inbound() == 10, timeout=30, what="the plan to reach the worker")
    received = fc_staff.post(
        "/v1/receipts",
        json={
            "shipment_id": shipment,
            "fulfillment_center_id": "SEA1",
            "lines": [{"fnsku": fnsku, "received": 10}],
        },
    )
    assert received.status_code == 201, received.text
    instructed = events.instructed(fo, [(fnsku, 3)], seller_id=seller)
    shipped = events.shipped(fo, shipped_at=OCT_2)
    returned = events.return_accepted(f"RET-{t}", [(fnsku, 1, "sellable")], received_at=OCT_9)
    await publish(kafka_bootstrap, instructed)
    await publish(kafka_bootstrap, shipped, times=3)
    await publish(kafka_bootstrap, returned)
    history += [instructed, shipped, returned]

    def lines() -> list[dict]:
        r = operator.get("/v1/statements/2026-10", params={"seller_id": seller})
        return r.json()["lines"]

    await eventually(lambda: len(lines()) == 2, timeout=30, what="the shipment and return charged")
    # The ledger as if all of it was recorded on 1 October (10 received, 3 shipped, 1 back: 8
    # held), and that day's storage snapshot, which the worker's relay announces and it reads back.
    engine = sa.create_engine(database)
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text("UPDATE inventory_ledger SET created_at = :at WHERE fnsku = :fnsku"),
                {"at": datetime(2026, 10, 1, 8, 0, tzinfo=UTC), "fnsku": fnsku},
            )
    finally:
        engine.dispose()
    taken = operator.post("/v1/storage-snapshots", json={"day": "2026-10-01"})
    assert taken.status_code == 201, taken.text

    def storage() -> list[dict]:
        r = operator.get("/v1/statements/2026-10", params={"seller_id": seller})
        return r.json()["storage"]

    await eventually(lambda: storage() != [], timeout=30, what="the day's storage charged")
    live = await statement_of(database, seller)
    assert [(c["kind"], c["quantity"], c["amount"], c["event_id"]) for c in live["lines"]] == [
        ("fulfillment", 3, "9.93", shipped.id),
        ("return_processing", 1, "2.12", returned.id),
    ]
    # 8 cubic feet for one October day: 8 × 2.40 / 31 = 0.619… → 0.62
    assert [(s["unit_days"], s["amount"]) for s in live["storage"]] == [(8, "0.62")]
    assert live["total"] == "12.67"
    assert worker.alive()

    replayed_database = fresh_database("inventory")
    replayed = create_engine(replayed_database)
    dead_letters = DeadLetterLog()
    try:
        processors = {
            s.topic: MessageProcessor(
                "inventory",
                s.handlers,
                lambda: InventoryUnitOfWork(replayed, source="/services/inventory"),
                dead_letters,
                max_attempts=1,
            )
            for s in subscribe(consumers.CONSUMES, fees=DEFAULT_FEE_SCHEDULE)
        }
        for topic in TOPICS:
            mine = {encode(e).value for e in history if encode(e).topic == topic}

            def complete(ms, topic=topic, mine=mine) -> bool:
                if (
                    topic == "inventory.events"
                ):  # the receipt and snapshot the worker's relay announced
                    types = {
                        decode_message(m).type.split(".")[-2]
                        for m in ms
                        if m.key in (fnsku.encode(), seller.encode())
                    }
                    return {"InventoryReceived", "StorageSnapshotTaken"} <= types
                return mine <= {m.value for m in ms}

            messages = await consume(kafka_bootstrap, topic, timeout=30, until=complete)
            for offset, message in enumerate(messages):  # every message on the topic, ours or not
                await processors[topic].process(message, partition=0, offset=offset)
    finally:
        await replayed.dispose()

    assert await statement_of(replayed_database, seller) == live
