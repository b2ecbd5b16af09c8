"""A buyer buys in the storefront and the platform instructs an FC; a seller's price change reaches
all three channels (storefront, product feed, webhook) — every service a separate process, seeded
through HTTP only, driven by headless Chromium."""

from __future__ import annotations

import asyncio
import json
import re
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from listing.adapters.merchant_feed import validate_feed
from stockpath_cli.seed import create_seller, seed_catalog
from stockpath_events import new_event
from stockpath_events.types.registration import ItemRegistrationUpdated
from stockpath_testing import consume, eventually, publish
from stockpath_testing.browser import screenshot
from stockpath_testing.processes import running_platform

pytestmark = [pytest.mark.integration, pytest.mark.system]

CHANNELS = ["storefront", "marketplace-feed", "webhook"]


class PartnerShop:
    """The webhook channel's far end: a real HTTP server that fails its first requests and applies
    each change once per Idempotency-Key, as a well-behaved partner does."""

    def __init__(self, fail_first: int) -> None:
        self.requests: list[tuple[str, int]] = []
        self.listings: dict[str, dict] = {}
        self.applied: dict[str, dict] = {}  # idempotency key -> the change applied
        lock = threading.Lock()
        shop = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                key = self.headers["Idempotency-Key"]
                with lock:
                    status = 503 if len(shop.requests) < fail_first else 200
                    shop.requests.append((key, status))
                    if status == 200 and key not in shop.applied:
                        shop.applied[key] = body
                        shop.listings[body["listing"]["listing_id"]] = body["listing"]
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/stockpath/listings"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def partner_shop():
    shop = PartnerShop(fail_first=2)
    yield shop
    shop.server.shutdown()
    shop.server.server_close()


@pytest.fixture(scope="module")
def platform(kafka_bootstrap, database_server, artifacts_dir, partner_shop):
    """Every service, with the listing service's webhook channel pointed at the partner shop (fast
    retries, so the test sees them); the logs are kept after the run, for a failure's story."""
    log_dir = artifacts_dir / f"storefront-platform-{uuid.uuid4().hex[:8]}"
    log_dir.mkdir(parents=True)
    with running_platform(
        bootstrap=kafka_bootstrap,
        database_server=database_server,
        prefix="shop",
        log_dir=log_dir,
        extra_env={
            "LISTING_WEBHOOK__URL": partner_shop.url,
            "LISTING_WEBHOOK__INITIAL_BACKOFF_S": "0.2",
            "LISTING_WEBHOOK__POLL_INTERVAL_S": "0.1",
        },
    ) as p:
        yield p


