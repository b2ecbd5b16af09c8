"""What a seller sees, in a real browser: headless Chromium reads the seller console's orders,
listings, inventory age and stranded stock pages, against catalog, registration, listing,
inventory and order-router running as separate processes (API + worker each) and an FC
simulator shipping the order.

The seller registers a teapot for the storefront and the marketplace feed (the feed holds it: the
catalog has no image for it) and a trivet for the marketplace feed only (held: stranded once its
units arrive), sends both to an FC, which receives them; a storefront order of two teapots is
routed and shipped with a tracking number. Every page shows it; another seller sees none of it.
A seller's day walks Orders → the order's tracking → the Statement charging its fulfillment fee
(and its CSV) → Notifications. Each page is saved to artifacts/screenshots/
(docs/images/seller-day-*.png are two of them).
"""

from __future__ import annotations

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from fulfillment_system import NEW_YORK, fc_simulators
from playwright.sync_api import Page, expect

from stockpath_testing.kafka import own_broker
from stockpath_testing.polling import eventually
from stockpath_testing.processes import running_platform

pytestmark = [pytest.mark.integration, pytest.mark.system]

SERVICES = ["catalog", "registration", "listing", "inventory", "order-router"]
TAG = uuid.uuid4().hex[:6].upper()
ITEMS = [
    {
        "catalog_item_id": f"SV-TEAPOT-{TAG}",
        "title": "Glazed Stoneware Teapot",
        "brand": "Northwind",
        "category": "Kitchen",
        "dimensions": {"length_cm": 22, "width_cm": 16, "height_cm": 14},
        "weight_g": 900,
    },
    {
        "catalog_item_id": f"SV-TRIVET-{TAG}",
        "title": "Cork Trivet",
        "brand": "Northwind",
        "category": "Kitchen",
        "dimensions": {"length_cm": 18, "width_cm": 18, "height_cm": 1},
        "weight_g": 150,
    },
]


def poll(check, *, timeout: float = 60, what: str):
    """`eventually` from a sync page test, in its own thread (Playwright's loop runs in this one)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, eventually(check, timeout=timeout, what=what)).result()


def shot(page: Page, screenshots, name: str) -> None:
    page.screenshot(path=str(screenshots / f"seller-views-{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def world(database_server, tmp_path_factory):
    """The platform, a seller whose teapot order shipped and whose trivets are stranded, and the
    shipped order as order-router shows it.

    On a broker of its own (as `fulfillment_system.platform_with_fcs`): on the session's, a fresh
    platform's groups read every other module's history first, and a CI run's router, still working
    through it, had the teapots' stock levels but not yet their registration when the order came."""
    log_dir = tmp_path_factory.mktemp("seller-views")
    with (
        own_broker(log_dir) as kafka_bootstrap,
        running_platform(
            bootstrap=kafka_bootstrap,
            database_server=database_server,
            prefix="views",
            log_dir=log_dir,
            services=SERVICES,
        ) as p,
    ):
        with p.client("catalog", timeout=30) as catalog:
            r = catalog.post("/v1/catalog/items/bulk", json={"items": ITEMS})
            assert r.status_code == 200, r.text
        with p.client("registration", timeout=30) as c:
            seller = c.post("/v1/sellers", json={"name": "Northwind Teas"}).json()
            other = c.post("/v1/sellers", json={"name": "Someone Else"}).json()
        with p.client("registration", token=seller["token"], timeout=30) as c:
            registered = c.post(
                "/v1/registrations",
                json={
                    "items": [
                        {
                            "catalog_item_id": ITEMS[0]["catalog_item_id"],
                            "seller_sku": "TEAPOT-1",
                            "price": "29.00",
                            "channels": ["storefront", "marketplace-feed"],
                        },
                        {
                            "catalog_item_id": ITEMS[1]["catalog_item_id"],
                            "seller_sku": "TRIVET-1",
                            "price": "9.00",
                            "channels": ["marketplace-feed"],
                        },
                    ]
                },
            )
            assert registered.status_code in (200, 201), registered.text
            fnskus = {x["seller_sku"]: x["fnsku"] for x in registered.json()["results"]}
            shipment = c.post(
                "/v1/inbound-shipments",
                json={
                    "lines": [
                        {"seller_sku": "TEAPOT-1", "quantity": 10},
                        {"seller_sku": "TRIVET-1", "quantity": 3},
                    ]
                },
            ).json()
        fc = shipment["fulfillment_center_id"]
        with (
            fc_simulators(kafka_bootstrap, log_dir, {fc: 0}),
            p.client("inventory", timeout=30) as inventory,
            p.client("order-router", timeout=30) as router,
        ):
            receipt = {
                "shipment_id": shipment["shipment_id"],
                "fulfillment_center_id": fc,
                "lines": [
                    {"fnsku": ln["fnsku"], "received": ln["quantity"]} for ln in shipment["lines"]
                ],
            }
            poll(
                lambda: inventory.post("/v1/receipts", json=receipt).status_code in (200, 201),
                what="inventory to take the receipt",
            )
            poll(
                lambda: (
                    router.get("/v1/availability", params={"fnsku": fnskus["TEAPOT-1"]})
                    .json()
                    .get("fulfillment_centers")
                ),
                what="order-router to learn of the teapots",
            )
            placed = router.post(
                "/v1/orders",
                json={
                    "order_id": f"SV-{TAG}",
                    "channel": "storefront",
                    "ship_to": NEW_YORK.model_dump(),
                    "lines": [
                        {
                            "line_id": "1",
                            "seller_id": seller["seller_id"],
                            "seller_sku": "TEAPOT-1",
                            "quantity": 2,
                            "unit_price": "29.00",
                        }
                    ],
                },
            )
            assert placed.status_code == 202, placed.text
            order_id = placed.json()["order_id"]
            shipped = poll(
                lambda: (
                    (body := router.get(f"/v1/orders/{order_id}").json())["status"] == "SHIPPED"
                    and body
                ),
                what="the FC to ship the order",
            )
        with p.client("listing", token=seller["token"], timeout=30) as listing:
            poll(
                lambda: listing.get("/v1/stranded-inventory").json()["total"] == 1,
                what="the listing service to see the trivets stranded",
            )
        yield {
            "platform": p,
            "seller": seller,
            "other": other,
            "fnskus": fnskus,
            "order": shipped,
        }


