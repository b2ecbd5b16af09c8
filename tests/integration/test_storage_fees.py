"""Storage fees of a month with peak days across the whole system: inventory and order-router as
separate processes on the real broker and PostgreSQL. A seller's stock held at SEA1 from
28 September, 3 units of it shipped on 1 October, and the operator's daily storage snapshots of
28 September to 3 October: September's statement charges the off-peak rate, October's the peak
rate and the shipment, each to the figure computed by hand from the published schedule, and each
statement's lines add up to its totals.

The test stands in for SEA1's system (no `stockpath fc-simulator`) so that the FC confirms the
shipment on a known day; the stock ledger's rows are moved back to the days they stand for, as
`services/inventory/tests/integration/test_charges_replay.py` does."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from fulfillment_system import SERVICES, buckets, order, receive, register, status

from stockpath_events import new_event
from stockpath_events.types.fulfillment import ShipmentShipped
from stockpath_network.fees import fee_schedule
from stockpath_testing import eventually, publish
from stockpath_testing.kafka import own_broker
from stockpath_testing.processes import running_platform

pytestmark = [pytest.mark.integration, pytest.mark.system]

#: 60.96 × 30.48 × 30.48 cm: two cubic feet a unit.
TWO_CUBIC_FEET = (60.96, 30.48, 30.48)
RECEIVED_AT = datetime(2026, 9, 28, 8, 0, tzinfo=UTC)
SHIPPED_AT = datetime(2026, 10, 1, 10, 0, tzinfo=UTC)
DAYS = [date(2026, 9, 28) + timedelta(days=n) for n in range(6)]  # 28 Sep … 3 Oct


@pytest.fixture(scope="module")
def platform(database_server, tmp_path_factory):
    # A broker of its own: the days are calendar days, and a snapshot of one of them that another
    # module published on a shared broker (test_charges_replay's 1 October) would reach this
    # inventory, which takes its day as taken (consumed snapshots claim their day, so that a replay
    # rebuilds the days taken) and would answer this test's request for it "taken": false.
    log_dir = tmp_path_factory.mktemp("storage-fees")
    with (
        own_broker(log_dir) as bootstrap,
        running_platform(
            bootstrap=bootstrap,
            database_server=database_server,
            prefix="storage",
            log_dir=log_dir,
            services=SERVICES,
        ) as p,
    ):
        yield p


def test_the_published_rates_the_figures_below_are_computed_from():
    schedule = fee_schedule()
    assert schedule.in_force(date(2026, 9, 28)).storage_rate(date(2026, 9, 28)) == Decimal("0.78")
    assert schedule.in_force(date(2026, 10, 1)).storage_rate(date(2026, 10, 1)) == Decimal("2.40")
    price = schedule.fulfillment_fee("large_standard", 1200.0, 3, SHIPPED_AT.date())
    assert price.unit_fee == Decimal("6.35")


async def test_storage_fees_of_a_month_with_peak_days_add_up_to_the_hand_computed_figure(
    platform, inventory, router
):
    item = await register(
        platform, size_tier="large_standard", weight_g=1200.0, dimensions_cm=TWO_CUBIC_FEET
    )
    await receive(platform, inventory, router, item, "SEA1", 10)
    order_id = order(router, item, 3)
    [fo] = (await status(router, order_id, "ROUTED"))["fulfillment_orders"]
    assert fo["fulfillment_center_id"] == "SEA1"
    # SEA1's system confirms the shipment as shipped on 1 October.
    await publish(
        platform.bootstrap_servers,
        new_event(
            ShipmentShipped(
                fulfillment_order_id=fo["fulfillment_order_id"],
                order_id=order_id,
                fulfillment_center_id="SEA1",
                carrier="UPS",
                tracking_number="1ZSTORAGE01",
                shipped_at=SHIPPED_AT,
            ),
            source="/fulfillment-centers/SEA1",
        ),
    )
    await eventually(
        lambda: buckets(inventory, item, "SEA1")["shipped"] == 3,
        what="inventory to count the 3 units shipped",
    )
    # The stock ledger as if the 10 units arrived on 28 September and the order's 3 were reserved
    # and left on 1 October: 10 held at the end of 28–30 September, 7 at the end of 1–3 October.
    engine = sa.create_engine(platform.database_url("inventory"))
    try:
        with engine.begin() as conn:
            for at, of_the_order in ((RECEIVED_AT, False), (SHIPPED_AT, True)):
                conn.execute(
                    sa.text(
                        "UPDATE inventory_ledger SET created_at = :at WHERE fnsku = :fnsku"
                        " AND (fulfillment_order_id IS NOT NULL) = :of_the_order"
                    ),
                    {"at": at, "fnsku": item.fnsku, "of_the_order": of_the_order},
                )
    finally:
        engine.dispose()

    for day in DAYS:
        taken = inventory.post("/v1/storage-snapshots", json={"day": day.isoformat()})
        assert taken.status_code == 201 and taken.json()["taken"] is True, taken.text
    again = inventory.post("/v1/storage-snapshots", json={"day": DAYS[0].isoformat()})
    assert again.status_code == 200 and again.json()["taken"] is False, again.text

    with platform.client("inventory", platform.issue("seller", item.seller_id)) as seller:

        def statement(month: str, days: int) -> dict | None:
            body = seller.get(f"/v1/statements/{month}").json()
            return body if sum(s["days"] for s in body["storage"]) == days else None

        september = await eventually(
            lambda: statement("2026-09", 3), timeout=30, what="28–30 September's storage charged"
        )
        october = await eventually(
            lambda: statement("2026-10", 3), timeout=30, what="1–3 October's storage charged"
        )

    # September, off-peak: 10 units × 2 cubic feet × 3 days = 60 cubic-foot-days at 0.78 a month
    # of 30 days: 60 × 0.78 / 30 = 1.56.
    september_storage = Decimal(60) * Decimal("0.78") / 30
    assert september_storage == Decimal("1.56")
    assert september["lines"] == []
    assert [
        (s["fnsku"], s["fulfillment_center_id"], s["days"], s["unit_days"], s["amount"])
        for s in september["storage"]
    ] == [(item.fnsku, "SEA1", 3, 30, "1.56")]
    assert september["totals"]["storage"] == september["total"] == "1.56"

    # October, peak: 7 units × 2 cubic feet × 3 days = 42 cubic-foot-days at 2.40 a month of 31
    # days: 42 × 2.40 / 31 = 3.2516… → 3.25, rounded once for the month (rounding each day,
    # 14 × 2.40 / 31 = 1.0839… → 1.08, would make 3.24). The shipment of 1 October: 3 large
    # standard units of 1,200 g at 6.35 (the 2026-01-15 version's band up to 1,361 g) = 19.05.
    # October's total: 19.05 + 3.25 = 22.30.
    october_storage = Decimal(42) * Decimal("2.40") / 31
    assert Decimal("3.25") <= october_storage < Decimal("3.255")
    assert [
        (c["kind"], c["fnsku"], c["quantity"], c["unit_fee"], c["amount"], c["occurred_at"][:10])
        for c in october["lines"]
    ] == [("fulfillment", item.fnsku, 3, "6.35", "19.05", "2026-10-01")]
    assert [
        (s["fnsku"], s["fulfillment_center_id"], s["days"], s["unit_days"], s["amount"])
        for s in october["storage"]
    ] == [(item.fnsku, "SEA1", 3, 21, "3.25")]
    assert october["totals"] == {
        "fulfillment": "19.05",
        "return_processing": "0.00",
        "removal": "0.00",
        "storage": "3.25",
    }
    assert october["total"] == "22.30"

    # Each statement's lines add up to its totals, and its totals to its total.
    for month in (september, october):
        totals = {kind: Decimal(amount) for kind, amount in month["totals"].items()}
        for kind in ("fulfillment", "return_processing", "removal"):
            charged = [Decimal(c["amount"]) for c in month["lines"] if c["kind"] == kind]
            assert sum(charged, Decimal(0)) == totals[kind], kind
        assert (
            sum((Decimal(s["amount"]) for s in month["storage"]), Decimal(0)) == totals["storage"]
        )
        assert sum(totals.values(), Decimal(0)) == Decimal(month["total"])
