"""FC exceptions across the platform (issue 15), each service a separate process on the real
broker and PostgreSQL: an FC short-picks part of a two-FC order; the missing units are re-routed
to another FC once, although the exception reaches the platform three times (the same event
twice and the FC's re-sent report under a new id); the rest ships; the ledger reconciles.

SEA1 and CMH2 are `stockpath fc-simulator` processes; the test itself is EWR4's system, so it
can send its exception exactly when and as often as it wants."""

from __future__ import annotations

import json

import pytest
from fulfillment_system import (
    Sku,
    availability,
    balanced,
    buckets,
    order,
    platform_with_fcs,
    receive,
    register,
    shipments,
    status,
)

from stockpath_events import new_event
from stockpath_events.types.fulfillment import (
    ExceptionLine,
    ExceptionReason,
    FulfillmentRejectedByCenter,
    ShipmentShipped,
)
from stockpath_testing import consume, eventually, publish

pytestmark = [pytest.mark.integration, pytest.mark.system]

SIMULATED = ("SEA1", "CMH2")


@pytest.fixture(scope="module")
def platform(database_server, tmp_path_factory):
    log_dir = tmp_path_factory.mktemp("fc-exceptions")
    with platform_with_fcs(
        database_server,
        log_dir,
        prefix="fcexc",
        fc_delays=dict.fromkeys(SIMULATED, 0.2),
    ) as p:
        yield p


def everywhere(inventory, item: Sku) -> dict[str, dict]:
    return {fc: buckets(inventory, item, fc) for fc in ("EWR4", "CMH2", "SEA1")}


async def test_a_short_pick_on_a_two_fc_order_re_routes_the_missing_units_once(
    platform, inventory, router
):
    item = await register(platform)
    for fc, units in (("EWR4", 3), ("CMH2", 2), ("SEA1", 4)):
        await receive(platform, inventory, router, item, fc, units)

    # Five units to New York: no FC holds them all; the two nearest share them.
    order_id = order(router, item, 5)
    body = await status(router, order_id, "ROUTED", "SHIPPED")
    assert shipments(body) == [("CMH2", 2), ("EWR4", 3)]
    [ewr4] = [fo for fo in body["fulfillment_orders"] if fo["fulfillment_center_id"] == "EWR4"]
    await eventually(
        lambda: buckets(inventory, item, "EWR4")["reserved"] == 3,
        what="EWR4's units to be reserved",
    )

    # EWR4 finds two of its three units missing at pick and says so three times.
    def report() -> FulfillmentRejectedByCenter:
        return FulfillmentRejectedByCenter(
            fulfillment_order_id=ewr4["fulfillment_order_id"],
            order_id=order_id,
            fulfillment_center_id="EWR4",
            reason="2 units not in their bin",
            lines=[
                ExceptionLine(
                    line_id="1",
                    fnsku=item.fnsku,
                    quantity=2,
                    reason_code=ExceptionReason.SHORT_PICK,
                )
            ],
        )

    source = "/fulfillment-centers/EWR4"
    first = new_event(report(), source=source)
    await publish(platform.bootstrap_servers, first, first, new_event(report(), source=source))

    # Re-routed once: one more instruction, for the two units, to SEA1 (CMH2 has none left).
    instructions = await consume(
        platform.bootstrap_servers,
        "fulfillment.instructions",
        where=lambda m: m.key == order_id.encode(),
        until=lambda ms: len(ms) >= 3,
    )
    again = [json.loads(m.value) for m in instructions if m.header("ce_causationid") == first.id]
    assert [(i["fulfillment_center_id"], [ln["quantity"] for ln in i["lines"]]) for i in again] == [
        ("SEA1", [2])
    ]
    # EWR4 ships the unit it found; SEA1 ships the two re-routed.
    await publish(
        platform.bootstrap_servers,
        new_event(
            ShipmentShipped(
                fulfillment_order_id=ewr4["fulfillment_order_id"],
                order_id=order_id,
                fulfillment_center_id="EWR4",
                carrier="UPS",
                tracking_number="1ZEWR4",
            ),
            source=source,
        ),
    )
    shipped = await status(router, order_id, "SHIPPED")
    assert sorted(
        (fo["fulfillment_center_id"], fo["status"]) for fo in shipped["fulfillment_orders"]
    ) == [("CMH2", "SHIPPED"), ("EWR4", "SHIPPED"), ("SEA1", "SHIPPED")]
    await eventually(
        lambda: (
            everywhere(inventory, item)
            == {
                "EWR4": {"fulfillable": 0, "reserved": 0, "shipped": 1},
                "CMH2": {"fulfillable": 0, "reserved": 0, "shipped": 2},
                "SEA1": {"fulfillable": 2, "reserved": 0, "shipped": 2},
            }
        ),
        what="inventory to write two units off at EWR4 and ship five",
    )
    assert balanced(inventory, item)
    ledger = inventory.get("/v1/ledger", params={"fnsku": item.fnsku}).json()["items"]
    assert [
        (e["fulfillment_center_id"], e["delta"])
        for e in ledger
        if e["reason"] == "fc-exception-short-pick"
    ] == [("EWR4", -2)]
    # The router agrees: nothing left at EWR4 or CMH2, SEA1's two remaining units allocatable.
    await eventually(
        lambda: (
            [
                sum(c["allocatable"] for c in availability(router, item, fc))
                for fc in ("EWR4", "CMH2", "SEA1")
            ]
            == [0, 0, 2]
        ),
        what="order-router to learn what is left",
    )
