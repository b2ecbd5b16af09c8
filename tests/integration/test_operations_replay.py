"""Operators' tools against the whole platform (every service a separate process, real broker and
PostgreSQL): after a history with routed, rejected, backordered, shipped and cancelled orders, a
blue/green replay rebuilds order-router's store equal to the live one in every column of every
table (ids included), adds nothing downstream, and the switched service goes on as the live one
would; a handler changed between the live run and the replay gets the switch refused with the
difference named; a log that no longer holds what the live store applied is caught; `--stopped`
and `--since` (a restored backup plus the events after it) rebuild the same store; `tail` prints
the events; `trace` follows one order across topics; a service's JSON log lines and the events it
writes carry the correlation id of the request that started the chain.
"""

from __future__ import annotations

import json
import uuid

import httpx
import pytest
from replay_kit import (
    BUYER,
    bearer,
    differing,
    eligible_bowls,
    end_offsets,
    offer,
    order,
    quiescent,
    receive,
    replay_through_stack,
    ship,
    table_contents,
)

from stockpath_cli.ops.replay import replay
from stockpath_cli.ops.trace import trace
from stockpath_cli.seed import create_seller, seed_catalog
from stockpath_events import new_event
from stockpath_events.types.fulfillment import ReturnCondition, ReturnedLine, ReturnReceived
from stockpath_events.types.orders import OrderCancellationRequested
from stockpath_testing import consume, eventually, publish
from stockpath_testing.kafka import own_broker

pytestmark = [pytest.mark.integration, pytest.mark.system]

DOWNSTREAM = ["fulfillment.instructions", "order-router.events", "orders"]


@pytest.fixture(scope="module")
def business(platform, http):
    """A seller with two items registered, stock received at an FC, and orders routed and rejected."""
    import asyncio

    from catalog.demo import generate

    seed_catalog(platform.url("catalog"), generate(200), operator_token=platform.operator_token)
    seller = create_seller(
        platform.url("registration"),
        f"Ops Seller {uuid.uuid4().hex[:6]}",
        operator_token=platform.operator_token,
    )
    reg = httpx.Client(
        base_url=platform.url("registration"),
        timeout=30,
        headers={"Authorization": f"Bearer {seller['token']}"},
    )
    eligible = eligible_bowls(http["catalog"], 2)
    skus = [f"SKU-{uuid.uuid4().hex[:8]}" for _ in eligible]
    r = reg.post(
        "/v1/registrations",
        json={"items": [offer(i, s) for i, s in zip(eligible, skus, strict=True)]},
    )
    assert r.status_code == 200 and all(x["status"] == "registered" for x in r.json()["results"]), (
        r.text
    )
    fnskus = [x["fnsku"] for x in r.json()["results"]]
    plan = reg.post(
        "/v1/inbound-shipments", json={"lines": [{"seller_sku": s, "quantity": 6} for s in skus]}
    ).json()

    async def build() -> list[str]:
        await receive(http["inventory"], plan, [(f, 6) for f in fnskus])
        for fnsku in fnskus:
            await eventually(
                lambda f=fnsku: any(
                    row["allocatable"] == 6
                    for row in http["order-router"]
                    .get("/v1/availability", params={"fnsku": f})
                    .json()
                    .get("fulfillment_centers", [])
                ),
                what="order-router to learn of the stock",
            )
        order_ids = []
        # One at a time: orders on different partitions have no defined order between them, so
        # the live store equals a record-time replay only when each was decided before the next.
        for sku, quantity in [(skus[0], 2), (skus[1], 3), (skus[0], 10), (skus[1], 1)]:
            oid = f"O-ops-{uuid.uuid4().hex[:10]}"
            order_ids.append(oid)
            await publish(
                platform.bootstrap_servers,
                new_event(
                    order(oid, seller["seller_id"], sku, quantity), source="/channels/storefront"
                ),
            )
            await eventually(
                lambda o=oid: (
                    http["order-router"].get(f"/v1/orders/{o}").json().get("status")
                    in ("ROUTED", "REJECTED")
                ),
                what=f"an outcome for {oid}",
            )
        # A backorder: 6 asked under fill-all, 4 left of the first SKU.
        backordered = f"O-ops-{uuid.uuid4().hex[:10]}"
        await publish(
            platform.bootstrap_servers,
            new_event(
                order(backordered, seller["seller_id"], skus[0], 6, policy="fill-all"),
                source="/channels/storefront",
            ),
        )
        await eventually(
            lambda: (
                http["order-router"].get(f"/v1/orders/{backordered}").json().get("status")
                == "BACKORDERED"
            ),
            what=f"{backordered} to be backordered",
        )
        # The first order ships; the fourth is cancelled.
        await ship(platform.bootstrap_servers, http, order_ids[0])
        await publish(
            platform.bootstrap_servers,
            new_event(
                OrderCancellationRequested(
                    order_id=order_ids[3], reason="buyer changed their mind"
                ),
                source="/channels/storefront",
            ),
        )
        await eventually(
            lambda: (
                http["order-router"].get(f"/v1/orders/{order_ids[3]}").json().get("status")
                == "CANCELLED"
            ),
            what=f"{order_ids[3]} to be cancelled",
        )
        return order_ids + [backordered]

    order_ids = asyncio.run(build())
    reg.close()
    return {
        "seller": seller,
        "skus": skus,
        "fnskus": fnskus,
        "orders": order_ids,
        "fulfillment_center_id": plan["fulfillment_center_id"],
    }


