"""The seller console's pages under a TestClient: sign-in, search, eligibility, registration, plans,
labels, shipping, clear errors and empty states, and that one seller never sees another's data.
(Sessions, CSRF and security headers: test_console_security.py.)
(The browser journey against running services is tests/integration/test_seller_console.py.)"""

from __future__ import annotations

import re

import pytest
from registration_console import register_one

from stockpath_runtime.credentials import parse_token
from stockpath_runtime.sessions import SESSION_COOKIE

pytestmark = pytest.mark.integration


def test_pages_need_a_sign_in_and_a_wrong_token_is_told_so(browser_for):
    anonymous = browser_for()
    r = anonymous.get("/console/shipments", follow_redirects=False)
    assert r.status_code == 401 and 'action="/console/sign-in"' in r.text
    assert 'name="next" value="/console/shipments"' in r.text
    r = anonymous.post("/console/sign-in", data={"token": "not-a-token"})
    assert r.status_code == 401 and "does not belong to any seller" in r.text
    r = anonymous.post("/console/sign-in", data={"token": ""})
    assert r.status_code == 401 and "Enter your seller token" in r.text


def test_the_session_cookie_holds_no_token_is_http_only_and_same_site_strict_and_next_stays_on_site(
    browser_for, seller
):
    c = browser_for()
    r = c.sign_in(seller["token"], next_path="https://evil.example/", follow_redirects=False)
    assert r.headers["location"] == "/console/catalog?notice=signed-in"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert (
        "httponly" in cookie.lower()
        and "samesite=strict" in cookie.lower()
        and "path=/console" in cookie.lower()
    )
    _, secret = parse_token(seller["token"])
    assert seller["token"] not in cookie and secret not in cookie
    assert c.get("/console/catalog").status_code == 200
    c.post("/console/sign-out")
    assert c.get("/console/catalog", follow_redirects=False).status_code == 401


def test_catalog_search_pages_finds_identifiers_and_explains_empty_and_bad_searches(
    browser_for, seller, demo_items
):
    c = browser_for(seller)
    r = c.get("/console/catalog", params={"q": "green"})
    assert r.status_code == 200 and 'name="item"' in r.text and "Page 1 of" in r.text
    assert 'rel="next"' in r.text
    upc_item = next(i for i in demo_items if "upc" in i["identifiers"])
    r = c.get("/console/catalog", params={"q": upc_item["identifiers"]["upc"]})
    assert "Exact match for identifier" in r.text and upc_item["title"] in r.text
    r = c.get("/console/catalog", params={"q": "zzzqqqxxx"})
    assert "No items match" in r.text
    bad = upc_item["identifiers"]["upc"][:-1] + str(
        (int(upc_item["identifiers"]["upc"][-1]) + 1) % 10
    )
    r = c.get("/console/catalog", params={"q": bad})
    assert r.status_code == 400 and "check digit" in r.text
    assert (
        c.get("/console/catalog", params={"page": "-3"}).status_code == 200
    )  # odd page numbers read as page 1
    assert (
        c.get("/console/catalog", params={"q": "kettle " * 100}).status_code == 200
    )  # a long paste is cut


def test_eligibility_explains_each_refusal_and_registration_gives_fnskus(browser_for, seller):
    c = browser_for(seller)
    r = c.get(
        "/console/eligibility",
        params=[("item", "REG-SMALL"), ("item", "REG-HAZMAT"), ("item", "REG-NODIMS")],
    )
    assert r.status_code == 200
    assert "Hazmat review required" in r.text and "Missing package dimensions" in r.text
    assert "Small standard" in r.text and "1 of 3 selected items can be registered" in r.text
    request_id = re.search(r'name="request_id" value="([0-9a-f]+)"', r.text).group(1)
    form = {
        "request_id": request_id,
        "item": ["REG-SMALL", "REG-HAZMAT", "REG-NODIMS"],
        "register-REG-SMALL": "on",
        "sku-REG-SMALL": "NOTEBOOK-1",
        "price-REG-SMALL": "abc",
    }
    bad = c.post("/console/registrations", data=form)
    assert bad.status_code == 422 and "price" in bad.text.lower()
    form["price-REG-SMALL"] = "4.99"
    ok = c.post("/console/registrations", data=form)
    assert ok.status_code == 200 and "1 of 1 item registered" in ok.text
    fnsku = re.search(r'class="mono">(X00[A-Z0-9]{7})<', ok.text).group(1)
    again = c.post("/console/registrations", data=form)  # a double submit registers nothing twice
    assert fnsku in again.text
    listed = c.get("/console/registrations")
    assert listed.text.count(fnsku) >= 1 and "NOTEBOOK-1" in listed.text
    assert c.get("/console/eligibility").status_code == 400


