"""Registration rebuilds completely from the log (issue 17): every service a process, a real
broker and PostgreSQL. Sellers, registrations (one request under an idempotency key with a
rejection in it, one without a key), a price and channels change, a withdrawal, inbound shipments
planned, shipped, received and closed by the FC, cancelled, and planned as part of an inbound
plan are all written by requests over HTTP; registration consumes its own announcements of them,
so `stockpath replay registration` rebuilds a store equal to the live one in every column of every
table, leaves nothing out, and switches. The switched registration answers a repeated request from
the rebuilt idempotency keys, and inventory's reports move the rebuilt shipments."""

from __future__ import annotations

import uuid

import httpx
import pytest
from replay_kit import (
    differing,
    eligible_bowls,
    offer,
    quiescent,
    receive,
    replay_through_stack,
    table_contents,
)

from stockpath_cli.ops.rebuildable import not_rebuilt
from stockpath_cli.seed import create_seller, seed_catalog
from stockpath_testing import eventually
from stockpath_testing.kafka import own_broker

pytestmark = [pytest.mark.integration, pytest.mark.system]

#: Seller notifications' subscriptions and delivery attempts: written over HTTP and by the live
#: dispatcher, carried by no event (docs/notifications.md#what-is-not-rebuilt).
NOTIFICATION_TABLES = {
    "notification_subscriptions",
    "notification_deliveries",
    "notification_attempts",
    "notified_stock_levels",
}
REBUILT = {
    "sellers",
    "registration_requests",
    "registrations",
    "inbound_shipments",
    "inbound_shipment_lines",
    "credentials",
}


@pytest.fixture(scope="module")
def kafka_bootstrap(tmp_path_factory):
    with own_broker(tmp_path_factory.mktemp("registration-tansu")) as bootstrap:
        yield bootstrap


@pytest.fixture(scope="module")
def seller(platform):
    seller = create_seller(
        platform.url("registration"),
        f"Replay Seller {uuid.uuid4().hex[:6]}",
        operator_token=platform.operator_token,
    )
    with httpx.Client(
        base_url=platform.url("registration"),
        timeout=30,
        headers={"Authorization": f"Bearer {seller['token']}"},
    ) as client:
        yield {**seller, "client": client}


def shipment_status(reg: httpx.Client, shipment_id: str) -> str:
    return reg.get(f"/v1/inbound-shipments/{shipment_id}").json()["status"]