@pytest.fixture(scope="module")
def kafka_bootstrap(tmp_path_factory):
    with own_broker(tmp_path_factory.mktemp("ops-tansu")) as bootstrap:
        yield bootstrap


async def cancel_nothing(commands, uow) -> None:
    """A regression planted in the replay only: cancellations are acknowledged and ignored."""


async def test_replay_rebuilds_inventory_with_what_fc_staff_recorded_equal_to_live(
    platform, http, business, kafka_bootstrap, tmp_path, monkeypatch
):
    """Receipts, a close short and adjustments are written over HTTP; inventory consumes their
    announcements back, so a replay rebuilds them, and everything that follows from them (buckets,
    ledger, discrepancies, reservations decided after them), every column equal (issue 17).
    What the later tests count on is left as it was: each SKU's allocatable stock nets to zero here
    (found +1 and damaged -1, an order reserved then cancelled, units received damaged only), so
    the backorder stays and the last units are still there for them."""
    from stockpath_runtime.db import drop_database

    fc, seller = business["fulfillment_center_id"], business["seller"]
    fnskus, skus = business["fnskus"], business["skus"]
    inventory = http["inventory"]
    # Stock found on the shelf and stock damaged in the warehouse.
    for kind in ("found", "damaged"):
        r = inventory.post(
            "/v1/adjustments",
            json={
                "fulfillment_center_id": fc,
                "fnsku": fnskus[1],
                "kind": kind,
                "quantity": 1,
                "reason": f"cycle count: {kind}",
            },
        )
        assert r.status_code in (200, 201), r.text
    # An order decided after the adjustments: routed to the stock they left and reserved at the FC,
    # then cancelled (released).
    oid = f"O-inv-{uuid.uuid4().hex[:10]}"
    await publish(
        kafka_bootstrap,
        new_event(order(oid, seller["seller_id"], skus[1], 2), source="/channels/storefront"),
    )
    await eventually(
        lambda: http["order-router"].get(f"/v1/orders/{oid}").json().get("status") == "ROUTED",
        what=f"{oid} routed",
    )
    [fo] = http["order-router"].get(f"/v1/orders/{oid}").json()["fulfillment_orders"]

    def moved_for_fo() -> int:
        items = inventory.get("/v1/ledger", params={"fnsku": fnskus[1], "limit": 500}).json()[
            "items"
        ]
        return sum(1 for e in items if e.get("fulfillment_order_id") == fo["fulfillment_order_id"])

    # Each step applied by inventory before the FC's next request: a request's announcement is
    # read back in record-time order, so only what the live worker applied before the request
    # lands before it in a replay (an instruction still in flight could land on the other side;
    # the check would refuse that switch, see docs/operations.md "Ordering").
    await eventually(
        lambda: moved_for_fo() >= 2, what=f"inventory to reserve {fo['fulfillment_order_id']}"
    )
    await publish(
        kafka_bootstrap,
        new_event(
            OrderCancellationRequested(order_id=oid, reason="changed plans"),
            source="/channels/storefront",
        ),
    )
    await eventually(
        lambda: moved_for_fo() >= 4, what=f"inventory to release {fo['fulfillment_order_id']}"
    )
    # A second shipment, received damaged only (with an FNSKU the plan never had) and closed short.
    with httpx.Client(
        base_url=platform.url("registration"),
        timeout=30,
        headers={"Authorization": f"Bearer {seller['token']}"},
    ) as reg:
        plan = reg.post(
            "/v1/inbound-shipments",
            json={"lines": [{"seller_sku": s, "quantity": 5} for s in skus]},
        ).json()
    await eventually(
        lambda: (
            inventory.get(f"/v1/inbound-shipments/{plan['shipment_id']}/receipts").status_code
            == 200
        ),
        what="inventory to learn of the second shipment",
    )
    r = inventory.post(
        "/v1/receipts",
        json={
            "shipment_id": plan["shipment_id"],
            "fulfillment_center_id": plan["fulfillment_center_id"],
            "lines": [
                {"fnsku": fnskus[1], "received": 0, "damaged": 2},
                {"fnsku": "X00NOTPLAN1", "received": 1, "damaged": 0},
            ],
        },
    )
    assert r.status_code == 201, r.text
    r = inventory.post(
        f"/v1/inbound-shipments/{plan['shipment_id']}/close",
        json={"fulfillment_center_id": plan["fulfillment_center_id"]},
    )
    assert r.status_code in (200, 204), r.text
    # Removal orders a seller asked for: the damaged units disposed of (pending at the FC), and
    # one unit set aside for a return to the seller, then cancelled (back where it was).
    with httpx.Client(
        base_url=platform.url("inventory"), timeout=30, headers=bearer(seller["token"])
    ) as as_seller:
        r = as_seller.post(
            "/v1/removal-orders",
            json={
                "fulfillment_center_id": plan["fulfillment_center_id"],
                "disposition": "dispose",
                "lines": [{"fnsku": fnskus[1], "source": "unfulfillable", "quantity": 2}],
            },
        )
        assert r.status_code == 201, r.text
        r = as_seller.post(
            "/v1/removal-orders",
            json={
                "fulfillment_center_id": fc,
                "disposition": "return",
                "lines": [{"fnsku": fnskus[1], "source": "fulfillable", "quantity": 1}],
                "ship_to": BUYER.model_dump(),
            },
        )
        assert r.status_code == 201, r.text
        r = as_seller.post(f"/v1/removal-orders/{r.json()['removal_order_id']}/cancellation")
        assert r.status_code == 200, r.text

    live_url = platform.database_url("inventory")
    await quiescent(platform, kafka_bootstrap)
    report = await replay_through_stack(
        platform,
        tmp_path,
        monkeypatch,
        service="inventory",
        bootstrap=kafka_bootstrap,
        live_url=live_url,
        live_group=platform.consumer_group("inventory"),
        report_dir=tmp_path / "reports",
    )
    try:
        assert report.switched and report.equivalence.equal, report.equivalence.named()
        # Nothing left out: removal orders are rebuilt too (see rebuildable.py).
        assert report.equivalence.skipped == {}, report.equivalence.skipped
        assert {
            "removal_orders",
            "receipts",
            "receipt_lines",
            "adjustments",
            "inventory_ledger",
            "inventory_levels",
            "discrepancies",
            "inbound_shipment_lines",
        } <= report.equivalence.compared.keys()
        rebuilt, live = table_contents(report.database_url), table_contents(live_url)
        assert not differing(rebuilt, live), (
            f"rebuilt store differs from the live one: {differing(rebuilt, live)}"
        )
        assert (
            len(live["receipts"]) == 2 and len(live["adjustments"]) == 2 and live["discrepancies"]
        )
        assert len(live["removal_orders"]) == 2
        assert report.left_to_publish == 0
        # The switched service takes requests: the same adjustment sent again moves nothing.
        r = inventory.post(
            "/v1/adjustments",
            json={
                "adjustment_id": "ADJ-after-switch",
                "fulfillment_center_id": fc,
                "fnsku": fnskus[1],
                "kind": "found",
                "quantity": 1,
                "reason": "after the switch",
            },
        )
        again = inventory.post(
            "/v1/adjustments",
            json={
                "adjustment_id": "ADJ-after-switch",
                "fulfillment_center_id": fc,
                "fnsku": fnskus[1],
                "kind": "found",
                "quantity": 1,
                "reason": "after the switch",
            },
        )
        assert r.status_code == 201 and again.status_code == 200, (r.text, again.text)
        r = inventory.post(
            "/v1/adjustments",
            json={
                "fulfillment_center_id": fc,
                "fnsku": fnskus[1],
                "kind": "lost",
                "quantity": 1,
                "reason": "after the switch: back to as it was",
            },
        )
        assert r.status_code in (200, 201), r.text
    finally:
        drop_database(live_url)


