"""`stockpath seed` makes the shop sell at once: against a whole platform (every service a separate
process, as `stockpath up` starts them) it registers, stocks at several FCs and lists the demo items
through the APIs only; a buyer then finds them in stock in the shop, adds one to the cart through
the storefront's forms and places an order the platform routes. Seeding again fails nothing and
duplicates nothing: the same seller, the same items, no second shipment."""

from __future__ import annotations

import re
import time
from html import unescape

import httpx
import pytest
from typer.testing import CliRunner

from stockpath_cli import control
from stockpath_cli.main import app
from stockpath_testing.kafka import own_broker
from stockpath_testing.processes import running_platform

pytestmark = [pytest.mark.integration, pytest.mark.system]

#: `--listed`'s default: more than one page of the shop (24).
LISTED = 30


@pytest.fixture(scope="module")
def kafka_bootstrap(tmp_path_factory):
    """A broker of the module's own, as `./dev up` starts: the shop must list the demo items and
    nothing that other modules' sellers left on the session's broker."""
    with own_broker(tmp_path_factory.mktemp("demo-tansu")) as bootstrap:
        yield bootstrap


@pytest.fixture(scope="module")
def platform(kafka_bootstrap, database_server, tmp_path_factory):
    with running_platform(
        bootstrap=kafka_bootstrap,
        database_server=database_server,
        prefix="demo",
        log_dir=tmp_path_factory.mktemp("demo-platform"),
    ) as p:
        yield p


@pytest.fixture(scope="module")
def seed(platform, tmp_path_factory):
    """`stockpath seed` against the platform (its demo state in a directory of this module's)."""
    home = tmp_path_factory.mktemp("stockpath-home")
    env = {
        "COLUMNS": "250",
        "STOCKPATH_OPERATOR_TOKEN": platform.operator_token,
        **{f"{name.upper().replace('-', '_')}_URL": platform.url(name) for name in platform.names},
    }

    def run() -> dict[str, str]:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(control, "STATE_DIR", home)
            result = CliRunner().invoke(app, ["seed", "--items", "300", "--wait", "90"], env=env)
        assert result.exit_code == 0, result.output
        printed = dict(re.findall(r"^(\w+)\s+(\S+)", result.output, re.MULTILINE))
        fcs = re.findall(r"^fc_token\s+(\S+)\s+\(FC (\w+)\)", result.output, re.MULTILINE)
        return {**printed, "fcs": {fc: token for token, fc in fcs}, "output": result.output}

    return run


@pytest.fixture(scope="module")
def seeded(seed):
    return seed()


def listings(platform, token: str) -> list[dict]:
    with httpx.Client(
        base_url=platform.url("listing"), headers={"Authorization": f"Bearer {token}"}
    ) as client:
        return client.get("/v1/listings", params={"channel": "storefront", "limit": 100}).json()[
            "items"
        ]


