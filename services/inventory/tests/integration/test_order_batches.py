"""Fulfillment instructions and shipment confirmations that arrive together are applied together
(`reserve_stock`, `ship_stock` take every command of a run), against the real
PostgreSQL: the same events delivered one by one and as one batch leave the same buckets, ledger,
shortfalls and fulfillment orders, the buckets reconcile with the ledger, and a batch costs the
same number of statements however many events it holds."""

from __future__ import annotations

import asyncio
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy import event as sa_event

from stockpath_events import Envelope
from stockpath_runtime.consumer import Outcome
from stockpath_testing import ServiceConsumer

pytestmark = pytest.mark.integration

P, D = Outcome.PROCESSED, Outcome.DUPLICATE


@pytest.fixture(scope="module")
def together(database):
    """Deliver envelopes of one topic as ONE batch, the worker's way (`ServiceConsumer.deliver_batch`:
    the service's subscriptions, one run per event type); returns (outcomes, statements executed)
    and checks the batch was applied in one transaction (not one by one after a failure)."""

    def run(*envelopes: Envelope) -> tuple[list[Outcome], int]:
        async def go():
            async with ServiceConsumer("inventory", database, max_attempts=1) as consumer:
                statements: list[str] = []
                sa_event.listen(
                    consumer.engine.sync_engine,
                    "before_cursor_execute",
                    lambda *a: statements.append(a[2]),
                )
                outcomes = await consumer.deliver_batch(*envelopes)
            assert consumer.transactions == 1, (
                "the batch was applied in one transaction, not one by one"
            )
            return outcomes, len(statements)

        return asyncio.run(go())

    return run


@pytest.fixture(scope="module")
def world(fc_staff, plan):
    """A fresh set of FNSKUs stocked at SEA1 (``world(5, 3)``: two FNSKUs with 5 and 3 fulfillable),
    with fulfillment order ids of its own, so two worlds can be driven the same way and compared."""

    class World:
        def __init__(self, *units: int) -> None:
            shipment = plan(*units)
            self.fnskus = shipment.fnskus
            self.tag = uuid.uuid4().hex[:8]
            r = fc_staff.post(
                "/v1/receipts",
                json={
                    "shipment_id": shipment.shipment_id,
                    "fulfillment_center_id": "SEA1",
                    "lines": [
                        {"fnsku": f, "received": q} for f, q in zip(self.fnskus, units, strict=True)
                    ],
                },
            )
            assert r.status_code == 201, r.text

        def fo(self, n: int) -> str:
            return f"FO-{self.tag}-{n}"

        def lines(self, *quantities: tuple[int, int]) -> list[tuple[str, int]]:
            """(FNSKU index, quantity) → (FNSKU, quantity)."""
            return [(self.fnskus[i], q) for i, q in quantities]

    return World


@pytest.fixture(scope="module")
def state(database):
    """What a world's events left in the store, with its own ids replaced by indexes and the
    events by their position, so two worlds can be compared."""

    def read(w, sent: list[Envelope]) -> dict:
        names = {f: f"F{i}" for i, f in enumerate(w.fnskus)}
        position: dict[str, int] = {}
        for n, e in enumerate(sent):
            position.setdefault(e.id, n)

        def fo(value):
            return value.replace(w.tag, "*") if value else value

        engine = sa.create_engine(database)
        try:
            with engine.connect() as conn:
                q = {"fnskus": list(w.fnskus), "prefix": f"FO-{w.tag}-%"}
                levels = conn.execute(
                    sa.text(
                        "SELECT fnsku, inbound, fulfillable, reserved, unfulfillable, shipped FROM inventory_levels "
                        "WHERE fnsku = ANY(:fnskus) ORDER BY fnsku"
                    ),
                    q,
                ).all()
                ledger = conn.execute(
                    sa.text(
                        "SELECT fnsku, fulfillment_order_id, bucket, delta, reason, cause_event_id FROM inventory_ledger "
                        "WHERE fnsku = ANY(:fnskus) AND fulfillment_order_id IS NOT NULL ORDER BY entry_id"
                    ),
                    q,
                ).all()
                shortfalls = conn.execute(
                    sa.text(
                        "SELECT fnsku, fulfillment_order_id, kind, quantity, quantity_expected, quantity_counted "
                        "FROM discrepancies WHERE fnsku = ANY(:fnskus) ORDER BY fulfillment_order_id, fnsku"
                    ),
                    q,
                ).all()
                orders = conn.execute(
                    sa.text(
                        "SELECT fulfillment_order_id, status, instructed, carrier FROM fulfillment_orders "
                        "WHERE fulfillment_order_id LIKE :prefix ORDER BY fulfillment_order_id"
                    ),
                    q,
                ).all()
                stock = conn.execute(
                    sa.text(
                        "SELECT fulfillment_order_id, fnsku, quantity_ordered, quantity_reserved FROM fulfillment_order_stock "
                        "WHERE fulfillment_order_id LIKE :prefix ORDER BY fulfillment_order_id, fnsku"
                    ),
                    q,
                ).all()
        finally:
            engine.dispose()
        return {
            "levels": [(names[r.fnsku], *r[1:]) for r in levels],
            "ledger": [
                (
                    names[r.fnsku],
                    fo(r.fulfillment_order_id),
                    r.bucket,
                    r.delta,
                    r.reason,
                    position.get(r.cause_event_id),
                )
                for r in ledger
            ],
            "shortfalls": [
                (names[r.fnsku], fo(r.fulfillment_order_id), *r[2:]) for r in shortfalls
            ],
            "orders": [(fo(r.fulfillment_order_id), *r[1:]) for r in orders],
            "stock": [(fo(r.fulfillment_order_id), names[r.fnsku], *r[2:]) for r in stock],
        }

    return read