async def test_a_handler_changed_since_the_live_run_gets_the_switch_refused_with_the_difference_named(
    platform, http, business, kafka_bootstrap, tmp_path, monkeypatch
):
    from order_router.entrypoints import consumers
    from stockpath_cli.ops.replay import SwitchRefused
    from stockpath_events import Topics
    from stockpath_runtime.db import drop_database

    live_url, live_group = (
        platform.database_url("order-router"),
        platform.consumer_group("order-router"),
    )
    await quiescent(platform, kafka_bootstrap)
    cancel = consumers.CONSUMES[Topics.ORDERS][OrderCancellationRequested]
    monkeypatch.setitem(
        consumers.CONSUMES[Topics.ORDERS], OrderCancellationRequested, (cancel[0], cancel_nothing)
    )

    with pytest.raises(SwitchRefused) as refused:
        await replay_through_stack(
            platform,
            tmp_path,
            monkeypatch,
            service="order-router",
            bootstrap=kafka_bootstrap,
            live_url=live_url,
            live_group=live_group,
            report_dir=tmp_path / "reports",
        )
    report = refused.value.report
    try:
        assert report.refused and not report.switched
        cancelled = business["orders"][3]
        by_table = {d.table: d for d in report.equivalence.differences}
        assert "orders" in by_table and "orders" in str(refused.value)
        assert any(cancelled in row and "CANCELLED" in row for row in by_table["orders"].only_live)
        assert any(cancelled in row and "ROUTED" in row for row in by_table["orders"].only_rebuilt)
        # What the command prints: the differing tables, a sample of their rows, where the rest went.
        from stockpath_cli.ops import replay_command

        monkeypatch.setattr(replay_command.console, "width", 160)  # a sample row on one line
        with replay_command.console.capture() as printed:
            replay_command.print_check(report)
        print(printed.get())
        assert "orders" in printed.get() and cancelled in printed.get()
        assert f"differences written to {report.differences_file}" in printed.get().replace(
            "\n", ""
        )
        written = json.loads(report.differences_file.read_text())
        assert report.differences_file.parent == tmp_path / "reports"
        assert any(d["table"] == "orders" for d in written["differences"])
        # The live service runs on its own store and group again, and still routes.
        state = json.loads((tmp_path / "stack.json").read_text())["services"]["order-router"]
        assert (state["database_url"], state["consumer_group"]) == (live_url, live_group)
        oid = f"O-refused-{uuid.uuid4().hex[:8]}"
        await publish(
            kafka_bootstrap,
            new_event(
                order(oid, business["seller"]["seller_id"], business["skus"][1], 1),
                source="/channels/storefront",
            ),
        )
        await eventually(
            lambda: http["order-router"].get(f"/v1/orders/{oid}").json().get("status") == "ROUTED",
            what=f"{oid} routed by the live service after the refusal",
        )
    finally:
        drop_database(report.database_url)


