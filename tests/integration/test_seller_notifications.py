"""A seller's notifications across the whole system: registration (whose API runs the notification
dispatcher), inventory, order-router and an FC system (`stockpath fc-simulator`), each a separate
process on the real broker and PostgreSQL. A seller subscribes its endpoint (a server thread on
loopback, allowed by registration's dev setting, failing at first) with its own credential, places
an MCF order the FC ships; the endpoint, once it recovers and the seller re-drives what failed,
has every notification exactly once, each signed with the subscription's secret and timestamped
when it was sent; a second re-drive sends nothing again."""

from __future__ import annotations

import json

import pytest
from fulfillment_system import SERVICES, platform_with_fcs, receive, register

from stockpath_testing import eventually
from stockpath_testing.endpoints import RecordingEndpoint, verify_notification

pytestmark = [pytest.mark.integration, pytest.mark.system]

SEATTLE = {
    "name": "Ada Buyer",
    "line1": "400 Pine St",
    "city": "Seattle",
    "region": "WA",
    "postal_code": "98101",
}
#: Registration's settings for this platform: loopback endpoints allowed (the dev setting), and a
#: failing delivery given up after two quick attempts, so the seller's re-drive is what delivers it.
NOTIFICATIONS = {
    "REGISTRATION_NOTIFICATIONS__ALLOW_LOCAL": "true",
    "REGISTRATION_NOTIFICATIONS__MAX_ATTEMPTS": "2",
    "REGISTRATION_NOTIFICATIONS__INITIAL_BACKOFF_S": "0.2",
    "REGISTRATION_NOTIFICATIONS__MAX_BACKOFF_S": "0.2",
    "REGISTRATION_NOTIFICATIONS__POLL_INTERVAL_S": "0.1",
}
KINDS = ["order.routed", "order.shipped", "order.cancelled", "inventory.low"]


#: Where the seller's endpoint takes its notifications.
PATH = "/stockpath"


def notifications(endpoint: RecordingEndpoint) -> list[dict]:
    """The notifications the endpoint answered 2xx, in the order they came."""
    return [json.loads(body) for _, body in endpoint.taken(PATH)]


@pytest.fixture(scope="module")
def platform(database_server, tmp_path_factory):
    log_dir = tmp_path_factory.mktemp("seller-notifications")
    with platform_with_fcs(
        database_server,
        log_dir,
        prefix="notify",
        fc_delays={"SEA1": 0.2},
        services=["registration", *SERVICES],
        extra_env=NOTIFICATIONS,
    ) as p:
        yield p


@pytest.fixture(scope="module")
def endpoint():
    e = RecordingEndpoint()
    yield e
    e.close()


