"""A service's consumer as its worker runs it, without the broker: the service's own
subscriptions and unit of work on a test database, one `MessageProcessor` per topic.

    async with ServiceConsumer("order-router", database_url) as consumer:
        [outcome] = await consumer.deliver(order_placed)          # one event, as the worker would
        outcomes = await consumer.deliver_batch(*orders)          # several, in one transaction
        assert consumer.transactions == 2
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from stockpath_events import Envelope, encode
from stockpath_runtime.consumer import Delivery, MessageProcessor, Outcome, Subscription
from stockpath_runtime.db import create_engine
from stockpath_runtime.service import ServiceDefinition, get_service
from stockpath_testing.fakes import NoDeadLetters


class ServiceConsumer:
    def __init__(
        self,
        service: str | ServiceDefinition,
        database_url: str,
        *,
        subscriptions: list[Subscription] | None = None,
        dead_letters=None,
        max_attempts: int = 3,
        **settings,
    ) -> None:
        self.service = get_service(service) if isinstance(service, str) else service
        self.settings = self.service.load_settings(database_url=database_url, **settings)
        self._subscriptions = subscriptions
        self._dead_letters = dead_letters or NoDeadLetters()
        self._max_attempts = max_attempts
        self.engine: AsyncEngine | None = None
        self.processors: dict[str, MessageProcessor] = {}
        #: Units of work opened so far (a batch applied together opens one).
        self.transactions = 0

    async def __aenter__(self) -> ServiceConsumer:
        self.engine = create_engine(self.settings.database_url)
        subscriptions = (
            self._subscriptions
            if self._subscriptions is not None
            else self.service.consumed(self.settings)
        )
        self.processors = {
            s.topic: MessageProcessor(
                self.service.name,
                s.handlers,
                self._unit_of_work,
                self._dead_letters,  # type: ignore[arg-type]  # a stand-in with DeadLetters.send; MessageProcessor names the class
                max_attempts=self._max_attempts,
            )
            for s in subscriptions
        }
        return self

    async def __aexit__(self, *exc) -> None:
        if self.engine is not None:
            await self.engine.dispose()

    def _unit_of_work(self):
        if self.engine is None:
            raise RuntimeError("deliver events inside `async with ServiceConsumer(...)`")
        self.transactions += 1
        return self.service.unit_of_work(self.engine, source=self.settings.source)

    async def deliver(self, *envelopes: Envelope) -> list[Outcome]:
        """Each event on its own, in order, as the worker does when they arrive apart."""
        outcomes = []
        for envelope in envelopes:
            message = encode(envelope)
            outcomes.append(
                await self.processors[message.topic].process(message, partition=0, offset=0)
            )
        return outcomes

    async def deliver_batch(self, *envelopes: Envelope) -> list[Outcome]:
        """Events of one topic as one batch (one transaction unless one of them fails)."""
        messages = [encode(e) for e in envelopes]
        topics = {m.topic for m in messages}
        assert len(topics) == 1, f"a batch comes from one topic, not {sorted(topics)}"
        processor = self.processors[messages[0].topic]
        return await processor.process_batch([Delivery(m, 0, n) for n, m in enumerate(messages)])
