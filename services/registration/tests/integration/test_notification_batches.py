"""What the registration consumer does for notifications, a batch at a time, against the real
PostgreSQL: the fulfillment instructions and shipment confirmations of a batch cost the same
statements whether it holds one or fifty (they come with every order line, most of them for
sellers without a subscription); an instruction published again under a new event id and a
shipment the FC reports twice tell the seller once; the worker's clock forgets orders remembered
longer ago than its setting."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import event as sa_event

from registration.bootstrap import create_api
from registration.bootstrap import timers as registration_timers
from registration.service_layer.unit_of_work import RegistrationUnitOfWork
from registration.settings import NotificationSettings, Settings
from stockpath_events import Address, new_event
from stockpath_events.types.fulfillment import ShipmentShipped
from stockpath_events.types.order_router import FulfillmentInstructed, FulfillmentLine
from stockpath_runtime.consumer import Outcome
from stockpath_testing.consumers import ServiceConsumer

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]

BUYER = Address(name="Ada Buyer", line1="1 Main St", city="Kent", region="WA", postal_code="98032")
P = Outcome.PROCESSED


@pytest.fixture(scope="module")
def settings(database, catalog_url) -> Settings:
    # Loopback endpoints allowed (the dev setting); one attempt: what is delivered is not the point.
    return Settings(
        database_url=database,
        catalog_url=catalog_url,
        notifications=NotificationSettings(allow_local=True, max_attempts=1),
    )


@pytest.fixture(scope="module")
def client(settings):
    with TestClient(create_api(settings)) as c:
        yield c


@pytest.fixture(scope="module")
async def consumer(database):
    async with ServiceConsumer("registration", database) as c:
        yield c


@pytest.fixture
def statements(consumer):
    """Counts the statements the consumer's transactions execute."""
    counted = {"n": 0}

    def count(*_args) -> None:
        counted["n"] += 1

    sa_event.listen(consumer.engine.sync_engine, "before_cursor_execute", count)
    yield counted
    sa_event.remove(consumer.engine.sync_engine, "before_cursor_execute", count)


def instructed(fo: str, seller: dict) -> object:
    sku = seller["skus"][0]
    return new_event(
        FulfillmentInstructed(
            fulfillment_order_id=fo,
            order_id=f"O-{fo}",
            fulfillment_center_id="SEA1",
            lines=[
                FulfillmentLine(
                    line_id="1",
                    fnsku=seller["fnskus"][sku],
                    seller_sku=sku,
                    seller_id=seller["seller_id"],
                    quantity=1,
                )
            ],
            ship_to=BUYER,
            shipping_speed="standard",
        ),
        source="/services/order-router",
    )


def shipped(fo: str) -> object:
    return new_event(
        ShipmentShipped(
            fulfillment_order_id=fo,
            order_id=f"O-{fo}",
            fulfillment_center_id="SEA1",
            carrier="UPS",
            tracking_number=f"1Z{fo}",
        ),
        source="/fulfillment-centers/SEA1",
    )


def queued(database: str, seller_id: str) -> list[tuple[str, str]]:
    engine = sa.create_engine(database)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT kind, payload->'data'->>'fulfillment_order_id' AS fo "
                    "FROM notification_deliveries WHERE seller_id = :s ORDER BY delivery_id"
                ),
                {"s": seller_id},
            ).all()
    finally:
        engine.dispose()
    return [(r.kind, r.fo) for r in rows]


async def batch_cost(consumer, statements, events: list) -> int:
    before = statements["n"]
    assert await consumer.deliver_batch(*events) == [P] * len(events)
    return statements["n"] - before


@pytest.mark.parametrize("subscribed", [False, True], ids=["nobody-listens", "seller-listens"])
async def test_a_batch_costs_the_same_statements_whether_it_holds_one_order_or_fifty(
    consumer, statements, client, stocked_seller, subscribed
):
    seller = stocked_seller
    if subscribed:
        r = client.post(
            "/v1/notification-subscriptions",
            json={"url": "http://127.0.0.1:9/hook", "kinds": ["order.routed", "order.shipped"]},
            headers=seller["headers"],
        )
        assert r.status_code == 201, r.text
    run = uuid.uuid4().hex[:6]
    one = [f"FO-{run}-A"]
    fifty = [f"FO-{run}-{n}" for n in range(50)]

    costs = {
        name: (
            await batch_cost(consumer, statements, [instructed(fo, seller) for fo in fos]),
            await batch_cost(consumer, statements, [shipped(fo) for fo in fos]),
        )
        for name, fos in (("one", one), ("fifty", fifty))
    }

    assert costs["one"] == costs["fifty"], costs


async def test_an_order_instructed_again_and_shipped_twice_tells_its_seller_once(
    consumer, client, database, stocked_seller
):
    seller = stocked_seller
    r = client.post(
        "/v1/notification-subscriptions",
        json={"url": "http://127.0.0.1:9/hook", "kinds": ["order.routed", "order.shipped"]},
        headers=seller["headers"],
    )
    assert r.status_code == 201, r.text
    fo = f"FO-{uuid.uuid4().hex[:8]}"

    # Published again by a producer's retry (a new event id), and reported twice by the FC, in
    # one batch and in the next.
    assert await consumer.deliver_batch(instructed(fo, seller), instructed(fo, seller)) == [P, P]
    assert await consumer.deliver_batch(shipped(fo), shipped(fo)) == [P, P]
    assert await consumer.deliver(instructed(fo, seller), shipped(fo)) == [P, P]

    assert queued(database, seller["seller_id"]) == [("order.routed", fo), ("order.shipped", fo)]


async def test_the_worker_forgets_orders_remembered_longer_ago_than_its_setting(
    consumer, database, stocked_seller
):
    old, recent = f"FO-{uuid.uuid4().hex[:8]}", f"FO-{uuid.uuid4().hex[:8]}"
    assert await consumer.deliver(instructed(old, stocked_seller), shipped(recent)) == [P, P]
    engine = sa.create_engine(database)
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "UPDATE notified_fulfillment_orders SET remembered_at = now() - interval '91 days' "
                    "WHERE fulfillment_order_id = :fo"
                ),
                {"fo": old},
            )
    finally:
        engine.dispose()
    [timer] = registration_timers(Settings(database_url=database))
    assert (timer.name, timer.interval_s) == ("notification-memory", 3600.0)

    await timer.run(
        lambda: RegistrationUnitOfWork(consumer.engine, source="/services/registration")
    )

    engine = sa.create_engine(database)
    try:
        with engine.connect() as conn:
            kept = set(
                conn.execute(
                    sa.text(
                        "SELECT fulfillment_order_id FROM notified_fulfillment_orders "
                        "WHERE fulfillment_order_id = ANY(:fos)"
                    ),
                    {"fos": [old, recent]},
                ).scalars()
            )
    finally:
        engine.dispose()
    assert kept == {recent}  # 90 days by default (REGISTRATION_NOTIFICATIONS__MEMORY_DAYS)
