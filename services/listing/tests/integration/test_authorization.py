"""Who may call the listing service: every route of the API and the storefront × every actor,
from the rule each route declares; and what each actor then sees of the listings (a seller its
own, held ones with their issues; a channel its own channel's ACTIVE ones; the operator all)."""

from __future__ import annotations

import asyncio
import re

import pytest
from fastapi.testclient import TestClient
from listing_testkit import IMAGE

from listing.bootstrap import create_api
from listing.settings import Settings
from stockpath_runtime.consumer import Outcome
from stockpath_testing.authorization import SUBJECTS, Sample, check_route_table, issue_token

pytestmark = pytest.mark.integration

SELLER, OTHER_SELLER = SUBJECTS["seller"], SUBJECTS["other seller"]
#: The seller's: live in the storefront, the marketplace feed and the webhook channel, 50 in stock...
LIVE = "XAUTH00001"
#: ...and one the marketplace feed holds back (no image).
HELD = "XAUTH00002"
#: The other seller's.
THEIRS = "XBAUTH0001"
ADDRESS = {
    "name": "Ada Lovelace",
    "line1": "12 Analytical Way",
    "city": "Seattle",
    "region": "WA",
    "postal_code": "98101",
    "country": "US",
    "shipping_speed": "standard",
}


@pytest.fixture(scope="module")
def consumer_settings() -> dict:
    # An endpoint for the webhook channel, so its listings are live and their changes queued
    # (nothing delivers them here: they stay pending).
    return {"webhook": {"url": "http://127.0.0.1:9/listings"}}


@pytest.fixture(scope="module")
async def seeded(consumer, item_registered, inventory_level):
    events = [
        item_registered(
            LIVE,
            seller_id=SELLER,
            channels=("storefront", "marketplace-feed", "webhook"),
            attributes=IMAGE,
        ),
        item_registered(
            HELD,
            seller_id=SELLER,
            channels=("storefront", "marketplace-feed"),
            title="Plain Trivet",
        ),
        item_registered(
            THEIRS, seller_id=OTHER_SELLER, channels=("storefront", "webhook"), attributes=IMAGE
        ),
        inventory_level(LIVE, "SEA1", 50),
        inventory_level(THEIRS, "SEA1", 5),
    ]
    assert set(await consumer.deliver(*events)) == {Outcome.PROCESSED}


@pytest.fixture(scope="module")
def client(database, seeded, kafka_bootstrap):
    """The API beside a broker it reaches, so that its readiness (/readyz) answers in the table."""
    with TestClient(
        create_api(Settings(database_url=database, kafka_bootstrap_servers=kafka_bootstrap))
    ) as c:
        yield c


def csrf(browser) -> str:
    page = browser.get(f"/shop/products/L-{LIVE}-storefront").text
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def checkout_token(browser) -> str:
    return re.search(
        r'name="checkout_token" value="([0-9a-f]+)"', browser.get("/shop/cart").text
    ).group(1)


def place_order(browser) -> str:
    """The browser buys one of the seller's live listing; the order's id."""
    token = csrf(browser)
    browser.post(
        "/shop/cart/items",
        data={"listing_id": f"L-{LIVE}-storefront", "quantity": "1", "csrf_token": token},
    )
    placed = browser.post(
        "/shop/checkout",
        data={**ADDRESS, "checkout_token": checkout_token(browser), "csrf_token": token},
        follow_redirects=False,
    )
    assert placed.status_code == 303
    return placed.headers["location"].rsplit("/", 1)[1]


def bearer(tokens, actor: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[actor]}"}


def ids(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["listing_id"] for item in response.json()["items"]]


