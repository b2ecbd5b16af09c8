"""A service's worker process: a faust app whose consumer hands each fetch to the `MessageProcessor`
of its topic as one batch (`batch_consumer.BatchConsumer`), and the outbox relay.

A batch is at most `consumer_batch_max` messages per transaction (a larger fetch is cut); offsets are
committed only after their batch was processed, so a crash or a rebalance redelivers and the inbox
deduplicates. The processors never raise, so nothing can skip an offset or kill the loop quietly.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from pathlib import Path

import faust
import structlog

from stockpath_runtime import garbage, kafka, metrics
from stockpath_runtime.batch_consumer import BatchConsumer
from stockpath_runtime.consumer import Delivery, MessageProcessor
from stockpath_runtime.db import create_engine
from stockpath_runtime.dead_letters import DeadLetters
from stockpath_runtime.logs import configure_logging
from stockpath_runtime.operations import broker_check, database_check, serve_operations
from stockpath_runtime.relay import OutboxRelay
from stockpath_runtime.retry import Backoff
from stockpath_runtime.service import ServiceDefinition, Timer
from stockpath_runtime.settings import ServiceSettings

log = structlog.get_logger("stockpath.worker")


def _faust_broker(bootstrap_servers: str) -> str:
    return ";".join(f"kafka://{h.strip()}" for h in bootstrap_servers.split(",") if h.strip())


class _Runtime:
    """What the agents need, built inside faust's event loop once the worker starts."""

    def __init__(self) -> None:
        self.ready = asyncio.Event()
        self.processors: dict[str, MessageProcessor] = {}
        self.engine = None
        self.producer = None
        self.relay: OutboxRelay | None = None
        #: Last offset processed per (topic, partition): the position the lag gauge is measured from.
        self.positions: dict[tuple[str, int], int] = {}

    async def process(
        self, app, consumer: str, topic: str, deliveries: list[Delivery], settings
    ) -> None:
        """One fetch's messages of one topic, in transactions of at most `consumer_batch_max`."""
        await self.ready.wait()
        processor = self.processors[topic]
        size = settings.consumer_batch_max
        for start in range(0, len(deliveries), size):
            await processor.process_batch(deliveries[start : start + size])
        last: dict[int, int] = {}
        for delivery in deliveries:
            last[delivery.partition] = delivery.offset
        for partition, offset in last.items():
            self.positions[(topic, partition)] = offset
            _set_lag(app, consumer, topic, partition, offset)


def build_app(
    service: ServiceDefinition, settings: ServiceSettings, log_config: dict | None = None
) -> faust.App:
    subscriptions = service.consumed(settings)
    # faust insists on a data directory even with in-memory tables; keep it out of the work tree.
    datadir = (
        Path(tempfile.gettempdir()) / "stockpath-faust" / f"{settings.consumer_group}-{os.getpid()}"
    )
    datadir.parent.mkdir(parents=True, exist_ok=True)
    app = faust.App(
        settings.consumer_group,
        broker=_faust_broker(settings.kafka_bootstrap_servers),
        broker_credentials=kafka.faust_credentials(settings),
        store="memory://",
        datadir=str(datadir),
        autodiscover=False,
        topic_disable_leader=True,
        topic_allow_declare=False,
        topic_partitions=settings.topic_partitions,
        broker_session_timeout=settings.consumer_session_timeout_s,
        broker_heartbeat_interval=settings.consumer_heartbeat_interval_s,
        broker_rebalance_timeout=settings.consumer_rebalance_timeout_s,
        broker_commit_interval=1.0,
        consumer_auto_offset_reset="earliest",
        stream_wait_empty=False,
        # Health, readiness and metrics are served by the runtime's own endpoints (below).
        web_enabled=False,
    )
    runtime = _Runtime()
    # faust's consumer, minus its per-event path: each fetch goes to the processors as batches.
    consumer_class = type(
        "BatchConsumer",
        (BatchConsumer,),
        {
            "sink": lambda self, topic, deliveries: runtime.process(
                app, service.name, topic, deliveries, settings
            ),
            "fetch_max_wait_ms": settings.consumer_fetch_max_wait_ms,
        },
    )
    app.transport.Consumer = consumer_class

    async def start_runtime() -> None:
        runtime.engine = create_engine(settings.database_url, pool_size=settings.database_pool_size)
        runtime.producer = kafka.producer(settings.kafka_bootstrap_servers)
        await _start_producer(runtime.producer)
        dead_letters = DeadLetters(runtime.producer)
        for subscription in subscriptions:
            runtime.processors[subscription.topic] = MessageProcessor(
                service.name,
                subscription.handlers,
                lambda: service.unit_of_work(runtime.engine, source=settings.source),
                dead_letters,
                max_attempts=settings.max_handler_attempts,
                max_clock_skew_s=settings.event_max_clock_skew_s,
            )
        runtime.relay = _outbox_relay(service, settings, runtime.engine, runtime.producer)
        garbage.freeze_what_start_made()
        runtime.ready.set()
        log.info("worker started", topics=sorted(runtime.processors))

    @app.task
    async def outbox_relay() -> None:
        await start_runtime()
        try:
            await runtime.relay.run()
        finally:
            await runtime.producer.stop()
            await runtime.engine.dispose()

    for subscription in subscriptions:
        app.topics.add(app.topic(subscription.topic, key_serializer="raw", value_serializer="raw"))

    @app.timer(interval=5.0)
    async def measure_lag() -> None:
        """Refresh the lag of every partition this worker processed, also while no message arrives;
        a partition a rebalance gave to another worker is no longer this worker's to report."""
        from faust.types import TP

        assigned = app.consumer.assignment()
        for (topic, partition), offset in list(runtime.positions.items()):
            if TP(topic, partition) in assigned:
                _set_lag(app, service.name, topic, partition, offset)
                continue
            del runtime.positions[(topic, partition)]
            with contextlib.suppress(KeyError):
                metrics.CONSUMER_LAG.remove(service.name, topic, str(partition))

    for timer in service.timers(settings):
        if timer.interval_s > 0:
            _add_timer(app, service, settings, runtime, timer)

    if settings.worker_port > 0:

        @app.task
        async def operations() -> None:
            await serve_operations(
                service.name,
                _readiness_checks(settings, lambda: runtime.engine, runtime.ready),
                host=settings.http_host,
                port=settings.worker_port,
                log_config=log_config,
            )

    return app