def shown_status(html: str) -> str:
    return re.search(r'id="shipment-status"[^>]*>\s*([A-Z]+)\s*<', html).group(1)


def test_plan_labels_and_ship_from_the_console_with_clear_errors(browser_for, seller):
    c = browser_for(seller)
    fnsku = register_one(c, "REG-LARGE", "POT-1")
    assert "Enter a quantity" in c.post("/console/shipments", data={"qty-POT-1": ""}).text
    huge = c.post("/console/shipments", data={"qty-POT-1": "99999999"})
    assert huge.status_code == 422 and "Quantity" in huge.text
    negative = c.post("/console/shipments", data={"qty-POT-1": "-4"})
    assert negative.status_code == 422
    r = c.post("/console/shipments", data={"qty-POT-1": "12", "ship_from_postal_code": "98101"})
    assert r.status_code == 200 and "Shipping plan" in r.text and fnsku in r.text
    shipment_id = re.search(r'data-shipment="(FBA[A-Z0-9]{9})"', r.text).group(1)
    pdf = c.get(f"/console/shipments/{shipment_id}/labels.pdf", params={"boxes": "2"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert (
        c.get(f"/console/shipments/{shipment_id}/labels.pdf", params={"boxes": "0"}).status_code
        == 422
    )
    missing = c.post(
        f"/console/shipments/{shipment_id}/ship", data={"carrier": "UPS", "tracking_number": ""}
    )
    assert missing.status_code == 422 and "tracking number" in missing.text
    shipped = c.post(
        f"/console/shipments/{shipment_id}/ship",
        data={"carrier": "UPS", "tracking_number": "1Z999"},
    )
    assert "Marked as shipped" in shipped.text and shown_status(shipped.text) == "SHIPPED"
    twice = c.post(
        f"/console/shipments/{shipment_id}/ship",
        data={"carrier": "UPS", "tracking_number": "1Z999"},
    )
    assert twice.status_code == 409 and "only be shipped while WORKING" in twice.text
    assert shipment_id in c.get("/console/shipments").text
    assert shipment_id in c.get("/console/shipments", params={"status": "SHIPPED"}).text
    assert "No shipments" in c.get("/console/shipments", params={"status": "CLOSED"}).text


def test_one_seller_never_sees_or_changes_anothers_data_in_the_console(
    browser_for, seller, new_seller
):
    owner = browser_for(seller)
    fnsku = register_one(owner, "REG-BULKY", "COT-1")
    r = owner.post("/console/shipments", data={"qty-COT-1": "3"})
    shipment_id = re.search(r'data-shipment="(FBA[A-Z0-9]{9})"', r.text).group(1)
    plan_id = re.search(r"Shipping plan <span class=\"mono\">(PLN[A-Z0-9]{9})", r.text).group(1)
    intruder = browser_for(new_seller())
    for path in (
        f"/console/shipments/{shipment_id}",
        f"/console/shipments/{shipment_id}/labels.pdf",
        f"/console/plans/{plan_id}",
    ):
        assert intruder.get(path).status_code == 404, path
    for path, data in (
        (f"/console/shipments/{shipment_id}/ship", {"carrier": "UPS", "tracking_number": "1Z"}),
        (f"/console/shipments/{shipment_id}/cancel", {}),
        (f"/console/registrations/{fnsku}/deregister", {}),
        (f"/console/registrations/{fnsku}/offer", {"price": "1.00"}),
    ):
        assert intruder.post(path, data=data).status_code == 404, path
    assert shipment_id not in intruder.get("/console/shipments").text
    assert "Nothing here yet" in intruder.get("/console/registrations").text
    assert shown_status(owner.get(f"/console/shipments/{shipment_id}").text) == "WORKING"


def test_price_change_and_deregistration_from_the_console(browser_for, seller):
    c = browser_for(seller)
    fnsku = register_one(c, "REG-SMALL", "BOOK-9")
    r = c.post(
        f"/console/registrations/{fnsku}/offer",
        data={"price": "7.50", "channel": ["storefront", "marketplace-feed"]},
    )
    assert "Price and channels updated" in r.text and 'value="7.50"' in r.text
    bad = c.post(f"/console/registrations/{fnsku}/offer", data={"price": "-2"})
    assert bad.status_code == 422
    r = c.post(f"/console/registrations/{fnsku}/deregister")
    assert "Item deregistered" in r.text
    assert fnsku in c.get("/console/registrations", params={"status": "deregistered"}).text


@pytest.mark.parametrize("path", ["/console/inventory", "/console/inventory/age"])
def test_the_inventory_pages_say_when_inventory_is_not_answering(browser_for, seller, path):
    r = browser_for(seller).get(path)
    assert r.status_code == 503 and "Inventory is not answering" in r.text


def test_the_statement_page_and_its_csv_say_when_inventory_is_not_answering(browser_for, seller):
    b = browser_for(seller)
    r = b.get("/console/statement", params={"month": "2026-10"})
    assert r.status_code == 503 and "Inventory is not answering" in r.text
    assert "Download CSV" not in r.text
    r = b.get("/console/statement.csv", params={"month": "2026-10"})
    assert r.status_code == 503 and "Inventory is not answering" in r.text


def test_the_returns_page_says_when_the_order_router_is_not_answering(browser_for, seller):
    r = browser_for(seller).get("/console/returns")
    assert r.status_code == 503 and "The order router is not answering" in r.text


def test_the_notifications_page_shows_the_sellers_endpoints_and_deliveries_and_re_drives_failed(
    client, browser_for, seller, new_seller, failed_delivery
):
    r = client.post(
        "/v1/notification-subscriptions",
        json={"url": "https://hooks.example.com/console", "kinds": ["order.shipped"]},
        headers=seller["headers"],
    )
    assert r.status_code == 201, r.text
    subscription = r.json()
    delivery_id = failed_delivery(seller["seller_id"], subscription["subscription_id"])

    c = browser_for(seller)
    page = c.get("/console/notifications")
    assert page.status_code == 200
    assert (
        "https://hooks.example.com/console" in page.text and subscription["secret"] not in page.text
    )
    assert "HTTP 503" in page.text and "Send failed deliveries again" in page.text
    assert (
        'action="/console/notifications/redrive"' in page.text and 'name="csrf_token"' in page.text
    )

    other = browser_for(new_seller()).get("/console/notifications")
    assert "hooks.example.com/console" not in other.text and "No endpoints subscribed" in other.text

    r = c.post("/console/notifications/redrive", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/console/notifications"
    redriven = client.get(
        "/v1/notification-deliveries", params={"status": "failed"}, headers=seller["headers"]
    ).json()["items"]
    assert delivery_id not in [d["delivery_id"] for d in redriven]


@pytest.mark.parametrize(
    ("path", "said"),
    [
        ("/console/listings?channel=nowhere&page=x", "Listings are not answering"),
        ("/console/orders?page=-1", "Orders are not answering"),
        ("/console/inventory/stranded", "Listings are not answering"),
    ],
)
def test_the_sellers_view_pages_say_when_their_service_is_not_answering(
    browser_for, seller, path, said
):
    r = browser_for(seller).get(path)
    assert r.status_code == 503 and said in r.text
