"""Fixtures shared by the listing service's tests: builders of the events it consumes, its
database and consumer, and a webhook receiver. In-memory fakes live in `listing_testkit`."""

from __future__ import annotations

import asyncio
import sys
import uuid
from decimal import Decimal
from pathlib import Path

import pytest

from stockpath_events import CatalogItemSnapshot, Condition, Identifiers, new_event
from stockpath_events.types.inventory import InventoryLevelChanged
from stockpath_events.types.registration import (
    ItemDeregistered,
    ItemRegistered,
    ItemRegistrationUpdated,
)

HERE = Path(__file__).parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))


def _registration(
    fnsku: str | None = None,
    *,
    channels: tuple[str, ...] = ("storefront",),
    seller_id: str = "S-ACME",
    seller_sku: str | None = None,
    price: str = "24.99",
    title: str = "Lodge 10-inch Cast Iron Skillet",
    event_id: str | None = None,
    brand: str | None = "Lodge",
    attributes: dict[str, str] | None = None,
    identifiers: Identifiers | None = None,
):
    fnsku = fnsku or f"X{uuid.uuid4().hex[:9].upper()}"
    data = ItemRegistered(
        registration_id=f"R-{uuid.uuid4().hex[:8]}",
        seller_id=seller_id,
        seller_sku=seller_sku or f"SKU-{fnsku}",
        catalog_item_id="B000000042",
        fnsku=fnsku,
        condition=Condition.NEW,
        price=Decimal(price),
        channels=list(channels),
        item=CatalogItemSnapshot(
            catalog_item_id="B000000042",
            title=title,
            brand=brand,
            category="Kitchen",
            identifiers=identifiers if identifiers is not None else Identifiers(upc="036000291452"),
            weight_g=2300,
            attributes=attributes if attributes is not None else {"color": "Black"},
        ),
    )
    return new_event(data, source="registration", event_id=event_id)


def _level(
    fnsku: str,
    fulfillment_center_id: str,
    fulfillable: int,
    *,
    inbound=0,
    reserved=0,
    unfulfillable=0,
):
    data = InventoryLevelChanged(
        fulfillment_center_id=fulfillment_center_id,
        fnsku=fnsku,
        seller_id="S-ACME",
        inbound=inbound,
        fulfillable=fulfillable,
        reserved=reserved,
        unfulfillable=unfulfillable,
    )
    return new_event(data, source="inventory")


@pytest.fixture(scope="session")
def item_registered():
    """``item_registered(fnsku=None, channels=("storefront",), ...)`` → an ItemRegistered envelope."""
    return _registration


@pytest.fixture(scope="session")
def inventory_level():
    """``inventory_level(fnsku, fc, fulfillable, inbound=, reserved=, unfulfillable=)`` → InventoryLevelChanged."""
    return _level


def _updated(registration, *, price: str, channels: tuple[str, ...]):
    """The ItemRegistrationUpdated registration would write after the seller's change."""
    r = registration.data
    data = ItemRegistrationUpdated(
        registration_id=r.registration_id,
        seller_id=r.seller_id,
        seller_sku=r.seller_sku,
        fnsku=r.fnsku,
        price=Decimal(price),
        channels=list(channels),
    )
    return new_event(data, source="registration")


def _deregistered(registration, *, reason: str | None = "discontinued"):
    r = registration.data
    data = ItemDeregistered(
        registration_id=r.registration_id,
        seller_id=r.seller_id,
        seller_sku=r.seller_sku,
        fnsku=r.fnsku,
        reason=reason,
    )
    return new_event(data, source="registration")


@pytest.fixture(scope="session")
def registration_updated():
    """``registration_updated(item_registered_event, price=, channels=)`` → ItemRegistrationUpdated."""
    return _updated


@pytest.fixture(scope="session")
def item_deregistered():
    """``item_deregistered(item_registered_event, reason=)`` → ItemDeregistered."""
    return _deregistered


class WebhookReceiver:
    """A real HTTP endpoint standing for a partner shop: it applies each listing change once per
    ``Idempotency-Key`` and can be told to fail its first requests (with or without applying them)."""

    def __init__(self, *, fail_first: int = 0, apply_before_failing: bool = False) -> None:
        import json
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.fail_first = fail_first
        self.apply_before_failing = apply_before_failing
        self.requests: list[tuple[str, dict, int]] = []  # (key, body, status answered)
        self.applied: dict[str, dict] = {}  # idempotency key -> change applied
        self.listings: dict[str, dict] = {}  # listing id -> the listing as the partner shows it
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 — http.server's naming
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                key = self.headers["Idempotency-Key"]
                with receiver.lock:
                    failing = len(receiver.requests) < receiver.fail_first
                    if (
                        not failing or receiver.apply_before_failing
                    ) and key not in receiver.applied:
                        receiver.applied[key] = body
                        listing = body["listing"]
                        if body["change"] == "closed":
                            receiver.listings.pop(listing["listing_id"], None)
                        else:
                            receiver.listings[listing["listing_id"]] = listing
                    status = 503 if failing else 200
                    receiver.requests.append((key, body, status))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/listings"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook_receiver():
    """``webhook_receiver(fail_first=0, apply_before_failing=False)`` → a running `WebhookReceiver`."""
    made: list[WebhookReceiver] = []

    def make(**kwargs) -> WebhookReceiver:
        made.append(WebhookReceiver(**kwargs))
        return made[-1]

    yield make
    for receiver in made:
        receiver.close()


@pytest.fixture(scope="module")
def database(fresh_database) -> str:
    return fresh_database("listing")


@pytest.fixture(scope="module")
def tokens(database) -> dict[str, str]:
    """A bearer token for every actor of the authorization table (`stockpath_testing.authorization`),
    known to this module's database."""
    from stockpath_testing.authorization import issue_tokens

    return asyncio.run(issue_tokens(database))


@pytest.fixture(scope="module")
def operator(tokens) -> dict[str, str]:
    """The operator's credential header: the operator reads every listing, delivery and seller page."""
    return {"Authorization": f"Bearer {tokens['operator']}"}


@pytest.fixture(scope="module")
async def engine(database):
    from stockpath_runtime.db import create_engine

    engine = create_engine(database)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="module")
def consumer_settings() -> dict:
    """Settings the listing consumer runs with; a test module overrides this fixture to change them."""
    return {}


@pytest.fixture(scope="module")
async def consumer(database, consumer_settings):
    """The listing worker's consumer on this module's database, minus the broker."""
    from stockpath_testing import ServiceConsumer

    async with ServiceConsumer("listing", database, **consumer_settings) as consumer:
        yield consumer


@pytest.fixture(scope="module")
def deliver(consumer):
    """``await deliver(event)`` → the runtime's outcome of the event delivered on its own."""

    async def deliver(envelope):
        [outcome] = await consumer.deliver(envelope)
        return outcome

    return deliver
