"""The harness of a fault run: inject a fault while the stream runs, then poll the invariant checker
until every guarantee holds or a deadline passes, with the evidence from the workers' logs and
metrics that the fault took effect; drain the platform; the faults × invariants table."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
from invariants import HANDLED, INVARIANTS, SERVICES, Checker, Result, TopicLog
from workload import Sku, Workload

from stockpath_cli.localstack import Broker, Platform
from stockpath_testing import eventually
from stockpath_testing.proxy import OutageProxy

SETTLE_TIMEOUT = 30
#: What the workers' logs say happened during a fault (evidence that the fault took effect).
EVIDENCE = {
    "transient retries": "transient failure",
    "dead-lettered": "message dead-lettered",
    "relay crashes": "fault injected",
}


class Run:
    """A run of the fault suite: the platform, its stream, the checker, and a matrix row per fault."""

    def __init__(
        self,
        platform: Platform,
        broker: Broker,
        proxy: OutageProxy,
        kafka_proxy: OutageProxy,
        workload: Workload,
        checker: Checker,
        log: TopicLog,
        hot: list[Sku],
        load: list[Sku],
        tmp: Path,
        seller: dict,
    ) -> None:
        self.platform, self.broker, self.proxy, self.kafka_proxy = (
            platform,
            broker,
            proxy,
            kafka_proxy,
        )
        self.workload, self.checker, self.log = workload, checker, log
        self.hot, self.load, self.tmp = hot, load, tmp
        #: The seller of every SKU (its id and token): it asks for removal orders.
        self.seller = seller
        self.rows: list[tuple[str, dict[str, Result], float, str]] = []

    async def settle(self, timeout: float = SETTLE_TIMEOUT) -> dict[str, Result]:
        """Poll the checker until every invariant holds or the deadline passes (then the last answer)."""
        deadline = time.monotonic() + timeout
        while True:
            results = await self.checker.check()
            if all(r.ok for r in results.values()) or time.monotonic() > deadline:
                return results
            await asyncio.sleep(0.5)

    def log_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(EVIDENCE, 0)
        for path in self.platform.log_dir.glob("*-worker.log"):
            text = path.read_text(errors="replace")
            for label, needle in EVIDENCE.items():
                counts[label] += text.count(needle)
        return counts

    async def duplicates_absorbed(self) -> dict[str, int]:
        """Per worker, events its inbox recognised as already applied (its Prometheus counter)."""
        counts = {}
        async with httpx.AsyncClient(timeout=5) as client:
            for service in SERVICES:
                try:
                    text = (await client.get(f"{self.platform.worker_url(service)}/metrics")).text
                except httpx.HTTPError:
                    continue
                counts[service] = sum(
                    float(line.rsplit(" ", 1)[1])
                    for line in text.splitlines()
                    if line.startswith("stockpath_events_consumed_total{")
                    and 'outcome="duplicate"' in line
                )
        return counts

    async def fault(self, name: str, inject, settle_timeout: float = SETTLE_TIMEOUT) -> None:
        started = time.monotonic()
        before, dup_before = self.log_counts(), await self.duplicates_absorbed()
        self.workload.resume()
        note = await inject() or ""
        injected = time.monotonic()
        await self.workload.pause()
        results = await self.settle(settle_timeout)
        note += f" [fault {injected - started:.0f} s, settle {time.monotonic() - injected:.0f} s]"
        after, dup_after = self.log_counts(), await self.duplicates_absorbed()
        # A restarted worker counts from zero again.
        dups = sum(
            v - dup_before.get(k, 0) if v >= dup_before.get(k, 0) else v
            for k, v in dup_after.items()
        )
        after["redeliveries absorbed by inboxes"], before["redeliveries absorbed by inboxes"] = (
            int(dups),
            0,
        )
        seen = ", ".join(
            f"{label} {after[label] - before[label]}"
            for label in after
            if after[label] > before[label]
        )
        self.rows.append(
            (name, results, time.monotonic() - started, note + (f" — logs: {seen}" if seen else ""))
        )

    async def wait_workers(self, services=SERVICES) -> None:
        workers = [self.platform.process(s, "worker") for s in services]
        await asyncio.to_thread(self.platform.wait_healthy, 90, workers)

    async def committed_everything(self) -> bool:
        """Every consumer group has committed the end of every partition it consumes."""
        from aiokafka import AIOKafkaConsumer
        from aiokafka.structs import TopicPartition

        await self.log.read()
        ends = self.log.positions
        for service in SERVICES:
            topics = {t for t, per in HANDLED.items() if service in per}
            if not topics:
                continue
            consumer = AIOKafkaConsumer(
                bootstrap_servers=self.broker.bootstrap_servers,
                enable_auto_commit=False,
                group_id=self.platform.consumer_group(service),
            )
            await consumer.start()
            try:
                for (topic, partition), end in ends.items():
                    if (
                        topic in topics
                        and (await consumer.committed(TopicPartition(topic, partition)) or 0) < end
                    ):
                        return False
            finally:
                await consumer.stop()
        return True

    async def drain(self) -> None:
        """Stop the stream and wait until nothing is left to do: every invariant holds, every
        consumer committed the end of its topics, and that produced nothing new."""
        await self.workload.pause()
        for _ in range(5):
            results = await self.settle()
            assert all(r.ok for r in results.values()), {
                k: r.problems for k, r in results.items() if not r.ok
            }
            await eventually(
                self.committed_everything,
                timeout=30,
                interval=0.5,
                what="every consumer group to commit the end of its topics",
            )
            read = len(self.log.records)
            await self.settle()
            if len(self.log.records) == read:
                return
        raise AssertionError("the platform did not come to rest")


def matrix_lines(rows, wall: float) -> list[str]:
    header = "| fault | " + " | ".join(INVARIANTS) + " | time | what happened |"
    lines = [header, "|" + "---|" * (len(INVARIANTS) + 3)]
    for name, results, seconds, note in rows:
        cells = [results[i].cell() if i in results else "—" for i in INVARIANTS]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {seconds:.0f} s | {note} |")
    lines.append(
        f"\nTest run (stocking the platform to the last check, platform start-up not included): {wall:.0f} s"
    )
    for name, results, _, _ in rows:
        for i, r in results.items():
            if not r.ok:
                lines.append(f"- {name} / {i}: " + "; ".join(r.problems[:10]))
    return lines
