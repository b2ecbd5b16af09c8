"""Prometheus metrics every service exposes at /metrics."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

EVENTS_CONSUMED = Counter(
    "stockpath_events_consumed_total",
    "Events taken off a topic, by consumer, type and outcome",
    ["consumer", "event_type", "outcome"],
)
EVENTS_PRODUCED = Counter(
    "stockpath_events_produced_total", "Events published from the outbox", ["event_type"]
)
HANDLER_SECONDS = Histogram(
    "stockpath_handler_seconds",
    "Time to handle one event, commit included",
    ["consumer", "event_type"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
BATCH_SIZE = Histogram(
    "stockpath_batch_events",
    "Events applied together in one transaction",
    ["consumer"],
    buckets=(2, 5, 10, 25, 50, 100, 250, 500),
)
DEAD_LETTERS = Counter(
    "stockpath_dead_letters_total", "Messages written to a dead-letter topic", ["consumer", "topic"]
)
TRANSIENT_RETRIES = Counter(
    "stockpath_transient_retries_total", "Handler retries after a transient failure", ["consumer"]
)
OUTBOX_BACKLOG = Gauge(
    "stockpath_outbox_backlog", "Outbox rows not yet published, counted after each relay batch"
)
OUTBOX_SET_ASIDE = Gauge(
    "stockpath_outbox_set_aside",
    "Outbox rows the broker refused for good, set aside unpublished (see `stockpath outbox`)",
)
CONSUMER_LAG = Gauge(
    "stockpath_consumer_lag",
    "Messages on a partition after the last one this worker processed (high watermark - position)",
    ["consumer", "topic", "partition"],
)
OUTBOX_DELAY = Histogram(
    "stockpath_outbox_publish_delay_seconds",
    "From commit of an outbox row to the broker's acknowledgement",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