def _add_timer(
    app: faust.App,
    service: ServiceDefinition,
    settings: ServiceSettings,
    runtime: _Runtime,
    timer: Timer,
) -> None:
    async def tick() -> None:
        await runtime.ready.wait()
        try:
            await timer.run(lambda: service.unit_of_work(runtime.engine, source=settings.source))
        except Exception as e:  # noqa: BLE001 — the timer must outlive outages; the next tick retries
            log.warning(
                "timer failed; trying again at the next tick", timer=timer.name, error=repr(e)
            )

    app.timer(interval=timer.interval_s, name=f"{service.name}.{timer.name}")(tick)


def _set_lag(app: faust.App, consumer: str, topic: str, partition: int, offset: int) -> None:
    from faust.types import TP

    try:
        highwater = app.consumer.highwater(TP(topic, partition))
    except Exception:  # partition revoked or consumer restarting: keep the last figure
        return
    if highwater is not None:
        metrics.CONSUMER_LAG.labels(consumer=consumer, topic=topic, partition=str(partition)).set(
            max(0, highwater - offset - 1)
        )


async def _start_producer(producer) -> None:
    """Start the producer, waiting out a broker that is not up yet."""
    backoff = Backoff()
    while True:
        try:
            await producer.start()
            return
        except Exception as e:
            log.warning("broker unavailable; retrying", error=repr(e))
            await asyncio.sleep(backoff.next())


def _outbox_relay(
    service: ServiceDefinition, settings: ServiceSettings, engine, producer
) -> OutboxRelay:
    return OutboxRelay(
        engine,
        producer,
        name=service.name,
        batch_size=settings.outbox_batch_size,
        idle_interval_s=settings.outbox_idle_interval_s,
        retention_s=settings.outbox_retention_h * 3600,
        after_publish=_fault_after_publish(),
    )


def _readiness_checks(settings: ServiceSettings, engine, started: asyncio.Event) -> dict:
    """A worker is ready once its runtime started and its database and broker answer."""

    async def runtime_started() -> bool:
        return started.is_set()

    return {
        "runtime": runtime_started,
        "database": database_check(engine),
        "broker": broker_check(settings.kafka_bootstrap_servers),
    }


def _fault_after_publish():
    """Fault injection for the proof suite: STOCKPATH_FAULT=relay-crash-after-publish kills the
    process between publish and mark, exactly once per marker file."""
    if os.environ.get("STOCKPATH_FAULT") != "relay-crash-after-publish":
        return None
    marker = os.environ.get("STOCKPATH_FAULT_MARKER")

    def crash(ids):
        if marker and os.path.exists(marker):
            return
        if marker:
            Path(marker).write_text(",".join(map(str, ids)))
        log.warning("fault injected: killing the relay between publish and mark", outbox_ids=ids)
        os.kill(os.getpid(), 9)

    return crash


def run(service: ServiceDefinition) -> None:
    garbage.tune_for_a_worker()
    settings = service.load_settings()
    config = configure_logging(
        service.name, "worker", fmt=settings.log_format, level=settings.log_level
    )
    asyncio.run(
        kafka.ensure_topics(
            settings.kafka_bootstrap_servers,
            partitions=settings.topic_partitions,
            replication=settings.topic_replication,
            timeout_s=60,
        )
    )
    app = build_app(service, settings, config)
    worker = _Worker(
        app, loglevel=settings.log_level, logging_config=config, redirect_stdouts=False, quiet=True
    )
    try:
        worker.execute_from_commandline()
    except SystemExit as exit:
        code = exit.code
    else:
        code = 0
    _exit_at_once(code)


class _Worker(faust.Worker):
    async def _sentinel_task(self) -> None:
        """mode sleeps a second here, after everything stopped and before it closes the loop, so
        that callbacks scheduled by the last tasks run; one pass of the loop runs them."""
        await asyncio.sleep(0)


def _exit_at_once(code: object) -> None:
    """The worker has stopped (left its group, committed, the relay and the database pool closed):
    export the buffered spans, flush the logs and exit without the interpreter's finalization, which
    only frees memory, a second of CPU for a worker's modules (measured with py-spy on SIGTERM)."""
    import logging
    import sys

    from stockpath_runtime import tracing

    tracing.shutdown()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code if isinstance(code, int) else (0 if code is None else 1))
