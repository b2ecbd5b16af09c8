"""An order's life across inventory, order-router and two FC systems (`stockpath fc-simulator`),
each a separate process on the real broker and PostgreSQL: routing among FCs (nearest, speed,
split, the promised ship-by and deliver-by dates, addresses abroad refused), fill-all backorders released when stock is received, cancellation before and after the
shipment, shipments moving reserved stock to shipped, and customer returns: a unit returned
sellable is sold again, a damaged one is unfulfillable, the ledger reconciling at every step.

Registration's events are written to its topic as registration would, so the FCs holding the
stock can be chosen; everything else goes through HTTP and Kafka only.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from fulfillment_system import (
    SERVICES,
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
from playwright.sync_api import Page, expect

import stockpath_network
from stockpath_events import Address, ShippingSpeed, new_event
from stockpath_events.types.orders import OrderLine, OrderPlaced
from stockpath_testing import consume, eventually, publish

pytestmark = [pytest.mark.integration, pytest.mark.system]

SEATTLE = Address(
    name="Ada Buyer", line1="400 Pine St", city="Seattle", region="WA", postal_code="98101"
)
#: SEA1 ships at once; EWR4 takes a while, so a cancellation can still stop it.
FC_DELAYS = {"SEA1": 0.2, "EWR4": 2.0}


def placed_by_storefront(order_id: str, item, ship_to: Address):
    """One unit of `item` ordered as the storefront's own system writes it to `orders` (not
    through the router's HTTP ingress)."""
    line = OrderLine(
        line_id="1", seller_id=item.seller_id, seller_sku=item.sku, quantity=1, unit_price="9.99"
    )
    return new_event(
        OrderPlaced(order_id=order_id, channel="storefront", ship_to=ship_to, lines=[line]),
        source="/channels/storefront",
    )


@pytest.fixture(scope="module")
def platform(database_server, tmp_path_factory):
    log_dir = tmp_path_factory.mktemp("lifecycle")
    with platform_with_fcs(
        database_server,
        log_dir,
        prefix="lifecycle",
        fc_delays=FC_DELAYS,
        # registration for the seller console's returns page (the last test)
        services=[*SERVICES, "registration"],
    ) as p:
        yield p


async def test_routing_prefers_the_nearest_fc_honours_the_speed_and_splits_only_when_it_must(
    platform, inventory, router
):
    item = await register(platform)
    for fc, units in (("SEA1", 4), ("EWR4", 3), ("CMH2", 10)):
        await receive(platform, inventory, router, item, fc, units)

    # Nearest to a New York buyer: EWR4.
    near = await status(router, order(router, item, 2), "ROUTED", "SHIPPED")
    assert shipments(near) == [("EWR4", 2)]
    # Priority (next day): CMH2 ships standard only and SEA1 is 3,800 km away, so only EWR4's one
    # unit left can meet it; two are not there.
    fast = await status(router, order(router, item, 2, speed="priority"), "REJECTED")
    assert fast["rejection"]["reason_code"] == "INSUFFICIENT_INVENTORY"
    # 11 units: no FC holds them all, so two shipments, one instruction per FC.
    split_id = order(router, item, 11)
    split = await status(router, split_id, "ROUTED", "SHIPPED")
    assert shipments(split) == [("CMH2", 10), ("EWR4", 1)]
    instructions = await consume(
        platform.bootstrap_servers,
        "fulfillment.instructions",
        where=lambda m: m.key == split_id.encode(),
        until=lambda ms: len(ms) >= 2,
    )
    assert sorted(m.header("ce_fulfillmentcenter") for m in instructions) == ["CMH2", "EWR4"]
    # SEA1's four are all that is left: not enough for a fill-or-kill order of five.
    rejected = await status(router, order(router, item, 5), "REJECTED")
    assert rejected["rejection"]["reason_code"] == "INSUFFICIENT_INVENTORY"


