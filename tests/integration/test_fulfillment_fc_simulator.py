"""`stockpath fc-simulator` as a warehouse system would run it, against the real broker: it ships
its own FC's instructions once, even when they are delivered again or it restarts, and a
cancellation that arrives while it packs stops the parcel; a return authorized to it comes back
once, in the condition the buyer's reason implies."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from stockpath_events import Address, new_event
from stockpath_events.types.inventory import RemovalInstructed, RemovalLine, RemovalOrderCancelled
from stockpath_events.types.order_router import (
    FulfillmentCancelled,
    FulfillmentInstructed,
    FulfillmentLine,
    ReturnAuthorized,
    ReturnLine,
)
from stockpath_runtime.kafka import ensure_topics
from stockpath_testing import consume, publish

pytestmark = pytest.mark.integration

BUYER = Address(name="Ada Buyer", line1="1 Main St", city="Kent", region="WA", postal_code="98032")


def instruction(order_id: str, fo_id: str, fc: str = "SEA1", speed: str = "expedited"):
    return new_event(
        FulfillmentInstructed(
            fulfillment_order_id=fo_id,
            order_id=order_id,
            fulfillment_center_id=fc,
            lines=[
                FulfillmentLine(
                    line_id="1", fnsku="X00SIM", seller_sku="SKU-SIM", seller_id="S1", quantity=2
                )
            ],
            ship_to=BUYER,
            shipping_speed=speed,
        ),
        source="order-router",
    )


class Simulator:
    """One `stockpath fc-simulator` process; `start()` again after `stop()` is a restart."""

    def __init__(self, bootstrap: str, state: Path, *, delay: float) -> None:
        self.bootstrap, self.state, self.delay = bootstrap, state, delay
        self.process: subprocess.Popen | None = None

    def start(self, group: str, *options: str) -> None:
        log = open(self.state.with_suffix(".log"), "ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "stockpath_cli.main",
                "fc-simulator",
                "--fulfillment-center",
                "SEA1",
                "--delay",
                str(self.delay),
                "--bootstrap-servers",
                self.bootstrap,
                "--state-file",
                str(self.state),
                "--group",
                group,
                *options,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=os.environ.copy(),
        )

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(15)

    def memory(self) -> dict:
        return json.loads(self.state.read_text())


@pytest.fixture
async def simulator(kafka_bootstrap, tmp_path):
    await ensure_topics(kafka_bootstrap, partitions=6, replication=1)
    sim = Simulator(kafka_bootstrap, tmp_path / "sea1.json", delay=0.5)
    yield sim
    sim.stop()


async def shipments(bootstrap: str, order_id: str, count: int) -> list:
    return await consume(
        bootstrap,
        "fulfillment.updates",
        where=lambda m: m.key == order_id.encode(),
        until=lambda ms: len(ms) >= count,
    )


async def test_an_instruction_delivered_again_or_after_a_restart_ships_once(
    simulator, kafka_bootstrap
):
    order_id = f"O-{uuid.uuid4().hex[:10]}"
    fo, marker = f"FO-{uuid.uuid4().hex[:8]}", f"FO-{uuid.uuid4().hex[:8]}"
    first = instruction(order_id, fo)
    # The same event twice, a re-publication under a new event id, and another FC's instruction.
    await publish(kafka_bootstrap, first, times=2)
    await publish(
        kafka_bootstrap,
        instruction(order_id, fo),
        instruction(order_id, f"FO-{uuid.uuid4().hex[:8]}", fc="EWR4"),
    )
    simulator.start(group=f"sim-{uuid.uuid4().hex[:6]}")
    [shipped] = await shipments(kafka_bootstrap, order_id, 1)
    data = json.loads(shipped.value)
    assert data["fulfillment_order_id"] == fo and data["fulfillment_center_id"] == "SEA1"
    assert data["carrier"] == "UPS" and data["tracking_number"].startswith("UP")
    assert shipped.header("ce_type") == "stockpath.fulfillment.ShipmentShipped.v1"
    assert (
        shipped.header("ce_causationid") == first.id
        and shipped.header("ce_correlationid") == first.correlation_id
    )

    # Restarted in a new consumer group, it reads every instruction again; its state file says
    # what it shipped. A marker on the same partition (same order id) shows it has caught up.
    simulator.stop()
    simulator.start(group=f"sim-{uuid.uuid4().hex[:6]}")
    await publish(kafka_bootstrap, instruction(order_id, marker))
    updates = await shipments(kafka_bootstrap, order_id, 2)
    assert sorted(json.loads(m.value)["fulfillment_order_id"] for m in updates) == sorted(
        [fo, marker]
    )
    assert simulator.memory()[fo]["status"] == "shipped"

    # Even without its memory, a repeat publication is the same event (same id): consumers' inboxes drop it.
    simulator.stop()
    simulator.state.unlink()
    simulator.start(group=f"sim-{uuid.uuid4().hex[:6]}")
    updates = await shipments(kafka_bootstrap, order_id, 4)
    ids = {}
    for m in updates:
        ids.setdefault(json.loads(m.value)["fulfillment_order_id"], set()).add(m.header("ce_id"))
    assert len(ids[fo]) == 1 and len(ids[marker]) == 1


async def test_a_cancellation_that_arrives_while_packing_stops_the_parcel(
    simulator, kafka_bootstrap
):
    order_id = f"O-{uuid.uuid4().hex[:10]}"
    stopped, marker = f"FO-{uuid.uuid4().hex[:8]}", f"FO-{uuid.uuid4().hex[:8]}"
    await publish(
        kafka_bootstrap,
        instruction(order_id, stopped),
        new_event(
            FulfillmentCancelled(
                fulfillment_order_id=stopped, order_id=order_id, fulfillment_center_id="SEA1"
            ),
            source="order-router",
        ),
        instruction(order_id, marker),
    )
    simulator.start(group=f"sim-{uuid.uuid4().hex[:6]}")
    # The marker was packed after the cancelled one would have been.
    [shipped] = await shipments(kafka_bootstrap, order_id, 1)
    assert json.loads(shipped.value)["fulfillment_order_id"] == marker
    assert simulator.memory()[stopped]["status"] == "cancelled"


def authorized_return(order_id: str, return_id: str, reason: str | None, fc: str = "SEA1"):
    return new_event(
        ReturnAuthorized(
            return_id=return_id,
            order_id=order_id,
            fulfillment_center_id=fc,
            reason=reason,
            lines=[
                ReturnLine(
                    line_id="1", fnsku="X00SIM", seller_id="S1", seller_sku="SKU-SIM", quantity=1
                )
            ],
        ),
        source="order-router",
    )


async def test_a_return_authorized_to_the_fc_is_received_once_in_the_condition_its_reason_implies(
    simulator, kafka_bootstrap
):
    order_id = f"O-{uuid.uuid4().hex[:10]}"
    sellable, damaged = f"RT{uuid.uuid4().hex[:8]}", f"RT{uuid.uuid4().hex[:8]}"
    first = authorized_return(order_id, sellable, "too small")
    await publish(kafka_bootstrap, first, times=2)
    await publish(
        kafka_bootstrap,
        authorized_return(order_id, sellable, "too small"),  # re-published under a new event id
        authorized_return(order_id, f"RT{uuid.uuid4().hex[:8]}", None, fc="EWR4"),  # another FC's
        authorized_return(order_id, damaged, "arrived damaged"),
    )
    simulator.start(group=f"sim-{uuid.uuid4().hex[:6]}")
    received = await shipments(kafka_bootstrap, order_id, 2)
    by_id = {json.loads(m.value)["return_id"]: m for m in received}
    assert set(by_id) == {sellable, damaged}
    assert json.loads(by_id[sellable].value)["lines"] == [
        {"fnsku": "X00SIM", "quantity": 1, "condition": "sellable"}
    ]
    assert json.loads(by_id[damaged].value)["lines"][0]["condition"] == "customer-damaged"
    assert by_id[sellable].header("ce_type") == "stockpath.fulfillment.ReturnReceived.v1"
    assert by_id[sellable].header("ce_causationid") == first.id
    assert simulator.memory()[f"return:{sellable}"]["status"] == "received"


async def test_an_operator_makes_it_report_a_short_pick_and_it_ships_the_rest(
    simulator, kafka_bootstrap
):
    order_id = f"O-{uuid.uuid4().hex[:10]}"
    fo = f"FO-{uuid.uuid4().hex[:8]}"
    first = instruction(order_id, fo)  # 2 units of line 1
    await publish(kafka_bootstrap, first)
    simulator.start(f"sim-{uuid.uuid4().hex[:6]}", "--short-pick", "1")
    exception, shipment = await shipments(kafka_bootstrap, order_id, 2)
    assert exception.header("ce_type") == "stockpath.fulfillment.FulfillmentRejectedByCenter.v1"
    assert exception.header("ce_causationid") == first.id
    data = json.loads(exception.value)
    assert data["fulfillment_order_id"] == fo
    assert data["lines"] == [
        {"line_id": "1", "fnsku": "X00SIM", "quantity": 1, "reason_code": "SHORT_PICK"}
    ]
    assert shipment.header("ce_type") == "stockpath.fulfillment.ShipmentShipped.v1"
    assert simulator.memory()[fo]["missing"] == 1


def removal(removal_order_id: str, disposition: str, fc: str = "SEA1"):
    return new_event(
        RemovalInstructed(
            removal_order_id=removal_order_id,
            seller_id="S1",
            fulfillment_center_id=fc,
            disposition=disposition,
            lines=[RemovalLine(fnsku="X00SIM", source="unfulfillable", quantity=1)],
            ship_to=BUYER if disposition == "return" else None,
        ),
        source="inventory",
    )


async def test_a_removal_is_carried_out_once_unless_cancelled_first(simulator, kafka_bootstrap):
    disposed, shipped, cancelled = (f"RMV{uuid.uuid4().hex[:8]}" for _ in range(3))
    await publish(
        kafka_bootstrap,
        removal(disposed, "dispose"),
        removal(disposed, "dispose"),
        removal(shipped, "return"),
        removal(cancelled, "dispose"),
        new_event(
            RemovalOrderCancelled(
                removal_order_id=cancelled, seller_id="S1", fulfillment_center_id="SEA1"
            ),
            source="inventory",
        ),
    )
    simulator.start(group=f"sim-{uuid.uuid4().hex[:6]}")
    reports = await consume(
        kafka_bootstrap,
        "fulfillment.updates",
        where=lambda m: m.key in (disposed.encode(), shipped.encode(), cancelled.encode()),
        until=lambda ms: len(ms) >= 2,
    )
    kinds = {
        json.loads(m.value)["removal_order_id"]: m.header("ce_type").split(".")[2] for m in reports
    }
    assert kinds == {disposed: "UnitsDisposed", shipped: "RemovalShipped"}
    assert simulator.memory()[f"removal:{cancelled}"]["status"] == "cancelled"


def test_an_fc_outside_the_network_is_refused_with_a_clear_message():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "stockpath_cli.main",
            "fc-simulator",
            "--fulfillment-center",
            "ZZZ9",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "ZZZ9 is not in the network" in result.stderr
