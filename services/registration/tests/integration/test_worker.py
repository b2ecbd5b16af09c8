"""The registration worker as a separate process on the real broker: inventory events move inbound
shipments, and the relay publishes registration's own events."""

from __future__ import annotations

import json
import uuid

import pytest
import sqlalchemy as sa

from stockpath_events import new_event
from stockpath_events.types.inventory import InboundShipmentClosed, InventoryReceived
from stockpath_runtime.db import async_url, inbox
from stockpath_testing import consume, eventually, publish
from stockpath_testing.processes import start_worker

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def worker(database, kafka_bootstrap, tmp_path_factory):
    log = tmp_path_factory.mktemp("registration-worker") / "worker.log"
    process, _ = start_worker(
        "registration",
        prefix="registration",
        database_url=database,
        bootstrap=kafka_bootstrap,
        group=f"registration-test-{uuid.uuid4().hex[:8]}",
        log_path=log,
    )
    yield process
    process.stop()


def inbox_has(database, event_id: str) -> bool:
    engine = sa.create_engine(async_url(database))
    with engine.connect() as conn:
        found = (
            conn.execute(sa.select(inbox.c.event_id).where(inbox.c.event_id == event_id)).first()
            is not None
        )
    engine.dispose()
    return found


def status_of(client, seller, shipment_id: str) -> str:
    return client.get(f"/v1/inbound-shipments/{shipment_id}", headers=seller["headers"]).json()[
        "status"
    ]


async def test_inventory_events_on_the_broker_move_the_shipment_to_receiving_then_closed(
    worker, kafka_bootstrap, client, stocked_seller, shipment
):
    sid, fc, seller_id = (
        shipment["shipment_id"],
        shipment["fulfillment_center_id"],
        stocked_seller["seller_id"],
    )
    line = shipment["lines"][0]
    client.post(
        f"/v1/inbound-shipments/{sid}/ship",
        json={"carrier": "UPS", "tracking_number": "1Z"},
        headers=stocked_seller["headers"],
    )
    receipt = new_event(
        InventoryReceived(
            receipt_id=f"R-{uuid.uuid4().hex[:8]}",
            shipment_id=sid,
            fulfillment_center_id=fc,
            fnsku=line["fnsku"],
            seller_id=seller_id,
            quantity_expected=line["quantity"],
            quantity_received=line["quantity"] - 1,
            quantity_damaged=1,
        ),
        source="/services/inventory",
    )
    await publish(kafka_bootstrap, receipt, times=2)  # delivered twice, as after a producer retry
    await eventually(
        lambda: status_of(client, stocked_seller, sid) == "RECEIVING", timeout=45, what="RECEIVING"
    )

    closing = new_event(
        InboundShipmentClosed(shipment_id=sid, fulfillment_center_id=fc, seller_id=seller_id),
        source="/services/inventory",
    )
    await publish(kafka_bootstrap, closing)
    await eventually(
        lambda: status_of(client, stocked_seller, sid) == "CLOSED", timeout=30, what="CLOSED"
    )


async def test_an_event_for_an_unknown_shipment_is_consumed_and_ignored(
    worker, kafka_bootstrap, database
):
    stray = new_event(
        InboundShipmentClosed(
            shipment_id=f"FBA-STRAY-{uuid.uuid4().hex[:6]}",
            fulfillment_center_id="SEA1",
            seller_id="S0",
        ),
        source="/services/inventory",
    )
    await publish(kafka_bootstrap, stray)
    # In the inbox means handled and committed: a failing handler would have rolled its claim back.
    await eventually(
        lambda: inbox_has(database, stray.id), timeout=30, what="the stray event to be consumed"
    )


async def test_the_relay_publishes_registered_items_keyed_by_fnsku(
    worker, kafka_bootstrap, stocked_seller
):
    fnsku = stocked_seller["fnskus"][stocked_seller["skus"][0]]
    (message,) = await consume(
        kafka_bootstrap,
        "registration.events",
        where=lambda m: m.key == fnsku.encode(),
        until=bool,
        timeout=30,
    )
    assert message.header("ce_type") == "stockpath.registration.ItemRegistered.v1"
    assert message.header("ce_source") == "/services/registration"
    body = json.loads(message.value)
    assert (body["seller_id"], body["fnsku"], body["item"]["title"]) == (
        stocked_seller["seller_id"],
        fnsku,
        "Pocket Notebook",
    )