async def test_a_seattle_buyer_is_served_from_sea1_with_the_promised_dates(
    platform, inventory, router
):
    item = await register(platform)
    for fc, units in (("PHX3", 5), ("EWR4", 5), ("SEA1", 5)):
        await receive(platform, inventory, router, item, fc, units)

    order_id = order(router, item, 2, speed="priority", ship_to=SEATTLE)
    body = await status(router, order_id, "ROUTED", "SHIPPED")
    assert shipments(body) == [("SEA1", 2)]
    [instruction] = await consume(
        platform.bootstrap_servers,
        "fulfillment.instructions",
        where=lambda m: m.key == order_id.encode(),
        until=bool,
    )
    [placed] = await consume(
        platform.bootstrap_servers, "orders", where=lambda m: m.key == order_id.encode(), until=bool
    )
    # The promise is made as of the order's event time (its ce_time), in SEA1's time zone.
    placed_at = datetime.fromisoformat(placed.header("ce_time").replace("Z", "+00:00"))
    sea1 = stockpath_network.get("SEA1")
    km = stockpath_network.distance_to(sea1, SEATTLE.postal_code)
    expected = stockpath_network.promise(sea1, km, ShippingSpeed.PRIORITY, placed_at)
    data = json.loads(instruction.value)
    assert (data["ship_by"], data["deliver_by"]) == (
        expected.ship_by.isoformat(),
        expected.deliver_by.isoformat(),
    )


async def test_an_order_placed_after_the_cut_off_on_a_friday_is_promised_from_monday(
    platform, inventory, router
):
    item = await register(platform)
    await receive(platform, inventory, router, item, "SEA1", 3)
    order_id = f"O-{uuid.uuid4().hex[:12]}"
    # A storefront order whose event says it was placed on Friday 16 October 2026 at 15:00 in
    # Seattle: past SEA1's 14:00 cut-off, so SEA1 ships on Monday and the parcel arrives Tuesday.
    event = placed_by_storefront(order_id, item, SEATTLE)
    await publish(
        platform.bootstrap_servers, replace(event, time=datetime(2026, 10, 16, 22, 0, tzinfo=UTC))
    )

    [instruction] = await consume(
        platform.bootstrap_servers,
        "fulfillment.instructions",
        where=lambda m: m.key == order_id.encode(),
        until=bool,
    )
    data = json.loads(instruction.value)
    assert data["fulfillment_center_id"] == "SEA1"
    assert (data["ship_by"], data["deliver_by"]) == ("2026-10-19", "2026-10-20")


async def test_an_order_to_an_address_abroad_is_refused_at_once_or_rejected_with_its_reason_code(
    platform, inventory, router
):
    item = await register(platform)
    await receive(platform, inventory, router, item, "EWR4", 2)
    berlin = Address(
        name="Lise",
        line1="Unter den Linden 1",
        city="Berlin",
        region="BE",
        postal_code="10117",
        country="DE",
    )
    # Over HTTP: refused at once, nothing placed.
    r = router.post(
        "/v1/orders",
        json={
            "channel": "storefront",
            "ship_to": berlin.model_dump(),
            "lines": [
                {
                    "line_id": "1",
                    "seller_id": item.seller_id,
                    "seller_sku": item.sku,
                    "quantity": 1,
                    "unit_price": "9.99",
                }
            ],
        },
    )
    assert r.status_code == 422, r.text
    assert r.json()["error"]["details"]["reason_code"] == "SHIP_TO_OUTSIDE_NETWORK"
    # From a channel's own system, on the orders topic: rejected by the worker with the reason.
    order_id = f"O-{uuid.uuid4().hex[:12]}"
    await publish(platform.bootstrap_servers, placed_by_storefront(order_id, item, berlin))
    body = await status(router, order_id, "REJECTED")
    assert body["rejection"]["reason_code"] == "SHIP_TO_OUTSIDE_NETWORK"
    assert buckets(inventory, item, "EWR4")["reserved"] == 0


