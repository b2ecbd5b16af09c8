"""The storefront pages, the product feed and the seller view, served by the listing API against a
real PostgreSQL, with listings made by the event handlers. Buyers are browsers: each its own
client (cookie jar), posting forms with the CSRF token of a page it was shown."""

from __future__ import annotations

import asyncio
import base64
import json
import re

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from listing_testkit import IMAGE

from listing.bootstrap import create_api
from listing.settings import Settings
from stockpath_events import decode, new_event
from stockpath_events.types.fulfillment import ShipmentShipped
from stockpath_events.types.order_router import OrderRejected, OrderRouted, RoutedFulfillmentOrder
from stockpath_events.types.orders import OrderPlaced
from stockpath_runtime.consumer import Outcome
from stockpath_runtime.db import create_engine, outbox
from stockpath_runtime.unit_of_work import headers_from_row
from stockpath_testing import ServiceConsumer

pytestmark = pytest.mark.integration

SELLER = "S-SHOP"
ADDRESS = {
    "name": "Ada Lovelace",
    "line1": "12 Analytical Way",
    "line2": "",
    "city": "Seattle",
    "region": "WA",
    "postal_code": "98101",
    "country": "US",
    "shipping_speed": "expedited",
}


def deliver(database, *events, together: bool = False) -> None:
    """The events through the listing consumer, one by one or as one batch; each is applied."""

    async def go() -> list[Outcome]:
        async with ServiceConsumer("listing", database) as consumer:
            return await (consumer.deliver_batch if together else consumer.deliver)(*events)

    assert set(asyncio.run(go())) == {Outcome.PROCESSED}


@pytest.fixture(scope="module")
def seeded(database, item_registered, inventory_level):
    skillet = item_registered(
        "XS00000001",
        seller_id=SELLER,
        channels=("storefront", "marketplace-feed"),
        attributes=IMAGE,
    )
    kettle = item_registered(
        "XS00000002",
        seller_id=SELLER,
        title="Fellow Stagg Kettle",
        attributes=IMAGE,
        channels=("storefront", "marketplace-feed"),
    )
    no_image = item_registered(
        "XS00000003",
        seller_id=SELLER,
        title="Plain Trivet",
        channels=("storefront", "marketplace-feed"),
    )
    deliver(database, skillet, kettle, no_image, inventory_level("XS00000001", "SEA1", 3))


@pytest.fixture(scope="module")
def client(database, seeded):
    with TestClient(
        create_api(Settings(database_url=database, public_url="https://shop.example.com"))
    ) as c:
        yield c


@pytest.fixture
def buyer(client) -> TestClient:
    """Another browser on the same running app (its own cookies)."""
    return TestClient(client.app)


def csrf(browser) -> str:
    """The CSRF token of this browser's forms, from a page with a form on it."""
    page = browser.get("/shop/products/L-XS00000001-storefront").text
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def buy_one_skillet(buyer) -> str:
    """The buyer puts one skillet in the cart and checks out; the order page's URL."""
    buyer.post(
        "/shop/cart/items",
        data={"listing_id": "L-XS00000001-storefront", "quantity": "1", "csrf_token": csrf(buyer)},
    )
    cart = buyer.get("/shop/cart").text
    token = re.search(r'name="checkout_token" value="([0-9a-f]+)"', cart).group(1)
    return buyer.post(
        "/shop/checkout",
        data={**ADDRESS, "checkout_token": token, "csrf_token": csrf(buyer)},
        follow_redirects=False,
    ).headers["location"]


async def outbox_orders(database) -> list:
    engine = create_engine(database)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                sa.select(outbox.c.value, outbox.c.headers)
                .where(outbox.c.event_type == OrderPlaced.ce_type)
                .order_by(outbox.c.id)
            )
            return [decode(r.value, headers_from_row(r.headers)) for r in rows]
    finally:
        await engine.dispose()


def test_buyers_browse_and_search_live_storefront_listings(client):
    page = client.get("/shop").text
    assert "3 products" in page
    for title in ("Lodge 10-inch Cast Iron Skillet", "Fellow Stagg Kettle", "Plain Trivet"):
        assert title in page
    found = client.get("/shop", params={"q": "stagg"}).text
    assert "1 product" in found and "Fellow Stagg Kettle" in found and "Skillet" not in found
    assert "No products match" in client.get("/shop", params={"q": "bicycle"}).text


def test_the_product_page_offers_only_what_is_in_stock(client):
    in_stock = client.get("/shop/products/L-XS00000001-storefront").text
    assert "In stock (3 available)" in in_stock and 'id="add-to-cart">Add to cart' in in_stock
    out = client.get("/shop/products/L-XS00000002-storefront").text
    assert "Out of stock" in out and 'id="add-to-cart" disabled' in out
    assert client.get("/shop/products/L-NOPE-storefront").status_code == 404


