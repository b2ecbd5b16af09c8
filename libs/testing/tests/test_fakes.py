"""The in-memory stand-ins handler tests rely on behave like the runtime's real edges."""

from __future__ import annotations

import asyncio

import pytest

from stockpath_events import KafkaMessage
from stockpath_events.types.orders import OrderPlaced
from stockpath_runtime.consumer import MessageProcessor
from stockpath_testing import FakeUnitOfWork, NoDeadLetters
from stockpath_testing.fakes import UnexpectedDeadLetter


async def test_an_unexpected_dead_letter_ends_the_test_at_once_instead_of_being_retried():
    async def handle(events, uow) -> None: ...

    processor = MessageProcessor("probe", {OrderPlaced: handle}, FakeUnitOfWork, NoDeadLetters())
    garbage = KafkaMessage(topic="orders", key=b"k", value=b"not json", headers=[("ce_type", b"x")])

    with pytest.raises(UnexpectedDeadLetter, match="must not be dead-lettered"):
        await asyncio.wait_for(processor.process(garbage, partition=0, offset=0), timeout=5)


async def test_a_fake_unit_of_work_commits_only_what_was_committed_and_claims_once_per_consumer():
    from stockpath_events import new_event
    from stockpath_events.types.orders import OrderCancellationRequested

    uow = FakeUnitOfWork(source="/services/probe")
    event = new_event(OrderCancellationRequested(order_id="O-1"), source="/channels/web")
    async with uow:
        assert await uow.claim("probe", [event]) == {event.id}
        uow.emit(OrderCancellationRequested(order_id="O-2"), caused_by=event.cause)
        await uow.commit()
    async with uow:
        assert await uow.claim("probe", [event]) == set()
        assert await uow.claim("other", [event]) == {event.id}
        uow.emit(OrderCancellationRequested(order_id="O-3"))  # left without commit: dropped
    assert [e.data.order_id for e in uow.events] == ["O-2"]
    assert uow.events[0].causation_id == event.id and uow.commits == 1
