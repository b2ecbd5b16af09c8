"""Inventory age against the real PostgreSQL: three receipts of one FNSKU recorded 400 days ago,
200 days ago and today, then units shipped and set aside for removal; the API's bands are the
hand-computed ones (the oldest left first), for the seller and for registration asking for it.

The receipts are dated by moving their ledger rows' `created_at` back in the database: the only
way to have stock of a year ago in a test, and exactly the column the ages are read from."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa
from inventory_testkit import fo_id

from stockpath_runtime.consumer import Outcome
from stockpath_testing.authorization import issue_token

pytestmark = pytest.mark.integration


def receive(fc_staff, shipment, units: int, receipt_id: str) -> None:
    (fnsku,) = shipment.fnskus
    r = fc_staff.post(
        "/v1/receipts",
        json={
            "receipt_id": receipt_id,
            "shipment_id": shipment.shipment_id,
            "fulfillment_center_id": "SEA1",
            "lines": [{"fnsku": fnsku, "received": units}],
        },
    )
    assert r.status_code == 201, r.text


def recorded_days_ago(database: str, receipt_id: str, days: int) -> None:
    engine = sa.create_engine(database)
    try:
        with engine.begin() as conn:
            moved = conn.execute(
                sa.text(
                    "UPDATE inventory_ledger SET created_at = now() - make_interval(days => :days) "
                    "WHERE receipt_id = :receipt_id"
                ),
                {"days": days, "receipt_id": receipt_id},
            )
            assert moved.rowcount > 0
    finally:
        engine.dispose()


def aged(caller, fnsku: str, **params) -> dict:
    r = caller.get("/v1/inventory-age", params={"fnsku": fnsku, **params})
    assert r.status_code == 200, r.text
    [row] = r.json()["items"]
    return row


def test_ages_come_from_receipt_dates_and_units_leave_from_the_oldest(
    client, database, fc_staff, seller, plan, deliver, events
):
    shipment = plan(40)
    (fnsku,) = shipment.fnskus
    for units, receipt_id, days in ((10, "RC-AGE-1", 400), (20, "RC-AGE-2", 200)):
        receive(fc_staff, shipment, units, f"{receipt_id}-{shipment.shipment_id}")
        recorded_days_ago(database, f"{receipt_id}-{shipment.shipment_id}", days)
    receive(fc_staff, shipment, 10, f"RC-AGE-3-{shipment.shipment_id}")
    # All on hand: 10 over a year, 20 of 181-365 days, 10 new.
    assert {k: v for k, v in aged(seller, fnsku).items() if k.startswith("days_")} == {
        "days_0_90": 10,
        "days_91_180": 0,
        "days_181_365": 20,
        "days_over_365": 10,
    }

    # 12 shipped to a buyer (the 10 of 400 days, then 2 of 200), 3 set aside for disposal (3 of 200).
    order = fo_id()
    assert deliver(events.instructed(order, [(fnsku, 12)])) == [Outcome.PROCESSED]
    assert deliver(events.shipped(order)) == [Outcome.PROCESSED]
    removal = seller.post(
        "/v1/removal-orders",
        json={
            "fulfillment_center_id": "SEA1",
            "disposition": "dispose",
            "lines": [{"fnsku": fnsku, "source": "fulfillable", "quantity": 3}],
        },
    )
    assert removal.status_code == 201, removal.text

    row = aged(seller, fnsku)
    assert (row["days_0_90"], row["days_91_180"], row["days_181_365"], row["days_over_365"]) == (
        10,
        0,
        15,
        0,
    )
    assert row["on_hand"] == 25 and row["seller_id"] == "S-ACME"

    # Cancelling the removal gives its 3 units back their age.
    cancelled = seller.post(f"/v1/removal-orders/{removal.json()['removal_order_id']}/cancellation")
    assert cancelled.status_code == 200, cancelled.text
    assert aged(seller, fnsku)["days_181_365"] == 18

    # Registration asks for the seller it names and reads the same.
    service = asyncio.run(issue_token(database, "service", "registration"))
    asked = client.get(
        "/v1/inventory-age",
        params={"seller_id": "S-ACME", "fnsku": fnsku},
        headers={"Authorization": f"Bearer {service}"},
    )
    assert asked.json()["items"] == [aged(seller, fnsku)]