def last_levels(outbox_events, w, sent: list[Envelope]) -> dict:
    """The last InventoryLevelChanged per FNSKU among those the events caused, and how many there were."""
    ids = {e.id for e in sent}
    found: dict[str, tuple] = {}
    counts: dict[str, int] = {}
    for e in outbox_events("InventoryLevelChanged"):
        if e.data.fnsku in w.fnskus and e.causation_id in ids:
            key = f"F{w.fnskus.index(e.data.fnsku)}"
            found[key] = (e.data.fulfillable, e.data.reserved, e.data.shipped)
            counts[key] = counts.get(key, 0) + 1
    return {"last": found, "counts": counts}


def instructions(w, events) -> list[Envelope]:
    """Instructions sharing scarce stock (F0: 5 units, F1: 3, F2: 4), with an in-batch duplicate,
    an order instructed twice under two event ids, a cancellation splitting the run, and an order
    whose shipment confirmation came first."""
    first = events.instructed(w.fo(1), w.lines((0, 2), (1, 1)))
    return [
        first,
        events.instructed(w.fo(2), w.lines((0, 2))),
        # Two lines of one FNSKU draw on the same units: 3 + 1 asked for F0, 1 left.
        events.instructed(w.fo(3), w.lines((0, 3), (1, 1), (0, 1))),
        first,  # redelivered inside the batch
        events.instructed(
            w.fo(2), w.lines((0, 1))
        ),  # the same order again, another event id: ignored
        events.instructed(w.fo(4), w.lines((1, 5))),  # 1 left: reserves 1, 4 short
        events.instructed(w.fo(5), w.lines((2, 3))),  # shipped before: fulfillable → shipped
        events.fulfillment_cancelled(w.fo(1)),  # releases 2 × F0 and 1 × F1 …
        events.instructed(w.fo(6), w.lines((0, 2), (1, 2))),  # … which the next instruction takes
        events.instructed(w.fo(7), w.lines((2, 1))),
    ]


OUTCOMES = [P, P, P, D, P, P, P, P, P, P]


