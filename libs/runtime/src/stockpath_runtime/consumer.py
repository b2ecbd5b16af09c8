"""How one consumed message is processed: decode, deduplicate, handle, retry or dead-letter.

`MessageProcessor.process` never raises (cancellation aside), so the faust agent that calls it
cannot die quietly or skip an offset (faust#175, faust#527):

- a message that cannot be decoded or validated goes to ``<topic>.dlq`` at once;
- an event type this consumer does not handle is acknowledged and ignored;
- a transient failure (database or broker unavailable) is retried with backoff, forever —
  the partition waits, nothing is skipped;
- any other failure is retried up to `max_attempts`, then the message is dead-lettered and
  the partition moves on.

A handler runs inside a `UnitOfWork` that first claims the event id in the inbox, so a
redelivered event changes nothing (guarantee D).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

import structlog

from stockpath_events import (
    Envelope,
    EventData,
    KafkaMessage,
    MalformedEvent,
    UnsupportedEvent,
    decode_message,
)
from stockpath_runtime import metrics
from stockpath_runtime.dead_letters import DeadLetters
from stockpath_runtime.logs import bind_event, unbind_event
from stockpath_runtime.retry import Backoff, is_transient
from stockpath_runtime.unit_of_work import UnitOfWork

log = structlog.get_logger("stockpath.consumer")

Handler = Callable[[Envelope, UnitOfWork], Awaitable[None]]


class Outcome(StrEnum):
    PROCESSED = "processed"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"
    DEAD_LETTERED = "dead_lettered"


@dataclass(frozen=True)
class Subscription:
    """The handlers one consumer has for the event types of one topic."""

    topic: str
    handlers: dict[type[EventData], Handler]


class MessageProcessor:
    def __init__(
        self,
        consumer: str,
        handlers: dict[type[EventData], Handler],
        uow_factory: Callable[[], UnitOfWork],
        dead_letters: DeadLetters,
        *,
        max_attempts: int = 3,
        backoff: Callable[[], Backoff] = Backoff,
    ) -> None:
        self.consumer = consumer
        self._handlers = {model.ce_type: handler for model, handler in handlers.items()}
        self._uow_factory = uow_factory
        self._dead_letters = dead_letters
        self._max_attempts = max_attempts
        self._backoff = backoff

    async def process(self, message: KafkaMessage, *, partition: int, offset: int) -> Outcome:
        try:
            envelope = decode_message(message)
        except UnsupportedEvent as e:
            if e.ce_type and e.ce_type.startswith("stockpath."):
                # A newer contract version published side by side: not ours to handle.
                self._count(e.ce_type, Outcome.IGNORED)
                return Outcome.IGNORED
            return await self._dead_letter(message, partition, offset, "UnsupportedEvent", e.reason, 1, e.ce_type)
        except MalformedEvent as e:
            return await self._dead_letter(message, partition, offset, "MalformedEvent", e.reason, 1, e.ce_type)
        handler = self._handlers.get(envelope.type)
        if handler is None:
            self._count(envelope.type, Outcome.IGNORED)
            return Outcome.IGNORED
        bind_event(envelope)
        try:
            return await self._handle(handler, envelope, message, partition, offset)
        finally:
            unbind_event()

    async def _handle(self, handler: Handler, envelope: Envelope, message, partition, offset) -> Outcome:
        backoff = self._backoff()
        failures = 0
        while True:
            started = time.perf_counter()
            try:
                outcome = await self._apply(handler, envelope)
            except asyncio.CancelledError:
                raise
            except Exception as e:
                if is_transient(e):
                    delay = backoff.next()
                    metrics.TRANSIENT_RETRIES.labels(consumer=self.consumer).inc()
                    log.warning("transient failure; will retry", error=repr(e), retry_in_s=round(delay, 2))
                    await asyncio.sleep(delay)
                    continue
                failures += 1
                log.warning("handler failed", error=repr(e), attempt=failures, max_attempts=self._max_attempts)
                if failures >= self._max_attempts:
                    return await self._dead_letter(
                        message, partition, offset, type(e).__name__, str(e) or repr(e), failures, envelope.type
                    )
                await asyncio.sleep(min(0.05 * failures, 0.5))
                continue
            metrics.HANDLER_SECONDS.labels(consumer=self.consumer, event_type=envelope.type).observe(
                time.perf_counter() - started
            )
            self._count(envelope.type, outcome)
            if outcome is Outcome.DUPLICATE:
                log.info("duplicate event skipped")
            return outcome

    async def _apply(self, handler: Handler, envelope: Envelope) -> Outcome:
        async with self._uow_factory() as uow:
            if not await uow.claim(self.consumer, envelope):
                return Outcome.DUPLICATE
            await handler(envelope, uow)
            await uow.commit()
            return Outcome.PROCESSED

    async def _dead_letter(self, message, partition, offset, error, reason, attempts, ce_type) -> Outcome:
        backoff = self._backoff()
        while True:
            try:
                await self._dead_letters.send(
                    message,
                    partition=partition,
                    offset=offset,
                    consumer=self.consumer,
                    error=error,
                    reason=reason,
                    attempts=attempts,
                )
                break
            except asyncio.CancelledError:
                raise
            except Exception as e:  # the broker is unavailable: the message must not be skipped
                delay = backoff.next()
                log.warning("dead-letter write failed; will retry", error=repr(e), retry_in_s=round(delay, 2))
                await asyncio.sleep(delay)
        metrics.DEAD_LETTERS.labels(consumer=self.consumer, topic=message.topic).inc()
        self._count(ce_type or "unknown", Outcome.DEAD_LETTERED)
        log.error(
            "message dead-lettered",
            topic=message.topic,
            partition=partition,
            offset=offset,
            error=error,
            reason=reason,
            ce_type=ce_type,
        )
        return Outcome.DEAD_LETTERED

    def _count(self, event_type: str, outcome: Outcome) -> None:
        metrics.EVENTS_CONSUMED.labels(consumer=self.consumer, event_type=event_type, outcome=outcome.value).inc()