def run_async(coroutine):
    """Run a coroutine to completion from a sync test. In its own thread: Playwright's sync API
    keeps an event loop running in the test's thread, where asyncio.run refuses to start."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def wait(check, *, timeout: float = 60, what: str):
    return run_async(eventually(check, timeout=timeout, what=what))


@pytest.fixture(scope="module")
def shop(platform):
    """Two items registered in all three channels by one seller, through the services' HTTP APIs:
    the skillet with 6 units received at its FC, the kettle with none (out of stock)."""
    from catalog.demo import generate

    eligible = [
        i
        for i in generate(60)
        if i["dimensions"]
        and not i["hazmat"]
        and i["weight_g"] < 10_000
        and max(i["dimensions"].values()) < 60
    ]
    skillet, kettle = (
        {
            **item,
            "attributes": {
                **item["attributes"],
                "description": f"The {item['title']}.",
                "image_url": f"https://images.example.com/{item['catalog_item_id']}.jpg",
            },
        }
        for item in eligible[:2]
    )
    seed_catalog(platform.url("catalog"), [skillet, kettle], operator_token=platform.operator_token)
    seller = create_seller(
        platform.url("registration"),
        f"Storefront Seller {uuid.uuid4().hex[:6]}",
        operator_token=platform.operator_token,
    )
    registration = httpx.Client(
        base_url=platform.url("registration"),
        timeout=30,
        headers={"Authorization": f"Bearer {seller['token']}"},
    )
    inventory = platform.client("inventory", timeout=30)
    listing = platform.client("listing", timeout=30)
    items = {}
    for name, item in (("skillet", skillet), ("kettle", kettle)):
        sku = f"SKU-{name}-{uuid.uuid4().hex[:6]}"
        r = registration.post(
            "/v1/registrations",
            json={
                "items": [
                    {
                        "catalog_item_id": item["catalog_item_id"],
                        "seller_sku": sku,
                        "condition": "new",
                        "price": "24.99",
                        "channels": CHANNELS,
                    }
                ]
            },
        )
        assert r.status_code == 200, r.text
        (result,) = r.json()["results"]
        assert result["status"] == "registered", result
        items[name] = {**result, "seller_sku": sku, "title": item["title"]}

    r = registration.post(
        "/v1/inbound-shipments",
        json={"lines": [{"seller_sku": items["skillet"]["seller_sku"], "quantity": 6}]},
    )
    assert r.status_code == 201, r.text
    plan = r.json()
    wait(
        lambda: (
            inventory.get(f"/v1/inbound-shipments/{plan['shipment_id']}/receipts").status_code
            == 200
        ),
        what="inventory to learn of the planned shipment",
    )
    r = inventory.post(
        "/v1/receipts",
        json={
            "shipment_id": plan["shipment_id"],
            "fulfillment_center_id": plan["fulfillment_center_id"],
            "lines": [{"fnsku": items["skillet"]["fnsku"], "received": 6, "damaged": 0}],
        },
    )
    assert r.status_code == 201, r.text

    skillet_listing = f"L-{items['skillet']['fnsku']}-storefront"
    wait(
        lambda: listing.get(f"/v1/listings/{skillet_listing}").json().get("sellable_quantity") == 6,
        what="the skillet listing to show the received stock",
    )
    yield {
        "seller": seller,
        "items": items,
        "fc": plan["fulfillment_center_id"],
        "listing": listing,
    }
    for client in (registration, inventory, listing):
        client.close()


def test_a_buyer_buys_a_product_and_the_fc_is_instructed_to_ship_it(
    platform, shop, page, screenshots, kafka_bootstrap
):
    skillet = shop["items"]["skillet"]
    shop_url = platform.url("listing") + "/shop"
    page.goto(shop_url)
    page.fill("input[name=q]", skillet["title"].split()[1])
    page.click("header button[type=submit]")
    screenshot(page, screenshots / "storefront-1-search.png")
    page.click(f"a[href='/shop/products/L-{skillet['fnsku']}-storefront']")
    assert page.inner_text("#availability") == "In stock (6 available)"
    page.fill("input[name=quantity]", "2")
    screenshot(page, screenshots / "storefront-2-product.png")
    page.click("#add-to-cart")
    page.wait_for_url(f"{shop_url}/cart")
    assert page.inner_text("#cart-link") == "Cart (1)"
    for field, value in (
        ("name", "Grace Hopper"),
        ("line1", "1 Navy Way"),
        ("city", "Seattle"),
        ("region", "WA"),
        ("postal_code", "98101"),
    ):
        page.fill(f"input[name={field}]", value)
    # Standard: every FC ships it (not every FC offers expedited, and the order would be rejected).
    page.check("input[name=shipping_speed][value=priority]")
    page.check("input[name=shipping_speed][value=standard]")
    screenshot(page, screenshots / "storefront-3-checkout.png")
    page.click("#place-order")
    page.wait_for_url(re.compile(r".*/shop/orders/O-[0-9a-f]+$"))
    order_id = page.url.rsplit("/", 1)[1]

    # The order page refreshes itself; it shows the order routed once order-router has answered.
    page.wait_for_selector("#order-status:not([data-status=PLACED])", timeout=60_000)
    assert page.get_attribute("#order-status", "data-status") == "ROUTED", page.inner_text("main")
    assert "being prepared at" in page.inner_text("#status-detail")
    screenshot(page, screenshots / "storefront-4-order-routed.png")

    [instruction] = run_async(
        consume(
            kafka_bootstrap,
            "fulfillment.instructions",
            timeout=30,
            where=lambda m: m.key == order_id.encode(),
            until=bool,
        )
    )
    instructed = json.loads(instruction.value)
    assert instruction.header("ce_type") == "stockpath.order-router.FulfillmentInstructed.v1"
    assert (
        instructed["fulfillment_center_id"] == shop["fc"]
        and instructed["shipping_speed"] == "standard"
    )
    assert instructed["ship_to"]["name"] == "Grace Hopper"
    assert [
        (line["fnsku"], line["seller_sku"], line["quantity"]) for line in instructed["lines"]
    ] == [(skillet["fnsku"], skillet["seller_sku"], 2)]


def test_an_out_of_stock_listing_cannot_be_bought(platform, shop, page, screenshots):
    kettle = shop["items"]["kettle"]
    listing_id = f"L-{kettle['fnsku']}-storefront"
    page.goto(f"{platform.url('listing')}/shop/products/{listing_id}")
    assert page.inner_text("#availability") == "Out of stock"
    assert page.is_disabled("#add-to-cart")
    screenshot(page, screenshots / "storefront-5-out-of-stock.png")
    # A buyer who posts the form anyway is refused by the server, not just by the page.
    r = shop["listing"].post("/shop/cart/items", data={"listing_id": listing_id, "quantity": "1"})
    assert r.status_code == 409 and "is out of stock" in r.text


def test_a_price_change_reaches_all_three_channels(platform, shop, partner_shop, kafka_bootstrap):
    skillet, seller, listing = shop["items"]["skillet"], shop["seller"], shop["listing"]
    fnsku = skillet["fnsku"]
    # Registration writes ItemRegistrationUpdated when a seller edits a registration; written
    # here directly, as registration would.
    update = ItemRegistrationUpdated(
        registration_id=skillet["registration_id"],
        seller_id=seller["seller_id"],
        seller_sku=skillet["seller_sku"],
        fnsku=fnsku,
        price=Decimal("19.49"),
        channels=CHANNELS,
    )
    run_async(publish(kafka_bootstrap, new_event(update, source="/services/registration")))

    updated = run_async(
        consume(
            kafka_bootstrap,
            "listing.events",
            timeout=60,
            where=lambda m: (
                m.header("ce_type") == "stockpath.listing.ListingUpdated.v1"
                and json.loads(m.value)["fnsku"] == fnsku
            ),
            until=lambda ms: len(ms) >= 3,
        )
    )
    assert sorted(json.loads(m.value)["channel"] for m in updated) == sorted(CHANNELS)

    page = listing.get(f"/shop/products/L-{fnsku}-storefront").text
    assert '<p class="price" id="price">$19.49</p>' in page
    feed = listing.get(f"/v1/feeds/{seller['seller_id']}.xml")
    assert validate_feed(feed.content) == []
    assert (
        f"<g:id>L-{fnsku}-marketplace-feed</g:id>" in feed.text
        and "<g:price>19.49 USD</g:price>" in feed.text
    )
    webhook_listing = f"L-{fnsku}-webhook"
    wait(
        lambda: partner_shop.listings.get(webhook_listing, {}).get("price") == "19.49",
        what="the partner shop to receive the new price",
    )

    # The partner shop refused the first two requests: they were retried with the same key,
    # and each listing exists there once, however many attempts it took.
    failed_keys = [key for key, status in partner_shop.requests if status == 503]
    assert len(failed_keys) == 2
    assert all((key, 200) in partner_shop.requests for key in failed_keys)
    assert len([k for k, s in partner_shop.requests if s == 200]) == len(partner_shop.applied)
    # The broker is shared with other test modules, whose webhook listings this platform lists too.
    ours = {
        i: body
        for i, body in partner_shop.listings.items()
        if body["seller_id"] == seller["seller_id"]
    }
    assert sorted(ours) == sorted(f"L-{i['fnsku']}-webhook" for i in shop["items"].values())
    for listing_id in ours:
        changes = [
            b["change"]
            for b in partner_shop.applied.values()
            if b["listing"]["listing_id"] == listing_id
        ]
        assert changes.count("published") == 1, changes
    deliveries = listing.get(
        "/v1/webhook-deliveries", params={"listing_id": webhook_listing}
    ).json()["items"]
    assert {d["state"] for d in deliveries} == {"delivered"}
    assert [d["change"] for d in reversed(deliveries)][-1] == "updated"
