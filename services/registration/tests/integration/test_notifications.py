"""Seller notifications end to end: events on the real broker, consumed by the registration worker
(a separate process), queued for the sellers they concern, and POSTed signed by the API's
dispatcher to a real HTTP endpoint (a server thread on loopback, allowed by the dev setting) that
fails until it recovers and the seller re-drives."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from registration.bootstrap import create_api
from registration.settings import NotificationSettings, Settings
from stockpath_events import Address, new_event
from stockpath_events.types.fulfillment import (
    RemovalShipped,
    ReturnedLine,
    ReturnReceived,
    ShipmentShipped,
)
from stockpath_events.types.inventory import (
    InboundShipmentClosed,
    InventoryDiscrepancyRecorded,
    InventoryLevelChanged,
    RemovalLine,
    RemovalOrderCreated,
    StatementReady,
)
from stockpath_events.types.order_router import (
    FulfillmentCancelled,
    FulfillmentInstructed,
    FulfillmentLine,
)
from stockpath_testing import eventually, publish
from stockpath_testing.endpoints import RecordingEndpoint, verify_notification
from stockpath_testing.processes import start_worker

pytestmark = pytest.mark.integration

BUYER = Address(name="Ada Buyer", line1="1 Main St", city="Kent", region="WA", postal_code="98032")
FC = "/fulfillment-centers/SEA1"


@pytest.fixture(scope="module")
def receiver():
    endpoint = RecordingEndpoint()
    yield endpoint
    endpoint.close()


@pytest.fixture(scope="module")
def settings(database, catalog_url) -> Settings:
    """Loopback endpoints allowed (the dev setting), two attempts a round, quick retries."""
    return Settings(
        database_url=database,
        catalog_url=catalog_url,
        notifications=NotificationSettings(
            allow_local=True,
            max_attempts=2,
            initial_backoff_s=0.2,
            max_backoff_s=0.2,
            poll_interval_s=0.05,
        ),
    )


@pytest.fixture(scope="module")
def client(settings):
    """The only API of this module, so the only dispatcher draining its database's queue."""
    with TestClient(create_api(settings)) as c:
        yield c


@pytest.fixture(scope="module")
def worker(database, kafka_bootstrap, tmp_path_factory):
    process, _ = start_worker(
        "registration",
        prefix="registration",
        database_url=database,
        bootstrap=kafka_bootstrap,
        group=f"registration-notify-{uuid.uuid4().hex[:8]}",
        log_path=tmp_path_factory.mktemp("registration-notify") / "worker.log",
    )
    yield process
    process.stop()


def subscribe(client, seller, url: str, kinds: list[str], **extra) -> dict:
    r = client.post(
        "/v1/notification-subscriptions",
        json={"url": url, "kinds": kinds, **extra},
        headers=seller["headers"],
    )
    assert r.status_code == 201, r.text
    return r.json()


def deliveries(client, seller, **params) -> list[dict]:
    r = client.get("/v1/notification-deliveries", params=params, headers=seller["headers"])
    assert r.status_code == 200, r.text
    return r.json()["items"]


ALL_KINDS = ["order.routed", "order.shipped", "return.received", "inventory.low"]


