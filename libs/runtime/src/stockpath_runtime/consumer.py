"""How one consumed message is processed: decode, deduplicate, handle, retry or dead-letter.

`MessageProcessor.process` never raises (cancellation aside), so the faust agent that calls it
cannot die quietly or skip an offset (faust#175, faust#527):

- a message that cannot be decoded or validated, or that the registry refuses (a type that does
  not belong on the topic, a publisher not allowed for its type, a ``ce_time`` ahead of the
  clock), goes to ``<topic>.dlq`` at once, with the reason;
- an event type this consumer does not handle is acknowledged and ignored — unless no one may
  send it: an unknown type on a topic outside systems write to is dead-lettered, not dropped;
- a transient failure (database or broker unavailable) is retried with backoff, forever —
  the partition waits, nothing is skipped;
- any other failure is retried up to `max_attempts`, then the message is dead-lettered and
  the partition moves on.

A handler runs inside a `UnitOfWork` that first claims the events in the inbox, so a
redelivered event changes nothing (guarantee D).

Every handler takes a *run*: consecutive events of its type, applied in one transaction (a
single event is a run of one). Under load the worker hands over several messages at once
(`process_batch`): their events are claimed and applied in one transaction, in partition order,
so the commit and whatever a handler does set-based are paid once per run, not once per event.
If the batch fails for a reason other than the infrastructure, it is rolled back and its events
are applied one by one, so one bad event still costs only itself.

A service declares what it consumes in ``entrypoints/consumers.py`` as a table of event type →
(translator, handler): the translator turns a wire event into a domain command, the handler (in
``service_layer/``) carries out a list of commands. `subscribe` turns that table into
`Subscription`s, giving each handler the dependencies it names.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, NamedTuple

import structlog

from stockpath_events import (
    REGISTRY,
    Envelope,
    EventData,
    KafkaMessage,
    MalformedEvent,
    Topics,
    UnsupportedEvent,
    decode_message,
)
from stockpath_runtime import metrics, tracing
from stockpath_runtime.dead_letters import DeadLetters
from stockpath_runtime.logs import bind_event, unbind_event
from stockpath_runtime.retry import Backoff, is_transient
from stockpath_runtime.unit_of_work import AbstractUnitOfWork

log = structlog.get_logger("stockpath.consumer")

#: Applies a run of consecutive events of one type, already claimed, in one unit of work.
Handler = Callable[[list[Envelope], AbstractUnitOfWork], Awaitable[None]]
#: Turns a consumed event into the domain command its handler carries out.
Translator = Callable[[Envelope], Any]
#: What a service consumes: topic → event type → (translator, handler of a list of commands).
ConsumerTable = Mapping[
    str, Mapping[type[EventData], tuple[Translator, Callable[..., Awaitable[None]]]]
]


class Outcome(StrEnum):
    PROCESSED = "processed"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"
    DEAD_LETTERED = "dead_lettered"


@dataclass(frozen=True)
class Subscription:
    """The handlers one consumer has for the event types of one topic (one per type, each taking a run)."""

    topic: str
    handlers: Mapping[type[EventData], Handler]


def subscribe(table: ConsumerTable, **dependencies: Any) -> list[Subscription]:
    """A service's consumer table as subscriptions: each handler gets the commands its translator
    made of a run of events, plus the dependencies it names as keyword-only parameters (the
    routing policy, the sales channels...), the way cosmicpython's bootstrap injects them. A
    dependency a handler needs and nobody gives fails here, when the worker starts."""
    return [
        Subscription(
            topic,
            {
                event_type: _carrying_out(translate, handler, dependencies)
                for event_type, (translate, handler) in by_type.items()
            },
        )
        for topic, by_type in table.items()
    ]


def _carrying_out(
    translate: Translator, handler: Callable[..., Awaitable[None]], dependencies: dict
) -> Handler:
    parameters = inspect.signature(handler).parameters.values()
    wanted = [p for p in parameters if p.kind is p.KEYWORD_ONLY]
    missing = [p.name for p in wanted if p.name not in dependencies and p.default is p.empty]
    if missing:
        raise TypeError(
            f"{handler.__qualname__} needs {', '.join(missing)}; give it to subscribe()"
        )
    given = {p.name: dependencies[p.name] for p in wanted if p.name in dependencies}

    async def handle(events: list[Envelope], uow: AbstractUnitOfWork) -> None:
        await handler([translate(event) for event in events], uow, **given)

    handle.__qualname__ = handle.__name__ = handler.__name__
    return handle


@dataclass(frozen=True)
class Delivery:
    """One consumed message and where it came from."""

    message: KafkaMessage
    partition: int
    offset: int


class _Undecodable(NamedTuple):
    error: str
    reason: str
    ce_type: str | None


class MessageProcessor:
    def __init__(
        self,
        consumer: str,
        handlers: Mapping[type[EventData], Handler],
        uow_factory: Callable[[], AbstractUnitOfWork],
        dead_letters: DeadLetters,
        *,
        max_attempts: int = 3,
        backoff: Callable[[], Backoff] = Backoff,
        max_clock_skew_s: float = 120.0,
    ) -> None:
        self.consumer = consumer
        self._max_clock_skew_s = max_clock_skew_s
        self._handlers = {model.ce_type: handler for model, handler in handlers.items()}
        self._uow_factory = uow_factory
        self._dead_letters = dead_letters
        self._max_attempts = max_attempts
        self._backoff = backoff
        self._counters: dict[tuple[str, Outcome], Any] = {}

    async def process(self, message: KafkaMessage, *, partition: int, offset: int) -> Outcome:
        return (await self.process_batch([Delivery(message, partition, offset)]))[0]

    async def process_batch(self, deliveries: list[Delivery]) -> list[Outcome]:
        """Process messages of one stream in their order; one outcome per message.

        Events are applied together up to the next message that cannot be decoded, which is
        dead-lettered in its place, so a dead-letter topic keeps the partition's order.
        Traced (`tracing.consuming`): a span for the batch and one per message, in its trace."""
        with tracing.consuming(self.consumer, deliveries) as spans:
            outcomes = await self._process_batch(deliveries)
            spans.record(outcomes)
            return outcomes

    async def _process_batch(self, deliveries: list[Delivery]) -> list[Outcome]:
        outcomes: list[Outcome | None] = [None] * len(deliveries)
        pending: list[tuple[int, Envelope]] = []
        for i, delivery in enumerate(deliveries):
            admitted = self._admit(delivery.message)
            if isinstance(admitted, Outcome):
                outcomes[i] = admitted
            elif isinstance(admitted, _Undecodable):
                await self._apply_pending(pending, deliveries, outcomes)
                pending = []
                outcomes[i] = await self._dead_letter(
                    delivery.message,
                    delivery.partition,
                    delivery.offset,
                    admitted.error,
                    admitted.reason,
                    1,
                    admitted.ce_type,
                )
            else:
                pending.append((i, admitted))
        await self._apply_pending(pending, deliveries, outcomes)
        return outcomes  # type: ignore[return-value]

    async def _apply_pending(
        self, pending: list[tuple[int, Envelope]], deliveries: list[Delivery], outcomes: list
    ) -> None:
        if len(pending) > 1:
            applied = await self._apply_batch_with_retries([e for _, e in pending])
            if applied is not None:
                for (i, _), outcome in zip(pending, applied, strict=True):
                    outcomes[i] = outcome
                return
        for i, envelope in pending:  # one event, or a batch that failed: one by one
            outcomes[i] = await self._handle_one(envelope, deliveries[i])

    def _admit(self, message: KafkaMessage) -> Envelope | Outcome | _Undecodable:
        """Decode a message: its envelope if a handler applies it, else why not.

        The registry is the judge of what may be on a topic: a known type on a topic that does
        not carry it, a publisher the registry does not allow for the type, or a `ce_time` ahead
        of this clock by more than the allowed skew are refused (dead-lettered with the reason),
        so a forged event can neither act nor freeze state that orders by event time."""
        ce_type = message.header("ce_type")
        if ce_type and ce_type.startswith("stockpath.") and ce_type not in self._handlers:
            if REGISTRY.knows(ce_type):
                if REGISTRY.by_type(ce_type).topic != message.topic:
                    return _Undecodable(
                        "WrongTopic", f"{ce_type} does not belong on topic {message.topic}", ce_type
                    )
                # Another consumer's event on a shared topic: not worth decoding (nor judging) here.
                self._count(ce_type, Outcome.IGNORED)
                return Outcome.IGNORED
            if message.topic not in Topics.WRITTEN_FROM_OUTSIDE:
                # A newer contract version published side by side: not ours to handle.
                self._count(ce_type, Outcome.IGNORED)
                return Outcome.IGNORED
        try:
            envelope = decode_message(message)
        except UnsupportedEvent as e:
            return _Undecodable("UnsupportedEvent", e.reason, e.ce_type)
        except MalformedEvent as e:
            return _Undecodable("MalformedEvent", e.reason, e.ce_type)
        if envelope.type not in self._handlers:
            self._count(envelope.type, Outcome.IGNORED)
            return Outcome.IGNORED
        spec = envelope.spec
        if spec.topic != message.topic:
            return _Undecodable(
                "WrongTopic",
                f"{envelope.type} does not belong on topic {message.topic}",
                envelope.type,
            )
        refusal = spec.source_refusal(envelope.source, envelope.data)
        if refusal is not None:
            return _Undecodable("SourceNotAllowed", refusal, envelope.type)
        ahead = (envelope.time - datetime.now(UTC)).total_seconds()
        if ahead > self._max_clock_skew_s:
            return _Undecodable(
                "TimeInFuture",
                f"ce_time {envelope.time.isoformat()} is {ahead:.0f} s ahead of this consumer's clock "
                f"(at most {self._max_clock_skew_s:.0f} s allowed)",
                envelope.type,
            )
        return envelope

    async def _handle_one(self, envelope: Envelope, delivery: Delivery) -> Outcome:
        bind_event(envelope)
        try:
            return await self._handle(
                envelope, delivery.message, delivery.partition, delivery.offset
            )
        finally:
            unbind_event()

    async def _apply_batch_with_retries(self, envelopes: list[Envelope]) -> list[Outcome] | None:
        """Apply events in one transaction, waiting out the infrastructure; None when the batch
        failed otherwise (its events are then applied one by one)."""
        backoff = self._backoff()
        while True:
            started = time.perf_counter()
            try:
                outcomes = await self._apply_batch(envelopes)
            except asyncio.CancelledError:
                raise
            except Exception as e:
                if await self._waited_out(e, backoff, "the batch"):
                    continue
                log.warning(
                    "batch failed; applying its events one by one",
                    error=repr(e),
                    events=len(envelopes),
                )
                return None
            elapsed = time.perf_counter() - started
            metrics.BATCH_SIZE.labels(consumer=self.consumer).observe(len(envelopes))
            for envelope, outcome in zip(envelopes, outcomes, strict=True):
                metrics.HANDLER_SECONDS.labels(
                    consumer=self.consumer, event_type=envelope.type
                ).observe(elapsed / len(envelopes))
                self._count(envelope.type, outcome)
            return outcomes

    async def _apply_batch(self, envelopes: list[Envelope]) -> list[Outcome]:
        async with self._uow_factory() as uow:
            fresh = await uow.claim(self.consumer, list({e.id: e for e in envelopes}.values()))
            outcomes: list[Outcome] = []
            run: list[Envelope] = []  # consecutive events of one type
            for envelope in envelopes:
                if envelope.id not in fresh:
                    outcomes.append(Outcome.DUPLICATE)
                    continue
                fresh.discard(envelope.id)  # a second copy inside this batch is a duplicate too
                outcomes.append(Outcome.PROCESSED)
                if run and run[0].type != envelope.type:
                    await self._apply_run(run, uow)
                    run = []
                run.append(envelope)
            await self._apply_run(run, uow)
            await uow.commit()
            return outcomes

    async def _apply_run(self, run: list[Envelope], uow: AbstractUnitOfWork) -> None:
        """Events of one type through its handler; a lone event's log lines carry its ids."""
        if not run:
            return
        if len(run) == 1:
            bind_event(run[0])
        try:
            await self._handlers[run[0].type](run, uow)
        finally:
            if len(run) == 1:
                unbind_event()

    async def _handle(self, envelope: Envelope, message, partition, offset) -> Outcome:
        backoff = self._backoff()
        failures = 0
        while True:
            started = time.perf_counter()
            try:
                outcome = await self._apply(envelope)
            except asyncio.CancelledError:
                raise
            except Exception as e:
                if await self._waited_out(e, backoff, "the event"):
                    continue
                failures += 1
                log.warning(
                    "handler failed",
                    error=repr(e),
                    attempt=failures,
                    max_attempts=self._max_attempts,
                )
                if failures >= self._max_attempts:
                    return await self._dead_letter(
                        message,
                        partition,
                        offset,
                        type(e).__name__,
                        str(e) or repr(e),
                        failures,
                        envelope.type,
                    )
                await asyncio.sleep(min(0.05 * failures, 0.5))
                continue
            metrics.HANDLER_SECONDS.labels(
                consumer=self.consumer, event_type=envelope.type
            ).observe(time.perf_counter() - started)
            self._count(envelope.type, outcome)
            if outcome is Outcome.DUPLICATE:
                log.info("duplicate event skipped")
            return outcome

    async def _waited_out(self, error: Exception, backoff: Backoff, what: str) -> bool:
        """Wait before trying again after a transient failure; False when `error` is not one."""
        if not is_transient(error):
            return False
        delay = backoff.next()
        metrics.TRANSIENT_RETRIES.labels(consumer=self.consumer).inc()
        log.warning(
            f"transient failure; will retry {what}", error=repr(error), retry_in_s=round(delay, 2)
        )
        await asyncio.sleep(delay)
        return True

    async def _apply(self, envelope: Envelope) -> Outcome:
        async with self._uow_factory() as uow:
            if not await uow.claim(self.consumer, [envelope]):
                return Outcome.DUPLICATE
            await self._handlers[envelope.type]([envelope], uow)
            await uow.commit()
            return Outcome.PROCESSED

    async def _dead_letter(
        self, message, partition, offset, error, reason, attempts, ce_type
    ) -> Outcome:
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
            except Exception as e:
                # Only the broker being unavailable (or refusing for a reason an operator must fix)
                # gets here; an oversized message is written truncated. It must not be skipped.
                delay = backoff.next()
                log.warning(
                    "dead-letter write failed; will retry",
                    error=repr(e),
                    transient=is_transient(e),
                    retry_in_s=round(delay, 2),
                )
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
        # Once per message: the labelled counter is looked up once per type and outcome (the
        # client's labels() takes a lock and builds its key on every call).
        counter = self._counters.get((event_type, outcome))
        if counter is None:
            # Labels only from the registry: whatever a publisher writes in ce_type must not grow
            # the metrics (nor this cache: unknown types share one counter, looked up each time).
            label = event_type if REGISTRY.knows(event_type) else "unknown"
            counter = metrics.EVENTS_CONSUMED.labels(
                consumer=self.consumer, event_type=label, outcome=outcome.value
            )
            if label != "unknown":
                self._counters[(event_type, outcome)] = counter
        counter.inc()
