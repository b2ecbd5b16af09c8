"""Stock reports that arrive together are applied together (`record_inventory_levels` takes the
whole run of InventoryLevelChanged), against the real PostgreSQL: the same reports delivered
one by one and as one batch leave the same availability and listings and announce the same
changes, caused by the same reports; a batch costs the same statements however many it holds."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import event as sa_event

from stockpath_events import decode
from stockpath_events.types.listing import ListingAvailabilityChanged
from stockpath_runtime.consumer import Outcome
from stockpath_runtime.db import outbox
from stockpath_runtime.unit_of_work import headers_from_row

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]

P, D = Outcome.PROCESSED, Outcome.DUPLICATE


@pytest.fixture(scope="module")
def statements(consumer):
    """Counts the statements the listing consumer's transactions execute."""
    counts = {"statements": 0}

    def statement(*_args) -> None:
        counts["statements"] += 1

    sa_event.listen(consumer.engine.sync_engine, "before_cursor_execute", statement)
    yield counts
    sa_event.remove(consumer.engine.sync_engine, "before_cursor_execute", statement)


async def together(consumer, statements, *envelopes) -> tuple[list[Outcome], int]:
    """One batch, as the worker hands it over; (outcomes, statements executed)."""
    transactions, executed = consumer.transactions, statements["statements"]
    outcomes = await consumer.deliver_batch(*envelopes)
    assert consumer.transactions - transactions == 1, "applied in one transaction, not one by one"
    return outcomes, statements["statements"] - executed


async def state(engine, fnskus: list[str], sent: list) -> dict:
    """Availability, listings and announcements of these FNSKUs, with FNSKUs replaced by their
    index and each announcement's cause by the position of the report in `sent`."""
    name = {f: f"F{i}" for i, f in enumerate(fnskus)}
    position: dict[str, int] = {}
    for n, e in enumerate(sent):
        position.setdefault(e.id, n)
    async with engine.connect() as conn:
        availability = (
            await conn.execute(
                sa.text(
                    "SELECT fnsku, fulfillment_center_id, fulfillable FROM availability WHERE fnsku = ANY(:f)"
                ),
                {"f": fnskus},
            )
        ).all()
        listings = (
            await conn.execute(
                sa.text(
                    "SELECT fnsku, channel, sellable_quantity, in_stock FROM listings WHERE fnsku = ANY(:f)"
                ),
                {"f": fnskus},
            )
        ).all()
        rows = (
            await conn.execute(
                sa.select(outbox.c.value, outbox.c.headers)
                .where(outbox.c.event_type == ListingAvailabilityChanged.ce_type)
                .order_by(outbox.c.id)
            )
        ).all()
    announced = [decode(r.value, headers_from_row(r.headers)) for r in rows]
    return {
        "availability": sorted(
            (name[r.fnsku], r.fulfillment_center_id, r.fulfillable) for r in availability
        ),
        "listings": sorted(
            (name[r.fnsku], r.channel, r.sellable_quantity, r.in_stock) for r in listings
        ),
        "announced": [
            (
                name[e.data.fnsku],
                e.data.channel,
                position[e.causation_id],
                e.data.in_stock,
                e.data.sellable_quantity,
            )
            for e in announced
            if e.data.fnsku in name
        ],
    }


def reports(inventory_level, a: str, b: str, c: str) -> list:
    """A (listed on the storefront and, held, on ebay), B (storefront) and C (no listing) at two FCs."""
    first = inventory_level(a, "SEA1", 5)
    return [
        first,
        inventory_level(b, "SEA1", 2),
        inventory_level(a, "SEA1", 5, reserved=2, inbound=10),  # nothing buyers see changed
        inventory_level(a, "PHX1", 3),
        first,  # redelivered inside the batch
        inventory_level(c, "SEA1", 9),
        inventory_level(a, "SEA1", 0, unfulfillable=1),
        inventory_level(b, "SEA1", 0),
        inventory_level(a, "PHX1", 0),
        inventory_level(b, "PHX1", 4),
    ]


async def test_reports_applied_together_leave_and_announce_what_they_do_one_by_one(
    engine, consumer, statements, item_registered, inventory_level
):
    worlds = []
    for _ in range(2):
        a, b = item_registered(channels=("storefront", "ebay")), item_registered()
        assert await consumer.deliver(a, b) == [P, P]
        fnskus = [a.data.fnsku, b.data.fnsku, item_registered().data.fnsku]
        worlds.append((fnskus, reports(inventory_level, *fnskus)))
    (fnskus_one, sent_one), (fnskus_batch, sent_batch) = worlds
    expected_outcomes = [P, P, P, P, D, P, P, P, P, P]

    assert await consumer.deliver(*sent_one) == expected_outcomes
    outcomes, _ = await together(consumer, statements, *sent_batch)
    assert outcomes == expected_outcomes

    expected = await state(engine, fnskus_one, sent_one)
    assert await state(engine, fnskus_batch, sent_batch) == expected
    # Spelled out, so the comparison above compares something meaningful.
    assert expected["availability"] == [
        ("F0", "PHX1", 0),
        ("F0", "SEA1", 0),
        ("F1", "PHX1", 4),
        ("F1", "SEA1", 0),
        ("F2", "SEA1", 9),
    ]
    assert expected["listings"] == [
        ("F0", "ebay", 0, False),
        ("F0", "storefront", 0, False),
        ("F1", "storefront", 4, True),
    ]
    assert expected["announced"] == [
        ("F0", "storefront", 0, True, 5),
        ("F1", "storefront", 1, True, 2),
        ("F0", "storefront", 3, True, 8),
        ("F0", "storefront", 6, True, 3),
        ("F1", "storefront", 7, False, 0),
        ("F0", "storefront", 8, False, 0),
        ("F1", "storefront", 9, True, 4),
    ]


async def test_a_batch_of_reports_costs_the_same_statements_however_many_it_holds(
    consumer, statements, item_registered, inventory_level
):
    registrations = [item_registered() for _ in range(10)]
    assert await consumer.deliver(*registrations) == [P] * 10
    fnskus = [r.data.fnsku for r in registrations]
    _, few = await together(
        consumer, statements, *[inventory_level(f, "SEA1", 3) for f in fnskus[:2]]
    )
    _, many = await together(
        consumer,
        statements,
        *[inventory_level(f, fc, q) for q in (1, 2) for fc in ("SEA1", "PHX1") for f in fnskus],
    )
    assert many == few, f"{few} statements for 2 reports, {many} for 40"