async def test_a_failing_endpoint_gets_every_notification_of_an_mcf_order_once_after_a_re_drive(
    platform, inventory, router, endpoint
):
    with platform.client("registration") as operator:
        made = operator.post("/v1/sellers", json={"name": "Northwind Teas"})
    assert made.status_code == 201, made.text
    seller_id, token = made.json()["seller_id"], made.json()["token"]
    registration = platform.client("registration", token)
    orders = platform.client("order-router", token)
    with registration, orders:
        r = registration.post(
            "/v1/notification-subscriptions",
            json={"url": endpoint.base + PATH, "kinds": KINDS, "low_stock_threshold": 4},
        )
        assert r.status_code == 201, r.text
        secret = r.json()["secret"]

        def deliveries() -> list[dict]:
            r = registration.get("/v1/notification-deliveries")
            assert r.status_code == 200, r.text
            return r.json()["items"]

        # Subscribed before the stock arrives, so the levels it falls from are remembered.
        item = await register(platform, seller_id, size_tier="large_standard", weight_g=1200.0)
        await receive(platform, inventory, router, item, "SEA1", 5)
        # The seller's credential, issued by registration, reaches the router by its event.
        await eventually(
            lambda: orders.get("/v1/mcf-orders").status_code == 200,
            what="the order router to know the seller's credential",
        )

        async def place(reference: str, units: int) -> dict:
            placed = orders.post(
                "/v1/mcf-orders",
                json={
                    "order_id": reference,
                    "lines": [{"line_id": "1", "fnsku": item.fnsku, "quantity": units}],
                    "ship_to": SEATTLE,
                },
            )
            assert placed.status_code == 202, placed.text

            def shipped():
                body = orders.get(f"/v1/mcf-orders/{reference}").json()
                return body if body["status"] == "SHIPPED" else None

            return await eventually(shipped, timeout=30, what=f"{reference} to ship")

        # 2 of 5 units: fulfillable falls to 3, below the threshold of 4.
        first = await place("SHOP-2001", 2)

        def all_failed() -> list[dict]:
            found = deliveries()
            assert sorted(d["kind"] for d in found) == [
                "inventory.low",
                "order.routed",
                "order.shipped",
            ], [(d["kind"], d["status"]) for d in found]
            assert all(d["status"] == "failed" for d in found), [d["status"] for d in found]
            return found

        failed = await eventually(all_failed, timeout=60, what="three failed deliveries")
        # Every attempt is visible to the seller with its outcome: the endpoint refused both.
        for d in failed:
            assert [(x["number"], x["status_code"]) for x in d["attempts"]] == [(1, 503), (2, 503)]
        assert notifications(endpoint) == []

        endpoint.failing = False
        one = failed[0]["delivery_id"]
        r = registration.post(f"/v1/notification-deliveries/{one}/redrive")
        assert r.status_code == 200 and r.json() == {"delivery_ids": [one]}, r.text
        await eventually(
            lambda: len(notifications(endpoint)) == 1, timeout=20, what="one re-driven"
        )
        rest = registration.post("/v1/notification-deliveries/redrive").json()
        assert sorted(rest["delivery_ids"]) == sorted(d["delivery_id"] for d in failed[1:])

        def all_delivered() -> list[dict]:
            found = deliveries()
            assert all(d["status"] == "delivered" for d in found), [d["status"] for d in found]
            return found

        delivered = await eventually(all_delivered, timeout=30, what="every delivery delivered")
        taken = notifications(endpoint)
        assert sorted(n["id"] for n in taken) == sorted(d["notification_id"] for d in delivered)
        assert len({n["id"] for n in taken}) == len(taken) == 3  # each once
        by_kind = {n["kind"]: n for n in taken}
        assert {n["seller_id"] for n in taken} == {seller_id}
        [fo] = first["fulfillment_orders"]
        for kind in ("order.routed", "order.shipped"):
            data = by_kind[kind]["data"]
            assert (data["order_id"], data["fulfillment_center_id"]) == (first["order_id"], "SEA1")
            assert [(x["fnsku"], x["quantity"]) for x in data["lines"]] == [(item.fnsku, 2)]
        assert by_kind["order.shipped"]["data"]["tracking_number"] == fo["tracking_number"]
        low = by_kind["inventory.low"]["data"]
        assert (low["fnsku"], low["fulfillable"], low["threshold"]) == (item.fnsku, 3, 4)

        # Nothing failed is left: a re-drive, of all or of one delivered, queues nothing.
        assert registration.post("/v1/notification-deliveries/redrive").json() == {
            "delivery_ids": []
        }
        again = registration.post(f"/v1/notification-deliveries/{one}/redrive").json()
        assert again == {"delivery_ids": []}
        # A later order's notifications come through at once (1 of the 3 left: no new low, the
        # level was below the threshold already); by then the dispatcher has had every chance to
        # send anything again, and sent nothing twice.
        second = await place("SHOP-2002", 1)
        await eventually(
            lambda: len(notifications(endpoint)) == 5, timeout=30, what="the second order's two"
        )
        taken = notifications(endpoint)
        assert len({n["id"] for n in taken}) == len(taken) == 5
        assert sorted(n["kind"] for n in taken[3:]) == ["order.routed", "order.shipped"]
        assert {n["data"]["order_id"] for n in taken[3:]} == {second["order_id"]}
        assert all(d["status"] == "delivered" for d in deliveries())

    # Every request, refused or taken, first attempt or re-drive, is signed with the
    # subscription's secret when it is sent.
    requests = endpoint.all(PATH)
    assert len(requests) == 3 * 2 + 5
    for r in requests:
        verify_notification(secret, r.headers, r.body, now=r.at, tolerance_s=5)