async def test_a_log_that_no_longer_holds_what_the_live_store_applied_is_caught(
    platform, business, kafka_bootstrap, tmp_path_factory
):
    """Tansu cannot delete records (DeleteRecords closes the connection, retention is not applied),
    so the log that falls short here is a broker that lost it: the same topics, empty. The live
    store's inbox then holds events the rebuild never read: the check names them (the refusal on
    a partition whose log begins above 0 is tested where DeleteRecords works:
    test_replay_log_too_short.py)."""
    from stockpath_cli.localstack import Broker
    from stockpath_runtime.db import drop_database
    from stockpath_runtime.kafka import ensure_topics

    broker = Broker(log_path=tmp_path_factory.mktemp("empty-tansu") / "tansu.log").start()
    try:
        await ensure_topics(broker.bootstrap_servers, partitions=3, replication=1)
        report = await replay(
            "order-router",
            bootstrap=broker.bootstrap_servers,
            live_url=platform.database_url("order-router"),
            live_group=platform.consumer_group("order-router"),
            report_dir=tmp_path_factory.mktemp("reports"),
        )
    finally:
        broker.stop()
    try:
        assert not report.equivalence.equal
        inbox = next(d for d in report.equivalence.differences if d.table == "inbox")
        assert inbox.rebuilt_rows == 0 and len(inbox.only_live) == inbox.live_rows > 0
        assert report.differences_file.exists()
    finally:
        drop_database(report.database_url)


