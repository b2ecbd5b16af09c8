"""Inventory age from the ledger, without a database: units arrive in dated layers and leave from
the oldest first; the bands below are computed by hand in each test's comments."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import count

from inventory.domain.age import AgeBands, age_bands
from inventory.domain.stock import Bucket, LedgerEntry, Reason

TODAY = date(2026, 12, 6)
_ids = count(1)


def on(days_ago: int, *rows: tuple[Bucket, int, Reason], cause: str | None = None) -> list:
    """The ledger rows one cause wrote together, `days_ago` days before TODAY."""
    at = datetime(2026, 12, 6, 12, tzinfo=UTC) - timedelta(days=days_ago)
    cause = cause or f"EV-{next(_ids)}"
    return [
        LedgerEntry(
            entry_id=next(_ids),
            fnsku="X001",
            fulfillment_center_id="SEA1",
            seller_id="S1",
            bucket=bucket,
            delta=delta,
            reason=reason.value,
            shipment_id=None,
            cause_event_id=cause,
            receipt_id=None,
            fulfillment_order_id=None,
            adjustment_id=None,
            created_at=at,
        )
        for bucket, delta, reason in rows
    ]


def received(days_ago: int, units: int, damaged: int = 0) -> list:
    rows = [
        (Bucket.INBOUND, -(units + damaged), Reason.ARRIVED),
        (Bucket.FULFILLABLE, units, Reason.RECEIVED),
    ]
    if damaged:
        rows.append((Bucket.UNFULFILLABLE, damaged, Reason.RECEIVED_DAMAGED))
    return on(days_ago, *rows)


def reserved(days_ago: int, units: int) -> list:
    return on(
        days_ago,
        (Bucket.FULFILLABLE, -units, Reason.RESERVED_FOR_ORDER),
        (Bucket.RESERVED, units, Reason.RESERVED_FOR_ORDER),
    )


def shipped(days_ago: int, units: int) -> list:
    return on(
        days_ago,
        (Bucket.RESERVED, -units, Reason.SHIPPED),
        (Bucket.SHIPPED, units, Reason.SHIPPED),
    )


def test_units_fall_in_the_band_of_the_day_they_were_received():
    ledger = [
        *on(500, (Bucket.INBOUND, 100, Reason.SHIPMENT_PLANNED)),  # inbound: not on hand
        *received(400, 10),
        *received(200, 20, damaged=2),
        *received(100, 30),
        *received(91, 1),
        *received(90, 4),
        *received(0, 5),
    ]
    # 400 days: 10 over 365; 200: 22 (2 damaged are on hand too) in 181-365; 100 and 91: 31 in
    # 91-180; 90 and 0: 9 in 0-90.
    assert age_bands(ledger, TODAY) == AgeBands(9, 31, 22, 10)


def test_units_that_leave_leave_from_the_oldest_first():
    ledger = [
        *received(400, 10),
        *received(200, 20),
        *received(30, 20),
        *reserved(20, 12),  # moves within the building: ages stay
        *shipped(19, 12),  # 12 leave: the 10 of day 400, then 2 of day 200
        *on(10, (Bucket.FULFILLABLE, -5, Reason.LOST)),  # 5 more of day 200
        *on(
            5,
            (Bucket.FULFILLABLE, -1, Reason.DAMAGED_IN_WAREHOUSE),
            (Bucket.UNFULFILLABLE, 1, Reason.DAMAGED_IN_WAREHOUSE),
        ),  # damaged in the building: still on hand, still of its day
        *on(3, (Bucket.FULFILLABLE, 2, Reason.FOUND)),  # found: arrives today-3
    ]
    # Left: 13 of day 200 (181-365), 20 of day 30 and 2 of day 3 (0-90).
    assert age_bands(ledger, TODAY) == AgeBands(22, 0, 13, 0)


def test_a_removal_takes_the_oldest_and_a_cancelled_one_gives_their_dates_back():
    ledger = [
        *received(400, 4),
        *received(120, 6),
        *received(10, 10),
        *on(9, (Bucket.FULFILLABLE, -7, Reason.REMOVAL_SET_ASIDE)),  # 4 of day 400, 3 of day 120
    ]
    assert age_bands(ledger, TODAY) == AgeBands(10, 3, 0, 0)
    cancelled = [*ledger, *on(2, (Bucket.FULFILLABLE, 7, Reason.REMOVAL_CANCELLED))]
    assert age_bands(cancelled, TODAY) == AgeBands(10, 6, 0, 4)
    # Cancelled in part (3 of 7): the last taken come back first — the 3 of day 120.
    partly = [*ledger, *on(2, (Bucket.FULFILLABLE, 3, Reason.REMOVAL_CANCELLED))]
    assert age_bands(partly, TODAY) == AgeBands(10, 6, 0, 0)


def test_a_return_arrives_on_its_day_and_nothing_left_means_no_units():
    ledger = [
        *received(300, 3),
        *reserved(200, 3),
        *shipped(199, 3),
        *on(150, (Bucket.FULFILLABLE, 1, Reason.RETURNED_SELLABLE)),
        *on(40, (Bucket.UNFULFILLABLE, 1, Reason.RETURNED_DEFECTIVE)),
    ]
    assert age_bands(ledger, TODAY) == AgeBands(1, 1, 0, 0)
    assert age_bands(ledger[:6], TODAY) == AgeBands()  # received, reserved, shipped
    assert age_bands([], TODAY).total == 0


def test_a_pick_exception_writes_off_the_oldest_and_a_refused_pick_keeps_ages():
    ledger = [
        *received(200, 2),
        *received(50, 2),
        *reserved(40, 3),
        *on(
            39,
            (Bucket.RESERVED, -1, Reason.PICK_SHORT),
            (Bucket.RESERVED, -2, Reason.PICK_REFUSED),
            (Bucket.FULFILLABLE, 2, Reason.PICK_REFUSED),
        ),
    ]
    # One unit written off (the oldest, of day 200); two go back to fulfillable with their ages.
    assert age_bands(ledger, TODAY) == AgeBands(2, 0, 1, 0)