def sign_in(page: Page, console: str, token: str) -> None:
    page.goto(console + "/sign-in")
    page.get_by_label("Seller token").fill(token)
    page.get_by_role("button", name="Sign in").click()


# `world` before `page` in every signature: the broker fixture runs asyncio, which must happen
# before Playwright starts its loop in this thread.
def test_a_seller_sees_its_orders_listings_inventory_age_and_stranded_stock(
    world, screenshots, page: Page
):
    console = world["platform"].url("registration") + "/console"
    sign_in(page, console, world["seller"]["token"])
    main = page.get_by_role("navigation", name="Main")

    # Orders: the storefront order, shipped, with its carrier and tracking number.
    main.get_by_role("link", name="Orders").click()
    [fo] = world["order"]["fulfillment_orders"]
    row = page.locator(f'tr[data-order="{world["order"]["order_id"]}"]')
    expect(row).to_contain_text("Shipped")
    expect(row).to_contain_text("storefront")
    expect(row.locator(".tracking")).to_contain_text(fo["tracking_number"])
    expect(row).to_contain_text(f"2 × {world['fnskus']['TEAPOT-1']}")
    shot(page, screenshots, "01-orders")

    # Listings: the teapot live in the storefront, held by the feed with the feed's reasons.
    main.get_by_role("link", name="Listings").click()
    teapot = world["fnskus"]["TEAPOT-1"]
    expect(page.locator(f'tr[data-listing="L-{teapot}-storefront"]')).to_contain_text("Active")
    held = page.locator(f'tr[data-listing="L-{teapot}-marketplace-feed"]')
    expect(held).to_contain_text("Held")
    expect(held.locator(".reasons")).to_contain_text("image_link is required")
    shot(page, screenshots, "02-listings")
    page.get_by_role("navigation", name="Status").get_by_role("link", name="Held").click()
    expect(page.locator("table.listings tbody tr")).to_have_count(2)  # the feed's teapot and trivet

    # Inventory age: every unit arrived today; the two shipped teapots have left.
    main.get_by_role("link", name="Inventory").click()
    page.get_by_role("navigation", name="Inventory views").get_by_role("link", name="Age").click()
    ages = page.locator("table.age tbody tr", has_text="TEAPOT-1").locator("td.num")
    expect(ages).to_have_text(["8", "8", "0", "0", "0"])
    shot(page, screenshots, "03-inventory-age")

    # Stranded: the trivets, which no channel lists, with the feed's reason.
    page.get_by_role("navigation", name="Inventory views").get_by_role(
        "link", name="Stranded"
    ).click()
    stranded = page.locator("table.stranded tbody tr")
    expect(stranded).to_have_count(1)
    expect(stranded).to_contain_text(world["fnskus"]["TRIVET-1"])
    expect(stranded.locator("td.num")).to_have_text("3")
    expect(stranded).to_contain_text("Held")
    shot(page, screenshots, "04-stranded")


