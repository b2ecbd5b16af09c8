"""OpenTelemetry traces across HTTP and Kafka: one order is one trace, from the request that placed it
to the FC's instruction.

Off by default. `configure` sets the SDK up for a process only when an OTLP endpoint is configured
(``STOCKPATH_OTLP_ENDPOINT`` or the standard ``OTEL_EXPORTER_OTLP_ENDPOINT``); otherwise no tracer
provider exists, no library is instrumented, and every hook below returns at its first line (one
global read), so a message or a request costs what it cost before.

When on, a process exports its spans (service.name = the service) and:

- HTTP: FastAPI (server spans; the health, readiness and metrics routes left out) and httpx (client
  spans, and the ``traceparent`` header on calls to other services) are instrumented;
- SQL: every engine `stockpath_runtime.db.create_engine` makes is instrumented (SQLAlchemy, hence the
  psycopg statements it runs);
- outbox: an event recorded by a unit of work carries the W3C context of the span it was recorded in
  as the CloudEvents distributed-tracing extension (``ce_traceparent``, ``ce_tracestate``), stored
  with the outbox row's headers. In a consumer, that is the span of the event that caused it;
- relay: each row published gets a PRODUCER span ``publish <topic>`` from the row's creation to its
  send (the outbox's delay, visible), child of the stored context, and the message carries that span;
- consumer: a batch span ``consume <topic>`` linking to every message's context, and per message a
  ``process <topic>`` span whose parent is the message's context, so the trace continues.

Spans that would start a trace of their own from a background loop (the relay's polling query, a
timer's) are not kept: a trace starts at an HTTP request or a consumer batch (`_entry_point_sampler`).
"""

from __future__ import annotations

import importlib
import os
import socket
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from datetime import datetime
from typing import TYPE_CHECKING, Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Link, SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

if TYPE_CHECKING:
    from fastapi import FastAPI
    from opentelemetry.sdk.trace.export import SpanExporter
    from sqlalchemy.ext.asyncio import AsyncEngine

    from stockpath_runtime.consumer import Delivery, Outcome
    from stockpath_runtime.settings import ServiceSettings

#: The CloudEvents distributed-tracing extension in Kafka binary mode.
TRACEPARENT = "ce_traceparent"
TRACESTATE = "ce_tracestate"
#: Routes whose requests are not traced: probes and scrapes, many a minute, none of them a business hop.
UNTRACED_ROUTES = "/healthz,/readyz,/metrics,/static"

_W3C = TraceContextTextMapPropagator()
_NO_HEADERS: list[tuple[str, bytes]] = []

#: The process's tracer; None while tracing is off (the test every hook starts with).
_tracer: trace.Tracer | None = None
_provider: Any = None
#: While a consumer batch is applied: consumed event id → its processing span, so an event the
#: handler emits names the span of the event that caused it (a batch applies many at once).
_processing: ContextVar[Mapping[str, trace.Span] | None] = ContextVar(
    "stockpath_processing", default=None
)


def enabled() -> bool:
    return _tracer is not None


def configure(
    service: str,
    role: str,
    settings: ServiceSettings,
    *,
    exporter: SpanExporter | None = None,
    export_at_once: bool = True,
) -> bool:
    """Set tracing up for this process from its settings; False (and nothing done) when it is off.

    `exporter` (tests, the benchmark) replaces the OTLP one; it gets each span as it ends, unless
    not `export_at_once` (then in batches in the background, as the OTLP exporter does)."""
    global _tracer, _provider
    if not settings.tracing_endpoint and exporter is None:
        return False
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
    from opentelemetry.sdk.trace.sampling import ParentBased

    resource = Resource.create(
        {
            "service.name": service,
            "service.namespace": "stockpath",
            "service.instance.id": f"{socket.gethostname()}-{role}-{os.getpid()}",
            "stockpath.role": role,
        }
    )
    provider = TracerProvider(
        resource=resource,
        sampler=ParentBased(root=_entry_point_sampler(settings.tracing_sample_ratio)),
    )
    if exporter is not None:
        processor = (
            SimpleSpanProcessor(exporter) if export_at_once else BatchSpanProcessor(exporter)
        )
        provider.add_span_processor(processor)
    else:
        provider.add_span_processor(
            BatchSpanProcessor(_exporter(settings.tracing_endpoint, settings.tracing_protocol))
        )
    # Not made the global provider: every instrumentation is handed this one. FastAPI (0.165 and
    # later) traces any app by itself once a global provider exists, the workers' probe endpoints too.
    HTTPXClientInstrumentor().instrument(tracer_provider=provider)
    _provider = provider
    _tracer = provider.get_tracer("stockpath_runtime")
    return True