async def test_a_failing_endpoint_gets_every_notification_once_after_the_seller_re_drives(
    client, worker, kafka_bootstrap, receiver, stocked_seller, new_seller
):
    a = stocked_seller
    fnsku, other_fnsku = (a["fnskus"][sku] for sku in a["skus"])
    mine = subscribe(
        client,
        a,
        f"{receiver.base}/a",
        ALL_KINDS,
        low_stock_threshold=5,
        low_stock_thresholds={other_fnsku: 50},
    )
    b = new_seller()
    subscribe(client, b, f"{receiver.base}/b", ALL_KINDS, low_stock_threshold=5)
    order_id, fo_id = f"ORD-{uuid.uuid4().hex[:8]}", f"FO-{uuid.uuid4().hex[:8]}"

    # The shipment is published before its instruction: it waits until the instruction names
    # its seller.
    shipped = new_event(
        ShipmentShipped(
            fulfillment_order_id=fo_id,
            order_id=order_id,
            fulfillment_center_id="SEA1",
            carrier="UPS",
            tracking_number="1Z999",
        ),
        source=FC,
    )
    await publish(kafka_bootstrap, shipped)
    instructed = new_event(
        FulfillmentInstructed(
            fulfillment_order_id=fo_id,
            order_id=order_id,
            fulfillment_center_id="SEA1",
            lines=[
                FulfillmentLine(
                    line_id="1",
                    fnsku=fnsku,
                    seller_sku=a["skus"][0],
                    seller_id=a["seller_id"],
                    quantity=2,
                )
            ],
            ship_to=BUYER,
            shipping_speed="standard",
        ),
        source="/services/order-router",
    )
    returned = new_event(
        ReturnReceived(
            return_id=f"RET-{uuid.uuid4().hex[:8]}",
            order_id=order_id,
            fulfillment_center_id="SEA1",
            lines=[ReturnedLine(fnsku=fnsku, quantity=1, condition="sellable")],
        ),
        source=FC,
    )

    def level(fulfillable: int, of: str = fnsku):
        return new_event(
            InventoryLevelChanged(
                fulfillment_center_id="SEA1",
                fnsku=of,
                seller_id=a["seller_id"],
                inbound=0,
                fulfillable=fulfillable,
                unfulfillable=0,
            ),
            source="/services/inventory",
        )

    await publish(kafka_bootstrap, instructed)
    await publish(kafka_bootstrap, returned, times=2)  # redelivered, as after a producer retry
    # Above, then below 5; the other FNSKU's own threshold (50) is crossed by 40.
    await publish(kafka_bootstrap, level(10), level(3), level(60, other_fnsku))
    await publish(kafka_bootstrap, level(40, other_fnsku))

    def all_failed():
        found = deliveries(client, a)
        assert len(found) == 5, [(d["kind"], d["status"]) for d in found]
        assert all(d["status"] == "failed" for d in found), [d["status"] for d in found]
        return found

    failed = await eventually(all_failed, timeout=60, what="five failed deliveries")
    assert sorted(d["kind"] for d in failed) == sorted(
        ["order.routed", "order.shipped", "return.received", "inventory.low", "inventory.low"]
    )
    # Every attempt is visible with its outcome: two a round, both refused by the endpoint.
    for d in failed:
        assert [(x["number"], x["status_code"], x["error"]) for x in d["attempts"]] == [
            (1, 503, "HTTP 503"),
            (2, 503, "HTTP 503"),
        ]
    assert receiver.taken("/a") == []

    receiver.failing = False
    one = failed[0]["delivery_id"]
    r = client.post(f"/v1/notification-deliveries/{one}/redrive", headers=a["headers"])
    assert r.status_code == 200 and r.json() == {"delivery_ids": [one]}
    await eventually(lambda: len(receiver.taken("/a")) == 1, timeout=20, what="one re-driven")
    rest = client.post("/v1/notification-deliveries/redrive", headers=a["headers"]).json()
    assert sorted(rest["delivery_ids"]) == sorted(d["delivery_id"] for d in failed[1:])

    def all_delivered():
        found = deliveries(client, a)
        assert all(d["status"] == "delivered" for d in found), [d["status"] for d in found]
        return found

    delivered = await eventually(all_delivered, timeout=30, what="every delivery delivered")
    taken = receiver.taken("/a")
    bodies = [verify_notification(mine["secret"], headers, body) for headers, body in taken]
    assert sorted(b["id"] for b in bodies) == sorted(d["notification_id"] for d in delivered)
    assert len({b["id"] for b in bodies}) == 5  # each once
    by_kind = {b["kind"]: b for b in bodies}
    assert by_kind["order.shipped"]["data"]["tracking_number"] == "1Z999"
    assert by_kind["order.shipped"]["data"]["lines"][0]["fnsku"] == fnsku
    assert by_kind["return.received"]["data"]["lines"] == [
        {"fnsku": fnsku, "quantity": 1, "condition": "sellable"}
    ]
    lows = sorted(
        (b["data"]["fnsku"], b["data"]["threshold"]) for b in bodies if b["kind"] == "inventory.low"
    )
    assert lows == sorted([(fnsku, 5), (other_fnsku, 50)])
    for headers, body in taken:
        assert headers["Stockpath-Notification-Id"] == json.loads(body)["id"]

    # A re-drive now has nothing failed to send, and the endpoint gets nothing twice.
    again = client.post("/v1/notification-deliveries/redrive", headers=a["headers"]).json()
    assert again == {"delivery_ids": []}
    # Another seller's subscription heard none of it.
    assert deliveries(client, b) == [] and receiver.sent_to("/b") == 0