def test_instructions_applied_together_leave_what_they_leave_one_by_one(
    world, events, deliver, together, state, outbox_events, buckets_and_ledger
):
    one_by_one, batched = world(5, 3, 4), world(5, 3, 4)
    for w in (one_by_one, batched):
        assert deliver(events.shipped(w.fo(5))) == [P]
    sent_one = instructions(one_by_one, events)
    sent_batch = instructions(batched, events)

    assert deliver(*sent_one) == OUTCOMES
    outcomes, _ = together(*sent_batch)
    assert outcomes == OUTCOMES

    expected = state(one_by_one, sent_one)
    assert state(batched, sent_batch) == expected
    # Spelled out, so the comparison above compares something meaningful.
    assert expected["levels"] == [
        ("F0", 0, 0, 5, 0, 0),
        ("F1", 0, 0, 3, 0, 0),
        ("F2", 0, 0, 1, 0, 3),
    ]
    assert expected["shortfalls"] == [
        ("F0", "FO-*-3", "reservation-shortfall", 3, 4, 1),
        ("F1", "FO-*-4", "reservation-shortfall", 4, 5, 1),
        ("F1", "FO-*-6", "reservation-shortfall", 1, 2, 1),
    ]
    assert expected["stock"] == [
        ("FO-*-1", "F0", 2, 2),
        ("FO-*-1", "F1", 1, 1),
        ("FO-*-2", "F0", 2, 2),
        ("FO-*-3", "F0", 4, 1),
        ("FO-*-3", "F1", 1, 1),
        ("FO-*-4", "F1", 5, 1),
        ("FO-*-5", "F2", 3, 0),
        ("FO-*-6", "F0", 2, 2),
        ("FO-*-6", "F1", 2, 1),
        ("FO-*-7", "F2", 1, 1),
    ]
    assert [o[:3] for o in expected["orders"]] == [
        ("FO-*-1", "CANCELLED", True),
        ("FO-*-2", "RESERVED", True),
        ("FO-*-3", "RESERVED", True),
        ("FO-*-4", "RESERVED", True),
        ("FO-*-5", "SHIPPED", True),
        ("FO-*-6", "RESERVED", True),
        ("FO-*-7", "RESERVED", True),
    ]
    # Every ledger row names the instruction (or cancellation) that caused it; the ignored copy none.
    assert {row[5] for row in expected["ledger"]} == {0, 1, 2, 5, 6, 7, 8, 9}

    stored, recomputed = buckets_and_ledger()
    assert stored == recomputed

    # Absolute levels: the batch announces each FNSKU it moved once per run, with the same final level.
    one = last_levels(outbox_events, one_by_one, sent_one)
    batch = last_levels(outbox_events, batched, sent_batch)
    assert batch["last"] == one["last"] == {"F0": (0, 5, 0), "F1": (0, 3, 0), "F2": (0, 1, 3)}
    # Runs of instructions: [0..6] moves F0, F1, F2; the cancellation F0, F1; [8..9] F0, F1, F2.
    assert batch["counts"] == {"F0": 3, "F1": 3, "F2": 2}
    assert sum(one["counts"].values()) > sum(batch["counts"].values())


def test_shipment_confirmations_applied_together_leave_what_they_leave_one_by_one(
    world, events, deliver, together, state, buckets_and_ledger
):
    one_by_one, batched = world(6, 2), world(6, 2)

    def prepare(w) -> list[Envelope]:
        assert deliver(
            events.instructed(w.fo(1), w.lines((0, 2), (1, 1))),
            events.instructed(w.fo(2), w.lines((0, 3))),
            events.instructed(w.fo(3), w.lines((1, 1))),
            events.fulfillment_cancelled(w.fo(3)),
        ) == [P, P, P, P]
        first = events.shipped(w.fo(1))
        return [
            first,
            events.shipped(w.fo(2)),
            first,  # redelivered inside the batch
            events.shipped(w.fo(1)),  # confirmed again under another event id: already shipped
            events.shipped(w.fo(3)),  # cancelled, shipped anyway: from fulfillable
            events.shipped(w.fo(4)),  # overtakes its instruction: remembered
            events.shipped(w.fo(4)),
        ]

    sent_one, sent_batch = prepare(one_by_one), prepare(batched)
    expected_outcomes = [P, P, D, P, P, P, P]
    assert deliver(*sent_one) == expected_outcomes
    outcomes, _ = together(*sent_batch)
    assert outcomes == expected_outcomes
    # The instruction that was overtaken comes later: fulfillable → shipped.
    for w in (one_by_one, batched):
        assert deliver(events.instructed(w.fo(4), w.lines((0, 1)))) == [P]

    expected = state(one_by_one, sent_one)
    assert state(batched, sent_batch) == expected
    assert expected["levels"] == [("F0", 0, 0, 0, 0, 6), ("F1", 0, 0, 0, 0, 2)]
    assert [o[:4] for o in expected["orders"]] == [
        ("FO-*-1", "SHIPPED", True, "UPS"),
        ("FO-*-2", "SHIPPED", True, "UPS"),
        ("FO-*-3", "SHIPPED", True, "UPS"),
        ("FO-*-4", "SHIPPED", True, "UPS"),
    ]
    stored, recomputed = buckets_and_ledger()
    assert stored == recomputed


def test_a_batch_of_instructions_costs_the_same_statements_however_many_it_holds(
    world, events, together
):
    small, large = world(50, 50, 50), world(50, 50, 50)
    _, few = together(
        *[
            events.instructed(small.fo(n), small.lines((n % 3, 1), ((n + 1) % 3, 2)))
            for n in range(2)
        ]
    )
    _, many = together(
        *[
            events.instructed(large.fo(n), large.lines((n % 3, 1), ((n + 1) % 3, 2)))
            for n in range(30)
        ]
    )
    assert many == few, f"{few} statements for 2 instructions, {many} for 30"
    shipped_few = together(*[events.shipped(small.fo(n)) for n in range(2)])[1]
    shipped_many = together(*[events.shipped(large.fo(n)) for n in range(30)])[1]
    assert shipped_many == shipped_few, (
        f"{shipped_few} statements for 2 confirmations, {shipped_many} for 30"
    )