def test_a_sellers_day_orders_tracking_statement_and_notifications(
    world, screenshots, page: Page, tmp_path
):
    """Orders → the order's tracking → the statement charging its fulfillment fee → the
    notification settings (docs/images/seller-day-*.png are these screenshots)."""
    p, seller = world["platform"], world["seller"]
    [fo] = world["order"]["fulfillment_orders"]
    month = fo["shipped_at"][:7]  # the FC's confirmation prices the shipment, in its month
    with p.client("inventory", token=seller["token"], timeout=30) as inventory:
        charged = poll(
            lambda: [
                line
                for line in inventory.get(f"/v1/statements/{month}").json()["lines"]
                if line["reference"] == fo["fulfillment_order_id"]
            ],
            what="inventory to charge the shipped order's fulfillment fee",
        )
    [fee] = charged
    with p.client("registration", token=seller["token"], timeout=30) as registration:
        subscribed = registration.post(
            "/v1/notification-subscriptions",
            json={
                "url": "https://teas.example.com/stockpath",
                "kinds": ["order.shipped", "inventory.low"],
                "low_stock_threshold": 3,
            },
        )
        assert subscribed.status_code == 201, subscribed.text
    console = p.url("registration") + "/console"
    sign_in(page, console, seller["token"])
    main = page.get_by_role("navigation", name="Main")

    main.get_by_role("link", name="Orders").click()
    row = page.locator(f'tr[data-order="{world["order"]["order_id"]}"]')
    expect(row.locator(".tracking")).to_contain_text(fo["tracking_number"])
    shot(page, screenshots, "day-01-orders")

    # Statement: the current month first; the month the order shipped shows its fulfillment fee.
    main.get_by_role("link", name="Statement").click()
    expect(page.get_by_label("Month")).to_have_value(datetime.now(UTC).strftime("%Y-%m"))
    page.get_by_label("Month").fill(month)
    page.get_by_role("button", name="Show").click()
    line = page.locator("table.items tbody tr", has_text=fo["fulfillment_order_id"])
    expect(line).to_contain_text("Fulfillment")
    expect(line.locator("td.num")).to_have_text(["2", fee["unit_fee"], fee["amount"]])
    expect(page.locator("[data-total]")).to_have_text(fee["amount"])
    shot(page, screenshots, "day-02-statement")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    saved = tmp_path / "statement.csv"
    download.value.save_as(saved)
    assert download.value.suggested_filename == f"statement-{month}.csv"
    assert saved.read_text().splitlines()[-1] == f"total,,,,,,,{fee['amount']},USD"

    main.get_by_role("link", name="Notifications").click()
    endpoint = page.locator("table.items tbody tr", has_text=subscribed.json()["subscription_id"])
    expect(endpoint).to_contain_text("https://teas.example.com/stockpath")
    expect(endpoint).to_contain_text("order.shipped")
    shot(page, screenshots, "day-03-notifications")


def test_another_seller_sees_none_of_it(world, page: Page):
    console = world["platform"].url("registration") + "/console"
    sign_in(page, console, world["other"]["token"])
    for path in ("/orders", "/listings", "/inventory/age", "/inventory/stranded"):
        page.goto(console + path)
        expect(page.locator(".empty")).to_be_visible()
        expect(page.locator("main")).not_to_contain_text("TEAPOT-1")
