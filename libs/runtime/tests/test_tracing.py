"""Traces across the outbox, the relay and the consumer (`stockpath_runtime.tracing`), against the real
PostgreSQL, with the SDK's in-memory exporter: an event recorded inside a span carries its context in
``ce_traceparent``; the relay continues it with a producer span; a consumed batch has a span linking to
every message and a span per message in the message's trace, and what a handler emits for an event
continues that event's trace. And with tracing off, nothing of it happens.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from probe.service import ProbeUnitOfWork, Settings
from test_unit_of_work import order, placed

from stockpath_events import Envelope, KafkaMessage, encode
from stockpath_events.types.orders import OrderPlaced
from stockpath_runtime import tracing
from stockpath_runtime.consumer import Delivery, MessageProcessor, Outcome
from stockpath_runtime.db import outbox
from stockpath_runtime.unit_of_work import headers_from_row

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]


class NoDeadLetters:
    async def send(self, message, **where) -> None:
        raise AssertionError(f"nothing is dead-lettered here: {where}")


@pytest.fixture
def spans():
    exporter = InMemorySpanExporter()
    assert tracing.configure("probe", "worker", Settings(), exporter=exporter)
    yield exporter
    tracing.shutdown()


def traceparent(headers) -> tuple[str, str] | None:
    """(trace id, parent span id) in hex from the headers' ce_traceparent."""
    value = dict(headers).get("ce_traceparent")
    if value is None:
        return None
    _, trace_id, span_id, _ = (value.decode() if isinstance(value, bytes) else value).split("-")
    return trace_id, span_id


def ids(span) -> tuple[str, str]:
    context = span.get_span_context() if hasattr(span, "get_span_context") else span.context
    return f"{context.trace_id:032x}", f"{context.span_id:016x}"


async def outbox_rows(engine, *event_ids: str):
    async with engine.connect() as conn:
        rows = (await conn.execute(sa.select(outbox).where(outbox.c.event_id.in_(event_ids)))).all()
    return {r.event_id: r for r in rows}


async def record(engine, order_id: str) -> Envelope:
    """An order's event recorded by a unit of work, as an HTTP route records it."""
    async with ProbeUnitOfWork(engine, source="/services/probe") as uow:
        event = uow.emit(order(order_id, "web"))
        await uow.commit()
    return event


async def test_with_tracing_off_events_carry_no_trace_and_nothing_is_measured(engine):
    assert not tracing.enabled()
    # A real, recording span is current (another library's, say): still nothing is written.
    with TracerProvider().get_tracer("test").start_as_current_span("a caller's span"):
        event = await record(engine, f"off-{uuid.uuid4().hex[:8]}")
    row = (await outbox_rows(engine, event.id))[event.id]
    assert traceparent(headers_from_row(row.headers)) is None
    headers = headers_from_row(row.headers)
    assert tracing.relayed("orders", event.type, row.created_at, headers) is headers
    assert tracing.consuming("probe", [Delivery(encode(event), 0, 0)]) is tracing._UNTRACED


async def test_an_event_recorded_in_a_span_carries_its_context_and_the_relay_continues_it(
    engine, spans
):
    tracer = tracing.tracer_provider().get_tracer("test")
    with tracer.start_as_current_span("POST /v1/orders", kind=SpanKind.SERVER) as request:
        event = await record(engine, f"rec-{uuid.uuid4().hex[:8]}")
    row = (await outbox_rows(engine, event.id))[event.id]
    stored = headers_from_row(row.headers)
    assert traceparent(stored) == ids(request)

    published = tracing.relayed("orders", event.type, row.created_at, stored)

    producer = next(s for s in spans.get_finished_spans() if s.name == "publish orders")
    assert producer.kind is SpanKind.PRODUCER
    assert producer.parent is not None and f"{producer.parent.span_id:016x}" == ids(request)[1]
    assert ids(producer)[0] == ids(request)[0]
    assert producer.start_time == int(
        row.created_at.timestamp() * 1e9
    )  # its wait in the outbox shows
    assert producer.attributes["cloudevents.event_id"] == event.id
    assert traceparent(published) == ids(producer)
    assert [k for k, _ in published].count("ce_traceparent") == 1
    assert [(k, v) for k, v in published if k != "ce_traceparent"] == [
        (k, v) for k, v in stored if k != "ce_traceparent"
    ]


