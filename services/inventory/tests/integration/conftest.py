"""Fixtures for the inventory's integration tests: a migrated database per test module, the API on
it, a way to deliver registration events exactly as the worker does, and readers of the outbox
and the ledger.

Helpers are fixtures (not imports from this file) so the tests work under
``--import-mode=importlib``.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

import stockpath_network
from inventory.adapters.repository import StockRepository
from inventory.app import create_api
from inventory.entrypoints.events import subscriptions
from inventory.settings import Settings
from stockpath_events import Address, Envelope, decode, encode, new_event
from stockpath_events.types.fulfillment import ShipmentShipped
from stockpath_events.types.order_router import (
    FulfillmentCancelled,
    FulfillmentInstructed,
    FulfillmentLine,
)
from stockpath_events.types.registration import (
    InboundShipmentCancelled,
    InboundShipmentLine,
    InboundShipmentPlanned,
)
from stockpath_runtime.consumer import MessageProcessor, Outcome
from stockpath_runtime.db import create_engine, outbox
from stockpath_runtime.unit_of_work import UnitOfWork, headers_from_row


@pytest.fixture(scope="module")
def database(fresh_database) -> str:
    return fresh_database("inventory")


@pytest.fixture(scope="module")
def client(database):
    with TestClient(create_api(Settings(database_url=database))) as c:
        yield c


def planned_event(
    shipment_id: str,
    lines: list[tuple[str, int]],
    *,
    seller_id: str = "S-ACME",
    fulfillment_center_id: str = "SEA1",
) -> Envelope[InboundShipmentPlanned]:
    """What registration publishes when it tells a seller where to ship (seller SKU = 'SKU-' + FNSKU)."""
    fc = stockpath_network.get(fulfillment_center_id)
    return new_event(
        InboundShipmentPlanned(
            shipment_id=shipment_id,
            seller_id=seller_id,
            fulfillment_center_id=fulfillment_center_id,
            ship_to=fc.address,
            lines=[InboundShipmentLine(fnsku=f, seller_sku=f"SKU-{f}", quantity=q) for f, q in lines],
        ),
        source="registration",
    )


def cancelled_event(shipment_id: str, *, seller_id: str = "S-ACME", fulfillment_center_id: str = "SEA1") -> Envelope:
    return new_event(
        InboundShipmentCancelled(
            shipment_id=shipment_id, seller_id=seller_id, fulfillment_center_id=fulfillment_center_id, reason="seller"
        ),
        source="registration",
    )


def instructed_event(
    fulfillment_order_id: str, lines: list[tuple[str, int]], *, fulfillment_center_id: str = "SEA1",
    seller_id: str = "S-ACME", order_id: str | None = None,
) -> Envelope[FulfillmentInstructed]:
    """What order-router writes to fulfillment.instructions (line ids 1, 2, …; seller SKU 'SKU-' + FNSKU)."""
    return new_event(
        FulfillmentInstructed(
            fulfillment_order_id=fulfillment_order_id,
            order_id=order_id or f"O-{fulfillment_order_id}",
            fulfillment_center_id=fulfillment_center_id,
            lines=[
                FulfillmentLine(line_id=str(n), fnsku=f, seller_sku=f"SKU-{f}", seller_id=seller_id, quantity=q)
                for n, (f, q) in enumerate(lines, start=1)
            ],
            ship_to=Address(name="Ada Buyer", line1="400 Pine St", city="Seattle", region="WA", postal_code="98101"),
            shipping_speed="standard",
        ),
        source="order-router",
    )


def fulfillment_cancelled_event(fulfillment_order_id: str, *, fulfillment_center_id: str = "SEA1") -> Envelope:
    return new_event(
        FulfillmentCancelled(
            fulfillment_order_id=fulfillment_order_id, order_id=f"O-{fulfillment_order_id}",
            fulfillment_center_id=fulfillment_center_id, reason="buyer",
        ),
        source="order-router",
    )


def shipped_event(fulfillment_order_id: str, *, fulfillment_center_id: str = "SEA1") -> Envelope:
    return new_event(
        ShipmentShipped(
            fulfillment_order_id=fulfillment_order_id, order_id=f"O-{fulfillment_order_id}",
            fulfillment_center_id=fulfillment_center_id, carrier="UPS", tracking_number=f"1Z{fulfillment_order_id}",
        ),
        source="/fulfillment-centers/SEA1",
    )


@pytest.fixture(scope="session")
def events():
    """Builders of the events the inventory consumes."""

    class Events:
        planned = staticmethod(planned_event)
        cancelled = staticmethod(cancelled_event)
        instructed = staticmethod(instructed_event)
        fulfillment_cancelled = staticmethod(fulfillment_cancelled_event)
        shipped = staticmethod(shipped_event)

    return Events


class _RecordingDeadLetters:
    def __init__(self) -> None:
        self.sent: list[dict] = []

    async def send(self, message, **why) -> None:
        self.sent.append({"message": message, **why})


@pytest.fixture(scope="module")
def deliver(database):
    """Deliver envelopes through the worker's own path (encode → MessageProcessor with the service's
    subscriptions → inbox claim → handler → commit); returns each outcome. Failures are not retried,
    and their error is attached to the AssertionError so a test shows why."""

    def run(*envelopes: Envelope) -> list[Outcome]:
        async def go() -> list[Outcome]:
            settings = Settings(database_url=database)
            engine = create_engine(database)
            dead = _RecordingDeadLetters()
            try:
                handlers = {s.topic: s.handlers for s in subscriptions(settings, engine)}
                outcomes = []
                for envelope in envelopes:
                    message = encode(envelope)
                    processor = MessageProcessor(
                        "inventory",
                        handlers[message.topic],
                        lambda: UnitOfWork(engine, source=settings.source),
                        dead,
                        max_attempts=1,
                    )
                    outcomes.append(await processor.process(message, partition=0, offset=0))
            finally:
                await engine.dispose()
            if dead.sent:
                raise AssertionError(f"dead-lettered: {[(d['error'], d['reason']) for d in dead.sent]}")
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

    def make(*quantities: int, fnskus: list[str] | None = None, seller_id: str = "S-ACME", fc: str = "SEA1") -> Shipment:
        tag = uuid.uuid4().hex[:8].upper()
        fnskus = fnskus or [f"X{tag}{i}" for i in range(len(quantities))]
        shipment_id = f"FBA{tag}"
        envelope = planned_event(
            shipment_id, list(zip(fnskus, quantities, strict=True)), seller_id=seller_id, fulfillment_center_id=fc
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
                    query = query.where(outbox.c.event_type == f"stockpath.inventory.{event_type}.v1")
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
                async with engine.connect() as conn:
                    stock = StockRepository(conn)
                    return await stock.stored_levels(), await stock.recomputed_from_ledger()
            finally:
                await engine.dispose()

        return asyncio.run(go())

    return read