async def test_replay_rebuilds_order_router_equal_to_live_and_downstream_topics_gain_nothing(
    platform, http, business, kafka_bootstrap, tmp_path, monkeypatch
):
    from stockpath_runtime.db import drop_database

    # A return of the shipped order: authorized by the seller, received damaged by the FC.
    returned = business["orders"][0]
    with httpx.Client(
        base_url=platform.url("order-router"),
        timeout=30,
        headers=bearer(business["seller"]["token"]),
    ) as as_seller:
        r = as_seller.post(
            f"/v1/orders/{returned}/returns",
            json={"lines": [{"line_id": "1", "quantity": 1}], "reason": "too small"},
        )
    assert r.status_code == 201, r.text
    authorized = r.json()
    # The FC learns of the return from ReturnAuthorized before the buyer's parcel can reach it.
    await consume(
        kafka_bootstrap,
        "fulfillment.instructions",
        where=lambda m: authorized["return_id"].encode() in m.value,
        until=bool,
    )
    await publish(
        kafka_bootstrap,
        new_event(
            ReturnReceived(
                return_id=authorized["return_id"],
                order_id=returned,
                fulfillment_center_id=authorized["fulfillment_center_id"],
                lines=[
                    ReturnedLine(
                        fnsku=authorized["lines"][0]["fnsku"],
                        quantity=1,
                        condition=ReturnCondition.CUSTOMER_DAMAGED,
                    )
                ],
            ),
            source=f"/fulfillment-centers/{authorized['fulfillment_center_id']}",
        ),
    )
    await eventually(
        lambda: (
            [
                x["status"]
                for x in http["order-router"].get(f"/v1/orders/{returned}").json()["returns"]
            ]
            == ["RECEIVED"]
        ),
        what="order-router to record the return received",
    )

    live_url = platform.database_url("order-router")
    await quiescent(platform, kafka_bootstrap)
    before = await end_offsets(kafka_bootstrap, DOWNSTREAM)

    report = await replay_through_stack(
        platform,
        tmp_path,
        monkeypatch,
        service="order-router",
        bootstrap=kafka_bootstrap,
        live_url=live_url,
        live_group=platform.consumer_group("order-router"),
    )
    try:
        # The stack now points at the rebuilt store and its consumer group.
        state = json.loads((tmp_path / "stack.json").read_text())["services"]["order-router"]
        assert (state["database_url"], state["consumer_group"]) == (
            report.database_url,
            report.consumer_group,
        )
        assert report.switched and platform.database_url("order-router") == report.database_url
        assert report.outcomes["processed"] > len(business["orders"])
        assert report.suppressed > 0 and report.left_to_publish == 0
        assert report.equivalence.equal and report.differences_file is None
        assert report.equivalence.skipped == {}, report.equivalence.skipped
        assert {
            "orders",
            "fulfillment_orders",
            "order_returns",
            "inbox",
        } <= report.equivalence.compared.keys()
        rebuilt, live = table_contents(report.database_url), table_contents(live_url)
        assert not differing(rebuilt, live), (
            f"rebuilt store differs from the live one: {differing(rebuilt, live)}"
        )
        assert len(live["order_returns"]) == 1
        statuses = {row[0]: row for row in rebuilt["orders"]}
        assert {"SHIPPED", "CANCELLED", "BACKORDERED", "REJECTED", "ROUTED"} <= {
            v for row in statuses.values() for v in row
        }, "the history lacks an outcome it should replay"

        # The new worker's relay found nothing to send: every repeated effect was suppressed.
        async def relay_idle():
            metrics = httpx.get(f"{platform.worker_url('order-router')}/metrics", timeout=5).text
            backlog = [
                line for line in metrics.splitlines() if line.startswith("stockpath_outbox_backlog")
            ]
            assert backlog == ["stockpath_outbox_backlog 0.0"], backlog
            return True

        await eventually(relay_idle, what="the new relay to report an empty backlog")
        assert await end_offsets(kafka_bootstrap, DOWNSTREAM) == before

        # The switched service goes on as the live one would: a new order gets exactly one
        # instruction, and a shipment of a fulfillment order the live run created is applied
        # (its id is the live one), no cancellation goes out for it.
        oid = f"O-after-{uuid.uuid4().hex[:10]}"
        await publish(
            kafka_bootstrap,
            new_event(
                order(oid, business["seller"]["seller_id"], business["skus"][1], 1),
                source="/channels/storefront",
            ),
        )
        instructed = await consume(
            kafka_bootstrap,
            "fulfillment.instructions",
            where=lambda m: m.key == oid.encode(),
            until=bool,
        )
        assert len(instructed) == 1
        await ship(kafka_bootstrap, http, business["orders"][1])
        after = await end_offsets(kafka_bootstrap, ["fulfillment.instructions"])
        gained = sum(after[k] - before[k] for k in after)
        assert gained == 1, "the replay re-sent instructions or cancelled a shipped order"
        assert http["order-router"].get(f"/v1/orders/{oid}").json()["status"] == "ROUTED"
    finally:
        drop_database(live_url)


