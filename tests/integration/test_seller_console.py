"""The seller journey in a real browser: headless Chromium drives the seller console against the
catalog, registration and inventory services running as separate processes (API + worker each).

search → select → eligibility → register → plan → labels → ship, then the FC counts the units
and the console shows the shipment RECEIVING and the stock fulfillable. Every step saves a
screenshot to artifacts/screenshots/ (docs/images/seller-console.png is one of them).
"""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor

import httpx
import pypdfium2 as pdfium
import pytest
import zxingcpp
from playwright.sync_api import Page, expect

from catalog.demo import generate
from stockpath_testing.polling import eventually
from stockpath_testing.processes import running_platform

pytestmark = [pytest.mark.integration, pytest.mark.system]

SERVICES = ["catalog", "registration", "inventory"]

#: A brand of its own, so one search shows two items fulfillment takes and two it refuses.
NORTHWIND = [
    {
        "catalog_item_id": "NW-KETTLE",
        "title": "Northwind Enamel Travel Kettle",
        "brand": "Northwind",
        "category": "Kitchen",
        "identifiers": {"upc": "036000291452"},
        "dimensions": {"length_cm": 22, "width_cm": 18, "height_cm": 16},
        "weight_g": 900,
    },
    {
        "catalog_item_id": "NW-MUG",
        "title": "Northwind Insulated Camp Mug",
        "brand": "Northwind",
        "category": "Kitchen",
        "dimensions": {"length_cm": 12, "width_cm": 9, "height_cm": 1.5},
        "weight_g": 300,
    },
    {
        "catalog_item_id": "NW-FUEL",
        "title": "Northwind Camp Stove Fuel Canister",
        "brand": "Northwind",
        "category": "Sports & Outdoors",
        "hazmat": True,
        "dimensions": {"length_cm": 11, "width_cm": 11, "height_cm": 9},
        "weight_g": 450,
    },
    {
        "catalog_item_id": "NW-KAYAK",
        "title": "Northwind Folding Kayak",
        "brand": "Northwind",
        "category": "Sports & Outdoors",
        "dimensions": {"length_cm": 320, "width_cm": 70, "height_cm": 40},
        "weight_g": 18000,
    },
]


