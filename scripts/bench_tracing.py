"""What tracing costs per message: the consumer's and the relay's path with tracing off and on.

    uv run --frozen python scripts/bench_tracing.py [--messages 20000] [--repeat 5]

Each consumed message goes the way a worker takes it, minus the database and the broker (so the
figure is the CPU the runtime spends, where tracing's cost would show): `MessageProcessor.process_batch`
decodes it, claims it, and a handler emits one event for it; the commit encodes that event with the
trace headers an outbox row gets (`tracing.event_headers`) and serialises them as the outbox does;
then the relay's `tracing.relayed` makes the headers it would publish. Batches of 1 (an idle
platform) and of 200 (`consumer_batch_max`, under load).

Modes: "off" (the default: no endpoint, no SDK), and "on" (the SDK recording every span, exported to
an exporter that drops them, so no network is measured). Prints µs per message (median of the
repeats) and, for off, the cost of the three hooks alone per message.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections.abc import Sequence
from datetime import UTC, datetime

from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from stockpath_events import Address, KafkaMessage, encode, new_event
from stockpath_events.types.orders import OrderPlaced
from stockpath_runtime import tracing
from stockpath_runtime.consumer import Delivery, MessageProcessor
from stockpath_runtime.settings import ServiceSettings
from stockpath_runtime.unit_of_work import encode_within_limit
from stockpath_testing.fakes import FakeUnitOfWork, NoDeadLetters

BUYER = Address(
    name="Grace Hopper", line1="1 Navy Way", city="Seattle", region="WA", postal_code="98101"
)
TRACEPARENT = b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


class Settings(ServiceSettings):
    service_name = "bench"


class Dropping(SpanExporter):
    def export(self, spans: Sequence) -> SpanExportResult:
        return SpanExportResult.SUCCESS


class OutboxLikeUnitOfWork(FakeUnitOfWork):
    """Commits as the real unit of work prepares outbox rows: encoded, trace headers added, as JSON."""

    rows: list[str] = []

    async def _commit(self, events) -> None:
        for envelope in events:
            message = encode_within_limit(envelope)
            headers = message.headers + tracing.event_headers(envelope.causation_id)
            self.rows.append(json.dumps([[k, v.decode()] for k, v in headers]))
            # The relay's step for the row.
            tracing.relayed(message.topic, envelope.type, datetime.now(UTC), headers)
        self.rows.clear()


def order(n: int) -> OrderPlaced:
    return OrderPlaced(
        order_id=f"O-bench-{n}",
        channel="web",
        lines=[
            {
                "line_id": "1",
                "seller_id": "S-1",
                "seller_sku": "SKU-1",
                "quantity": 1,
                "unit_price": "9.99",
            }
        ],
        ship_to=BUYER,
    )


def messages(count: int) -> list[Delivery]:
    out = []
    for n in range(count):
        m = encode(new_event(order(n), source="/channels/web"))
        out.append(
            Delivery(
                KafkaMessage(
                    m.topic, m.key, m.value, [*m.headers, ("ce_traceparent", TRACEPARENT)]
                ),
                0,
                n,
            )
        )
    return out


async def emit_one_each(events, uow) -> None:
    for event in events:
        uow.emit(order(0), caused_by=event)


async def run(deliveries: list[Delivery], batch: int) -> float:
    """Seconds of CPU for every delivery, in batches of `batch`."""
    processor = MessageProcessor(
        "bench", {OrderPlaced: emit_one_each}, OutboxLikeUnitOfWork, NoDeadLetters()
    )
    started = time.process_time()
    for i in range(0, len(deliveries), batch):
        await processor.process_batch(deliveries[i : i + batch])
    return time.process_time() - started


def per_message_us(deliveries: list[Delivery], batch: int, repeat: int) -> float:
    runs = [asyncio.run(run(deliveries, batch)) for _ in range(repeat)]
    return statistics.median(runs) / len(deliveries) * 1e6


def hooks_off_ns(count: int) -> float:
    """The three hooks a message meets, while tracing is off, per message."""
    delivery = messages(1)
    headers = delivery[0].message.headers
    now = datetime.now(UTC)
    started = time.perf_counter()
    for _ in range(count):
        with tracing.consuming("bench", delivery):
            tracing.event_headers("cause")
            tracing.relayed("orders", "t", now, headers)
    return (time.perf_counter() - started) / count * 1e9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    deliveries = messages(args.messages)
    print(
        f"{args.messages:,} messages, median of {args.repeat} runs, CPU µs per message (one event emitted each)"
    )
    print(f"{'batch':>6} {'off':>9} {'on':>9} {'on − off':>10}")
    for batch in (1, 200):
        tracing.shutdown()
        off = per_message_us(deliveries, batch, args.repeat)
        tracing.configure("bench", "worker", Settings(), exporter=Dropping())
        on = per_message_us(deliveries, batch, args.repeat)
        tracing.shutdown()
        print(f"{batch:>6} {off:>9.1f} {on:>9.1f} {on - off:>+10.1f}")
    print(f"hooks alone with tracing off: {hooks_off_ns(200_000):.0f} ns per message")


if __name__ == "__main__":
    main()