async def test_replay_stopped_finishes_the_switch_and_the_operator_starts_the_service(
    platform, http, business, kafka_bootstrap
):
    from stockpath_cli.ops.switch import AlreadyStopped
    from stockpath_runtime.db import drop_database

    live_url = platform.database_url("order-router")
    await quiescent(platform, kafka_bootstrap)
    platform.stop_service("order-router")  # e.g. scaled to 0 by the operator
    report = await replay(
        "order-router",
        bootstrap=kafka_bootstrap,
        live_url=live_url,
        live_group=platform.consumer_group("order-router"),
        switch=AlreadyStopped(),
    )
    assert report.switched and report.equivalence.equal
    assert not differing(table_contents(report.database_url), table_contents(live_url))
    platform.start_service(
        "order-router", database_url=report.database_url, consumer_group=report.consumer_group
    )
    try:
        oid = f"O-stopped-{uuid.uuid4().hex[:8]}"
        await publish(
            kafka_bootstrap,
            new_event(
                order(oid, business["seller"]["seller_id"], business["skus"][1], 1),
                source="/channels/storefront",
            ),
        )
        await eventually(
            lambda: http["order-router"].get(f"/v1/orders/{oid}").json().get("status") == "ROUTED",
            what=f"{oid} routed by the service started on the rebuilt store",
        )
        business["unshipped"] = (
            oid  # the last unit of that SKU: shipped after the next test's backup
        )
    finally:
        drop_database(live_url)


