"""What a consumer admits off a topic, judged by the registry: a forged event — a type that does
not belong on the topic, a publisher the registry does not allow, a time ahead of the clock, an
unknown type on a topic outside systems write to — is dead-lettered with the reason and changes
nothing; metric labels never come from what a publisher wrote."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from test_unit_of_work import order, placed

from stockpath_events import encode, new_event
from stockpath_events.types.inventory import InventoryLevelChanged
from stockpath_runtime import metrics
from stockpath_runtime.consumer import MessageProcessor, Outcome
from stockpath_testing import FakeUnitOfWork


class RecordingDeadLetters:
    def __init__(self) -> None:
        self.sent: list[dict] = []

    async def send(self, message, **why) -> None:
        self.sent.append({"topic": message.topic, **why})


@pytest.fixture
def consumer():
    applied: list[str] = []

    async def on_orders_placed(events, uow) -> None:
        applied.extend(e.data.order_id for e in events)

    dead = RecordingDeadLetters()
    processor = MessageProcessor(
        "probe", {type(order("x")): on_orders_placed}, FakeUnitOfWork, dead
    )
    return processor, applied, dead


async def admit(processor, message):
    return await processor.process(message, partition=0, offset=0)


async def test_an_order_from_its_own_channel_is_applied(consumer):
    processor, applied, dead = consumer
    assert await admit(processor, encode(placed("O-1", channel="web"))) is Outcome.PROCESSED
    assert applied == ["O-1"] and dead.sent == []


async def test_a_channel_publishing_another_channels_order_is_refused(consumer):
    processor, applied, dead = consumer
    forged = encode(new_event(order("O-2", channel="web"), source="/channels/other"))
    assert await admit(processor, forged) is Outcome.DEAD_LETTERED
    assert applied == []
    assert dead.sent[0]["error"] == "SourceNotAllowed"
    assert "'/channels/other'" in dead.sent[0]["reason"]


async def test_an_event_type_on_a_topic_that_does_not_carry_it_is_refused(consumer):
    processor, applied, dead = consumer
    level = new_event(
        InventoryLevelChanged(
            fulfillment_center_id="SEA1",
            fnsku="X1",
            seller_id="S1",
            inbound=0,
            fulfillable=5,
            reserved=0,
            unfulfillable=0,
        ),
        source="/services/inventory",
    )
    misplaced = replace(encode(level), topic="orders")
    assert await admit(processor, misplaced) is Outcome.DEAD_LETTERED
    assert dead.sent[0]["error"] == "WrongTopic"


async def test_an_event_from_the_future_is_refused(consumer):
    processor, applied, dead = consumer
    event = placed("O-3")
    ahead = replace(event, time=datetime.now(UTC) + timedelta(days=365))
    assert await admit(processor, encode(ahead)) is Outcome.DEAD_LETTERED
    assert applied == [] and dead.sent[0]["error"] == "TimeInFuture"
    slightly = replace(event, time=datetime.now(UTC) + timedelta(seconds=30))
    assert await admit(processor, encode(slightly)) is Outcome.PROCESSED, (
        "a small clock skew is tolerated"
    )


async def test_an_unknown_type_on_the_orders_topic_is_dead_lettered_and_labelled_unknown(consumer):
    processor, applied, dead = consumer
    message = encode(placed("O-4"))
    typo = replace(
        message,
        headers=[
            (k, b"stockpath.orders.OrderPlacd.v1" if k == "ce_type" else v)
            for k, v in message.headers
        ],
    )
    before = metrics.EVENTS_CONSUMED.labels(
        consumer="probe", event_type="unknown", outcome="dead_lettered"
    )._value.get()

    assert await admit(processor, typo) is Outcome.DEAD_LETTERED

    assert dead.sent[0]["error"] == "UnsupportedEvent"
    after = metrics.EVENTS_CONSUMED.labels(
        consumer="probe", event_type="unknown", outcome="dead_lettered"
    )._value.get()
    assert after == before + 1, "the label is 'unknown', not whatever the publisher wrote"


async def test_an_unknown_newer_type_on_an_internal_topic_is_left_to_newer_consumers():
    async def on_levels(events, uow) -> None:
        raise AssertionError("not for this handler")

    dead = RecordingDeadLetters()
    processor = MessageProcessor("probe", {InventoryLevelChanged: on_levels}, FakeUnitOfWork, dead)
    level = encode(
        new_event(
            InventoryLevelChanged(
                fulfillment_center_id="SEA1",
                fnsku="X1",
                seller_id="S1",
                inbound=0,
                fulfillable=5,
                reserved=0,
                unfulfillable=0,
            ),
            source="/services/inventory",
        )
    )
    v2 = replace(
        level,
        headers=[
            (k, b"stockpath.inventory.InventoryLevelChanged.v2" if k == "ce_type" else v)
            for k, v in level.headers
        ],
    )
    assert await admit(processor, v2) is Outcome.IGNORED
    assert dead.sent == []
