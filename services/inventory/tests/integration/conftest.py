"""Fixtures for the inventory's integration tests: a migrated database per test module, the API on
it, a credential for every actor and the API called as each (`fc_staff` at SEA1, `operator`,
`seller`), a way to deliver consumed events exactly as the worker does, and readers of the outbox
and the ledger.

Helpers are fixtures (not imports from this file) so the tests work under
``--import-mode=importlib``; the event builders live in `inventory_testkit`.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from inventory_testkit import Events, planned_event

from inventory.bootstrap import create_api
from inventory.service_layer.unit_of_work import InventoryUnitOfWork
from inventory.settings import Settings
from stockpath_events import Envelope, decode
from stockpath_runtime.consumer import Outcome
from stockpath_runtime.db import create_engine, outbox
from stockpath_runtime.unit_of_work import headers_from_row
from stockpath_testing import ServiceConsumer
from stockpath_testing.authorization import SUBJECTS, issue_tokens

#: Who each actor of the authorization table is here: the seller is the one the tests' shipments
#: are planned for (`plan`), the FC the one they are bound for (SEA1).
ACTORS = {**SUBJECTS, "seller": "S-ACME"}


@pytest.fixture(scope="module")
def database(fresh_database) -> str:
    return fresh_database("inventory")


@pytest.fixture(scope="module")
def client(database):
    with TestClient(create_api(Settings(database_url=database))) as c:
        yield c


@pytest.fixture(scope="module")
def tokens(database) -> dict[str, str]:
    """A bearer token for every actor (`ACTORS`), in this module's database."""
    return asyncio.run(issue_tokens(database, ACTORS))


class Caller:
    """The test client calling as one actor: its bearer token on every request."""

    def __init__(self, client: TestClient, token: str) -> None:
        self.client = client
        self.token = token

    def request(self, method: str, url: str, *, headers: dict | None = None, **kwargs):
        return self.client.request(
            method,
            url,
            headers={"Authorization": f"Bearer {self.token}", **(headers or {})},
            **kwargs,
        )

    def get(self, url: str, **kwargs):
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs):
        return self.request("POST", url, **kwargs)


@pytest.fixture(scope="module")
def caller(client, tokens):
    """``caller("other fc")``: the API called as that actor (`ACTORS`)."""
    return lambda actor: Caller(client, tokens[actor])


@pytest.fixture(scope="module")
def fc_staff(caller) -> Caller:
    """Staff of SEA1, where the tests' shipments are bound: they receive, close, adjust and read there."""
    return caller("fc")


@pytest.fixture(scope="module")
def operator(caller) -> Caller:
    """The operator: acts at any FC and reads every seller's stock."""
    return caller("operator")


@pytest.fixture(scope="module")
def seller(caller) -> Caller:
    """S-ACME, the seller of the tests' shipments."""
    return caller("seller")