async def test_replay_since_a_restored_backup_applies_only_the_events_after_it(
    platform, http, business, kafka_bootstrap, tmp_path
):
    import subprocess
    from datetime import UTC, datetime

    from sqlalchemy.engine import make_url

    from stockpath_cli.ops.switch import PlatformSwitch
    from stockpath_runtime.db import drop_database, ensure_database

    live_url = platform.database_url("order-router")
    await quiescent(platform, kafka_bootstrap)
    moment = datetime.now(UTC)
    # The backup: a dump of the live store taken after `moment`, restored into a new database.
    live, backup_url = (
        make_url(live_url),
        make_url(live_url).set(database=f"{make_url(live_url).database}_bk"),
    )
    backup = backup_url.render_as_string(hide_password=False)
    ensure_database(backup)
    dump = tmp_path / "order-router.dump"
    pg = [
        "-h",
        live.host or "127.0.0.1",
        "-p",
        str(live.port or 5432),
        "-U",
        live.username or "postgres",
    ]
    subprocess.run(["pg_dump", *pg, "-Fc", "-f", str(dump), live.database], check=True)
    subprocess.run(["pg_restore", *pg, "-d", backup_url.database, str(dump)], check=True)
    # Events after the backup: an order (rejected when the earlier tests took the last units) and
    # a shipment of an order routed before it.
    oid, shipped = f"O-since-{uuid.uuid4().hex[:8]}", business["unshipped"]
    await publish(
        kafka_bootstrap,
        new_event(
            order(oid, business["seller"]["seller_id"], business["skus"][1], 1),
            source="/channels/storefront",
        ),
    )
    outcome = await eventually(
        lambda: (
            http["order-router"].get(f"/v1/orders/{oid}").json().get("status")
            in ("ROUTED", "REJECTED")
            and http["order-router"].get(f"/v1/orders/{oid}").json()["status"]
        ),
        what=f"an outcome for {oid}",
    )
    await ship(kafka_bootstrap, http, shipped)
    await quiescent(platform, kafka_bootstrap)

    report = await replay(
        "order-router",
        bootstrap=kafka_bootstrap,
        live_url=live_url,
        new_url=backup,
        live_group=platform.consumer_group("order-router"),
        since=moment,
        switch=PlatformSwitch(platform),
    )
    try:
        assert report.switched and report.equivalence.equal
        # Only the events after the moment were read, not the whole history.
        from stockpath_cli.ops import context

        history = sum(
            (await end_offsets(kafka_bootstrap, context.consumed_topics("order-router"))).values()
        )
        assert 0 < report.events < history
        rebuilt = table_contents(backup)
        assert not differing(rebuilt, table_contents(live_url))
        assert any(shipped in row and "SHIPPED" in row for row in rebuilt["orders"])
        assert any(oid in row and outcome in row for row in rebuilt["orders"])
    finally:
        drop_database(live_url)