def tracer_provider() -> Any:
    """The process's TracerProvider while tracing is on (None when off), for spans of one's own."""
    return _provider


def shutdown() -> None:
    """Export what is buffered and turn tracing off (tests; the SDK also flushes at exit)."""
    global _tracer, _provider
    if _provider is not None:
        from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

        HTTPXClientInstrumentor().uninstrument()
        _provider.shutdown()
    _tracer = _provider = None


def _exporter(endpoint: str, protocol: str):
    if protocol == "grpc":
        try:
            # An optional dependency (grpcio is large): imported by name, so the type check needs no stub.
            grpc = importlib.import_module("opentelemetry.exporter.otlp.proto.grpc.trace_exporter")
        except ImportError:
            raise SystemExit(
                "OTLP over gRPC needs the otlp-grpc extra (pip install 'stockpath-runtime[otlp-grpc]'), "
                "or set STOCKPATH_OTLP_PROTOCOL=http/protobuf"
            ) from None
        return grpc.OTLPSpanExporter(endpoint=endpoint)
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    # Like OTEL_EXPORTER_OTLP_ENDPOINT, the setting is the collector's base URL; traces go to /v1/traces.
    url = (
        endpoint
        if endpoint.rstrip("/").endswith("/v1/traces")
        else endpoint.rstrip("/") + "/v1/traces"
    )
    return OTLPSpanExporter(endpoint=url)


def _entry_point_sampler(ratio: float):
    """Keeps `ratio` of the traces an entry point starts (a request served, a batch consumed) and no
    trace started by anything else: a relay's or a timer's query alone is not worth a trace."""
    from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, Sampler, TraceIdRatioBased

    entry_kinds = frozenset({SpanKind.SERVER, SpanKind.CONSUMER})
    by_ratio = TraceIdRatioBased(ratio)

    class EntryPointSampler(Sampler):
        def should_sample(
            self,
            parent_context,
            trace_id,
            name,
            kind=None,
            attributes=None,
            links=None,
            trace_state=None,
        ):
            sampler = by_ratio if kind in entry_kinds else ALWAYS_OFF
            return sampler.should_sample(
                parent_context, trace_id, name, kind, attributes, links, trace_state
            )

        def get_description(self) -> str:
            return f"EntryPoints{{{by_ratio.get_description()}}}"

    return EntryPointSampler()


# --- HTTP and SQL ------------------------------------------------------------------------------


def instrument_app(app: FastAPI) -> None:
    """Server spans for a service's API (none for probes and scrapes)."""
    if _tracer is None:
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=_provider,
        excluded_urls=UNTRACED_ROUTES,
        exclude_spans=["receive", "send"],
    )


def instrument_engine(engine: AsyncEngine) -> None:
    """A span per SQL statement the engine runs, inside whatever span runs it."""
    if _tracer is None:
        return
    from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
    from opentelemetry.metrics import get_meter

    # What SQLAlchemyInstrumentor().instrument(engine=...) does, once per engine: the instrumentor is
    # a singleton that instruments only the first engine it is given, and a process has several.
    EngineTracer(
        _provider.get_tracer("opentelemetry.instrumentation.sqlalchemy"),
        engine.sync_engine,
        get_meter("stockpath_runtime").create_up_down_counter("db.client.connections.usage"),
    )


# --- outbox and relay --------------------------------------------------------------------------


def _headers_of(context: Context | None) -> list[tuple[str, bytes]]:
    carrier: dict[str, str] = {}
    _W3C.inject(carrier, context=context)
    return [(f"ce_{name}", value.encode()) for name, value in carrier.items() if value]


def event_headers(causation_id: str | None) -> list[tuple[str, bytes]]:
    """The trace context an event recorded now carries: the span of the consumed event that caused
    it, else the current span (the HTTP request's). None to add when tracing is off."""
    if _tracer is None:
        return _NO_HEADERS
    processing = _processing.get()
    span = processing.get(causation_id) if processing is not None and causation_id else None
    return _headers_of(trace.set_span_in_context(span) if span is not None else None)


def _context_of(headers: Iterable[tuple[str, bytes | None]]) -> Context | None:
    carrier = {
        name[3:]: value.decode("ascii", "replace")
        for name, value in headers
        if value is not None and (name == TRACEPARENT or name == TRACESTATE)
    }
    if "traceparent" not in carrier:
        return None
    context = _W3C.extract(carrier)
    return context if trace.get_current_span(context).get_span_context().is_valid else None