async def test_a_fill_all_backorder_is_routed_when_stock_is_received(platform, inventory, router):
    item = await register(platform)
    await receive(platform, inventory, router, item, "SEA1", 2)
    order_id = order(router, item, 5, policy="fill-all")
    body = await status(router, order_id, "BACKORDERED")
    assert [(ln["quantity"], ln["quantity_backordered"]) for ln in body["lines"]] == [(5, 3)]
    backordered = await consume(
        platform.bootstrap_servers,
        "order-router.events",
        where=lambda m: (
            m.key == order_id.encode() and m.header("ce_type").endswith("OrderBackordered.v1")
        ),
        until=bool,
    )
    assert json.loads(backordered[0].value)["lines"] == [{"line_id": "1", "quantity": 3}]

    await receive(platform, inventory, router, item, "EWR4", 3)
    body = await status(router, order_id, "ROUTED", "SHIPPED")
    assert shipments(body) == [("EWR4", 3), ("SEA1", 2)]
    assert body["lines"][0]["quantity_backordered"] == 0

    # fill-all-available with 0 left would be rejected; with 1 more unit it ships 1 and cancels 1.
    await receive(platform, inventory, router, item, "SEA1", 1)
    partial = await status(
        router, order(router, item, 2, policy="fill-all-available"), "ROUTED", "SHIPPED"
    )
    assert [(ln["quantity"], ln["quantity_cancelled"]) for ln in partial["lines"]] == [(2, 1)]
    assert shipments(partial) == [("SEA1", 1)]


async def test_cancellation_before_shipment_stops_the_fc_and_after_shipment_is_refused(
    platform, inventory, router
):
    item = await register(platform)
    await receive(platform, inventory, router, item, "EWR4", 5)

    # EWR4 needs 2 s to pack: the cancellation reaches it first.
    stopped = order(router, item, 2)
    await status(router, stopped, "ROUTED")
    assert (
        router.post(
            f"/v1/orders/{stopped}/cancellation", json={"reason": "ordered twice"}
        ).status_code
        == 202
    )
    body = await status(router, stopped, "CANCELLED")
    assert [fo["status"] for fo in body["fulfillment_orders"]] == ["CANCELLED"]
    await eventually(
        lambda: buckets(inventory, item, "EWR4")["reserved"] == 0, what="inventory to release"
    )

    # A later order to the same FC ships. Its parcel is packed after the cancelled one's would have
    # been, so by then the FC has decided about both: the cancelled one stayed on the shelf.
    [stopped_fo] = body["fulfillment_orders"]
    shipped = order(router, item, 1)
    body = await status(router, shipped, "SHIPPED")
    [fo] = body["fulfillment_orders"]
    assert fo["carrier"] == "USPS" and fo["tracking_number"]
    await eventually(
        lambda: buckets(inventory, item, "EWR4") == {"fulfillable": 4, "reserved": 0, "shipped": 1},
        what="inventory to move the shipped unit",
    )
    fc_memory = json.loads(platform.fc_state["EWR4"].read_text())
    assert fc_memory[stopped_fo["fulfillment_order_id"]]["status"] == "cancelled"
    assert fc_memory[fo["fulfillment_order_id"]]["status"] == "shipped"

    # After the shipment the buyer cannot cancel any more.
    assert router.post(f"/v1/orders/{shipped}/cancellation").status_code == 202
    refused = await consume(
        platform.bootstrap_servers,
        "order-router.events",
        where=lambda m: (
            m.key == shipped.encode()
            and m.header("ce_type").endswith("OrderCancellationRefused.v1")
        ),
        until=bool,
    )
    assert json.loads(refused[0].value)["reason_code"] == "ALREADY_SHIPPED"
    assert router.get(f"/v1/orders/{shipped}").json()["status"] == "SHIPPED"
    assert inventory.get("/v1/ledger/reconciliation", params={"fnsku": item.fnsku}).json()[
        "balanced"
    ]


