"""Every string and list FC staff send is bounded, so that nothing the inventory accepts comes near
the runtime's event limit (`MAX_EVENT_BYTES`): the largest receipt and adjustment it accepts
publish events of a few KiB, and anything larger is refused with a 422 before any work."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from stockpath_runtime.db import outbox
from stockpath_runtime.unit_of_work import MAX_EVENT_BYTES

pytestmark = pytest.mark.integration

MAX_LINES, MAX_ID, MAX_REASON = 200, 100, 500
#: What the largest accepted request may publish per event: far below the runtime's limit.
LARGEST_EVENT = 8 * 1024


def longest_id(prefix: str) -> str:
    return (prefix + uuid.uuid4().hex.upper() * 4)[:MAX_ID]


def largest_event_since(database: str, outbox_id: int) -> tuple[int, int]:
    """(how many events, the size of the largest) committed to the outbox after `outbox_id`."""
    engine = sa.create_engine(database)
    try:
        with engine.connect() as conn:
            sizes = (
                conn.execute(
                    sa.select(sa.func.length(outbox.c.value)).where(outbox.c.id > outbox_id)
                )
                .scalars()
                .all()
            )
    finally:
        engine.dispose()
    return len(sizes), max(sizes, default=0)


def last_outbox_id(database: str) -> int:
    engine = sa.create_engine(database)
    try:
        with engine.connect() as conn:
            return conn.execute(
                sa.select(sa.func.coalesce(sa.func.max(outbox.c.id), 0))
            ).scalar_one()
    finally:
        engine.dispose()


def test_the_largest_receipt_accepted_publishes_small_events(fc_staff, plan, database):
    shipment = plan(5)
    before = last_outbox_id(database)
    # One planned line, and every other line an FNSKU of the longest id never planned (a discrepancy each).
    lines = [{"fnsku": shipment.fnskus[0], "received": 100_000, "damaged": 100_000}] + [
        {"fnsku": longest_id(f"X{n:03}"), "received": 100_000, "damaged": 100_000}
        for n in range(MAX_LINES - 1)
    ]
    body = {
        "receipt_id": longest_id("RC"),
        "shipment_id": shipment.shipment_id,
        "fulfillment_center_id": "SEA1",
        "lines": lines,
    }
    r = fc_staff.post("/v1/receipts", json=body, headers={"X-Correlation-Id": "c" * 10_000})
    assert r.status_code == 201, r.text[:500]
    count, largest = largest_event_since(database, before)
    assert count >= MAX_LINES and largest <= LARGEST_EVENT < MAX_EVENT_BYTES


def test_the_largest_adjustment_accepted_publishes_small_events(fc_staff, operator, plan, database):
    shipment = plan(5)
    (fnsku,) = shipment.fnskus
    assert (
        fc_staff.post(
            "/v1/receipts",
            json={
                "shipment_id": shipment.shipment_id,
                "fulfillment_center_id": "SEA1",
                "lines": [{"fnsku": fnsku, "received": 5}],
            },
        ).status_code
        == 201
    )
    before = last_outbox_id(database)
    reason = "€" * MAX_REASON  # three bytes a character in UTF-8
    r = fc_staff.post(
        "/v1/adjustments",
        json={
            "adjustment_id": longest_id("ADJ"),
            "fulfillment_center_id": "SEA1",
            "fnsku": fnsku,
            "kind": "transferred",
            "quantity": 5,
            "reason": reason,
            "to_fulfillment_center_id": "PHX3",
        },
    )
    assert r.status_code == 201, r.text[:500]
    count, largest = largest_event_since(database, before)
    assert count >= 2 and largest <= LARGEST_EVENT


@pytest.mark.parametrize(
    "change, field",
    [
        ({"lines": [{"fnsku": f"X{n}", "received": 1} for n in range(MAX_LINES + 1)]}, "lines"),
        ({"lines": [{"fnsku": "X" * (MAX_ID + 1), "received": 1}]}, "fnsku"),
        ({"receipt_id": "R" * (MAX_ID + 1)}, "receipt_id"),
        ({"shipment_id": "S" * (MAX_ID + 1)}, "shipment_id"),
        ({"fulfillment_center_id": "SEA1" * 3}, "fulfillment_center_id"),
    ],
)
def test_a_receipt_over_any_limit_is_refused_before_any_work(fc_staff, database, change, field):
    before = last_outbox_id(database)
    body = {
        "shipment_id": "FBA1",
        "fulfillment_center_id": "SEA1",
        "lines": [{"fnsku": "X1", "received": 1}],
        **change,
    }
    r = fc_staff.post("/v1/receipts", json=body)
    assert r.status_code == 422 and field in r.json()["error"]["message"]
    assert largest_event_since(database, before) == (0, 0)


@pytest.mark.parametrize(
    "change, field",
    [
        ({"reason": "r" * (MAX_REASON + 1)}, "reason"),
        ({"adjustment_id": "A" * (MAX_ID + 1)}, "adjustment_id"),
        ({"fnsku": "X" * (MAX_ID + 1)}, "fnsku"),
        ({"quantity": 100_001}, "quantity"),
    ],
)
def test_an_adjustment_over_any_limit_is_refused(fc_staff, change, field):
    body = {
        "fulfillment_center_id": "SEA1",
        "fnsku": "X1",
        "kind": "found",
        "quantity": 1,
        "reason": "count",
        **change,
    }
    r = fc_staff.post("/v1/adjustments", json=body)
    assert r.status_code == 422 and field in r.json()["error"]["message"]


def test_a_page_form_over_the_limits_is_refused(new_browser, tokens, plan):
    shipment = plan(2)
    browser = new_browser()
    browser.post("/fc/sign-in", data={"csrf_token": browser.csrf_token(), "token": tokens["fc"]})
    base = f"/fc/SEA1/shipments/{shipment.shipment_id}"
    token = browser.csrf_token(base)
    r = browser.post(
        f"{base}/receipts", data={"csrf_token": token, "fnsku": "X" * (MAX_ID + 1), "received": "1"}
    )
    assert r.status_code == 422 and "FNSKU" in r.text
    r = browser.post(
        f"{base}/receipts",
        data={"csrf_token": token, "fnsku": shipment.fnskus[0], "received": "100001"},
    )
    assert r.status_code == 422 and "100000" in r.text
    crowded = {"csrf_token": token, **{f"f{n}": "1" for n in range(50)}}
    r = browser.post(f"{base}/receipts", data=crowded)
    assert r.status_code == 422 and "reload the page" in r.text