async def test_cancellations_inbound_closes_and_discrepancies_and_removals_tell_their_seller(
    client, worker, kafka_bootstrap, receiver, stocked_seller, shipment
):
    receiver.failing = False
    a, sid = stocked_seller, shipment["shipment_id"]
    line = shipment["lines"][0]
    kinds = [
        "order.cancelled",
        "inbound_shipment.closed",
        "inbound_shipment.discrepancy",
        "removal.shipped",
    ]
    mine = subscribe(client, a, f"{receiver.base}/d", kinds)
    fo_id, removal_id = f"FO-{uuid.uuid4().hex[:8]}", f"RMV-{uuid.uuid4().hex[:8]}"
    order_id = f"ORD-{uuid.uuid4().hex[:8]}"
    instructed = new_event(
        FulfillmentInstructed(
            fulfillment_order_id=fo_id,
            order_id=order_id,
            fulfillment_center_id="SEA1",
            lines=[
                FulfillmentLine(
                    line_id="1",
                    fnsku=line["fnsku"],
                    seller_sku=line["seller_sku"],
                    seller_id=a["seller_id"],
                    quantity=1,
                )
            ],
            ship_to=BUYER,
            shipping_speed="standard",
        ),
        source="/services/order-router",
    )
    cancelled = new_event(
        FulfillmentCancelled(
            fulfillment_order_id=fo_id,
            order_id=order_id,
            fulfillment_center_id="SEA1",
            reason="buyer asked",
        ),
        source="/services/order-router",
    )
    # The removal's shipment is published before its creation names the seller.
    removal_shipped = new_event(
        RemovalShipped(
            removal_order_id=removal_id,
            fulfillment_center_id="SEA1",
            carrier="UPS",
            tracking_number="1ZRMV",
        ),
        source=FC,
    )
    created = new_event(
        RemovalOrderCreated(
            removal_order_id=removal_id,
            seller_id=a["seller_id"],
            fulfillment_center_id="SEA1",
            disposition="return",
            lines=[RemovalLine(fnsku=line["fnsku"], source="unfulfillable", quantity=1)],
            ship_to=BUYER,
        ),
        source="/services/inventory",
    )
    short = new_event(
        InventoryDiscrepancyRecorded(
            discrepancy_id=f"D-{uuid.uuid4().hex[:8]}",
            kind="shortage",
            fulfillment_center_id=shipment["fulfillment_center_id"],
            fnsku=line["fnsku"],
            seller_id=a["seller_id"],
            quantity=2,
            shipment_id=sid,
        ),
        source="/services/inventory",
    )
    closed = new_event(
        InboundShipmentClosed(
            shipment_id=sid,
            fulfillment_center_id=shipment["fulfillment_center_id"],
            seller_id=a["seller_id"],
        ),
        source="/services/inventory",
    )
    await publish(kafka_bootstrap, instructed, cancelled, removal_shipped)
    await publish(kafka_bootstrap, created, short, closed)

    def four_taken():
        taken = receiver.taken("/d")
        assert len(taken) == 4, [json.loads(b)["kind"] for _, b in taken]
        return taken

    taken = await eventually(four_taken, timeout=45, what="four notifications")
    by_kind = {
        b["kind"]: b["data"] for b in (verify_notification(mine["secret"], h, b) for h, b in taken)
    }
    assert set(by_kind) == set(kinds)
    assert by_kind["order.cancelled"]["reason"] == "buyer asked"
    assert by_kind["order.cancelled"]["lines"][0]["fnsku"] == line["fnsku"]
    assert by_kind["inbound_shipment.closed"]["shipment_id"] == sid
    assert by_kind["inbound_shipment.discrepancy"] == {
        "shipment_id": sid,
        "fulfillment_center_id": shipment["fulfillment_center_id"],
        "fnsku": line["fnsku"],
        "kind": "shortage",
        "quantity": 2,
    }
    assert by_kind["removal.shipped"]["tracking_number"] == "1ZRMV"
    assert by_kind["removal.shipped"]["lines"][0]["fnsku"] == line["fnsku"]


