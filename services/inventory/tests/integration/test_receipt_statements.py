"""A receipt (and the plan of its shipment) costs the same number of statements however many lines
it has, against the real PostgreSQL: the bucket rows are locked once, the ledger rows, bucket
changes, shipment lines, receipt lines and discrepancies are each written by one statement, and
the buckets still reconcile with the ledger afterwards."""

from __future__ import annotations

import asyncio
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy import event as sa_event

from inventory.domain.commands import RecordReceipt
from inventory.domain.shipments import LineCount
from inventory.entrypoints import consumers
from inventory.service_layer import inbound, receiving
from inventory.service_layer.unit_of_work import InventoryUnitOfWork
from inventory.settings import Settings
from stockpath_runtime.db import create_engine

pytestmark = pytest.mark.integration

EXPECTED = 10


def counted(database: str, work) -> int:
    """Run `work(uow)` with a unit of work on an engine of its own; returns the statements it executed."""

    async def go() -> int:
        engine = create_engine(database)
        statements: list[str] = []
        sa_event.listen(
            engine.sync_engine, "before_cursor_execute", lambda *a: statements.append(a[2])
        )
        try:
            await work(InventoryUnitOfWork(engine, source=Settings(database_url=database).source))
        finally:
            await engine.dispose()
        return len(statements)

    return asyncio.run(go())


def plan_and_receive(database: str, events, lines: int) -> tuple[list[str], str, str, int, int]:
    """Plan a shipment of `lines` FNSKUs (EXPECTED units each) and receive it in one receipt of as
    many lines: all but one FNSKU counted as EXPECTED - 1 good + 1 damaged, one FNSKU with an
    overage of 2, and one FNSKU the shipment never planned in place of the last planned one.
    Returns (FNSKUs, shipment id, receipt id, statements of the plan, statements of the receipt)."""
    tag = uuid.uuid4().hex[:8].upper()
    fnskus = [f"X{tag}{i:04d}" for i in range(lines)]
    planned = events.planned(f"FBA{tag}", [(f, EXPECTED) for f in fnskus])

    async def plan(uow: InventoryUnitOfWork) -> None:
        # As the worker applies it: in the unit of work it opened, committed after the handler.
        async with uow:
            await inbound.plan_inbound_shipments([consumers.plan_inbound_shipment(planned)], uow)
            await uow.commit()

    counts = tuple(LineCount(f, EXPECTED - 1, 1) for f in fnskus[:-2]) + (
        LineCount(fnskus[-2], EXPECTED + 2, 0),
        LineCount(f"Z{tag}UNPLANNED", 1, 0),
    )
    receipt_id = f"R-{tag}"

    async def receive(uow: InventoryUnitOfWork) -> None:
        await receiving.record_receipt(RecordReceipt(receipt_id, f"FBA{tag}", "SEA1", counts), uow)

    return fnskus, f"FBA{tag}", receipt_id, counted(database, plan), counted(database, receive)


def test_a_receipt_costs_the_same_statements_for_2_lines_as_for_200(
    database, events, buckets_and_ledger, outbox_events
):
    few_fnskus, _, _, plan_few, receipt_few = plan_and_receive(database, events, 2)
    many_fnskus, shipment_id, many_receipt, plan_many, receipt_many = plan_and_receive(
        database, events, 200
    )

    assert receipt_many == receipt_few, (
        f"{receipt_few} statements for a 2-line receipt, {receipt_many} for 200"
    )
    assert plan_many == plan_few, f"{plan_few} statements to plan 2 lines, {plan_many} for 200"

    stored, recomputed = buckets_and_ledger()
    for fnskus in (few_fnskus, many_fnskus):
        for f in fnskus:
            assert stored[(f, "SEA1")] == recomputed[(f, "SEA1")], f
        *normal, over, missing = fnskus
        for f in normal:
            assert (
                stored[(f, "SEA1")].inbound,
                stored[(f, "SEA1")].fulfillable,
                stored[(f, "SEA1")].unfulfillable,
            ) == (0, EXPECTED - 1, 1)
        assert (stored[(over, "SEA1")].inbound, stored[(over, "SEA1")].fulfillable) == (
            0,
            EXPECTED + 2,
        )
        assert (stored[(missing, "SEA1")].inbound, stored[(missing, "SEA1")].fulfillable) == (
            EXPECTED,
            0,
        )

    engine = sa.create_engine(database)
    try:
        with engine.connect() as conn:
            ledger = conn.execute(
                sa.text(
                    "SELECT fnsku, bucket, delta, reason, shipment_id, cause_event_id FROM inventory_ledger "
                    "WHERE receipt_id = :r ORDER BY entry_id"
                ),
                {"r": many_receipt},
            ).all()
            lines = conn.execute(
                sa.text("SELECT count(*) FROM receipt_lines WHERE receipt_id = :r"),
                {"r": many_receipt},
            ).scalar_one()
            found = conn.execute(
                sa.text(
                    "SELECT kind, fnsku, quantity FROM discrepancies WHERE receipt_id = :r ORDER BY kind"
                ),
                {"r": many_receipt},
            ).all()
    finally:
        engine.dispose()
    # Per FNSKU in FNSKU order: inbound out, fulfillable in, damaged in (the overage: inbound, fulfillable).
    expected_ledger = []
    for f in many_fnskus[:-2]:
        expected_ledger += [
            (f, "inbound", -EXPECTED, "arrived"),
            (f, "fulfillable", EXPECTED - 1, "received"),
            (f, "unfulfillable", 1, "received-damaged"),
        ]
    expected_ledger += [
        (many_fnskus[-2], "inbound", -EXPECTED, "arrived"),
        (many_fnskus[-2], "fulfillable", EXPECTED + 2, "received"),
    ]
    assert [(r.fnsku, r.bucket, r.delta, r.reason) for r in ledger] == expected_ledger
    assert all(r.shipment_id == shipment_id and r.cause_event_id is None for r in ledger)
    assert lines == 200
    assert [(d.kind, d.quantity) for d in found] == [("overage", 2), ("unknown-fnsku", 1)]

    changed = [
        e for e in outbox_events("InventoryLevelChanged") if e.data.fnsku in set(many_fnskus)
    ]
    # One per FNSKU planned, one per FNSKU received (the missing one was not counted).
    assert len(changed) == 200 + 199
    received = [e for e in outbox_events("InventoryReceived") if e.data.receipt_id == many_receipt]
    assert len(received) == 199
    recorded = [
        e
        for e in outbox_events("InventoryDiscrepancyRecorded")
        if e.data.shipment_id == shipment_id
    ]
    assert sorted(e.data.kind for e in recorded) == ["overage", "unknown-fnsku"]
