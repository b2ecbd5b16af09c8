"""FC exceptions across the platform (issue 15), each service a separate process on the real
broker and PostgreSQL: an FC short-picks part of a two-FC order; the missing units are re-routed
to another FC once, although the exception reaches the platform three times (the same event
twice and the FC's re-sent report under a new id); the rest ships; the ledger reconciles.

SEA1 and CMH2 are `stockpath fc-simulator` processes; the test itself is EWR4's system, so it
can send its exception exactly when and as often as it wants."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import pytest

import stockpath_network
from stockpath_events import Address, CatalogItemSnapshot, new_event
from stockpath_events.types.fulfillment import (
    ExceptionLine,
    ExceptionReason,
    FulfillmentRejectedByCenter,
    ShipmentShipped,
)
from stockpath_events.types.registration import (
    InboundShipmentLine,
    InboundShipmentPlanned,
    ItemRegistered,
)
from stockpath_testing import consume, eventually, publish
from stockpath_testing.builders import listing_published
from stockpath_testing.processes import running_platform

pytestmark = [pytest.mark.integration, pytest.mark.system]

SERVICES = ["inventory", "order-router"]
SIMULATED = ("SEA1", "CMH2")
NEW_YORK = Address(
    name="Grace Buyer", line1="350 5th Ave", city="New York", region="NY", postal_code="10118"
)


@pytest.fixture(scope="module")
def platform(kafka_bootstrap, database_server, tmp_path_factory):
    log_dir = tmp_path_factory.mktemp("fc-exceptions")
    run = uuid.uuid4().hex[:8]
    with running_platform(
        bootstrap=kafka_bootstrap,
        database_server=database_server,
        prefix="fcexc",
        log_dir=log_dir,
        services=SERVICES,
    ) as p:
        simulators = []
        try:
            for fc in SIMULATED:
                log = open(log_dir / f"fc-{fc}.log", "wb")
                simulators.append(
                    subprocess.Popen(
                        [
                            sys.executable,
                            "-m",
                            "stockpath_cli.main",
                            "fc-simulator",
                            "--fulfillment-center",
                            fc,
                            "--delay",
                            "0.2",
                            "--bootstrap-servers",
                            kafka_bootstrap,
                            "--state-file",
                            str(log_dir / f"fc-{fc}.json"),
                            "--group",
                            f"fc-{fc}-{run}",
                        ],
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        env=os.environ.copy(),
                    )
                )
            yield p
        finally:
            for s in simulators:
                s.terminate()
                s.wait(15)


@pytest.fixture(scope="module")
def inventory(platform):
    with platform.client("inventory", timeout=30) as c:
        yield c


@pytest.fixture(scope="module")
def router(platform):
    with platform.client("order-router", timeout=30) as c:
        yield c


# The same steps as test_fulfillment_lifecycle.py takes (a test module is not importable here).


class Sku:
    def __init__(self) -> None:
        tag = uuid.uuid4().hex[:8].upper()
        self.seller_id, self.sku, self.fnsku = f"S-{tag}", f"SKU-{tag}", f"X0{tag}"


async def register(platform) -> Sku:
    item = Sku()
    await publish(
        platform.bootstrap_servers,
        new_event(
            ItemRegistered(
                registration_id=f"REG-{item.fnsku}",
                seller_id=item.seller_id,
                seller_sku=item.sku,
                catalog_item_id=f"CI-{item.fnsku}",
                fnsku=item.fnsku,
                condition="new",
                price="9.99",
                channels=["storefront"],
                item=CatalogItemSnapshot(
                    catalog_item_id=f"CI-{item.fnsku}", title="Teapot", category="Kitchen"
                ),
            ),
            source="registration",
        ),
        listing_published(
            seller_id=item.seller_id, seller_sku=item.sku, fnsku=item.fnsku, title="Teapot"
        ),
    )
    return item


async def receive(platform, inventory, router, item: Sku, fc: str, units: int) -> None:
    """A shipment of `units` planned to `fc` and received there in full; waits for the router to know."""
    shipment_id = f"FBA{uuid.uuid4().hex[:10].upper()}"
    before = sum(c["basis"] for c in availability(router, item, fc))
    await publish(
        platform.bootstrap_servers,
        new_event(
            InboundShipmentPlanned(
                shipment_id=shipment_id,
                seller_id=item.seller_id,
                fulfillment_center_id=fc,
                ship_to=stockpath_network.get(fc).address,
                lines=[InboundShipmentLine(fnsku=item.fnsku, seller_sku=item.sku, quantity=units)],
            ),
            source="registration",
        ),
    )
    await eventually(
        lambda: inventory.get(f"/v1/inbound-shipments/{shipment_id}/receipts").status_code == 200,
        what=f"inventory to expect {shipment_id}",
    )
    r = inventory.post(
        "/v1/receipts",
        json={
            "shipment_id": shipment_id,
            "fulfillment_center_id": fc,
            "lines": [{"fnsku": item.fnsku, "received": units}],
        },
    )
    assert r.status_code == 201, r.text
    await eventually(
        lambda: sum(c["basis"] for c in availability(router, item, fc)) == before + units,
        what=f"order-router to learn of {units} unit(s) at {fc}",
    )


def availability(router, item: Sku, fc: str) -> list[dict]:
    rows = router.get("/v1/availability", params={"fnsku": item.fnsku}).json()[
        "fulfillment_centers"
    ]
    return [r for r in rows if r["fulfillment_center_id"] == fc]


def order(
    router,
    item: Sku,
    quantity: int,
    *,
    speed: str = "standard",
    policy: str = "fill-or-kill",
    ship_to: Address = NEW_YORK,
) -> str:
    r = router.post(
        "/v1/orders",
        json={
            "channel": "storefront",
            "ship_to": ship_to.model_dump(),
            "shipping_speed": speed,
            "fulfillment_policy": policy,
            "lines": [
                {
                    "line_id": "1",
                    "seller_id": item.seller_id,
                    "seller_sku": item.sku,
                    "quantity": quantity,
                    "unit_price": "9.99",
                }
            ],
        },
    )
    assert r.status_code == 202, r.text
    return r.json()["order_id"]


async def status(router, order_id: str, *wanted: str) -> dict:
    def reached():
        body = router.get(f"/v1/orders/{order_id}").json()
        return body if body["status"] in wanted else None

    return await eventually(
        reached, timeout=30, what=f"order {order_id} to be {' or '.join(wanted)}"
    )


def shipments(body: dict) -> list[tuple[str, int]]:
    return sorted(
        (fo["fulfillment_center_id"], sum(ln["quantity"] for ln in fo["lines"]))
        for fo in body["fulfillment_orders"]
    )


def buckets(inventory, item: Sku, fc: str) -> dict:
    [row] = inventory.get(
        "/v1/inventory", params={"fnsku": item.fnsku, "fulfillment_center_id": fc}
    ).json()["items"]
    return {k: row[k] for k in ("fulfillable", "reserved", "shipped")}


def balanced(inventory, item: Sku) -> bool:
    return inventory.get("/v1/ledger/reconciliation", params={"fnsku": item.fnsku}).json()[
        "balanced"
    ]


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
