"""The FC receiving page in headless Chromium: sign in with the FC's credential, open a shipment,
scan FNSKUs, type counts, close, sign out; and report a pick exception on a fulfillment order.

The API runs as its own process (as `stockpath up` starts it) on this module's database; the
shipment plan is delivered through the worker's own path first.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from inventory_testkit import fo_id

from stockpath_cli.localstack import ServiceProcess, free_port
from stockpath_testing.processes import wait_ready

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def inventory_api(database, tokens, kafka_bootstrap, tmp_path_factory):
    port = free_port()
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "INVENTORY_DATABASE_URL": database,
        "INVENTORY_HTTP_PORT": str(port),
    }
    process = ServiceProcess(
        "inventory", "api", env, tmp_path_factory.mktemp("fc-page") / "inventory-api.log"
    )
    process.start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(process, url)
        yield url
    finally:
        process.stop()


def in_thread(fn, *args):
    """Playwright's sync API owns this thread's event loop; the fixtures' asyncio.run needs another."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn, *args).result()


def sign_in(page, url: str, token: str, screenshot=None) -> None:
    """Open the FC pages and sign in with `token` (the pages answer 401 with the sign-in form)."""
    response = page.goto(f"{url}/fc")
    assert response.status == 401
    if screenshot:
        page.screenshot(path=screenshot)
    page.fill("input[name=token]", token)
    with page.expect_navigation():
        page.click("form[action='/fc/sign-in'] button")


def test_fc_staff_receive_a_shipment_by_scanning_and_typing_counts(
    inventory_api, tokens, plan, page, screenshots
):
    shipment = in_thread(plan, 3, 2)
    a, b = shipment.fnskus
    sign_in(page, inventory_api, tokens["fc"], screenshots / "fc-receiving-0-sign-in.png")
    page.wait_for_url(f"{inventory_api}/fc")
    assert "Signed in as fulfillment center SEA1" in page.text_content("header .who")
    # The FC is the signed-in one: there is no FC to pick.
    assert page.locator("select[name=fulfillment_center_id]").count() == 0
    page.screenshot(path=screenshots / "fc-receiving-0-shipment-picker.png")
    page.fill("input[name=shipment_id]", shipment.shipment_id)
    page.click("text=Open shipment")
    page.wait_for_url(f"**/fc/SEA1/shipments/{shipment.shipment_id}")
    assert page.text_content("#status") == "PLANNED"
    page.screenshot(path=screenshots / "fc-receiving-1-opened.png")

    # A scanner types the code and presses Enter: one sellable unit, twice.
    for _ in range(2):
        page.fill("input[name=fnsku]", a)
        with page.expect_navigation():
            page.press("input[name=fnsku]", "Enter")
    assert page.text_content(f"tr[data-fnsku='{a}'] td.received") == "2"
    assert page.text_content("#status") == "RECEIVING"

    # Counts typed by hand, including a damaged unit, and a stranger found in the box.
    page.fill("input[name=fnsku]", b)
    page.fill("input[name=received]", "1")
    page.fill("input[name=damaged]", "1")
    with page.expect_navigation():
        page.click("form.receive button")
    assert page.text_content(f"tr[data-fnsku='{b}'] td.damaged") == "1"
    page.fill("input[name=fnsku]", "XSTRANGER1")
    page.fill("input[name=received]", "4")
    with page.expect_navigation():
        page.click("form.receive button")
    assert "not in this shipment" in page.text_content("p.notice")
    assert "unknown-fnsku" in page.text_content("#discrepancies")
    page.screenshot(path=screenshots / "fc-receiving-2-counted.png")

    # Bad input is explained on the page, not as a traceback.
    page.fill("input[name=fnsku]", a)
    page.fill("input[name=received]", "0")
    page.fill("input[name=damaged]", "0")
    with page.expect_navigation():
        page.click("form.receive button")
    assert "count at least one unit" in page.text_content("p.error")

    # One unit of A never came: closing records the shortage and ends receiving.
    with page.expect_navigation():
        page.click("#close")
    assert page.text_content("#status") == "CLOSED"
    assert page.locator("form.receive").count() == 0
    assert "shortage" in page.text_content("#discrepancies")
    page.screenshot(path=screenshots / "fc-receiving-3-closed.png")

    items = httpx.get(
        f"{inventory_api}/v1/inventory",
        params={"fnsku": a},
        headers={"Authorization": f"Bearer {tokens['fc']}"},
    ).json()["items"]
    assert (items[0]["fulfillable"], items[0]["inbound"]) == (2, 0)

    # Signing out ends the session: the pages ask for the credential again.
    with page.expect_navigation():
        page.click("header .who button")
    assert page.goto(f"{inventory_api}/fc").status == 401


