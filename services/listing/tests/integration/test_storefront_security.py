"""The storefront as an outsider would try it: every form needs this browser's CSRF token, an
order page (it shows the buyer's address) is the placing browser's alone, pages send the
security headers with a Content-Security-Policy that allows no inline script or style (so the
templates have none), and every field a browser sends is bounded."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from listing_testkit import IMAGE

from listing.bootstrap import create_api
from listing.entrypoints.shop_requests import FIELD_MAX, FORM_FIELDS_MAX
from listing.settings import Settings
from stockpath_runtime.consumer import Outcome

pytestmark = pytest.mark.integration

SKILLET = "L-XSEC000001-storefront"
ADDRESS = {
    "name": "Ada Lovelace",
    "line1": "12 Analytical Way",
    "city": "Seattle",
    "region": "WA",
    "postal_code": "98101",
    "country": "US",
    "shipping_speed": "standard",
}
TEMPLATES = Path(__file__).parents[2] / "src" / "listing" / "templates"


@pytest.fixture(scope="module")
async def seeded(consumer, item_registered, inventory_level):
    events = [
        item_registered("XSEC000001", seller_id="S-SEC", attributes=IMAGE),
        inventory_level("XSEC000001", "SEA1", 50),
    ]
    assert set(await consumer.deliver(*events)) == {Outcome.PROCESSED}


@pytest.fixture(scope="module")
def app(database, seeded):
    with TestClient(create_api(Settings(database_url=database))) as c:
        yield c.app


@pytest.fixture
def browser(app) -> TestClient:
    """A buyer's browser: its own cookie jar."""
    return TestClient(app)


def csrf(browser) -> str:
    page = browser.get(f"/shop/products/{SKILLET}").text
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def fill_cart(browser, token: str) -> None:
    r = browser.post(
        "/shop/cart/items",
        data={"listing_id": SKILLET, "quantity": "1", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303


def checkout_form(browser, token: str) -> dict[str, str]:
    checkout_token = re.search(
        r'name="checkout_token" value="([0-9a-f]+)"', browser.get("/shop/cart").text
    ).group(1)
    return {**ADDRESS, "checkout_token": checkout_token, "csrf_token": token}


def place_order(browser) -> str:
    token = csrf(browser)
    fill_cart(browser, token)
    placed = browser.post(
        "/shop/checkout", data=checkout_form(browser, token), follow_redirects=False
    )
    assert placed.status_code == 303
    return placed.headers["location"]


def cart_size(browser) -> int:
    return int(re.search(r"Cart \((\d+)\)", browser.get("/shop").text).group(1))


# --- CSRF -------------------------------------------------------------------------------------


def refused_as_forged(response) -> None:
    assert response.status_code == 403
    assert "reload the page" in response.text and response.headers["content-type"].startswith(
        "text/html"
    )


@pytest.mark.parametrize("token", ["none", "empty", "made up", "another browser's"])
def test_adding_to_the_cart_needs_this_browsers_csrf_token(app, browser, token):
    csrf(browser)  # the browser has been shown a page: it holds its nonce
    sent = {
        "none": None,
        "empty": "",
        "made up": "x" * 40,
        "another browser's": csrf(TestClient(app)),
    }[token]
    form = {
        "listing_id": SKILLET,
        "quantity": "1",
        **({"csrf_token": sent} if sent is not None else {}),
    }
    refused_as_forged(browser.post("/shop/cart/items", data=form, follow_redirects=False))
    assert cart_size(browser) == 0


def test_removing_from_the_cart_needs_this_browsers_csrf_token(app, browser):
    fill_cart(browser, csrf(browser))
    refused_as_forged(browser.post(f"/shop/cart/items/{SKILLET}/remove", follow_redirects=False))
    refused_as_forged(
        browser.post(
            f"/shop/cart/items/{SKILLET}/remove", data={"csrf_token": csrf(TestClient(app))}
        )
    )
    assert cart_size(browser) == 1
    removed = browser.post(
        f"/shop/cart/items/{SKILLET}/remove",
        data={"csrf_token": csrf(browser)},
        follow_redirects=False,
    )
    assert removed.status_code == 303 and cart_size(browser) == 0


def test_checking_out_needs_this_browsers_csrf_token(app, browser):
    token = csrf(browser)
    fill_cart(browser, token)
    form = checkout_form(browser, token)
    refused_as_forged(
        browser.post("/shop/checkout", data={**form, "csrf_token": ""}, follow_redirects=False)
    )
    refused_as_forged(
        browser.post("/shop/checkout", data={**form, "csrf_token": csrf(TestClient(app))})
    )
    # A browser that never got a page (no nonce cookie) cannot use a token it was handed either.
    refused_as_forged(TestClient(app).post("/shop/checkout", data=form, follow_redirects=False))
    assert cart_size(browser) == 1, "nothing was placed"
    placed = browser.post("/shop/checkout", data=form, follow_redirects=False)
    assert placed.status_code == 303 and placed.headers["location"].startswith("/shop/orders/O-")


def test_the_refusal_page_gives_a_fresh_token_that_works(browser):
    refused = browser.post("/shop/cart/items", data={"listing_id": SKILLET, "quantity": "1"})
    fresh = re.search(
        r'name="csrf_token" value="([^"]+)"', browser.get(f"/shop/products/{SKILLET}").text
    ).group(1)
    assert refused.status_code == 403
    fill_cart(browser, fresh)


# --- the order page ---------------------------------------------------------------------------


def test_an_order_page_is_shown_only_to_the_browser_that_placed_it(app, browser, tokens):
    order_url = place_order(browser)
    mine = browser.get(order_url)
    assert mine.status_code == 200 and "12 Analytical Way" in mine.text
    order_id = order_url.rsplit("/", 1)[1]
    nobody = TestClient(app).get("/shop/orders/O-0000000000000000")
    for outsider in (
        TestClient(app),  # another browser
        TestClient(app, cookies={"stockpath_buyer": "A" * 43}),  # a made-up buyer key
        TestClient(
            app, headers={"Authorization": f"Bearer {tokens['channel']}"}
        ),  # a credential is not the browser
    ):
        r = outsider.get(order_url)
        assert r.status_code == 404 and "12 Analytical Way" not in r.text
        assert r.text.replace(order_id, "O-0000000000000000") == nobody.text, (
            "reads as an order that does not exist"
        )


def test_the_buyer_key_is_a_lax_http_only_cookie_of_the_shop(browser):
    token = csrf(browser)
    r = browser.post(
        "/shop/cart/items",
        data={"listing_id": SKILLET, "quantity": "1", "csrf_token": token},
        follow_redirects=False,
    )
    [buyer_cookie] = [
        c for c in r.headers.get_list("set-cookie") if c.startswith("stockpath_buyer=")
    ]
    attributes = {a.strip().lower() for a in buyer_cookie.split(";")[1:]}
    assert {"httponly", "samesite=lax", "path=/shop"} <= attributes
    assert re.match(r"stockpath_buyer=[A-Za-z0-9_-]{43};", buyer_cookie)


# --- headers and templates --------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/shop", f"/shop/products/{SKILLET}", "/shop/cart"])
def test_pages_send_security_headers_and_a_policy_without_inline_code(browser, path):
    r = browser.get(path)
    assert r.status_code == 200
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in r.headers["content-security-policy"].split(";")
    )
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'" and policy["form-action"] == "'self'"
    assert "unsafe-inline" not in r.headers["content-security-policy"]
    assert (
        r.headers["x-content-type-options"] == "nosniff" and r.headers["x-frame-options"] == "DENY"
    )
    assert r.headers["cache-control"] == "no-store"
    assert not re.search(r"<script(?![^>]*\bsrc=)|<style|\sstyle=", r.text), (
        "inline script or style in the page"
    )


def test_a_product_page_may_show_the_sellers_https_image_and_nothing_more(browser):
    r = browser.get(f"/shop/products/{SKILLET}")
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in r.headers["content-security-policy"].split(";")
    )
    assert policy["img-src"] == "'self' data: https:"
    assert (
        'src="https://images.example.com/skillet.jpg"' in r.text
        and 'class="product-image"' in r.text
    )