async def test_replay_rebuilds_registration_equal_to_live_with_nothing_left_out(
    platform, http, seller, kafka_bootstrap, tmp_path, monkeypatch
):
    from catalog.demo import generate
    from stockpath_runtime.db import drop_database

    reg, inventory = seller["client"], http["inventory"]
    seed_catalog(platform.url("catalog"), generate(200), operator_token=platform.operator_token)
    first, second, third = eligible_bowls(http["catalog"], 3)
    skus = [f"SKU-{uuid.uuid4().hex[:8]}" for _ in range(3)]
    # One request under an idempotency key, with an item the catalog does not know (rejected).
    keyed = {
        "request_id": f"req-{uuid.uuid4().hex[:8]}",
        "items": [offer(first, skus[0]), offer(second, skus[1]), offer("B0NOSUCHITEM", "SKU-X")],
    }
    r = reg.post("/v1/registrations", json=keyed)
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [x["status"] for x in results] == ["registered", "registered", "rejected"], results
    fnskus = [x["fnsku"] for x in results[:2]]
    # One without a key, then withdrawn; the first item's price and channels changed.
    r = reg.post("/v1/registrations", json={"items": [offer(third, skus[2])]})
    assert r.status_code == 200, r.text
    withdrawn = r.json()["results"][0]["fnsku"]
    for change in ({"price": "12.50"}, {"channels": ["storefront", "marketplace-feed"]}):
        r = reg.patch(f"/v1/registrations/{fnskus[0]}", json=change)
        assert r.status_code == 200, r.text
    r = reg.delete(f"/v1/registrations/{withdrawn}", params={"reason": "discontinued"})
    assert r.status_code == 200, r.text

    # A shipment shipped, then received in full and closed by the FC (inventory's reports).
    received = reg.post(
        "/v1/inbound-shipments",
        json={"lines": [{"seller_sku": s, "quantity": 4} for s in skus[:2]]},
    ).json()
    r = reg.post(
        f"/v1/inbound-shipments/{received['shipment_id']}/ship",
        json={"carrier": "UPS", "tracking_number": "1Z0REPLAY01"},
    )
    assert r.status_code == 200, r.text
    await receive(inventory, received, [(f, 4) for f in fnskus])
    await eventually(
        lambda: shipment_status(reg, received["shipment_id"]) == "CLOSED",
        what="registration to see the shipment closed",
    )
    # One cancelled, and one planned as part of an inbound plan, left WORKING.
    cancelled = reg.post(
        "/v1/inbound-shipments", json={"lines": [{"seller_sku": skus[0], "quantity": 2}]}
    ).json()
    r = reg.post(
        f"/v1/inbound-shipments/{cancelled['shipment_id']}/cancel",
        json={"reason": "sent with the next one"},
    )
    assert r.status_code == 200, r.text
    plan = reg.post(
        "/v1/inbound-plans", json={"lines": [{"seller_sku": skus[1], "quantity": 3}]}
    ).json()
    [planned] = plan["shipments"]
    await eventually(
        lambda: (
            inventory.get(f"/v1/inbound-shipments/{planned['shipment_id']}/receipts").status_code
            == 200
        ),
        what="inventory to learn of the planned shipment",
    )

    # A notification endpoint: no event carries it, the switch carries it over from the live store.
    r = reg.post(
        "/v1/notification-subscriptions",
        json={"url": "https://hooks.example.com/stockpath", "kinds": ["removal.shipped"]},
    )
    assert r.status_code == 201, r.text
    subscription = r.json()["subscription_id"]

    live_url = platform.database_url("registration")
    await quiescent(platform, kafka_bootstrap)
    report = await replay_through_stack(
        platform,
        tmp_path,
        monkeypatch,
        service="registration",
        bootstrap=kafka_bootstrap,
        live_url=live_url,
        live_group=platform.consumer_group("registration"),
        report_dir=tmp_path / "reports",
    )
    try:
        assert report.switched and report.equivalence.equal, report.equivalence.named()
        # Nothing left out but seller notifications, which no event carries (rebuildable.py).
        assert report.equivalence.skipped == not_rebuilt("registration"), report.equivalence.skipped
        assert set(not_rebuilt("registration")) == NOTIFICATION_TABLES
        # ...and carried over from the stopped live store, so the switch keeps the seller's endpoint.
        assert report.carried_over == {
            "notification_subscriptions": 1,
            "notification_deliveries": 0,
            "notification_attempts": 0,
            "notified_stock_levels": 0,
        }, report.carried_over
        assert REBUILT <= report.equivalence.compared.keys()
        rebuilt, live = table_contents(report.database_url), table_contents(live_url)
        assert not differing(rebuilt, live), (
            f"rebuilt store differs from the live one: {differing(rebuilt, live)}"
        )
        assert len(live["registrations"]) == 4 and len(live["registration_requests"]) == 1
        assert len(live["inbound_shipments"]) == 3 and not report.failed

        listed = reg.get("/v1/notification-subscriptions").json()["items"]
        assert [x["subscription_id"] for x in listed] == [subscription], listed
        # The switched registration knows the idempotency key: the same request is answered again.
        again = reg.post("/v1/registrations", json=keyed)
        assert again.status_code == 200 and again.headers.get("Idempotent-Replayed"), again.text
        assert [x["fnsku"] for x in again.json()["results"][:2]] == fnskus
        # Inventory's next report moves a shipment the rebuild wrote.
        await receive(inventory, planned, [(fnskus[1], 1)])
        await eventually(
            lambda: shipment_status(reg, planned["shipment_id"]) == "RECEIVING",
            what="the switched registration to see the planned shipment receiving",
        )
    finally:
        drop_database(live_url)