def poll(check, *, timeout: float = 60, what: str):
    """`eventually` from a sync page test: in its own thread, because Playwright's sync API keeps an
    event loop running in the test's thread, where asyncio.run refuses to start."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, eventually(check, timeout=timeout, what=what)).result()


@pytest.fixture(scope="module")
def services(kafka_bootstrap, database_server, tmp_path_factory):
    with running_platform(
        bootstrap=kafka_bootstrap,
        database_server=database_server,
        prefix="console",
        log_dir=tmp_path_factory.mktemp("console-platform"),
        services=SERVICES,
    ) as p:
        with p.client("catalog", timeout=60) as catalog:
            r = catalog.post("/v1/catalog/items/bulk", json={"items": generate(996) + NORTHWIND})
            assert r.status_code == 200, r.text
        yield p


@pytest.fixture(scope="module")
def seller(services) -> dict:
    with services.client("registration", timeout=30) as c:
        return c.post("/v1/sellers", json={"name": "Northwind Outfitters"}).json()


def shot(page: Page, screenshots, name: str) -> None:
    page.screenshot(path=str(screenshots / f"seller-console-{name}.png"), full_page=True)


# `services` before `page` in every signature: the broker fixture runs asyncio, which must happen
# before Playwright starts its loop in this thread.
def test_the_whole_seller_journey_in_the_console(
    services, seller, screenshots, tmp_path, page: Page
):
    console = services.url("registration") + "/console"

    # Sign in: the console sends an anonymous visitor to the sign-in page first.
    page.goto(console + "/catalog")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Seller token").fill("not-my-token")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("does not belong to any seller")
    page.get_by_label("Seller token").fill(seller["token"])
    shot(page, screenshots, "01-sign-in")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".seller-name")).to_have_text("Northwind Outfitters")

    # Search: keywords, a typo, a barcode number, and an empty result.
    page.get_by_label("Search the catalog").fill("skilet")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#result-count")).to_contain_text("similar to “skilet”")
    expect(page.locator("td .title").first).to_contain_text("Skillet")
    page.get_by_label("Search the catalog").fill("0-36000-29145-2")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#result-count")).to_contain_text("Exact match for identifier")
    expect(page.locator("td .title")).to_have_text(["Northwind Enamel Travel Kettle"])
    page.get_by_label("Search the catalog").fill("qqqzzzxxx")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="No items match “qqqzzzxxx”")).to_be_visible()
    page.get_by_label("Search the catalog").fill("northwind")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#result-count")).to_contain_text("4 items for “northwind”")

    # Select: the button counts the selection and is disabled until something is selected.
    button = page.locator("#check-eligibility")
    expect(button).to_be_disabled()
    page.get_by_label("Select all on this page").check()
    expect(button).to_contain_text("Check eligibility of 4 selected")
    shot(page, screenshots, "02-search-and-select")
    button.click()

    # Eligibility: two eligible with their size tier, two refused with reasons a seller understands.
    expect(page.get_by_role("heading", name="Eligibility for fulfillment")).to_be_visible()
    expect(page.locator("main")).to_contain_text("2 of 4 selected items can be registered")
    fuel = page.locator('tr[data-item="NW-FUEL"]')
    expect(fuel).to_contain_text("Hazmat review required")
    expect(fuel).to_contain_text("needs a safety review")
    expect(page.locator('tr[data-item="NW-KAYAK"]')).to_contain_text(
        "Over the size or weight limit"
    )
    expect(page.locator('tr[data-item="NW-MUG"]')).to_contain_text("Small standard")
    expect(page.locator('tr[data-item="NW-KETTLE"]')).to_contain_text("Large standard")
    page.get_by_label("Seller SKU for NW-KETTLE").fill("NW-KETTLE-BLUE")
    page.get_by_label("Price for NW-KETTLE").fill("34.90")
    page.get_by_label("Price for NW-MUG").fill("12.50")
    shot(page, screenshots, "03-eligibility")
    page.get_by_label("Price for NW-MUG").fill("abc")
    page.locator("#register").click()
    expect(page.locator('tr[data-item="NW-MUG"] .field-error')).to_contain_text(
        "price"
    )  # a clear error, not a 500
    expect(page.get_by_label("Seller SKU for NW-KETTLE")).to_have_value(
        "NW-KETTLE-BLUE"
    )  # what was typed is kept
    shot(page, screenshots, "03b-eligibility-error")
    page.get_by_label("Price for NW-KETTLE").fill("34.90")
    page.get_by_label("Price for NW-MUG").fill("12.50")

    # Register: one result per item, each with its FNSKU.
    page.locator("#register").click()
    expect(page.get_by_role("heading", name="Registration results")).to_be_visible()
    expect(page.locator("main")).to_contain_text("2 of 2 items registered")
    fnskus = re.findall(r"X00[A-Z0-9]{7}", page.locator("table.items").inner_text())
    assert len(set(fnskus)) == 2
    shot(page, screenshots, "04-registered")

    # Plan: quantities per SKU → a plan with the FC, its address and the shipment id.
    page.locator("#plan-shipment").click()
    page.locator("#create-plan").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter a quantity for at least one item")
    page.get_by_label("Units of NW-KETTLE-BLUE").fill("4")
    page.get_by_label("Units of SKU-NW-MUG").fill("6")
    page.get_by_label("Ship-from postal code (optional)").fill("98101")
    page.locator("#create-plan").click()
    expect(page.get_by_role("heading", name=re.compile(r"Shipping plan PLN"))).to_be_visible()
    card = page.locator(".shipment-card")
    expect(card).to_have_count(1)
    shipment_id = card.get_attribute("data-shipment")
    expect(card.locator("address")).to_contain_text("Stockpath")
    shot(page, screenshots, "05-plan")

    # Labels: the downloaded PDF's barcodes decode back to the FNSKUs, one label per unit.
    card.get_by_role("link", name="Labels and shipping").click()
    page.get_by_label("Boxes").fill("2")
    with page.expect_download() as download:
        page.locator("#download-labels").click()
    pdf_path = tmp_path / "labels.pdf"
    download.value.save_as(pdf_path)
    document = pdfium.PdfDocument(str(pdf_path))
    decoded = set()
    for pdf_page in document:
        decoded |= {
            b.text for b in zxingcpp.read_barcodes(pdf_page.render(scale=300 / 72).to_pil())
        }
    assert set(fnskus) <= decoded
    assert {f"{shipment_id}U000001", f"{shipment_id}U000002"} <= decoded
    item_text = document[0].get_textpage().get_text_range()
    assert sum(item_text.count(f) for f in fnskus) == 10

    # Ship: carrier and tracking number → SHIPPED.
    page.get_by_role(
        "button", name="Mark as shipped"
    ).click()  # nothing chosen: the browser's own check stops it
    page.get_by_label("Carrier").select_option("UPS")
    page.get_by_label("Tracking number").fill("1Z999AA10123456784")
    page.get_by_role("button", name="Mark as shipped").click()
    expect(page.get_by_role("status")).to_contain_text("Marked as shipped")
    expect(page.locator("#shipment-status")).to_have_text("SHIPPED")
    expect(page.locator("#tracking")).to_have_text("1Z999AA10123456784")
    shot(page, screenshots, "06-shipped")

    # The FC counts the units (inventory's API, as FC staff would): the page, left open, moves to
    # RECEIVING by itself, and the stock shows as fulfillable.
    plan = httpx.get(
        f"{services.url('registration')}/v1/inbound-shipments/{shipment_id}",
        headers={"Authorization": f"Bearer {seller['token']}"},
    ).json()
    receipt = {
        "shipment_id": shipment_id,
        "fulfillment_center_id": plan["fulfillment_center_id"],
        # One unit damaged and one not counted yet: the shipment stays RECEIVING (all counted would close it).
        "lines": [
            {"fnsku": ln["fnsku"], "received": ln["quantity"] - 2, "damaged": 1}
            for ln in plan["lines"]
        ],
    }
    with services.client("inventory", timeout=30) as inventory:
        # Inventory learns of the shipment from InboundShipmentPlanned: until then it answers 404.
        poll(
            lambda: (
                inventory.post(
                    "/v1/receipts", json={**receipt, "receipt_id": f"RC-{shipment_id}"}
                ).status_code
                == 201
            ),
            what="inventory to accept the receipt",
        )
    expect(page.locator("#shipment-status")).to_have_text("RECEIVING", timeout=60_000)
    shot(page, screenshots, "07-receiving")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Inventory").click()
    rows = page.locator("table.items tbody tr")
    expect(rows).to_have_count(2)
    kettle = page.locator("table.items tbody tr", has_text="NW-KETTLE-BLUE").locator("td.num")
    expect(kettle).to_have_text(
        ["1", "2", "0", "1"]
    )  # inbound (not counted yet), fulfillable, reserved, damaged
    shot(page, screenshots, "08-inventory")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Shipments").click()
    expect(page.locator("table.items")).to_contain_text(shipment_id)
    expect(page.locator("table.items")).to_contain_text("RECEIVING")


def test_another_seller_sees_none_of_it(services, seller, page: Page):
    with services.client("registration", timeout=30) as c:
        other = c.post("/v1/sellers", json={"name": "Someone Else"}).json()
        mine = c.get(
            "/v1/inbound-shipments", headers={"Authorization": f"Bearer {seller['token']}"}
        ).json()["items"]
    console = services.url("registration") + "/console"
    page.goto(console + "/sign-in")
    page.get_by_label("Seller token").fill(other["token"])
    page.get_by_role("button", name="Sign in").click()
    for path in ("/shipments", "/registrations", "/inventory"):
        page.goto(console + path)
        expect(page.locator(".empty")).to_be_visible()
    for shipment in mine:
        response = page.goto(f"{console}/shipments/{shipment['shipment_id']}")
        assert response.status == 404
        expect(page.get_by_role("heading", name="Not found")).to_be_visible()
