"""What the whole-system tests of an order's life after routing share (test_fulfillment_lifecycle,
test_fc_exceptions): inventory and order-router as processes with `stockpath fc-simulator`
processes as the FCs' systems, and the steps those tests take — an item registered and listed as
registration and listing would, stock planned and received at an FC, an order placed, its status,
shipments and buckets read back."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import stockpath_network
from stockpath_events import Address, CatalogItemSnapshot, Dimensions, new_event
from stockpath_events.types.registration import (
    InboundShipmentLine,
    InboundShipmentPlanned,
    ItemRegistered,
)
from stockpath_testing import eventually, publish
from stockpath_testing.builders import listing_published
from stockpath_testing.kafka import own_broker
from stockpath_testing.processes import running_platform

SERVICES = ["inventory", "order-router"]
NEW_YORK = Address(
    name="Grace Buyer", line1="350 5th Ave", city="New York", region="NY", postal_code="10118"
)


@contextmanager
def platform_with_fcs(
    database_server,
    log_dir,
    *,
    prefix: str,
    fc_delays: dict[str, float],
    services: list[str] = SERVICES,
    extra_env: dict[str, str] | None = None,
) -> Iterator:
    """Inventory and order-router (or `services`) as processes, and one FC simulator per FC of
    `fc_delays` (the seconds each takes to ship); `platform.fc_state` names each simulator's state
    file. `extra_env` is every process's settings beyond the platform's own (e.g. a service's dev
    setting).

    On a broker of its own: a fresh platform's consumer groups (and the FC simulators) read every
    topic from the beginning, and on the session's broker that is every other module's history —
    a CI run's inventory worker was still working through it when the test's first shipment plan
    had waited 20 s."""
    with (
        own_broker(log_dir) as bootstrap,
        running_platform(
            bootstrap=bootstrap,
            database_server=database_server,
            prefix=prefix,
            log_dir=log_dir,
            services=services,
            extra_env=extra_env,
        ) as p,
    ):
        with fc_simulators(bootstrap, log_dir, fc_delays) as state:
            #: Each FC system's memory of its fulfillment orders (pending / shipped / cancelled).
            p.fc_state = state
            yield p


@contextmanager
def fc_simulators(
    kafka_bootstrap: str, log_dir, fc_delays: dict[str, float]
) -> Iterator[dict[str, Path]]:
    """One `stockpath fc-simulator` process per FC of `fc_delays` (the seconds each takes to ship),
    as the FCs' systems; yields each one's state file by FC, and stops them after."""
    run = uuid.uuid4().hex[:8]
    state = {fc: log_dir / f"fc-{fc}.json" for fc in fc_delays}
    simulators = []
    try:
        for fc, delay in fc_delays.items():
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
                        str(delay),
                        "--bootstrap-servers",
                        kafka_bootstrap,
                        "--state-file",
                        str(state[fc]),
                        "--group",
                        f"fc-{fc}-{run}",
                    ],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=os.environ.copy(),
                )
            )
        yield state
    finally:
        for s in simulators:
            s.terminate()
            s.wait(15)


class Sku:
    def __init__(self, seller_id: str | None = None) -> None:
        tag = uuid.uuid4().hex[:8].upper()
        self.seller_id, self.sku, self.fnsku = seller_id or f"S-{tag}", f"SKU-{tag}", f"X0{tag}"


async def register(
    platform,
    seller_id: str | None = None,
    *,
    size_tier: str | None = None,
    weight_g: float | None = None,
    dimensions_cm: tuple[float, float, float] | None = None,
) -> Sku:
    """A new SKU (of `seller_id`, else of a made-up seller) registered (with its size tier and
    weight when given: what its fulfillment fee depends on; with its dimensions: what its storage
    fee depends on) and listed in the storefront."""
    item = Sku(seller_id)
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
                    catalog_item_id=f"CI-{item.fnsku}",
                    title="Teapot",
                    category="Kitchen",
                    weight_g=weight_g,
                    dimensions=Dimensions(
                        length_cm=dimensions_cm[0],
                        width_cm=dimensions_cm[1],
                        height_cm=dimensions_cm[2],
                    )
                    if dimensions_cm
                    else None,
                ),
                size_tier=size_tier,
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
        # An order published to the orders topic is not known (404) until the worker records it.
        body = router.get(f"/v1/orders/{order_id}").json()
        return body if body.get("status") in wanted else None

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