def test_the_page_refuses_an_unknown_fc_and_shipment_clearly(inventory_api, tokens, page):
    sign_in(page, inventory_api, tokens["fc"])
    response = page.goto(f"{inventory_api}/fc/SEA1/shipments/FBANOSUCH")
    assert response.status == 404
    assert "not known to the inventory" in page.text_content("p.error")
    response = page.goto(f"{inventory_api}/fc/ZZZ9/shipments/FBANOSUCH")
    assert response.status == 404


def test_an_operator_picks_any_fc_and_another_fcs_staff_find_nothing(
    inventory_api, tokens, plan, page
):
    shipment = in_thread(lambda: plan(1, fc="PHX3"))
    sign_in(page, inventory_api, tokens["operator"])
    page.select_option("select[name=fulfillment_center_id]", "PHX3")
    page.fill("input[name=shipment_id]", shipment.shipment_id)
    with page.expect_navigation():
        page.click("text=Open shipment")
    assert page.text_content("#status") == "PLANNED"
    page.context.clear_cookies()

    sign_in(page, inventory_api, tokens["fc"])  # SEA1's staff
    assert page.goto(f"{inventory_api}/fc/PHX3/shipments/{shipment.shipment_id}").status == 404
    assert page.goto(f"{inventory_api}/fc/SEA1/shipments/{shipment.shipment_id}").status == 404
    assert page.locator("form.receive").count() == 0


def test_fc_staff_report_a_short_pick_on_a_fulfillment_order(
    inventory_api, tokens, stocked, deliver, events, outbox_events, page, screenshots
):
    fnsku = in_thread(stocked, 4)
    fo = fo_id()
    in_thread(deliver, events.instructed(fo, [(fnsku, 3)]))
    sign_in(page, inventory_api, tokens["fc"])
    page.wait_for_url(f"{inventory_api}/fc")
    page.fill("input[name=fulfillment_order_id]", fo)
    with page.expect_navigation():
        page.click("text=Open fulfillment order")
    page.wait_for_url(f"**/fc/SEA1/fulfillment-orders/{fo}")
    assert page.text_content("#status") == "RESERVED"
    assert page.text_content(f"#holdings tr[data-fnsku='{fnsku}'] td.reserved") == "3"

    # Units not typed: the page says so; then one unit not found at its bin, line 1 of the pick list.
    page.fill("input[name=reason]", "bin empty")
    with page.expect_navigation():
        page.click("text=Report exception")
    assert "enter the units you cannot ship" in page.text_content("p.error")
    page.fill(f"input[aria-label='Line of {fnsku}']", "1")
    page.fill(f"input[aria-label='Units of {fnsku}']", "1")
    page.select_option(f"select[aria-label='Why {fnsku}']", "SHORT_PICK")
    with page.expect_navigation():
        page.click("text=Report exception")
    assert "Reported 1 unit(s)" in page.text_content("p.notice")
    page.screenshot(path=screenshots / "fc-exception-reported.png")

    [published] = [
        e
        for e in in_thread(outbox_events)
        if e.type.endswith("FulfillmentRejectedByCenter.v1") and e.data.fulfillment_order_id == fo
    ]
    assert [
        (ln.line_id, ln.fnsku, ln.quantity, ln.reason_code.value) for ln in published.data.lines
    ] == [("1", fnsku, 1, "SHORT_PICK")]
