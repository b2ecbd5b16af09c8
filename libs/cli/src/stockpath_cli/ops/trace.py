"""`stockpath trace <order_id>`: every event of one order, across topics, as a causation tree.

Events whose key or ``ce_subject`` is the order id are the seeds; their correlation ids pull in
every event of the same chain (the registration and listing events an order does not name
directly are not part of it, since they started other chains); ``ce_causationid`` arranges
them into a tree. It reads the topics from the beginning, so it costs a scan: an operator's
tool, not a query path.

Then the hop timings (`hops`): for each event, when it happened (``ce_time``) after the chain's
first event and after its cause, and how long it took from happening to the broker's log (the
record's timestamp: the outbox and the relay). With tracing on, the events' ``ce_traceparent`` name
the trace to open in Jaeger, where every hop is a span (docs/observability.md).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.tree import Tree

from stockpath_cli.ops import context
from stockpath_cli.ops.kafka_tools import Record, read_topics

console = Console()


@dataclass(frozen=True)
class TracedEvent:
    record: Record
    event_id: str
    type: str
    correlation_id: str | None
    causation_id: str | None
    time: str

    @property
    def summary(self) -> str:
        try:
            data = json.loads(self.record.message.value)
        except (ValueError, TypeError):
            return ""
        keys = ("status", "reason", "fulfillment_center_id", "fulfillment_order_id", "outcome")
        return " ".join(
            f"{k}={data[k]}" for k in keys if isinstance(data, dict) and data.get(k) is not None
        )

    @property
    def happened_at(self) -> datetime | None:
        try:
            return datetime.fromisoformat(self.time)
        except ValueError:
            return None

    @property
    def trace_id(self) -> str | None:
        """The OpenTelemetry trace the event belongs to (from ``ce_traceparent``), when traced."""
        parts = (self.record.message.header("ce_traceparent") or "").split("-")
        return parts[1] if len(parts) == 4 else None


@dataclass(frozen=True)
class Hop:
    """One event of a chain with its timings, in milliseconds."""

    event: TracedEvent
    #: Since the chain's first event happened.
    since_start_ms: float | None
    #: Since the event that caused it happened (None at the chain's start or when the cause is not here).
    since_cause_ms: float | None
    #: From happening to the broker's log: the outbox and the relay (the record's timestamp).
    to_broker_ms: float | None


def _ms(later: datetime | None, earlier: datetime | None) -> float | None:
    if later is None or earlier is None:
        return None
    return (later - earlier).total_seconds() * 1000


def hops(events: list[TracedEvent]) -> list[Hop]:
    """The chain's events (in time order) with how long each hop took."""
    by_id = {e.event_id: e for e in events}
    start = min((t for e in events if (t := e.happened_at) is not None), default=None)
    out = []
    for e in events:
        at = e.happened_at
        cause = by_id.get(e.causation_id) if e.causation_id else None
        logged = (
            datetime.fromtimestamp(e.record.timestamp_ms / 1000, tz=at.tzinfo)
            if at and e.record.timestamp_ms > 0
            else None
        )
        out.append(
            Hop(e, _ms(at, start), _ms(at, cause.happened_at) if cause else None, _ms(logged, at))
        )
    return out


def hop_table(events: list[TracedEvent]) -> Table:
    table = Table(title="hop timings (ms)", title_justify="left")
    for column, justify in (
        ("event", "left"),
        ("topic", "left"),
        ("at", "right"),
        ("after cause", "right"),
        ("to broker", "right"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]

    def ms(value: float | None, sign: str = "") -> str:
        return "-" if value is None else f"{sign}{value:,.1f}"

    for hop in hops(events):
        e = hop.event
        table.add_row(
            e.type.split(".")[-2] if e.type.count(".") >= 2 else e.type,
            e.record.ref,
            ms(hop.since_start_ms, "+"),
            ms(hop.since_cause_ms),
            ms(hop.to_broker_ms),
        )
    return table


def _traced(record: Record) -> TracedEvent | None:
    m = record.message
    event_id = m.header("ce_id")
    if not event_id:
        return None
    return TracedEvent(
        record,
        event_id,
        m.header("ce_type") or "?",
        m.header("ce_correlationid"),
        m.header("ce_causationid"),
        m.header("ce_time") or "",
    )


async def trace(
    bootstrap: str, order_id: str, topics: list[str] | None = None
) -> list[TracedEvent]:
    """The events of `order_id`'s chain in time order (dead letters included, marked by topic)."""
    from stockpath_runtime.kafka import all_topics

    events: list[TracedEvent] = []
    async for record in read_topics(bootstrap, topics or all_topics()):
        traced = _traced(record)
        if traced:
            events.append(traced)
    key = order_id.encode()
    seeds = [
        e
        for e in events
        if e.record.message.key == key or e.record.message.header("ce_subject") == order_id
    ]
    correlations = {e.correlation_id for e in seeds if e.correlation_id}
    chain = {e.event_id: e for e in seeds}
    for e in events:
        if e.correlation_id in correlations:
            chain.setdefault(e.event_id, e)
    return sorted(chain.values(), key=lambda e: (e.time, e.record.topic, e.record.offset))


def as_tree(order_id: str, events: list[TracedEvent]) -> Tree:
    root = Tree(f"order [bold]{order_id}[/bold]")
    by_id = {e.event_id: e for e in events}
    nodes: dict[str, Tree] = {}

    def label(e: TracedEvent) -> str:
        where = f"[dim]{e.record.topic}:{e.record.partition}:{e.record.offset}[/dim]"
        return f"[bold]{e.type}[/bold] {e.summary} {where} [dim]{e.time} id={e.event_id}[/dim]"

    for e in events:  # time order: a cause is written before its effects
        parent = nodes.get(e.causation_id) if e.causation_id in by_id else None
        nodes[e.event_id] = (parent or root).add(label(e))
    return root


def register(app: typer.Typer) -> None:
    @app.command("trace")
    def trace_command(
        order_id: Annotated[str, typer.Argument(help="The order id")],
        bootstrap: Annotated[
            str | None, typer.Option(help="Broker list (default: the running stack)")
        ] = None,
    ) -> None:
        """The whole chain of events for one order, via correlation and causation ids."""
        events = asyncio.run(trace(context.bootstrap_servers(bootstrap), order_id))
        if not events:
            console.print(f"no events found for order {order_id}")
            raise typer.Exit(1)
        console.print(as_tree(order_id, events))
        console.print(hop_table(events))
        console.print(
            f"{len(events)} event(s), correlation id(s): "
            f"{', '.join(sorted({e.correlation_id or '-' for e in events}))}"
        )
        traces = sorted({t for e in events if (t := e.trace_id)})
        console.print(
            f"trace id(s): {', '.join(traces)}"
            if traces
            else "not traced (tracing is off: docs/observability.md says how to turn it on)"
        )
