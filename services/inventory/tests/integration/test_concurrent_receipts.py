"""Receipts recorded at the same time against a real PostgreSQL: no lost update, no double effect."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from inventory.domain.commands import RecordReceipt
from inventory.domain.shipments import LineCount
from inventory.service_layer import receiving
from inventory.service_layer.unit_of_work import InventoryUnitOfWork
from inventory.settings import Settings
from stockpath_runtime.db import create_engine

pytestmark = pytest.mark.integration


def record_all_at_once(database: str, commands: list[RecordReceipt]) -> list[tuple]:
    """Run every command in its own unit of work (own connection), all started together."""

    async def go():
        engine = create_engine(database, pool_size=len(commands))
        source = Settings(database_url=database).source
        start = asyncio.Event()

        async def one(command: RecordReceipt):
            await start.wait()
            return await receiving.record_receipt(
                command, InventoryUnitOfWork(engine, source=source)
            )

        try:
            tasks = [asyncio.create_task(one(c)) for c in commands]
            await asyncio.sleep(0)
            start.set()
            return await asyncio.gather(*tasks)
        finally:
            await engine.dispose()

    return asyncio.run(go())


def test_concurrent_receipts_for_one_fnsku_lose_no_update(
    fc_staff, database, plan, buckets_and_ledger
):
    fnsku = f"X{uuid.uuid4().hex[:8].upper()}"
    shipments = [plan(100, fnskus=[fnsku]) for _ in range(4)]
    commands = [
        RecordReceipt(f"R-{uuid.uuid4().hex}", s.shipment_id, "SEA1", (LineCount(fnsku, 3, 1),))
        for s in shipments
        for _ in range(5)
    ]
    results = record_all_at_once(database, commands)
    assert not any(replayed for _, replayed in results)

    [level] = fc_staff.get("/v1/inventory", params={"fnsku": fnsku}).json()["items"]
    assert (level["inbound"], level["fulfillable"], level["unfulfillable"]) == (400 - 80, 60, 20)
    for s in shipments:
        [line] = fc_staff.get(f"/v1/inbound-shipments/{s.shipment_id}/receipts").json()["lines"]
        assert (line["quantity_received"], line["quantity_damaged"]) == (15, 5)
    stored, recomputed = buckets_and_ledger()
    assert stored[(fnsku, "SEA1")] == recomputed[(fnsku, "SEA1")]


def test_the_same_receipt_sent_concurrently_is_applied_once(fc_staff, database, plan):
    shipment = plan(50)
    (fnsku,) = shipment.fnskus
    command = RecordReceipt(
        f"R-{uuid.uuid4().hex}", shipment.shipment_id, "SEA1", (LineCount(fnsku, 2, 0),)
    )
    results = record_all_at_once(database, [command] * 8)
    assert sorted(replayed for _, replayed in results) == [False] + [True] * 7
    assert len({result for result, _ in results}) == 1
    [level] = fc_staff.get("/v1/inventory", params={"fnsku": fnsku}).json()["items"]
    assert level["fulfillable"] == 2