class Browser:
    """One browser over the shared test client: its own cookies (kept from each response's
    Set-Cookie, sent as its Cookie header) while the client's jar stays empty, so two browsers,
    or a browser and an API caller, never share a session."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.cookies: dict[str, str] = {}

    def request(self, method: str, url: str, *, headers: dict | None = None, **kwargs):
        self.client.cookies.clear()
        sent = {**(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        response = self.client.request(method, url, headers=sent, follow_redirects=False, **kwargs)
        self.client.cookies.clear()
        for header in response.headers.get_list("set-cookie"):
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if "max-age=0" in header.lower() or value in ("", '""'):
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return response

    def get(self, url: str, **kwargs):
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs):
        return self.request("POST", url, **kwargs)

    def csrf_token(self, url: str = "/fc/sign-in") -> str:
        """The CSRF token of the first form of a page this browser opens."""
        page = self.get(url).text
        return page.split("name='csrf_token' value='", 1)[1].split("'", 1)[0]


@pytest.fixture(scope="module")
def new_browser(client):
    """``new_browser()``: a browser of its own (`Browser`), not signed in."""
    return lambda: Browser(client)


@pytest.fixture(scope="session")
def events():
    """Builders of the events the inventory consumes (`inventory_testkit`)."""
    return Events


class _RecordingDeadLetters:
    """Keeps what would be dead-lettered, so `deliver` can fail with the reason (a dead-letter
    writer that raises would be retried by the runtime as an unavailable broker)."""

    def __init__(self) -> None:
        self.sent: list[dict] = []

    async def send(self, message, **why) -> None:
        self.sent.append({"message": message, **why})


@pytest.fixture(scope="module")
def deliver(database):
    """Deliver envelopes one by one through the worker's own path (`ServiceConsumer`: encode →
    the service's subscriptions → inbox claim → handler → commit); returns each outcome. Failures
    are not retried, and their error is attached to the AssertionError so a test shows why."""

    def run(*envelopes: Envelope) -> list[Outcome]:
        async def go() -> list[Outcome]:
            dead = _RecordingDeadLetters()
            async with ServiceConsumer(
                "inventory", database, dead_letters=dead, max_attempts=1
            ) as consumer:
                outcomes = await consumer.deliver(*envelopes)
            if dead.sent:
                raise AssertionError(
                    f"dead-lettered: {[(d['error'], d['reason']) for d in dead.sent]}"
                )
            return outcomes

        return asyncio.run(go())

    return run


@dataclass(frozen=True)
class Shipment:
    shipment_id: str
    seller_id: str
    fulfillment_center_id: str
    fnskus: list[str]
    planned: Envelope


@pytest.fixture(scope="module")
def plan(deliver):
    """Plan a shipment with unique ids: ``plan(10, 5)`` → two FNSKUs expecting 10 and 5 units."""

    def make(
        *quantities: int,
        fnskus: list[str] | None = None,
        seller_id: str = "S-ACME",
        fc: str = "SEA1",
    ) -> Shipment:
        tag = uuid.uuid4().hex[:8].upper()
        fnskus = fnskus or [f"X{tag}{i}" for i in range(len(quantities))]
        shipment_id = f"FBA{tag}"
        envelope = planned_event(
            shipment_id,
            list(zip(fnskus, quantities, strict=True)),
            seller_id=seller_id,
            fulfillment_center_id=fc,
        )
        assert deliver(envelope) == [Outcome.PROCESSED]
        return Shipment(shipment_id, seller_id, fc, fnskus, envelope)

    return make


@pytest.fixture(scope="module")
def outbox_events(database):
    """The events the service has committed to its outbox, decoded with the shared contract."""

    def read(event_type: str | None = None) -> list[Envelope]:
        engine = sa.create_engine(database)
        try:
            with engine.connect() as conn:
                query = sa.select(outbox).order_by(outbox.c.id)
                if event_type:
                    query = query.where(
                        outbox.c.event_type == f"stockpath.inventory.{event_type}.v1"
                    )
                rows = conn.execute(query).all()
        finally:
            engine.dispose()
        return [decode(r.value, headers_from_row(r.headers)) for r in rows]

    return read


@pytest.fixture(scope="module")
def buckets_and_ledger(database):
    """(stored buckets, buckets recomputed from the ledger) for every FNSKU and FC."""

    def read():
        async def go():
            engine = create_engine(database)
            try:
                async with InventoryUnitOfWork(
                    engine, source=Settings(database_url=database).source
                ) as uow:
                    return await uow.stock.stored_levels(), await uow.stock.recomputed_from_ledger()
            finally:
                await engine.dispose()

        return asyncio.run(go())

    return read


@pytest.fixture(scope="module")
def stocked(fc_staff, plan):
    """make(units): an FNSKU with `units` fulfillable at SEA1 (planned and received in full), the
    seller's given (default S-ACME)."""

    def make(units: int, seller_id: str = "S-ACME") -> str:
        shipment = plan(units, seller_id=seller_id)
        (fnsku,) = shipment.fnskus
        r = fc_staff.post(
            "/v1/receipts",
            json={
                "shipment_id": shipment.shipment_id,
                "fulfillment_center_id": "SEA1",
                "lines": [{"fnsku": fnsku, "received": units}],
            },
        )
        assert r.status_code == 201, r.text
        return fnsku

    return make