def test_tail_prints_each_event_decoded_with_its_headers(platform, business, kafka_bootstrap):
    from typer.testing import CliRunner

    from stockpath_cli.main import app

    result = CliRunner().invoke(
        app,
        ["tail", "orders", "--from-beginning", "-n", "3", "--bootstrap", kafka_bootstrap],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert (
        result.output.count("╭─ orders:") == 3
    )  # three panels, each titled topic:partition:offset
    assert (
        result.output.count("stockpath.orders.") == 3
    )  # each event's type (placed or cancellation)
    assert "stockpath.orders.OrderPlaced.v1" in result.output
    assert "ce_id" in result.output and "ce_correlationid" in result.output
    # Each event's key and payload (which orders come first depends on the partitions' order).
    placed = [o for o in business["orders"] if f"key={o}" in result.output]
    assert placed and all(f'"order_id": "{o}"' in result.output for o in placed), result.output


async def test_trace_follows_one_order_across_topics(platform, business, kafka_bootstrap):
    # The backordered order: instructed for the units there were, never shipped or cancelled by an
    # FC or channel (whose reports start chains of their own).
    routed = business["orders"][4]
    events = await trace(kafka_bootstrap, routed)
    types = [e.type for e in events]
    assert "stockpath.orders.OrderPlaced.v1" in types
    assert "stockpath.order-router.FulfillmentInstructed.v1" in types
    placed = next(e for e in events if e.type == "stockpath.orders.OrderPlaced.v1")
    instructed = next(
        e for e in events if e.type == "stockpath.order-router.FulfillmentInstructed.v1"
    )
    assert instructed.causation_id == placed.event_id
    assert {e.correlation_id for e in events} == {placed.correlation_id}
    assert all(
        e.record.message.key == routed.encode() or e.correlation_id == placed.correlation_id
        for e in events
    )


async def test_log_lines_and_events_carry_the_correlation_id_of_the_request(
    platform, http, business, kafka_bootstrap
):
    correlation = f"corr-{uuid.uuid4().hex[:12]}"
    r = http["order-router"].post(
        "/v1/orders",
        headers={"X-Correlation-Id": correlation},
        json={
            "channel": "storefront",
            "lines": [
                {
                    "line_id": "1",
                    "seller_id": business["seller"]["seller_id"],
                    "seller_sku": business["skus"][1],
                    "quantity": 1,
                    "unit_price": "9.99",
                }
            ],
            "ship_to": BUYER.model_dump(),
        },
    )
    assert r.status_code == 202, r.text
    assert r.headers["X-Correlation-Id"] == correlation
    oid = r.json()["order_id"]
    # The earlier tests took the last units: the order's outcome is a rejection, caused by the request.
    produced = await consume(
        kafka_bootstrap, "order-router.events", where=lambda m: m.key == oid.encode(), until=bool
    )
    assert produced[0].header("ce_correlationid") == correlation
    placed = await consume(
        kafka_bootstrap, "orders", where=lambda m: m.key == oid.encode(), until=bool
    )
    # Delivered again, the event is skipped — and the worker says so in a line that names the chain.
    from stockpath_testing.kafka import produce_raw

    m = placed[0]
    await produce_raw(kafka_bootstrap, "orders", m.value, key=m.key, headers=m.headers)

    def worker_lines():
        log = platform.process("order-router", "worker").log_path.read_text(errors="replace")
        lines = [json.loads(x) for x in log.splitlines() if x.startswith("{")]
        about = [x for x in lines if x.get("event_id") == m.header("ce_id")]
        # Until the redelivery's line is there, the lines are the first delivery's only.
        assert any(x["event"] == "duplicate event skipped" for x in about), about
        return about

    lines = await eventually(worker_lines, what="the worker's line about the redelivered event")
    assert all(x["correlation_id"] == correlation and x["service"] == "order-router" for x in lines)