def test_the_seed_registers_stocks_and_lists_the_demo_items(platform, seeded):
    shop_url = platform.url("listing") + "/shop"
    for line in (
        f"shop          {shop_url}",
        f"console       {platform.url('registration')}/console",
        f"fc_page       {platform.url('inventory')}/fc",
    ):
        assert line in seeded["output"]
    assert seeded["token"].startswith("sp_") and seeded["channel_token"].startswith("sp_")
    assert len(seeded["fcs"]) >= 2, "the demo stock is received at several FCs"

    listed = listings(platform, seeded["token"])
    assert len(listed) == LISTED
    assert all(
        x["status"] == "ACTIVE" and x["in_stock"] and x["sellable_quantity"] >= 20 for x in listed
    ), listed

    # The shop lists every one of them, in stock.
    pages = [httpx.get(shop_url, params={"page": n}).text for n in (1, 2)]
    assert f"{LISTED} products" in pages[0]
    cards = {
        re.search(r"href=\"/shop/products/([^\"]+)\"", card).group(1): card
        for page in pages
        for card in page.split('<div class="card product">')[1:]
    }
    for x in listed:
        assert x["listing_id"] in cards, f"{x['listing_id']} is not in the shop"
        assert (
            "In stock" in cards[x["listing_id"]]
            and unescape(cards[x["listing_id"]]).count(x["title"]) == 1
        )

    # Each FC's printed token works at its own FC: its receipts are there.
    for fc, token in seeded["fcs"].items():
        r = httpx.get(
            f"{platform.url('inventory')}/v1/inventory",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert r.status_code == 200 and {i["fulfillment_center_id"] for i in r.json()["items"]} == {
            fc
        }
        assert all(i["fulfillable"] > 0 and i["inbound"] == 0 for i in r.json()["items"])


def test_a_buyer_adds_a_demo_item_to_the_cart_and_orders_it(platform, seeded):
    item = listings(platform, seeded["token"])[0]
    with httpx.Client(base_url=platform.url("listing"), timeout=30) as buyer:
        product = buyer.get(f"/shop/products/{item['listing_id']}").text
        assert f"In stock ({item['sellable_quantity']} available)" in product
        r = buyer.post(
            "/shop/cart/items",
            data={
                "csrf_token": csrf_token(product),
                "listing_id": item["listing_id"],
                "quantity": "1",
            },
        )
        assert r.status_code == 303 and r.headers["location"] == "/shop/cart"
        cart = buyer.get("/shop/cart").text
        assert "Cart (1)" in cart and item["listing_id"] in cart
        checkout_token = re.search(r'name="checkout_token" value="([^"]+)"', cart).group(1)
        r = buyer.post(
            "/shop/checkout",
            data={
                "csrf_token": csrf_token(cart, "/shop/checkout"),
                "checkout_token": checkout_token,
                "name": "Ada Lovelace",
                "line1": "1 Analytical Way",
                "city": "Princeton",
                "region": "NJ",
                "postal_code": "08540",
                "country": "US",
                "shipping_speed": "priority",
            },
        )
        assert r.status_code == 303, r.text
        order_page = r.headers["location"]
        deadline = time.monotonic() + 30
        while (
            'data-status="PLACED"' in (status := buyer.get(order_page).text)
            and time.monotonic() < deadline
        ):
            time.sleep(0.3)
        assert 'data-status="ROUTED"' in status, status


def test_seeding_again_reuses_the_seller_and_duplicates_nothing(platform, seeded, seed):
    with httpx.Client(
        base_url=platform.url("registration"),
        headers={"Authorization": f"Bearer {seeded['token']}"},
    ) as seller:
        shipments_before = seller.get("/v1/inbound-shipments", params={"limit": 100}).json()[
            "total"
        ]

    again = seed()

    assert again["seller_id"] == seeded["seller_id"] and again["token"] == seeded["token"]
    assert again["fcs"] == seeded["fcs"] and again["channel_token"] == seeded["channel_token"]
    assert "0 demo item(s)" in again["output"] and "planned shipment" not in again["output"]
    listed = listings(platform, again["token"])
    assert len(listed) == LISTED and all(x["in_stock"] for x in listed)
    with httpx.Client(
        base_url=platform.url("registration"), headers={"Authorization": f"Bearer {again['token']}"}
    ) as seller:
        assert (
            seller.get("/v1/inbound-shipments", params={"limit": 100}).json()["total"]
            == shipments_before
        )
        registrations = seller.get("/v1/registrations", params={"limit": 100}).json()
        assert registrations["total"] == LISTED, "no registration refused or repeated"


def test_demo_items_prices_and_quantities_are_the_same_on_every_seed():
    from stockpath_cli.demo import demo_price, demo_units, eligible_by_catalog_data
    from stockpath_cli.seed import demo_catalog_generator

    generate = demo_catalog_generator()
    items = generate(300)
    chosen = eligible_by_catalog_data(items)
    assert len(chosen) >= LISTED and chosen == eligible_by_catalog_data(generate(300))
    assert all(i["dimensions"] and i["weight_g"] and not i["hazmat"] for i in chosen)
    assert {i["catalog_item_id"] for i in items if i["hazmat"] or not i["dimensions"]}.isdisjoint(
        i["catalog_item_id"] for i in chosen
    )
    assert demo_price("B000000001") == demo_price("B000000001") and demo_price(
        "B000000001"
    ).endswith(".99")
    assert all(10 <= demo_units(f"DEMO-B{n:09d}") <= 20 for n in range(50))


def csrf_token(html: str, action: str | None = None) -> str:
    """The CSRF token of the page's form posting to `action` (else of its first form)."""
    if action:
        html = html.split(f'action="{action}"', 1)[1]
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_an_unknown_seller_name_makes_a_new_seller(platform, seeded, tmp_path):
    """A kept seller that this platform does not know (another stack's) is not reused."""
    from stockpath_cli.demo_access import Kept, Operator

    kept = Kept(tmp_path / "demo.json")
    kept.put("seller:Elsewhere", {"seller_id": "SNOSUCHSELL", "token": "sp_CNOSUCH00000_nosecret"})
    operator = Operator(platform.url("registration"), platform.operator_token, kept)

    seller, reused = operator.demo_seller("Elsewhere")

    assert not reused and seller["seller_id"] != "SNOSUCHSELL"
    assert (
        kept.get("seller:Elsewhere") == seller
        and (tmp_path / "demo.json").stat().st_mode & 0o077 == 0
    )
    assert operator.demo_seller("Elsewhere") == (seller, True)