async def test_a_statement_ready_tells_its_seller_once_and_no_one_else(
    client, worker, kafka_bootstrap, receiver, seller, new_seller
):
    receiver.failing = False
    mine = subscribe(client, seller, f"{receiver.base}/statement", ["statement.ready"])
    other = new_seller()
    subscribe(client, other, f"{receiver.base}/statement-other", ["statement.ready"])
    ready = new_event(
        StatementReady(
            seller_id=seller["seller_id"],
            month="2026-10",
            currency="USD",
            total=Decimal("12.34"),
            line_count=5,
        ),
        source="/services/inventory",
    )
    november = new_event(
        StatementReady(
            seller_id=seller["seller_id"],
            month="2026-11",
            currency="USD",
            total=Decimal("1.00"),
            line_count=1,
        ),
        source="/services/inventory",
    )
    # October's published twice (a redelivery, or inventory's replay announcing the same event
    # again), then November's: once November's is delivered, the second October was read too.
    await publish(kafka_bootstrap, ready, times=2)
    await publish(kafka_bootstrap, november)

    taken = await eventually(
        lambda: len(receiver.taken("/statement")) >= 2 and receiver.taken("/statement"),
        timeout=45,
        what="both statements delivered",
    )
    bodies = {json.loads(b)["data"]["month"]: (h, b) for h, b in taken}
    assert len(taken) == 2 and set(bodies) == {"2026-10", "2026-11"}
    headers, body = bodies["2026-10"]
    told = verify_notification(mine["secret"], headers, body)
    assert (told["id"], told["kind"], told["seller_id"]) == (
        f"{ready.id}:statement.ready",
        "statement.ready",
        seller["seller_id"],
    )
    assert told["data"] == {
        "month": "2026-10",
        "currency": "USD",
        "total": "12.34",
        "line_count": 5,
        "statement": "/v1/statements/2026-10",
        "console": "/console/statement?month=2026-10",
    }
    assert [d["kind"] for d in deliveries(client, seller)] == ["statement.ready"] * 2
    assert deliveries(client, other) == [] and receiver.sent_to("/statement-other") == 0


def test_a_seller_manages_only_its_own_subscriptions_and_rotates_their_secret(
    client, receiver, seller, new_seller
):
    made = subscribe(client, seller, f"{receiver.base}/c", ["order.shipped"])
    assert made["secret"].startswith("whsec_")
    listed = client.get("/v1/notification-subscriptions", headers=seller["headers"]).json()
    assert [s["subscription_id"] for s in listed["items"]] == [made["subscription_id"]]
    assert "secret" not in listed["items"][0]

    other = new_seller()
    path = f"/v1/notification-subscriptions/{made['subscription_id']}"
    assert client.get("/v1/notification-subscriptions", headers=other["headers"]).json() == {
        "items": []
    }
    assert client.post(f"{path}/secret-rotation", headers=other["headers"]).status_code == 404
    assert client.delete(path, headers=other["headers"]).status_code == 404
    r = client.post("/v1/notification-deliveries/1/redrive", headers=other["headers"])
    assert r.status_code == 404

    rotated = client.post(f"{path}/secret-rotation", headers=seller["headers"]).json()
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != made["secret"]
    assert client.delete(path, headers=seller["headers"]).status_code == 204
    assert client.delete(path, headers=seller["headers"]).status_code == 404


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"url": "https://hooks.example.com/in", "kinds": ["order.lost"]}, "validation_error"),
        ({"url": "https://hooks.example.com/in", "kinds": []}, "validation_error"),
        ({"url": "not a url", "kinds": ["order.shipped"]}, "validation_error"),
        ({"url": "http://hooks.example.com/in", "kinds": ["order.shipped"]}, "destination_refused"),
    ],
)
def test_a_bad_subscription_is_refused_with_a_4xx(client, seller, body, code):
    r = client.post("/v1/notification-subscriptions", json=body, headers=seller["headers"])
    assert 400 <= r.status_code < 500 and r.json()["error"]["code"] == code, r.text


def test_without_the_dev_setting_private_and_loopback_endpoints_are_refused(settings, seller):
    strict = settings.model_copy(update={"notifications": NotificationSettings()})
    with TestClient(create_api(strict)) as c:
        for url in (
            "http://127.0.0.1:9/in",
            "https://127.0.0.1/in",
            "https://169.254.169.254/latest/meta-data",
            "https://10.0.0.7/in",
        ):
            r = c.post(
                "/v1/notification-subscriptions",
                json={"url": url, "kinds": ["order.shipped"]},
                headers=seller["headers"],
            )
            assert r.status_code == 422 and r.json()["error"]["code"] == "destination_refused", url
