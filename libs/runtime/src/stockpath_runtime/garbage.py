"""The cyclic garbage collector of a worker, which allocates a few hundred objects per message.

With CPython's defaults (a young collection every 700 net allocations, a full one every hundred
young ones) and a heap of a few hundred thousand long-lived objects (faust, aiokafka, SQLAlchemy,
pydantic's schemas, the event registry), measured in the load benchmark: 9-13 % of a worker's CPU
went to the collector, most of it in full collections of ~150 ms that walked the whole heap
(docs/performance.md). So once a worker has started, what start-up made is frozen (`gc.freeze`:
never scanned again, it lives as long as the process anyway), and young collections wait for
10,000 allocations: a message's objects mostly die by reference count, the collector only has to
find cycles, and it finds them a little later. The time spent is exported
(`stockpath_gc_seconds_total`).
"""

from __future__ import annotations

import gc
import time

from prometheus_client import Counter, Gauge

#: Net allocations between two young collections (CPython's default: 700).
YOUNG_COLLECTION_ALLOCATIONS = 10_000

GC_SECONDS = Counter(
    "stockpath_gc_seconds_total",
    "CPU time of the cyclic garbage collector, by generation collected",
    ["generation"],
)
FROZEN_OBJECTS = Gauge(
    "stockpath_gc_frozen_objects", "Objects start-up made, frozen: never scanned by the collector"
)
_started: list[float] = []


def _timed(phase: str, info: dict) -> None:
    if phase == "start":
        _started.append(time.process_time())
    elif _started:
        GC_SECONDS.labels(generation=str(info["generation"])).inc(
            time.process_time() - _started.pop()
        )


def tune_for_a_worker() -> None:
    """At the worker's start: fewer young collections, and their time measured."""
    gc.set_threshold(YOUNG_COLLECTION_ALLOCATIONS, *gc.get_threshold()[1:])
    if _timed not in gc.callbacks:
        gc.callbacks.append(_timed)


def freeze_what_start_made() -> None:
    """Once the worker is running: collect once, then never scan what exists now again."""
    gc.collect()
    gc.freeze()
    FROZEN_OBJECTS.set(gc.get_freeze_count())
