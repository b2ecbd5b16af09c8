"""A service's worker process: faust agents (one per consumed topic, concurrency 1) and the outbox relay.

The agents take what arrived within a short window (at most `consumer_batch_max` messages,
`consumer_batch_window_s`) and hand it to a `MessageProcessor`, which never raises. Each message
is acknowledged only after its batch was processed, by the agent itself (`noack_take`: faust's
`take` would acknowledge a batch even when the agent is cancelled half-way through it), so a
crash or a rebalance redelivers and the inbox deduplicates.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from pathlib import Path

import faust
import sqlalchemy as sa
import structlog
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from stockpath_events import KafkaMessage
from stockpath_runtime import kafka, metrics
from stockpath_runtime.consumer import Delivery, MessageProcessor
from stockpath_runtime.db import create_engine
from stockpath_runtime.dead_letters import DeadLetters
from stockpath_runtime.http import broker_reachable
from stockpath_runtime.logs import configure_logging
from stockpath_runtime.relay import OutboxRelay
from stockpath_runtime.retry import Backoff
from stockpath_runtime.service import ServiceDefinition
from stockpath_runtime.settings import ServiceSettings
from stockpath_runtime.unit_of_work import UnitOfWork

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


def _bound_fetch_wait(max_wait_ms: int) -> None:
    """faust creates its consumer with a fixed fetch_max_wait_ms of 1500. Tansu answers a fetch
    only when that wait is over, even when records arrived meanwhile (measured: a record waited
    371 ms at the median with 1500, 3 ms with 20), so every hop would add up to 1.5 s. Apache
    Kafka answers as soon as records arrive, so there a longer wait only saves idle requests."""
    from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread

    create = AIOKafkaConsumerThread._create_worker_consumer
    if getattr(create, "_stockpath_bounded", False):
        return

    def create_worker_consumer(self, transport):
        consumer = create(self, transport)
        consumer._fetch_max_wait_ms = max_wait_ms  # read by AIOKafkaConsumer.start()
        return consumer

    create_worker_consumer._stockpath_bounded = True
    AIOKafkaConsumerThread._create_worker_consumer = create_worker_consumer


def build_app(service: ServiceDefinition, settings: ServiceSettings) -> faust.App:
    _bound_fetch_wait(settings.consumer_fetch_max_wait_ms)
    # faust insists on a data directory even with in-memory tables; keep it out of the work tree.
    datadir = Path(tempfile.gettempdir()) / "stockpath-faust" / f"{settings.consumer_group}-{os.getpid()}"
    datadir.parent.mkdir(parents=True, exist_ok=True)
    app = faust.App(
        settings.consumer_group,
        broker=_faust_broker(settings.kafka_bootstrap_servers),
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
        web_enabled=settings.worker_port > 0,
        web_port=settings.worker_port or 6066,
        web_bind=settings.http_host,
        web_host=settings.http_host,
    )
    runtime = _Runtime()

    async def start_runtime() -> None:
        runtime.engine = create_engine(settings.database_url)
        runtime.producer = kafka.producer(settings.kafka_bootstrap_servers)
        await _start_producer(runtime.producer)
        dead_letters = DeadLetters(runtime.producer)
        for subscription in service.subscriptions(settings, runtime.engine):
            runtime.processors[subscription.topic] = MessageProcessor(
                service.name,
                subscription.handlers,
                lambda: UnitOfWork(runtime.engine, source=settings.source),
                dead_letters,
                max_attempts=settings.max_handler_attempts,
                batch_handlers=subscription.batch_handlers,
            )
        runtime.relay = _outbox_relay(service, settings, runtime.engine, runtime.producer)
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

    # The topics are known without a database: subscriptions are built twice, once here for
    # their topic names (no I/O), once at start with the real engine for their handlers.
    for subscription in service.subscriptions(settings, None):
        _add_agent(app, service, runtime, subscription.topic, settings)

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

    if settings.worker_port > 0:
        _add_pages(app, runtime, settings)
    return app


def _add_agent(
    app: faust.App, service: ServiceDefinition, runtime: _Runtime, topic_name: str, settings: ServiceSettings
) -> None:
    topic = app.topic(topic_name, key_serializer="raw", value_serializer="raw")

    async def consume(stream):
        await runtime.ready.wait()
        processor = runtime.processors[topic_name]
        async for events in stream.noack_take(settings.consumer_batch_max, settings.consumer_batch_window_s):
            await processor.process_batch([_delivery(event.message) for event in events])
            last: dict[int, int] = {}  # the last offset processed per partition
            for event in events:
                await stream.ack(event)
                last[event.message.partition] = event.message.offset
            for partition, offset in last.items():
                runtime.positions[(topic_name, partition)] = offset
                _set_lag(app, service.name, topic_name, partition, offset)

    app.agent(topic, name=f"{service.name}.{topic_name}", concurrency=1)(consume)


def _delivery(m) -> Delivery:
    headers = list(m.headers.items()) if isinstance(m.headers, dict) else list(m.headers or [])
    return Delivery(KafkaMessage(topic=m.topic, key=m.key, value=m.value, headers=headers), m.partition, m.offset)


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


def _add_pages(app: faust.App, runtime: _Runtime, settings: ServiceSettings) -> None:
    @app.page("/healthz")
    async def healthz(self, request):
        return self.json({"status": "ok"})

    @app.page("/readyz")
    async def readyz(self, request):
        body, status = await _readiness(runtime.ready, runtime.engine, settings)
        return self.json(body, status=status)

    @app.page("/metrics")
    async def metrics_page(self, request):
        # aiohttp refuses a charset inside content_type, which CONTENT_TYPE_LATEST carries.
        return self.bytes(generate_latest(), content_type=CONTENT_TYPE_LATEST.split(";")[0] + "; version=0.0.4")


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


def _outbox_relay(service: ServiceDefinition, settings: ServiceSettings, engine, producer) -> OutboxRelay:
    return OutboxRelay(
        engine,
        producer,
        name=service.name,
        batch_size=settings.outbox_batch_size,
        idle_interval_s=settings.outbox_idle_interval_s,
        retention_s=settings.outbox_retention_h * 3600,
        after_publish=_fault_after_publish(),
    )


async def _readiness(started: asyncio.Event, engine, settings: ServiceSettings) -> tuple[dict, int]:
    """The worker's /readyz answer: started, and its database and broker reachable."""
    checks = {
        "runtime": started.is_set(),
        "database": await _database_reachable(engine),
        "broker": await broker_reachable(settings.kafka_bootstrap_servers),
    }
    ok = all(checks.values())
    return {"status": "ok" if ok else "unavailable", "checks": checks}, 200 if ok else 503


