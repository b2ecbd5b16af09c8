"""faust's consumer, handing what it fetched to the processors a batch at a time.

faust-streaming runs the worker: the app and its lifecycle, the consumer group and its rebalances,
the fetcher service, timers and tasks. What it does per record on the way to an agent — an event
object, a channel queue, a stream, acknowledgements, and a `wait_first` of two futures per message
— costs ~250 µs of CPU per record, most of a worker's budget. So the worker has no agents: its
consumer (this subclass of faust's aiokafka consumer) replaces only the drain loop. Each fetch
(`_wait_next_records`, the same call faust's own loop makes) returns records of every assigned
partition; they go, per topic and in partition order, to the topic's `MessageProcessor` as one
batch, and the partitions' offsets are committed only after the batch was processed (committed in
the database, or dead-lettered). A crash or a rebalance in between redelivers; the inbox absorbs it.

Only this loop is ours: faust still subscribes, joins, rebalances (pausing the flow while it does,
and restarting the fetcher after), tracks the highwater marks the lag gauge reads, and stops.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread
from faust.transport.drivers.aiokafka import Consumer as FaustConsumer
from faust.types import TP

from stockpath_events import KafkaMessage
from stockpath_runtime.consumer import Delivery

log = structlog.get_logger("stockpath.worker")

#: Processes the deliveries of one topic (several partitions, each in order); returns when done.
BatchSink = Callable[[str, list[Delivery]], Awaitable[None]]


class _ConsumerThread(AIOKafkaConsumerThread):
    """faust creates its aiokafka consumer with a fixed fetch_max_wait_ms of 1500. Tansu does not
    answer a fetch as soon as records arrive (measured: a record waited 371 ms at the median with
    1500, 3 ms with 20), so every hop would add up to 1.5 s; the worker sets the wait
    (``KAFKA_CONSUMER_FETCH_MAX_WAIT_MS``, `ServiceSettings.consumer_fetch_max_wait_ms`). Apache
    Kafka answers as soon as records arrive, so there a longer wait only saves idle requests."""

    fetch_max_wait_ms = 100

    def _create_worker_consumer(self, transport):
        consumer = super()._create_worker_consumer(transport)
        consumer._fetch_max_wait_ms = self.fetch_max_wait_ms  # read by AIOKafkaConsumer.start()
        return consumer


class BatchConsumer(FaustConsumer):
    #: Set by the worker before it starts: where batches go, and how it learns what was done.
    sink: BatchSink | None = None
    fetch_max_wait_ms = 100

    def _new_consumer_thread(self) -> AIOKafkaConsumerThread:
        thread = _ConsumerThread(self, loop=self.loop, beacon=self.beacon)
        thread.fetch_max_wait_ms = self.fetch_max_wait_ms
        return thread

    async def _drain_messages(self, fetcher: Any) -> None:
        """faust's fetcher runs this until it stops (or a rebalance restarts it)."""
        consumer_stopped = self._stopped.is_set
        fetcher_stopped = fetcher._stopped.is_set
        while not (consumer_stopped() or fetcher_stopped()):
            records, active = await self._wait_next_records(1.0)
            if not records or self.should_stop:
                continue
            by_topic: dict[str, list[Delivery]] = {}
            next_offsets: dict[TP, int] = {}
            for tp, batch in records.items():
                if not batch or (active is not None and tp not in active):
                    continue  # paused meanwhile: fetched again once resumed
                deliveries = by_topic.setdefault(tp.topic, [])
                for record in batch:
                    deliveries.append(
                        Delivery(
                            KafkaMessage(
                                tp.topic, record.key, record.value, list(record.headers or ())
                            ),
                            tp.partition,
                            record.offset,
                        )
                    )
                next_offsets[tp] = batch[-1].offset + 1
            for topic, deliveries in by_topic.items():
                await self.sink(topic, deliveries)
            if next_offsets:
                # Processed: the group may move on. A partition a rebalance took away meanwhile is
                # its new owner's now (faust commits only assigned partitions; the inbox absorbs
                # whatever the two of them both applied).
                await self._commit(next_offsets)