def test_every_route_answers_each_actor_as_its_rule_says(client, tokens):
    # The table's browser: one cookie jar for every actor, holding its CSRF nonce and cart.
    token = csrf(client)
    # The order page's owner is the browser that placed the order: a buyer's, whose key (its
    # cookie) the sample carries; without it the page is not found (test_storefront_security).
    placer = TestClient(client.app)
    order_id = place_order(placer)
    owner_browser = {"Cookie": f"stockpath_buyer={placer.cookies['stockpath_buyer']}"}

    def checkout() -> Sample:
        """Every actor's checkout places an order: one skillet in the cart, a fresh form."""
        client.post(
            "/shop/cart/items",
            data={"listing_id": f"L-{LIVE}-storefront", "quantity": "1", "csrf_token": token},
        )
        return Sample(
            form={**ADDRESS, "checkout_token": checkout_token(client), "csrf_token": token}
        )

    listing = {"listing_id": f"L-{LIVE}-storefront"}
    samples = {
        ("GET", "/v1/listings"): Sample(query={"seller_id": SELLER}, owner="seller"),
        ("GET", "/v1/stranded-inventory"): Sample(query={"seller_id": SELLER}, owner="seller"),
        ("GET", "/v1/listings/{listing_id}"): Sample(path=listing, owner="seller"),
        ("GET", "/v1/feeds/{seller_id}.xml"): Sample(path={"seller_id": SELLER}),
        ("GET", "/v1/webhook-deliveries"): Sample(
            query={"listing_id": f"L-{LIVE}-webhook"}, owner="seller"
        ),
        ("GET", "/shop"): Sample(query={"q": "skillet"}),
        ("GET", "/shop/products/{listing_id}"): Sample(path=listing),
        ("POST", "/shop/cart/items"): Sample(
            form={**listing, "quantity": "1", "csrf_token": token}
        ),
        ("POST", "/shop/cart/items/{listing_id}/remove"): Sample(
            path=listing, form={"csrf_token": token}
        ),
        ("GET", "/shop/cart"): Sample(),
        ("POST", "/shop/checkout"): checkout,
        ("GET", "/shop/orders/{order_id}"): Sample(
            path={"order_id": order_id}, headers=owner_browser
        ),
        ("GET", "/shop/sellers/{seller_id}"): Sample(path={"seller_id": SELLER}, owner="seller"),
        # operations: anyone gets an answer (probes and Prometheus carry no credential)
        ("GET", "/healthz"): Sample(),
        ("GET", "/readyz"): Sample(),
        ("GET", "/metrics"): Sample(),
    }
    table = check_route_table(client, client.app, tokens, samples)
    assert {(method, path) for method, path, *_ in table} == set(samples)
    checkouts = [got for method, path, _, _, got in table if path == "/shop/checkout"]
    assert checkouts == [303] * 8, "every actor's checkout placed an order"


def test_a_seller_sees_its_own_listings_held_ones_with_their_issues(client, tokens):
    as_seller = bearer(tokens, "seller")
    own = client.get("/v1/listings", headers=as_seller)
    assert ids(own) == [
        f"L-{LIVE}-marketplace-feed",
        f"L-{LIVE}-storefront",
        f"L-{LIVE}-webhook",
        f"L-{HELD}-marketplace-feed",
        f"L-{HELD}-storefront",
    ]
    held = client.get(f"/v1/listings/L-{HELD}-marketplace-feed", headers=as_seller).json()
    assert held["status"] == "HELD" and held["issues"][0].startswith(
        "marketplace-feed: image_link is required"
    )
    assert ids(client.get("/v1/listings", headers=as_seller, params={"status": "HELD"})) == [
        f"L-{HELD}-marketplace-feed"
    ]
    page = client.get(f"/shop/sellers/{SELLER}", headers=as_seller).text
    assert "image_link is required" in page and "HELD" in page


def test_a_seller_cannot_see_another_sellers_listings(client, tokens):
    as_seller = bearer(tokens, "seller")
    r = client.get("/v1/listings", headers=as_seller, params={"seller_id": OTHER_SELLER})
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert client.get(f"/v1/listings/L-{THEIRS}-storefront", headers=as_seller).status_code == 404
    assert THEIRS not in str(
        ids(client.get("/v1/listings", headers=as_seller, params={"fnsku": THEIRS}))
    )
    assert client.get(f"/shop/sellers/{OTHER_SELLER}", headers=as_seller).status_code == 404


