"""Fixtures for registration's integration tests: a real catalog service, a fresh registration
database, the registration API under a TestClient, a credential for every actor, and sellers
created by the operator with their tokens.

The catalog is the real catalog app with its own fresh database, served by uvicorn on a free
port in a background thread, so registration talks to it over HTTP exactly as in production.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid

import httpx
import pytest
import sqlalchemy as sa
import uvicorn
from fastapi.testclient import TestClient
from registration_console import Browser

from registration.adapters.tables import notification_attempts, notification_deliveries
from registration.bootstrap import create_api
from registration.settings import Settings
from stockpath_cli.localstack import free_port
from stockpath_cli.seed import demo_catalog_generator
from stockpath_runtime.db import async_url
from stockpath_runtime.service import get_service
from stockpath_testing.authorization import issue_tokens

#: Items crafted to hit each eligibility rule and size tier; added through the catalog's own API.
CRAFTED_ITEMS = [
    {
        "catalog_item_id": "REG-SMALL",
        "title": "Pocket Notebook",
        "category": "Office",
        "dimensions": {"length_cm": 20, "width_cm": 15, "height_cm": 1.5},
        "weight_g": 300,
    },
    {
        "catalog_item_id": "REG-LARGE",
        "title": "Stock Pot",
        "category": "Kitchen",
        "dimensions": {"length_cm": 40, "width_cm": 30, "height_cm": 15},
        "weight_g": 2000,
    },
    {
        "catalog_item_id": "REG-BULKY",
        "title": "Camping Cot",
        "category": "Sports & Outdoors",
        "dimensions": {"length_cm": 100, "width_cm": 50, "height_cm": 40},
        "weight_g": 20000,
    },
    {
        "catalog_item_id": "REG-HUGE",
        "title": "Kayak",
        "category": "Sports & Outdoors",
        "dimensions": {"length_cm": 300, "width_cm": 60, "height_cm": 40},
        "weight_g": 20000,
    },
    {
        "catalog_item_id": "REG-HEAVY",
        "title": "Anvil",
        "category": "Home Improvement",
        "dimensions": {"length_cm": 60, "width_cm": 30, "height_cm": 30},
        "weight_g": 70000,
    },
    {"catalog_item_id": "REG-NODIMS", "title": "Mystery Box", "category": "Toys", "weight_g": 500},
    {
        "catalog_item_id": "REG-NOWEIGHT",
        "title": "Feather",
        "category": "Toys",
        "dimensions": {"length_cm": 10, "width_cm": 5, "height_cm": 1},
    },
    {
        "catalog_item_id": "REG-HAZMAT",
        "title": "Lighter Fluid",
        "category": "Home Improvement",
        "hazmat": True,
        "dimensions": {"length_cm": 20, "width_cm": 8, "height_cm": 8},
        "weight_g": 400,
    },
    {
        "catalog_item_id": "REG-KNIFE",
        "title": "Hunting Knife",
        "category": "Weapons",
        "dimensions": {"length_cm": 30, "width_cm": 5, "height_cm": 3},
        "weight_g": 250,
    },
]


class BackgroundServer:
    """An ASGI app served by uvicorn on a free local port, in a daemon thread."""

    def __init__(self, app) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = uvicorn.Server(
            uvicorn.Config(
                app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on"
            )
        )
        self._thread = threading.Thread(target=self._server.run, daemon=True, name="catalog-server")

    def __enter__(self) -> BackgroundServer:
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the catalog server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self._server.should_exit = True
        self._thread.join(10)


@pytest.fixture(scope="module")
def demo_items() -> list[dict]:
    return demo_catalog_generator()(200)  # the installed demo catalog, as `stockpath seed` finds it


@pytest.fixture(scope="module")
def catalog_url(fresh_database, demo_items):
    catalog = get_service("catalog")  # the installed catalog service, as `stockpath up` runs it
    catalog_database = fresh_database("catalog")
    # The catalog's writes are the operator's: one credential in the catalog's own copy.
    operator = asyncio.run(issue_tokens(catalog_database, {"operator": "ops"}))["operator"]
    app = catalog.api(catalog.load_settings(database_url=catalog_database))
    with BackgroundServer(app) as server:
        with httpx.Client(base_url=server.url, timeout=60, headers=bearer(operator)) as admin:
            r = admin.post("/v1/catalog/items/bulk", json={"items": demo_items + CRAFTED_ITEMS})
            assert r.status_code == 200, r.text
        yield server.url


@pytest.fixture(scope="module")
def eligible_demo_items(demo_items) -> list[dict]:
    """Demo items fulfillment takes: measured, not hazmat, not restricted, within size limits."""
    return [
        i
        for i in demo_items
        if i["dimensions"]
        and i["weight_g"]
        and not i["hazmat"]
        and i["category"] != "Weapons"
        and max(i["dimensions"].values()) <= 274
        and i["weight_g"] <= 68_000
    ]


@pytest.fixture(scope="module")
def database(fresh_database) -> str:
    return fresh_database("registration")


@pytest.fixture(scope="module")
def settings(database, catalog_url) -> Settings:
    return Settings(database_url=database, catalog_url=catalog_url)


@pytest.fixture(scope="module")
def client(settings):
    with TestClient(create_api(settings)) as c:
        yield c


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def tokens(database) -> dict[str, str]:
    """A valid credential for every actor of the authorization table (actor → token), written
    into registration's copy of the credentials; the sellers among them are not sellers that exist."""
    return asyncio.run(issue_tokens(database))


