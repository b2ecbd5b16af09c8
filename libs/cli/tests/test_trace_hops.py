"""`stockpath trace`'s hop timings, from the events' ce_time and the records' broker timestamps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rich.console import Console

from stockpath_cli.ops.kafka_tools import Record
from stockpath_cli.ops.trace import TracedEvent, hop_table, hops
from stockpath_events import KafkaMessage

T0 = datetime(2026, 12, 6, 14, 0, 0, tzinfo=UTC)
TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


def event(
    event_id: str, ce_type: str, topic: str, at_ms: float, logged_ms: float, cause: str | None
) -> TracedEvent:
    happened = T0 + timedelta(milliseconds=at_ms)
    headers = [("ce_traceparent", f"00-{TRACE}-00f067aa0ba902b7-01".encode())]
    record = Record(
        topic,
        0,
        7,
        int((T0.timestamp() * 1000) + logged_ms),
        KafkaMessage(topic, b"O-1", b"{}", headers),
    )
    return TracedEvent(record, event_id, ce_type, "corr", cause, happened.isoformat())


CHAIN = [
    event("a", "stockpath.orders.OrderPlaced.v1", "orders", 0, 12, None),
    event(
        "b",
        "stockpath.order-router.FulfillmentInstructed.v1",
        "fulfillment.instructions",
        40,
        49,
        "a",
    ),
    event("c", "stockpath.inventory.InventoryLevelChanged.v1", "inventory.events", 75, 80, "b"),
]


def test_each_hop_is_timed_from_the_start_from_its_cause_and_to_the_broker():
    timed = {h.event.event_id: h for h in hops(CHAIN)}

    assert timed["a"].since_start_ms == 0 and timed["a"].since_cause_ms is None
    assert timed["a"].to_broker_ms == 12
    assert (
        timed["b"].since_start_ms == 40
        and timed["b"].since_cause_ms == 40
        and timed["b"].to_broker_ms == 9
    )
    assert (
        timed["c"].since_start_ms == 75
        and timed["c"].since_cause_ms == 35
        and timed["c"].to_broker_ms == 5
    )
    assert {e.trace_id for e in CHAIN} == {TRACE}


def test_a_cause_outside_the_chain_leaves_its_hop_untimed():
    lone = event("x", "stockpath.orders.OrderPlaced.v1", "orders", 5, 9, "not-here")
    assert hops([lone])[0].since_cause_ms is None


def test_the_table_names_each_event_and_its_timings():
    console = Console(width=140, record=True)
    console.print(hop_table(CHAIN))
    text = console.export_text()

    for name in ("OrderPlaced", "FulfillmentInstructed", "InventoryLevelChanged"):
        assert name in text
    assert "+40.0" in text and "35.0" in text and "fulfillment.instructions:0:7" in text