def test_a_channel_sees_only_its_own_channels_active_listings(client, tokens):
    storefront, feed = bearer(tokens, "channel"), bearer(tokens, "other channel")
    assert ids(client.get("/v1/listings", headers=storefront)) == [
        f"L-{LIVE}-storefront",
        f"L-{HELD}-storefront",
        f"L-{THEIRS}-storefront",
    ]
    assert ids(client.get("/v1/listings", headers=feed)) == [f"L-{LIVE}-marketplace-feed"]
    assert ids(client.get("/v1/listings", headers=feed, params={"status": "HELD"})) == []
    assert ids(
        client.get(
            "/v1/listings", headers=storefront, params={"channel": "Storefront", "in_stock": "true"}
        )
    ) == [f"L-{LIVE}-storefront", f"L-{THEIRS}-storefront"]
    another = client.get("/v1/listings", headers=storefront, params={"channel": "marketplace-feed"})
    assert another.status_code == 404
    # One listing, the webhook deliveries and a seller's page are not a channel's to read.
    for path in (
        f"/v1/listings/L-{LIVE}-storefront",
        "/v1/webhook-deliveries",
        f"/shop/sellers/{SELLER}",
    ):
        assert client.get(path, headers=storefront).status_code == 403


def test_a_service_reads_the_listings_of_the_one_seller_it_names(client, database):
    """Registration's console asks with its own credential for the signed-in seller's listings."""
    service = {
        "Authorization": f"Bearer {asyncio.run(issue_token(database, 'service', 'registration'))}"
    }
    named = client.get("/v1/listings", headers=service, params={"seller_id": SELLER})
    assert ids(named) == [
        f"L-{LIVE}-marketplace-feed",
        f"L-{LIVE}-storefront",
        f"L-{LIVE}-webhook",
        f"L-{HELD}-marketplace-feed",
        f"L-{HELD}-storefront",
    ]
    unnamed = client.get("/v1/listings", headers=service)
    assert unnamed.status_code == 403 and "seller_id" in unnamed.json()["error"]["message"]


def test_the_operator_sees_every_listing(client, tokens):
    every = ids(
        client.get("/v1/listings", headers=bearer(tokens, "operator"), params={"limit": 100})
    )
    assert (
        len(every) == 7 and f"L-{THEIRS}-webhook" in every and f"L-{HELD}-marketplace-feed" in every
    )


def test_webhook_deliveries_are_the_operators_and_a_sellers_own(client, tokens):
    def delivered_listings(actor: str, **params) -> set[str]:
        r = client.get("/v1/webhook-deliveries", headers=bearer(tokens, actor), params=params)
        assert r.status_code == 200, r.text
        return {d["listing_id"] for d in r.json()["items"]}

    assert delivered_listings("operator") == {f"L-{LIVE}-webhook", f"L-{THEIRS}-webhook"}
    assert delivered_listings("seller") == {f"L-{LIVE}-webhook"}
    assert delivered_listings("other seller") == {f"L-{THEIRS}-webhook"}
    r = client.get(
        "/v1/webhook-deliveries",
        headers=bearer(tokens, "seller"),
        params={"listing_id": f"L-{THEIRS}-webhook"},
    )
    assert r.status_code == 404
    assert client.get("/v1/webhook-deliveries").status_code == 401


def test_the_product_feed_is_public_and_holds_only_live_listings(client):
    feed = client.get(f"/v1/feeds/{SELLER}.xml")
    assert feed.status_code == 200
    assert re.findall(r"<g:id>([^<]+)</g:id>", feed.text) == [f"L-{LIVE}-marketplace-feed"]