def test_a_product_feed_link_lands_on_the_storefront_listing_of_the_item(client):
    r = client.get("/shop/products/L-XS00000001-marketplace-feed", follow_redirects=False)
    assert (
        r.status_code == 303 and r.headers["location"] == "/shop/products/L-XS00000001-storefront"
    )


def test_an_out_of_stock_listing_cannot_be_put_in_the_cart_nor_bought_with_a_forged_cart(client):
    r = client.post(
        "/shop/cart/items",
        data={"listing_id": "L-XS00000002-storefront", "quantity": "1", "csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert r.status_code == 409 and "Fellow Stagg Kettle is out of stock" in r.text
    forged = base64.urlsafe_b64encode(
        json.dumps([["L-XS00000002-storefront", 1]]).encode()
    ).decode()
    with TestClient(client.app) as buyer:
        buyer.cookies.set("stockpath_cart", forged, path="/shop")
        r = buyer.post(
            "/shop/checkout",
            data={**ADDRESS, "checkout_token": "f" * 32, "csrf_token": csrf(buyer)},
            follow_redirects=False,
        )
    assert r.status_code == 409 and "Fellow Stagg Kettle is out of stock" in r.text
    too_many = client.post(
        "/shop/cart/items",
        data={"listing_id": "L-XS00000001-storefront", "quantity": "4", "csrf_token": csrf(client)},
    )
    assert too_many.status_code == 409 and "only 3 of" in too_many.text


def test_checkout_writes_one_order_placed_even_when_submitted_twice(client, database):
    with TestClient(client.app) as buyer:
        token = csrf(buyer)
        r = buyer.post(
            "/shop/cart/items",
            data={"listing_id": "L-XS00000001-storefront", "quantity": "2", "csrf_token": token},
            follow_redirects=False,
        )
        assert r.status_code == 303 and r.headers["location"] == "/shop/cart"
        cart = buyer.get("/shop/cart").text
        assert "Lodge 10-inch Cast Iron Skillet" in cart and "$49.98" in cart
        form = {
            **ADDRESS,
            "checkout_token": re.search(r'name="checkout_token" value="([0-9a-f]+)"', cart).group(
                1
            ),
            "csrf_token": token,
        }

        bad = buyer.post("/shop/checkout", data={**form, "postal_code": "!"})
        assert bad.status_code == 422 and "Please enter a valid ZIP or postal code." in bad.text
        placed = buyer.post("/shop/checkout", data=form, follow_redirects=False)
        assert placed.status_code == 303
        order_url = placed.headers["location"]
        again = buyer.post("/shop/checkout", data=form, follow_redirects=False)
        assert again.headers["location"] == order_url, "the second submit lands on the same order"
        assert "Cart (0)" in buyer.get(order_url).text

    order_id = order_url.rsplit("/", 1)[1]
    [event] = [e for e in asyncio.run(outbox_orders(database)) if e.data.order_id == order_id]
    order = event.data
    assert (order.channel, order.shipping_speed.value, order.ship_to.name) == (
        "storefront",
        "expedited",
        "Ada Lovelace",
    )
    [line] = order.lines
    assert (
        line.listing_id,
        line.seller_id,
        line.seller_sku,
        line.quantity,
        str(line.unit_price),
    ) == ("L-XS00000001-storefront", SELLER, "SKU-XS00000001", 2, "24.99")
    assert event.subject == order_id


def test_the_order_page_follows_the_platform_reports(buyer, database):
    order_url = buy_one_skillet(buyer)
    order_id = order_url.rsplit("/", 1)[1]
    assert 'data-status="PLACED"' in buyer.get(order_url).text

    shipped = new_event(
        ShipmentShipped(
            fulfillment_order_id=f"{order_id}-SEA1",
            order_id=order_id,
            fulfillment_center_id="SEA1",
            carrier="UPS",
            tracking_number="1Z999",
        ),
        source="/fulfillment-centers/SEA1",
    )
    routed = new_event(
        OrderRouted(
            order_id=order_id,
            fulfillment_orders=[
                RoutedFulfillmentOrder(
                    fulfillment_order_id=f"{order_id}-SEA1", fulfillment_center_id="SEA1"
                )
            ],
        ),
        source="order-router",
    )
    deliver(database, routed)
    page = buyer.get(order_url).text
    assert (
        'data-status="ROUTED"' in page
        and "being prepared at SEA1" in page
        and 'http-equiv="refresh"' in page
    )
    # The routing report read again after the shipment (a new copy: the inbox would skip the same one).
    deliver(database, shipped, new_event(routed.data, source="order-router"))
    page = buyer.get(order_url).text
    assert (
        'data-status="SHIPPED"' in page
        and "tracking number 1Z999" in page
        and 'http-equiv="refresh"' not in page
    )

    rejected_elsewhere = new_event(
        OrderRejected(order_id="O-not-ours", reason_code="X"), source="order-router"
    )
    deliver(database, rejected_elsewhere)  # ignored, no error
    assert buyer.get("/shop/orders/O-not-ours").status_code == 404


def test_the_seller_feed_validates_and_holds_back_what_it_cannot_carry(client, operator):
    from listing.adapters.merchant_feed import validate_feed

    r = client.get(f"/v1/feeds/{SELLER}.xml")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/rss+xml")
    assert validate_feed(r.content) == []
    ids = re.findall(r"<g:id>([^<]+)</g:id>", r.text)
    assert ids == ["L-XS00000001-marketplace-feed", "L-XS00000002-marketplace-feed"]
    assert (
        "<g:link>https://shop.example.com/shop/products/L-XS00000001-marketplace-feed</g:link>"
        in r.text
    )
    assert client.get("/v1/feeds/bad seller!.xml").status_code == 422

    held = client.get("/v1/listings/L-XS00000003-marketplace-feed", headers=operator).json()
    assert held["status"] == "HELD" and held["issues"] == [
        "marketplace-feed: image_link is required (an http(s) image_url attribute in the catalog)"
    ]
    seller_page = client.get(f"/shop/sellers/{SELLER}", headers=operator).text
    assert "image_link is required" in seller_page and "HELD" in seller_page


def test_reports_that_arrive_together_move_only_the_storefronts_orders(buyer, database):
    order_url = buy_one_skillet(buyer)
    order_id = order_url.rsplit("/", 1)[1]

    def routed(oid: str):
        return new_event(
            OrderRouted(
                order_id=oid,
                fulfillment_orders=[
                    RoutedFulfillmentOrder(
                        fulfillment_order_id=f"{oid}-EWR4", fulfillment_center_id="EWR4"
                    )
                ],
            ),
            source="order-router",
        )

    deliver(
        database,
        routed("O-other-channel-1"),
        routed(order_id),
        routed("O-other-channel-2"),
        together=True,
    )

    page = buyer.get(order_url).text
    assert 'data-status="ROUTED"' in page and "being prepared at EWR4" in page
    assert buyer.get("/shop/orders/O-other-channel-1").status_code == 404


def test_the_product_page_offers_only_the_speeds_an_fc_holding_the_stock_can_meet_with_their_dates(
    client,
):
    # The skillet is stocked at SEA1 (Kent, WA) only.
    seattle = client.get("/shop/products/L-XS00000001-storefront", params={"zip": "98101"}).text
    offered = re.findall(
        r'<li data-speed="(\w+)">[^<]*arrives by <time datetime="([\d-]+)"', seattle
    )
    assert [speed for speed, _ in offered] == ["standard", "expedited", "priority"]
    new_york = client.get("/shop/products/L-XS00000001-storefront", params={"zip": "10118"}).text
    offered = dict(
        re.findall(r'<li data-speed="(\w+)">[^<]*arrives by <time datetime="([\d-]+)"', new_york)
    )
    assert set(offered) == {"standard", "expedited"}  # next day cannot cross the country
    assert offered["expedited"] < offered["standard"]
    nowhere = client.get("/shop/products/L-XS00000001-storefront", params={"zip": "00000"}).text
    assert 'id="delivery-refused"' in nowhere and "is not a US ZIP code" in nowhere


def test_checkout_refuses_a_speed_no_fc_holding_the_stock_can_meet_and_an_address_abroad(client):
    with TestClient(client.app) as buyer:
        token = csrf(buyer)
        buyer.post(
            "/shop/cart/items",
            data={"listing_id": "L-XS00000001-storefront", "quantity": "1", "csrf_token": token},
        )
        cart = buyer.get("/shop/cart", params={"zip": "10118"}).text
        assert (
            'value="priority"' not in cart and 'value="expedited"' in cart and "arrives by" in cart
        )
        form = {
            **ADDRESS,
            "postal_code": "10118",
            "city": "New York",
            "region": "NY",
            "shipping_speed": "priority",
            "checkout_token": re.search(r'name="checkout_token" value="([0-9a-f]+)"', cart).group(
                1
            ),
            "csrf_token": token,
        }

        too_fast = buyer.post("/shop/checkout", data=form)
        assert too_fast.status_code == 422
        assert (
            "Priority shipping cannot reach 10118" in too_fast.text
            and "choose standard, expedited" in too_fast.text
        )
        abroad = buyer.post(
            "/shop/checkout",
            data={**form, "shipping_speed": "standard", "country": "DE", "postal_code": "10117"},
        )
        assert abroad.status_code == 422 and "delivers only in the US" in abroad.text
        assert (
            buyer.post(
                "/shop/checkout",
                data={**form, "shipping_speed": "expedited"},
                follow_redirects=False,
            ).status_code
            == 303
        )
