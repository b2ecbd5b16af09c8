"""Inbound shipment plans: which FC, its address, the FNSKUs, and the shipment's life until the FC closes it."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from registration.domain.commands import CancelInboundShipment, ShipInboundShipment
from registration.domain.identifiers import SHIPMENT_ID
from registration.domain.model import InvalidShipmentTransition
from registration.service_layer.shipments import cancel_inbound_shipment, ship_inbound_shipment
from registration.service_layer.unit_of_work import RegistrationUnitOfWork
from stockpath_events import new_event
from stockpath_events.types.inventory import InboundShipmentClosed, InventoryReceived
from stockpath_network import network
from stockpath_runtime.consumer import Outcome
from stockpath_runtime.db import create_engine
from stockpath_testing import ServiceConsumer

pytestmark = pytest.mark.integration

LARGEST_FC = max(
    network(),
    key=lambda fc: (fc.inbound_capacity_units, [-ord(c) for c in fc.fulfillment_center_id]),
)


def test_a_plan_names_the_fc_its_address_and_the_fnskus_to_label(stocked_seller, plan):
    sku_a, sku_b = stocked_seller["skus"]
    r = plan(stocked_seller, (sku_b, 24), (sku_a, 10))
    assert r.status_code == 201, r.text
    body = r.json()
    assert SHIPMENT_ID.match(body["shipment_id"]) and body["status"] == "WORKING"
    assert body["fulfillment_center_id"] == LARGEST_FC.fulfillment_center_id
    assert body["ship_to"] == LARGEST_FC.address.model_dump(mode="json")
    assert body["lines"] == [
        {"fnsku": stocked_seller["fnskus"][sku_b], "seller_sku": sku_b, "quantity": 24},
        {"fnsku": stocked_seller["fnskus"][sku_a], "seller_sku": sku_a, "quantity": 10},
    ]
    assert body["created_at"] and body["carrier"] is None and body["shipped_at"] is None


def test_planning_emits_inbound_shipment_planned(stocked_seller, plan, outbox_events):
    sku = stocked_seller["skus"][0]
    body = plan(stocked_seller, (sku, 7)).json()
    (event,) = [
        e
        for e in outbox_events("InboundShipmentPlanned")
        if e.data.shipment_id == body["shipment_id"]
    ]
    assert event.key == body["shipment_id"]
    assert (event.data.seller_id, event.data.fulfillment_center_id) == (
        stocked_seller["seller_id"],
        LARGEST_FC.fulfillment_center_id,
    )
    assert event.data.ship_to == LARGEST_FC.address
    assert [line.model_dump() for line in event.data.lines] == [
        {"fnsku": stocked_seller["fnskus"][sku], "seller_sku": sku, "quantity": 7}
    ]


def test_a_sku_the_seller_has_not_registered_is_named_in_a_422(stocked_seller, plan):
    r = plan(stocked_seller, (stocked_seller["skus"][0], 1), ("NEVER-REGISTERED", 1))
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "unknown_seller_sku" and "NEVER-REGISTERED" in error["message"]
    assert error["details"]["seller_skus"] == ["NEVER-REGISTERED"]


def test_a_rejected_items_sku_cannot_be_shipped(stocked_seller, plan):
    r = plan(stocked_seller, (stocked_seller["rejected_sku"], 1))
    assert r.status_code == 422 and stocked_seller["rejected_sku"] in r.json()["error"]["message"]


def test_another_sellers_sku_is_unknown_to_this_seller(stocked_seller, new_seller, plan):
    r = plan(new_seller(), (stocked_seller["skus"][0], 1))
    assert r.status_code == 422 and r.json()["error"]["code"] == "unknown_seller_sku"


def test_a_shipment_no_single_fc_can_take_is_refused_with_the_largest_capacity(
    client, seller, register, plan
):
    # Enough lines of 10,000 units to exceed the largest FC's inbound capacity.
    lines = LARGEST_FC.inbound_capacity_units // 10_000 + 1
    items = [
        {"catalog_item_id": i, "seller_sku": f"BIG-{n}", "condition": c}
        for n, (i, c) in enumerate(
            (i, c)
            for i in ("REG-SMALL", "REG-LARGE", "REG-BULKY")
            for c in ("new", "used-like-new", "used-good", "used-acceptable", "refurbished")
        )
    ][:lines]
    assert all(x["status"] == "registered" for x in register(seller, *items).json()["results"])
    r = plan(seller, *((i["seller_sku"], 10_000) for i in items))
    assert r.status_code == 422 and r.json()["error"]["code"] == "over_inbound_capacity"
    assert str(LARGEST_FC.inbound_capacity_units) in r.json()["error"]["message"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"lines": []}, "lines"),
        ({"lines": [{"seller_sku": "A", "quantity": 0}]}, "quantity"),
        ({"lines": [{"seller_sku": "A", "quantity": -3}]}, "quantity"),
        ({"lines": [{"seller_sku": "A", "quantity": 10_001}]}, "quantity"),
        ({"lines": [{"seller_sku": "A", "quantity": 1.5}]}, "quantity"),
        ({"lines": [{"seller_sku": "A", "quantity": "many"}]}, "quantity"),
        ({"lines": [{"seller_sku": "A"}]}, "quantity"),
        ({"lines": [{"seller_sku": "bad sku", "quantity": 1}]}, "seller_sku"),
        (
            {"lines": [{"seller_sku": "A", "quantity": 1}, {"seller_sku": "A", "quantity": 2}]},
            "repeated: A",
        ),
        ({"lines": [{"seller_sku": f"S{n}", "quantity": 1} for n in range(201)]}, "lines"),
        ({"lines": [{"seller_sku": "A", "quantity": 1, "fnsku": "X00"}]}, "fnsku"),
    ],
)
def test_bad_shipment_requests_get_a_422_naming_the_problem(client, seller, body, field):
    r = client.post("/v1/inbound-shipments", json=body, headers=seller["headers"])
    assert r.status_code == 422, r.text
    assert field in r.json()["error"]["message"]


def test_the_seller_reads_its_shipment_and_lists_its_shipments(
    client, stocked_seller, plan, shipment
):
    r = client.get(
        f"/v1/inbound-shipments/{shipment['shipment_id']}", headers=stocked_seller["headers"]
    )
    assert r.status_code == 200 and r.json() == shipment
    second = plan(stocked_seller, (stocked_seller["skus"][1], 3)).json()
    page = client.get("/v1/inbound-shipments", headers=stocked_seller["headers"]).json()
    assert [s["shipment_id"] for s in page["items"]] == [
        shipment["shipment_id"],
        second["shipment_id"],
    ]
    assert page["total"] == 2
    one = client.get(
        "/v1/inbound-shipments", params={"limit": 1, "offset": 1}, headers=stocked_seller["headers"]
    ).json()
    assert [s["shipment_id"] for s in one["items"]] == [second["shipment_id"]]


def test_another_sellers_shipment_is_not_found_for_every_action(client, shipment, new_seller):
    other = new_seller()
    sid = shipment["shipment_id"]
    for method, path, body in [
        ("get", f"/v1/inbound-shipments/{sid}", None),
        ("post", f"/v1/inbound-shipments/{sid}/ship", {"carrier": "UPS", "tracking_number": "1Z1"}),
        ("post", f"/v1/inbound-shipments/{sid}/cancel", None),
    ]:
        r = client.request(method, path, json=body, headers=other["headers"])
        assert r.status_code == 404 and sid in r.json()["error"]["message"], (method, path)
    assert client.get("/v1/inbound-shipments", headers=other["headers"]).json()["total"] == 0


def test_an_unknown_shipment_is_not_found(client, seller):
    r = client.get("/v1/inbound-shipments/FBA000000000", headers=seller["headers"])
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


def test_shipping_records_the_carrier_and_emits_the_event_once(
    client, stocked_seller, shipment, outbox_events
):
    sid = shipment["shipment_id"]
    r = client.post(
        f"/v1/inbound-shipments/{sid}/ship",
        json={"carrier": " UPS ", "tracking_number": "1Z999AA10123456784"},
        headers=stocked_seller["headers"],
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["status"], body["carrier"], body["tracking_number"]) == (
        "SHIPPED",
        "UPS",
        "1Z999AA10123456784",
    )
    assert body["shipped_at"] and body["updated_at"] >= body["created_at"]
    assert (
        client.get(f"/v1/inbound-shipments/{sid}", headers=stocked_seller["headers"]).json()[
            "status"
        ]
        == "SHIPPED"
    )

    again = client.post(
        f"/v1/inbound-shipments/{sid}/ship",
        json={"carrier": "UPS", "tracking_number": "1Z2"},
        headers=stocked_seller["headers"],
    )
    assert again.status_code == 409
    assert (
        again.json()["error"]["code"] == "invalid_shipment_status"
        and "SHIPPED" in again.json()["error"]["message"]
    )
    assert again.json()["error"]["details"]["current_status"] == "SHIPPED"
    (event,) = [e for e in outbox_events("InboundShipmentShipped") if e.data.shipment_id == sid]
    assert (event.data.carrier, event.data.tracking_number, event.data.seller_id) == (
        "UPS",
        "1Z999AA10123456784",
        stocked_seller["seller_id"],
    )
    assert (
        event.data.fulfillment_center_id == shipment["fulfillment_center_id"]
        and event.data.shipped_at
    )


def test_a_shipped_shipment_cannot_be_cancelled(client, stocked_seller, shipment):
    sid = shipment["shipment_id"]
    client.post(
        f"/v1/inbound-shipments/{sid}/ship",
        json={"carrier": "FedEx", "tracking_number": "7777"},
        headers=stocked_seller["headers"],
    )
    r = client.post(f"/v1/inbound-shipments/{sid}/cancel", headers=stocked_seller["headers"])
    assert r.status_code == 409 and "SHIPPED" in r.json()["error"]["message"]


def test_cancelling_a_working_shipment_emits_the_event_and_ends_it(
    client, stocked_seller, shipment, outbox_events
):
    sid = shipment["shipment_id"]
    r = client.post(
        f"/v1/inbound-shipments/{sid}/cancel",
        json={"reason": "wrong quantities"},
        headers=stocked_seller["headers"],
    )
    assert (
        r.status_code == 200
        and r.json()["status"] == "CANCELLED"
        and r.json()["cancel_reason"] == "wrong quantities"
    )
    (event,) = [e for e in outbox_events("InboundShipmentCancelled") if e.data.shipment_id == sid]
    assert (
        event.data.reason == "wrong quantities"
        and event.data.seller_id == stocked_seller["seller_id"]
    )
    for action, body in (("ship", {"carrier": "UPS", "tracking_number": "1Z"}), ("cancel", None)):
        again = client.post(
            f"/v1/inbound-shipments/{sid}/{action}", json=body, headers=stocked_seller["headers"]
        )
        assert again.status_code == 409 and "CANCELLED" in again.json()["error"]["message"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"carrier": "UPS"},
        {"carrier": "", "tracking_number": "1Z"},
        {"carrier": "UPS", "tracking_number": "   "},
        {"carrier": "UPS", "tracking_number": "1Z\n2"},
        {"carrier": "x" * 101, "tracking_number": "1Z"},
        {"carrier": "UPS", "tracking_number": "1Z", "eta": "tomorrow"},
    ],
)
def test_bad_ship_requests_are_a_422_and_change_nothing(client, stocked_seller, shipment, body):
    sid = shipment["shipment_id"]
    r = client.post(
        f"/v1/inbound-shipments/{sid}/ship", json=body, headers=stocked_seller["headers"]
    )
    assert r.status_code == 422, r.text
    assert (
        client.get(f"/v1/inbound-shipments/{sid}", headers=stocked_seller["headers"]).json()[
            "status"
        ]
        == "WORKING"
    )


async def test_a_racing_ship_and_cancel_leave_exactly_one_outcome(
    settings, stocked_seller, shipment, outbox_events
):
    engine = create_engine(settings.database_url)
    sid, seller_id = shipment["shipment_id"], stocked_seller["seller_id"]

    async def attempt(command) -> str:
        uow = RegistrationUnitOfWork(engine, source=settings.source)
        try:
            if isinstance(command, ShipInboundShipment):
                return (await ship_inbound_shipment(command, uow)).status.value
            return (await cancel_inbound_shipment(command, uow)).status.value
        except InvalidShipmentTransition as e:
            return f"refused while {e.status.value}"

    try:
        outcomes = await asyncio.gather(
            attempt(ShipInboundShipment(seller_id, sid, "UPS", "1Z")),
            attempt(CancelInboundShipment(seller_id, sid)),
        )
    finally:
        await engine.dispose()
    assert sorted(outcomes) in (
        ["SHIPPED", "refused while SHIPPED"],
        ["CANCELLED", "refused while CANCELLED"],
    )
    emitted = [e for e in outbox_events() if getattr(e.data, "shipment_id", None) == sid]
    assert len(emitted) == 2  # planned, then exactly one of shipped / cancelled


# Inventory's events through registration's own subscriptions and unit of work, as its worker applies them.


async def deliver(settings, data) -> None:
    async with ServiceConsumer("registration", settings.database_url) as consumer:
        assert await consumer.deliver(new_event(data, source="/services/inventory")) == [
            Outcome.PROCESSED
        ]


def received(shipment: dict, seller_id: str) -> InventoryReceived:
    line = shipment["lines"][0]
    return InventoryReceived(
        receipt_id=f"R-{uuid.uuid4().hex[:8]}",
        shipment_id=shipment["shipment_id"],
        fulfillment_center_id=shipment["fulfillment_center_id"],
        fnsku=line["fnsku"],
        seller_id=seller_id,
        quantity_expected=line["quantity"],
        quantity_received=line["quantity"],
        quantity_damaged=0,
    )


def closed(shipment: dict, seller_id: str) -> InboundShipmentClosed:
    return InboundShipmentClosed(
        shipment_id=shipment["shipment_id"],
        fulfillment_center_id=shipment["fulfillment_center_id"],
        seller_id=seller_id,
    )


def status_of(client, seller, shipment) -> str:
    return client.get(
        f"/v1/inbound-shipments/{shipment['shipment_id']}", headers=seller["headers"]
    ).json()["status"]


async def test_received_stock_moves_a_shipped_shipment_to_receiving_then_closed(
    client, settings, stocked_seller, shipment
):
    client.post(
        f"/v1/inbound-shipments/{shipment['shipment_id']}/ship",
        json={"carrier": "UPS", "tracking_number": "1Z"},
        headers=stocked_seller["headers"],
    )
    await deliver(settings, received(shipment, stocked_seller["seller_id"]))
    assert status_of(client, stocked_seller, shipment) == "RECEIVING"
    await deliver(settings, closed(shipment, stocked_seller["seller_id"]))
    assert status_of(client, stocked_seller, shipment) == "CLOSED"
    await deliver(settings, received(shipment, stocked_seller["seller_id"]))  # a late receipt
    assert status_of(client, stocked_seller, shipment) == "CLOSED"


async def test_stock_arriving_before_the_seller_marked_it_shipped_still_counts(
    client, settings, stocked_seller, shipment
):
    await deliver(settings, received(shipment, stocked_seller["seller_id"]))
    assert status_of(client, stocked_seller, shipment) == "RECEIVING"


async def test_a_cancelled_shipment_stays_cancelled_when_stock_arrives_until_the_fc_closes_it(
    client, settings, stocked_seller, shipment
):
    client.post(
        f"/v1/inbound-shipments/{shipment['shipment_id']}/cancel", headers=stocked_seller["headers"]
    )
    await deliver(settings, received(shipment, stocked_seller["seller_id"]))
    assert status_of(client, stocked_seller, shipment) == "CANCELLED"
    await deliver(settings, closed(shipment, stocked_seller["seller_id"]))
    assert status_of(client, stocked_seller, shipment) == "CLOSED"


async def test_events_for_an_unknown_shipment_are_ignored(settings, stocked_seller):
    ghost = {
        "shipment_id": "FBA-NOT-OURS",
        "fulfillment_center_id": "SEA1",
        "lines": [{"fnsku": "X00AAAAAAA", "quantity": 1}],
    }
    await deliver(settings, received(ghost, stocked_seller["seller_id"]))  # raises nothing
    await deliver(settings, closed(ghost, stocked_seller["seller_id"]))
