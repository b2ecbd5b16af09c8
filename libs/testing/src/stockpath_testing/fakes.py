"""In-memory stand-ins for the runtime's edges, so handlers can be tested without a database or
a broker (cosmicpython's ``tests/unit/test_handlers.py``).

A service's fake unit of work subclasses `FakeUnitOfWork` and sets its fake repositories in
``__init__`` (the same attribute names as its real unit of work's `_bind`):

    class FakeOrderRouterUnitOfWork(FakeUnitOfWork):
        def __init__(self) -> None:
            super().__init__(source="/services/order-router")
            self.orders = FakeOrderRepository()

    uow = FakeOrderRouterUnitOfWork()
    await handlers.route_orders([RouteOrder(...)], uow, policy=policy)
    assert [e.data for e in uow.events] == [OrderRouted(...)]
"""

from __future__ import annotations

from stockpath_events import Envelope
from stockpath_runtime.unit_of_work import AbstractUnitOfWork, encode_within_limit


class FakeUnitOfWork(AbstractUnitOfWork):
    """Commits to memory: what was emitted and committed, which events were claimed.

    Like the real one, events emitted and not committed are dropped when the block is left, and
    a claimed event id is claimed once per consumer. Repositories' in-memory state is not rolled
    back (a test that needs to see a rollback asserts on `events` and `commits`)."""

    def __init__(
        self, *, source: str = "/services/test", correlation_id: str | None = None
    ) -> None:
        super().__init__(source=source, correlation_id=correlation_id)
        #: Every event committed so far, across commits.
        self.events: list[Envelope] = []
        self.commits = 0
        self.rollbacks = 0
        self._claimed: set[tuple[str, str]] = set()

    async def claim(self, consumer: str, envelopes: list[Envelope]) -> set[str]:
        fresh = {e.id for e in envelopes if (consumer, e.id) not in self._claimed}
        self._claimed |= {(consumer, event_id) for event_id in fresh}
        return fresh

    async def _begin(self) -> None:
        pass

    async def _end(self) -> None:
        pass

    async def _commit(self, events: list[Envelope]) -> None:
        for event in events:
            encode_within_limit(event)  # what the real one refuses, this one refuses
        self.commits += 1
        self.events.extend(events)

    async def _rollback(self) -> None:
        self.rollbacks += 1

    def emitted(self, event_type: type | None = None) -> list:
        """The payloads committed so far, optionally only those of one event type."""
        return [e.data for e in self.events if event_type is None or isinstance(e.data, event_type)]


class UnexpectedDeadLetter(BaseException):
    """Not an `Exception`: the runtime retries a dead-letter write that fails with one (as if the
    broker were away), so the test would hang; this one ends the test at once."""


class NoDeadLetters:
    """A dead-letter writer for tests in which every event is valid: dead-lettering one fails the test."""

    async def send(self, message, **why) -> None:
        raise UnexpectedDeadLetter(f"a valid event must not be dead-lettered: {why}")