@pytest.fixture(scope="module")
def operator(tokens) -> dict[str, str]:
    """The operator's credential header: creating sellers and managing credentials are the operator's."""
    return bearer(tokens["operator"])


@pytest.fixture
def fresh_credentials(monkeypatch):
    """Every request looks its credential up afresh: the runtime remembers one for a few seconds
    (`CACHE_SECONDS`), so a revocation takes effect within that time; these tests look at once."""
    monkeypatch.setattr("stockpath_runtime.auth.CACHE_SECONDS", 0.0)


@pytest.fixture
def new_seller(client, operator):
    """Factory: a seller created by the operator as {seller_id, name, token, credential_id, headers}."""

    def make(name: str | None = None, **body) -> dict:
        r = client.post(
            "/v1/sellers",
            json={"name": name or f"Seller {uuid.uuid4().hex[:6]}", **body},
            headers=operator,
        )
        assert r.status_code == 201, r.text
        seller = r.json()
        return {**seller, "headers": bearer(seller["token"])}

    return make


@pytest.fixture
def seller(new_seller) -> dict:
    return new_seller()


@pytest.fixture
def register(client):
    """``register(seller, *items, request_id=None)`` → the response (items default to new, $19.99)."""

    def post(seller: dict, *items: dict, request_id: str | None = None) -> httpx.Response:
        body: dict = {"items": [{"price": "19.99", **i} for i in items]}
        if request_id is not None:
            body["request_id"] = request_id
        return client.post("/v1/registrations", json=body, headers=seller["headers"])

    return post


def sku() -> str:
    return f"SKU-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def new_sku():
    return sku


@pytest.fixture(scope="module")
def outbox_events(database):
    """``outbox_events(event_type=None)`` → the decoded envelopes waiting in the outbox, in order."""
    import sqlalchemy as sa

    from stockpath_events import decode
    from stockpath_runtime.db import async_url, outbox
    from stockpath_runtime.unit_of_work import headers_from_row

    engine = sa.create_engine(async_url(database))

    def read(event_type: str | None = None) -> list:
        query = sa.select(outbox).order_by(outbox.c.id)
        if event_type is not None:
            query = query.where(outbox.c.event_type == f"stockpath.registration.{event_type}.v1")
        with engine.connect() as conn:
            rows = list(conn.execute(query))
        return [decode(r.value, headers_from_row(r.headers)) for r in rows]

    yield read
    engine.dispose()


@pytest.fixture
def stocked_seller(seller, register, new_sku) -> dict:
    """A seller with two registered items (and one rejected), ready to send stock."""
    skus = [new_sku(), new_sku(), new_sku()]
    r = register(
        seller,
        {"catalog_item_id": "REG-SMALL", "seller_sku": skus[0]},
        {"catalog_item_id": "REG-LARGE", "seller_sku": skus[1]},
        {"catalog_item_id": "REG-HAZMAT", "seller_sku": skus[2]},
    )
    results = r.json()["results"]
    return {
        **seller,
        "skus": skus[:2],
        "fnskus": {x["seller_sku"]: x["fnsku"] for x in results if x["fnsku"]},
        "rejected_sku": skus[2],
    }


@pytest.fixture
def plan(client):
    def post(seller: dict, *lines: tuple[str, int]):
        return client.post(
            "/v1/inbound-shipments",
            json={"lines": [{"seller_sku": s, "quantity": q} for s, q in lines]},
            headers=seller["headers"],
        )

    return post


@pytest.fixture
def shipment(stocked_seller, plan) -> dict:
    r = plan(stocked_seller, (stocked_seller["skus"][0], 10))
    assert r.status_code == 201, r.text
    return r.json()


@pytest.fixture(scope="module")
def console_app(settings):
    # No inventory, listing service or order router listens on these ports: their pages must say
    # so, not fail.
    unreachable = settings.model_copy(
        update={
            "inventory_url": f"http://127.0.0.1:{free_port()}",
            "listing_url": f"http://127.0.0.1:{free_port()}",
            "order_router_url": f"http://127.0.0.1:{free_port()}",
        }
    )
    return create_api(unreachable)


@pytest.fixture
def browser_for(console_app):
    """``browser_for(seller=None)`` → a new browser of the console, signed in as that seller when given."""
    opened = []

    def make(seller: dict | None = None) -> Browser:
        c = TestClient(console_app).__enter__()
        opened.append(c)
        browser = Browser(c)
        if seller is not None:
            r = browser.sign_in(seller["token"])
            assert r.status_code == 200 and "Signed in." in r.text
        return browser

    yield make
    for c in opened:
        c.__exit__(None, None, None)


@pytest.fixture(scope="module")
def failed_delivery(database):
    """``failed_delivery(seller_id, subscription_id)`` → the id of a notification delivery of the
    seller's that failed (as if its endpoint had refused every attempt)."""
    engine = sa.create_engine(async_url(database))

    def make(seller_id: str, subscription_id: str) -> int:
        with engine.begin() as conn:
            delivery_id = conn.execute(
                sa.insert(notification_deliveries)
                .values(
                    subscription_id=subscription_id,
                    seller_id=seller_id,
                    notification_id=f"{uuid.uuid4().hex}:order.shipped",
                    kind="order.shipped",
                    payload={},
                    status="failed",
                )
                .returning(notification_deliveries.c.delivery_id)
            ).scalar_one()
            conn.execute(
                sa.insert(notification_attempts).values(
                    delivery_id=delivery_id, number=1, status_code=503, error="HTTP 503"
                )
            )
        return delivery_id

    yield make
    engine.dispose()