async def _database_reachable(engine) -> bool:
    if engine is None:
        return False
    try:
        async with engine.connect() as conn:
            await asyncio.wait_for(conn.execute(sa.text("SELECT 1")), 2.0)
        return True
    except Exception:
        return False


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
    settings = service.load_settings()
    config = configure_logging(service.name, "worker", fmt=settings.log_format, level=settings.log_level)
    asyncio.run(
        kafka.ensure_topics(
            settings.kafka_bootstrap_servers,
            partitions=settings.topic_partitions,
            replication=settings.topic_replication,
            timeout_s=60,
        )
    )
    if not service.subscriptions(settings, None):
        asyncio.run(_relay_only(service, settings, config))
        return
    app = build_app(service, settings)
    worker = faust.Worker(app, loglevel=settings.log_level, logging_config=config, redirect_stdouts=False, quiet=True)
    worker.execute_from_commandline()


async def _relay_only(service: ServiceDefinition, settings: ServiceSettings, log_config: dict) -> None:
    """A worker for a service that consumes nothing (the catalog): just the outbox relay, with
    the same health and metrics endpoints as a faust worker. faust refuses a consumer without topics."""
    import signal

    import uvicorn
    from fastapi import FastAPI
    from fastapi.responses import JSONResponse, Response

    engine = create_engine(settings.database_url)
    producer = kafka.producer(settings.kafka_bootstrap_servers)
    started = asyncio.Event()
    web = FastAPI()

    @web.get("/healthz")
    async def healthz():
        return {"status": "ok"}

    @web.get("/readyz")
    async def readyz():
        body, status = await _readiness(started, engine, settings)
        return JSONResponse(body, status_code=status)

    @web.get("/metrics")
    async def metrics_page():
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    async def relay() -> None:
        await _start_producer(producer)
        started.set()
        log.info("worker started (outbox relay only)")
        await _outbox_relay(service, settings, engine, producer).run()

    tasks = [asyncio.create_task(relay())]
    if settings.worker_port > 0:
        server = uvicorn.Server(
            uvicorn.Config(web, host=settings.http_host, port=settings.worker_port, log_config=log_config, access_log=False)
        )
        server.install_signal_handlers = lambda: None
        tasks.append(asyncio.create_task(server.serve()))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await producer.stop()
    await engine.dispose()