async def test_a_row_recorded_without_a_trace_is_relayed_unchanged(spans):
    headers = encode(placed("no-trace")).headers
    assert tracing.relayed("orders", "t", datetime.now(UTC), headers) is headers
    assert spans.get_finished_spans() == ()


async def emit_one_each(events: list[Envelope[OrderPlaced]], uow: ProbeUnitOfWork) -> None:
    """For every consumed order, an event caused by it (the way a router emits its instruction)."""
    for event in events:
        await uow.effects.add(event.id, event.data.order_id)
        uow.emit(order(f"{event.data.order_id}-next", "web"), caused_by=event)


async def test_a_consumed_batch_links_every_message_and_each_emitted_event_continues_its_cause(
    engine, spans
):
    tracer = tracing.tracer_provider().get_tracer("test")
    run = uuid.uuid4().hex[:8]
    messages, requests = [], []
    for n in range(3):
        event = placed(f"batch-{run}-{n}")
        with tracer.start_as_current_span(f"request {n}", kind=SpanKind.SERVER) as request:
            headers = encode(event).headers + tracing.event_headers(None)
        requests.append(request)
        messages.append(
            Delivery(KafkaMessage("orders", event.key.encode(), encode(event).value, headers), 0, n)
        )
    untraced = placed(f"batch-{run}-untraced")  # published by a process without tracing
    messages.append(Delivery(encode(untraced), 0, 3))
    processor = MessageProcessor(
        "probe",
        {OrderPlaced: emit_one_each},
        lambda: ProbeUnitOfWork(engine, source="/services/probe"),
        NoDeadLetters(),
    )

    outcomes = await processor.process_batch(messages)

    assert outcomes == [Outcome.PROCESSED] * 4
    finished = spans.get_finished_spans()
    batch = next(s for s in finished if s.name == "consume orders")
    assert batch.kind is SpanKind.CONSUMER
    assert batch.attributes["messaging.batch.message_count"] == 4
    assert sorted(ids(link) for link in batch.links) == sorted(ids(r) for r in requests)
    processed = [s for s in finished if s.name == "process orders"]
    assert len(processed) == 4
    by_event = {s.attributes["cloudevents.event_id"]: s for s in processed}
    for delivery, request in zip(messages, requests, strict=False):
        span = by_event[delivery.message.header("ce_id")]
        assert ids(span)[0] == ids(request)[0]  # the message's trace goes on...
        assert f"{span.parent.span_id:016x}" == ids(request)[1]  # ...under the span that sent it
        assert span.attributes["stockpath.outcome"] == "processed"
        assert [ids(link) for link in span.links] == [ids(batch)]
    assert by_event[untraced.id].parent.span_id == batch.context.span_id
    # What the handler emitted for each event carries that event's processing span.
    emitted = {}
    async with engine.connect() as conn:
        for row in await conn.execute(sa.select(outbox)):
            cause = dict(headers_from_row(row.headers)).get("ce_causationid")
            if cause:
                emitted[cause.decode()] = headers_from_row(row.headers)
    for event_id, span in by_event.items():
        assert traceparent(emitted[event_id]) == ids(span)


async def test_a_lone_message_is_handled_inside_its_own_span(engine, spans):
    tracer = tracing.tracer_provider().get_tracer("test")
    event = placed(f"lone-{uuid.uuid4().hex[:8]}")
    with tracer.start_as_current_span("request", kind=SpanKind.SERVER):
        headers = encode(event).headers + tracing.event_headers(None)
    seen = []

    async def handler(events, uow):
        seen.append(trace.get_current_span())
        await uow.effects.add(events[0].id, events[0].data.order_id)

    processor = MessageProcessor(
        "probe",
        {OrderPlaced: handler},
        lambda: ProbeUnitOfWork(engine, source="/services/probe"),
        NoDeadLetters(),
    )
    message = encode(event)
    await processor.process(
        KafkaMessage("orders", message.key, message.value, headers), partition=0, offset=0
    )

    processed = next(s for s in spans.get_finished_spans() if s.name == "process orders")
    assert ids(seen[0]) == ids(processed)