def test_no_template_holds_inline_script_or_style():
    for template in TEMPLATES.glob("*.html"):
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)|<style|\sstyle=", text), template.name


def test_the_stylesheet_and_script_are_served_by_the_shop(browser):
    css = browser.get("/shop/static/shop.css")
    assert (
        css.status_code == 200
        and css.headers["content-type"].startswith("text/css")
        and ".card" in css.text
    )
    js = browser.get("/shop/static/shop.js")
    assert (
        js.status_code == 200
        and "javascript" in js.headers["content-type"]
        and "data-submit-once" in js.text
    )
    assert browser.get("/shop/static/../templates/base.html").status_code == 404


# --- bounds -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "form, message",
    [
        (
            {
                "listing_id": SKILLET,
                "quantity": "1",
                **{f"f{n}": "x" for n in range(FORM_FIELDS_MAX)},
            },
            "larger than",
        ),
        ({"listing_id": SKILLET, "quantity": "1", "note": "x" * (FIELD_MAX + 1)}, "larger than"),
        ({"listing_id": "L" * 301, "quantity": "1"}, "no such product"),
        ({"listing_id": "<script>", "quantity": "1"}, "no such product"),
        ({"listing_id": SKILLET, "quantity": "lots"}, "whole number"),
    ],
)
def test_an_add_to_cart_form_out_of_bounds_is_a_clear_422(browser, form, message):
    r = browser.post(
        "/shop/cart/items", data={**form, "csrf_token": csrf(browser)}, follow_redirects=False
    )
    assert r.status_code == 422 and message in r.text
    assert cart_size(browser) == 0


@pytest.mark.parametrize(
    "field, value, help_text",
    [
        ("name", "n" * 101, "name of the person"),
        ("line1", "l" * 201, "street address"),
        ("line2", "l" * 201, "at most 200 characters"),
        ("city", "c" * 101, "the city"),
        ("postal_code", "9" * 11, "ZIP or postal code"),
        ("country", "USA", "two-letter country code"),
        ("checkout_token", "t" * 65, "no longer valid"),
    ],
)
def test_a_checkout_form_out_of_bounds_is_a_clear_422_that_places_nothing(
    browser, field, value, help_text
):
    token = csrf(browser)
    fill_cart(browser, token)
    r = browser.post(
        "/shop/checkout",
        data={**checkout_form(browser, token), field: value},
        follow_redirects=False,
    )
    assert r.status_code == 422 and help_text in r.text
    assert cart_size(browser) == 1


def test_a_forged_cart_cookie_counts_only_its_well_formed_lines(app):
    lines = [[SKILLET, 1], ["L" * 400, 1], ["<bad id>", 1], [SKILLET + "x", 99]]
    forged = base64.urlsafe_b64encode(json.dumps(lines).encode()).decode()
    browser = TestClient(app, cookies={"stockpath_cart": forged})
    assert cart_size(browser) == 1