async def test_a_unit_shipped_and_returned_sellable_is_sold_again_and_a_damaged_one_is_unfulfillable(
    platform, inventory, router
):
    item = await register(platform)
    await receive(platform, inventory, router, item, "SEA1", 2)
    sold = order(router, item, 2, ship_to=SEATTLE)
    await status(router, sold, "SHIPPED")
    await eventually(
        lambda: buckets(inventory, item, "SEA1") == {"fulfillable": 0, "reserved": 0, "shipped": 2},
        what="inventory to ship both units",
    )
    assert balanced(inventory, item)
    sold_out = await status(router, order(router, item, 1, ship_to=SEATTLE), "REJECTED")
    assert sold_out["rejection"]["reason_code"] == "INSUFFICIENT_INVENTORY"

    # The buyer sends one back unharmed: the FC that shipped it takes it back and it is sold again.
    r = router.post(
        f"/v1/orders/{sold}/returns",
        json={"lines": [{"line_id": "1", "quantity": 1}], "reason": "too small"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["fulfillment_center_id"] == "SEA1"
    await eventually(
        lambda: buckets(inventory, item, "SEA1") == {"fulfillable": 1, "reserved": 0, "shipped": 2},
        what="the sellable return to be fulfillable again",
    )
    assert balanced(inventory, item)
    await eventually(
        lambda: sum(c["allocatable"] for c in availability(router, item, "SEA1")) == 1,
        what="order-router to learn the returned unit can be sold",
    )
    again = await status(router, order(router, item, 1, ship_to=SEATTLE), "SHIPPED")
    assert shipments(again) == [("SEA1", 1)]
    await eventually(
        lambda: buckets(inventory, item, "SEA1") == {"fulfillable": 0, "reserved": 0, "shipped": 3},
        what="the returned unit to ship again",
    )
    assert balanced(inventory, item)

    # The other one comes back damaged: unfulfillable, nothing to sell; no more than shipped comes back.
    r = router.post(
        f"/v1/orders/{sold}/returns",
        json={"lines": [{"line_id": "1", "quantity": 1}], "reason": "arrived damaged"},
    )
    assert r.status_code == 201, r.text

    def unfulfillable() -> int:
        [row] = inventory.get(
            "/v1/inventory", params={"fnsku": item.fnsku, "fulfillment_center_id": "SEA1"}
        ).json()["items"]
        return row["unfulfillable"]

    await eventually(lambda: unfulfillable() == 1, what="the damaged return to be unfulfillable")
    assert buckets(inventory, item, "SEA1") == {"fulfillable": 0, "reserved": 0, "shipped": 3}
    assert balanced(inventory, item)
    too_many = router.post(
        f"/v1/orders/{sold}/returns", json={"lines": [{"line_id": "1", "quantity": 1}]}
    )
    assert too_many.status_code == 422
    # Both shipped units came back: the order is RETURNED, each return RECEIVED with its condition.
    returned = await status(router, sold, "RETURNED")
    assert [r["received"][0]["condition"] for r in returned["returns"]] == [
        "sellable",
        "customer-damaged",
    ]
    ledger = inventory.get("/v1/ledger", params={"fnsku": item.fnsku}).json()["items"]
    assert sorted(e["reason"] for e in ledger if e["reason"].startswith("customer-return")) == [
        "customer-return-customer-damaged",
        "customer-return-sellable",
    ]


async def test_a_damaged_return_is_removed_by_its_seller_and_disposed_of_by_the_fc(
    platform, inventory, router
):
    item = await register(platform)
    await receive(platform, inventory, router, item, "SEA1", 3)
    sold = order(router, item, 1, ship_to=SEATTLE)
    await status(router, sold, "SHIPPED")
    r = router.post(
        f"/v1/orders/{sold}/returns",
        json={"lines": [{"line_id": "1", "quantity": 1}], "reason": "defective"},
    )
    assert r.status_code == 201, r.text

    def levels() -> dict:
        [row] = inventory.get(
            "/v1/inventory", params={"fnsku": item.fnsku, "fulfillment_center_id": "SEA1"}
        ).json()["items"]
        return {k: row[k] for k in ("fulfillable", "reserved", "unfulfillable", "shipped")}

    await eventually(
        lambda: levels() == {"fulfillable": 2, "reserved": 0, "unfulfillable": 1, "shipped": 1},
        what="the defective return to be unfulfillable",
    )
    assert balanced(inventory, item)

    # The seller has the defective unit disposed of, and one good unit shipped back to it.
    with platform.client("inventory", platform.issue("seller", item.seller_id)) as seller:
        dispose = seller.post(
            "/v1/removal-orders",
            json={
                "fulfillment_center_id": "SEA1",
                "disposition": "dispose",
                "lines": [{"fnsku": item.fnsku, "source": "unfulfillable", "quantity": 1}],
            },
        )
        assert dispose.status_code == 201, dispose.text
        back = seller.post(
            "/v1/removal-orders",
            json={
                "fulfillment_center_id": "SEA1",
                "disposition": "return",
                "ship_to": SEATTLE.model_dump(),
                "lines": [{"fnsku": item.fnsku, "source": "fulfillable", "quantity": 1}],
            },
        )
        assert back.status_code == 201, back.text
        # Set aside at once: neither can be sold nor removed twice.
        assert levels() == {"fulfillable": 1, "reserved": 0, "unfulfillable": 0, "shipped": 1}
        assert balanced(inventory, item)

        def removal_statuses() -> dict:
            return {
                o["removal_order_id"]: o["status"] for o in seller.get("/v1/removal-orders").json()
            }

        done = await eventually(
            lambda: (
                (s := removal_statuses())
                and s[dispose.json()["removal_order_id"]] == "DISPOSED"
                and s[back.json()["removal_order_id"]] == "SHIPPED"
                and s
            ),
            what="the FC to dispose of one unit and ship the other back",
        )
        assert len(done) == 2
        [shipped_back] = [
            o for o in seller.get("/v1/removal-orders").json() if o["disposition"] == "return"
        ]
        assert shipped_back["carrier"] and shipped_back["tracking_number"]
    await eventually(
        lambda: sum(c["allocatable"] for c in availability(router, item, "SEA1")) == 1,
        what="order-router to count only the one unit left",
    )
    assert levels() == {"fulfillable": 1, "reserved": 0, "unfulfillable": 0, "shipped": 1}
    assert balanced(inventory, item)
    ledger = inventory.get("/v1/ledger", params={"fnsku": item.fnsku}).json()["items"]
    assert sorted(
        (e["bucket"], e["delta"]) for e in ledger if e["reason"] == "removal-set-aside"
    ) == [("fulfillable", -1), ("unfulfillable", -1)]


def in_thread(coroutine):
    """Run a coroutine from a page test: in its own thread, because Playwright's sync API keeps an
    event loop running in the test's thread, where asyncio.run refuses to start."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


# The last test of the module, and synchronous: once the page (Playwright) starts, no asyncio test
# may run in this thread until the module's browser closes.
def test_a_seller_authorizes_a_return_in_the_console_and_sees_what_came_back(
    platform, inventory, router, screenshots, page: Page
):
    with platform.client("registration", timeout=30) as registration:
        seller = registration.post("/v1/sellers", json={"name": "Returns Seller"}).json()
    item = in_thread(register(platform, seller["seller_id"]))
    in_thread(receive(platform, inventory, router, item, "SEA1", 2))
    sold = order(router, item, 2, ship_to=SEATTLE)
    in_thread(status(router, sold, "SHIPPED"))

    console = platform.url("registration") + "/console"
    page.goto(console + "/sign-in")
    page.get_by_label("Seller token").fill(seller["token"])
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Returns").click()
    expect(page.get_by_role("heading", name="No returns yet")).to_be_visible()

    def ask(units: str, reason: str) -> None:
        page.get_by_label("Order").fill(sold)
        page.get_by_label("Line").fill("1")
        page.get_by_label("Units").fill(units)
        page.get_by_label("Reason").fill(reason)
        page.get_by_role("button", name="Authorize return").click()

    ask("3", "too many")  # more than shipped: the router's rule answers, on the page
    expect(page.get_by_role("alert")).to_contain_text("2 returnable")
    ask("1", "too small")
    rows = page.locator("table.items tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(sold)
    expect(rows.first).to_contain_text("SEA1")
    expect(rows.first).to_contain_text(item.sku)

    # SEA1's system receives it sellable ("too small"): the page shows it, the unit is for sale again.
    def received() -> bool:
        returns = router.get(f"/v1/orders/{sold}").json()["returns"]
        return [r["status"] for r in returns] == ["RECEIVED"]

    in_thread(eventually(received, what="SEA1 to report the return received"))
    page.reload()
    expect(rows.first).to_contain_text("RECEIVED")
    expect(rows.first).to_contain_text("Sellable (back in stock)")
    page.screenshot(path=str(screenshots / "seller-console-returns.png"), full_page=True)
    in_thread(
        eventually(
            lambda: (
                buckets(inventory, item, "SEA1") == {"fulfillable": 1, "reserved": 0, "shipped": 2}
            ),
            what="the returned unit to be fulfillable again",
        )
    )
    assert balanced(inventory, item)