def relayed(
    topic: str, event_type: str, created_at: datetime, headers: list[tuple[str, bytes]]
) -> list[tuple[str, bytes]]:
    """The headers to publish an outbox row with. When the row carries a trace context, a PRODUCER
    span from the row's creation until now (its wait in the outbox) continues it, and the message
    carries that span instead. Rows recorded without a trace pass unchanged."""
    if _tracer is None:
        return headers
    parent = _context_of(headers)
    if parent is None:
        return headers
    span = _tracer.start_span(
        f"publish {topic}",
        context=parent,
        kind=SpanKind.PRODUCER,
        start_time=int(created_at.timestamp() * 1e9),
        attributes={
            "messaging.system": "kafka",
            "messaging.operation.type": "send",
            "messaging.destination.name": topic,
            "cloudevents.event_type": event_type,
            **_event_id(headers),
        },
    )
    span.end()
    kept = [(k, v) for k, v in headers if k != TRACEPARENT and k != TRACESTATE]
    return kept + _headers_of(trace.set_span_in_context(span))


def _event_id(headers: Iterable[tuple[str, bytes | None]]) -> dict[str, str]:
    for name, value in headers:
        if name == "ce_id" and value is not None:
            return {"cloudevents.event_id": value.decode("utf-8", "replace")}
    return {}


# --- consumer ----------------------------------------------------------------------------------


class _Untraced:
    """What `consuming` gives while tracing is off: one shared object that does nothing."""

    def __enter__(self) -> _Untraced:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def record(self, outcomes: list[Outcome]) -> None:
        return None


_UNTRACED = _Untraced()


class _ConsumedBatch:
    """The spans of one consumed batch: ``consume <topic>`` linking to every message's context, and
    per message ``process <topic>``, child of the message's context (of the batch span when the
    message has none). A lone message's span is the current one while it is handled; in a batch of
    several the batch span is, and `event_headers` finds each emitted event's cause by its id."""

    def __init__(self, tracer: trace.Tracer, consumer: str, deliveries: list[Delivery]) -> None:
        self._tracer = tracer
        self._consumer = consumer
        self._deliveries = deliveries
        self._spans: list[trace.Span] = []
        self._by_event: dict[str, trace.Span] = {}

    def __enter__(self) -> _ConsumedBatch:
        topic = self._deliveries[0].message.topic
        contexts = [_context_of(d.message.headers) for d in self._deliveries]
        common = {
            "messaging.system": "kafka",
            "messaging.destination.name": topic,
            "messaging.consumer.group.name": self._consumer,
        }
        self._batch = self._tracer.start_span(
            f"consume {topic}",
            kind=SpanKind.CONSUMER,
            links=[
                Link(trace.get_current_span(c).get_span_context())
                for c in contexts
                if c is not None
            ],
            attributes={
                **common,
                "messaging.operation.type": "process",
                "messaging.batch.message_count": len(self._deliveries),
            },
        )
        batch_context = trace.set_span_in_context(self._batch)
        for delivery, context in zip(self._deliveries, contexts, strict=True):
            message = delivery.message
            attributes: dict[str, Any] = {
                **common,
                "messaging.operation.type": "process",
                "messaging.destination.partition.id": str(delivery.partition),
                "messaging.kafka.offset": delivery.offset,
            }
            event_id = message.header("ce_id")
            if event_id:
                attributes["cloudevents.event_id"] = event_id
            event_type = message.header("ce_type")
            if event_type:
                attributes["cloudevents.event_type"] = event_type
            span = self._tracer.start_span(
                f"process {topic}",
                context=context if context is not None else batch_context,
                kind=SpanKind.CONSUMER,
                links=[Link(self._batch.get_span_context())] if context is not None else None,
                attributes=attributes,
            )
            self._spans.append(span)
            if event_id:
                self._by_event[event_id] = span
        current = self._spans[0] if len(self._spans) == 1 else self._batch
        self._use = trace.use_span(current, end_on_exit=False)
        self._use.__enter__()
        self._token = _processing.set(self._by_event)
        return self

    def record(self, outcomes: list[Outcome]) -> None:
        for span, outcome in zip(self._spans, outcomes, strict=False):
            span.set_attribute("stockpath.outcome", str(outcome))

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any
    ) -> None:
        _processing.reset(self._token)
        self._use.__exit__(exc_type, exc, tb)
        for span in self._spans:
            span.end()
        self._batch.end()


def consuming(consumer: str, deliveries: list[Delivery]) -> _ConsumedBatch | _Untraced:
    """The spans around processing one batch of deliveries of one topic (nothing when off)."""
    if _tracer is None or not deliveries:
        return _UNTRACED
    return _ConsumedBatch(_tracer, consumer, deliveries)
