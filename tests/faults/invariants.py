"""The invariant checker of the fault suite: reads every topic from the beginning and every
service's database, and says per guarantee of DESIGN.md whether it holds (N, D, S, A, P, O).

Topics are read incrementally into `TopicLog`, which keeps what it read: a broker restart (Tansu
in memory mode) empties every topic, so the log keeps the earlier *epoch* and reads the new one
from offset 0. Messages are identified by (epoch, topic, partition, offset); events by their
CloudEvents id (the relay is at-least-once, so one id may appear more than once — that is allowed;
a second *event* for the same effect is not).

Poison is recognised by its marker (header ``x-stockpath-poison``, kept by the dead-letter writer).
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer
from aiokafka.structs import TopicPartition

from stockpath_events import Envelope, MalformedEvent, decode
from stockpath_runtime.kafka import all_topics

POISON_HEADER = "x-stockpath-poison"
INVARIANTS = ("N", "D", "S", "A", "P", "O")
SERVICES = ("catalog", "registration", "listing", "inventory", "order-router")


def handled_types() -> dict[str, dict[str, set[str]]]:
    """Per consumed topic, per consuming service, the event types its worker handles (read from
    the services' own subscriptions, so the expectation follows the code)."""
    from stockpath_events import REGISTRY
    from stockpath_runtime.service import installed_services
    from stockpath_runtime.settings import env_prefix

    out: dict[str, dict[str, set[str]]] = {}
    for name, service in installed_services().items():
        if name not in SERVICES:
            continue
        key = f"{env_prefix(name)}DATABASE_URL"
        saved = os.environ.get(key)
        os.environ[key] = saved or "postgresql+psycopg://unused@127.0.0.1/unused"  # settings insist; no I/O
        try:
            settings = service.load_settings()
        finally:
            if saved is None:
                del os.environ[key]
        for subscription in service.subscriptions(settings):
            out.setdefault(subscription.topic, {})[name] = {REGISTRY.for_model(m).type for m in subscription.handlers}
    return out


#: Which services consume each topic, and the types each handles. A poison message must reach its
#: topic's DLQ (named in `dlq_consumer`) from every consumer that handles its ce_type — from every
#: consumer when it has none; a consumer that does not handle the type may skip it unread.
HANDLED = handled_types()
CONSUMERS = {topic: set(per) for topic, per in HANDLED.items()}
OUTCOMES = ("OrderRouted", "OrderRejected", "OrderBackordered")
#: The table of the last run (markdown lines), printed by conftest's terminal summary.
MATRIX: list[str] = []


@dataclass
class Record:
    epoch: int
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: dict[str, str]
    timestamp: int
    envelope: Envelope | None = None

    @property
    def poison(self) -> str | None:
        return self.headers.get(POISON_HEADER)

    @property
    def name(self) -> str | None:
        """The event name (e.g. OrderRouted) of a decodable event."""
        return self.envelope.type.split(".")[2] if self.envelope else None


def _headers(raw) -> dict[str, str]:
    return {k: (v.decode("utf-8", "replace") if isinstance(v, bytes | bytearray) else str(v)) for k, v in raw or []}


class TopicLog:
    """Every message of every contract topic and DLQ, read from the beginning, across broker epochs."""

    def __init__(self, bootstrap: str, topics: Iterable[str] | None = None) -> None:
        self.bootstrap = bootstrap
        self.topics = list(topics or all_topics())
        self.epoch = 0
        self.records: list[Record] = []
        self._positions: dict[tuple[str, int], int] = {}

    @property
    def positions(self) -> dict[tuple[str, int], int]:
        """(topic, partition) -> the offset after the last record read, in the current epoch."""
        return dict(self._positions)

    def new_epoch(self) -> None:
        """The broker restarted empty: later reads start again at offset 0."""
        self.epoch += 1
        self._positions.clear()

    async def read(self, timeout: float = 20) -> int:
        """Read what was added since the last read; returns the number of new records."""
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False,
                                    auto_offset_reset="earliest", request_timeout_ms=10_000)
        added = 0
        try:
            await consumer.start()
            known = await consumer.topics()
            tps = [TopicPartition(t, p) for t in self.topics if t in known
                   for p in sorted(consumer.partitions_for_topic(t) or [])]
            if not tps:
                return 0
            consumer.assign(tps)
            for tp in tps:
                pos = self._positions.get((tp.topic, tp.partition))
                if pos is None:
                    await consumer.seek_to_beginning(tp)
                else:
                    consumer.seek(tp, pos)
            ends = await consumer.end_offsets(tps)
            loop = asyncio.get_running_loop()
            deadline = loop.time() + timeout
            while True:
                batches = await consumer.getmany(timeout_ms=200, max_records=5000)
                for records in batches.values():
                    for r in records:
                        self.records.append(self._record(r))
                        added += 1
                for tp in tps:
                    self._positions[(tp.topic, tp.partition)] = await consumer.position(tp)
                caught_up = all(self._positions[(tp.topic, tp.partition)] >= ends[tp] for tp in tps)
                if caught_up and not batches:
                    return added
                if loop.time() > deadline:
                    raise AssertionError("reading the topics did not catch up with their end offsets")
        finally:
            await consumer.stop()

    def _record(self, r) -> Record:
        headers = _headers(r.headers)
        rec = Record(self.epoch, r.topic, r.partition, r.offset, r.key, r.value, headers, r.timestamp)
        if not r.topic.endswith(".dlq"):
            try:
                rec.envelope = decode(r.value, list(r.headers or []))
            except MalformedEvent:
                rec.envelope = None
        return rec

    def on(self, topic: str) -> list[Record]:
        return [r for r in self.records if r.topic == topic]

    def events(self, topic: str, *names: str) -> list[Record]:
        """Decodable events on `topic` (of the given names), in log order, duplicates included."""
        return [r for r in self.on(topic) if r.envelope and (not names or r.name in names)]

    @staticmethod
    def first(records: Iterable[Record]) -> list[Record]:
        """The first occurrence of each event id, in log order."""
        seen: set[str] = set()
        out = []
        for r in records:
            if r.envelope and r.envelope.id not in seen:
                seen.add(r.envelope.id)
                out.append(r)
        return out


@dataclass
class Result:
    ok: bool
    detail: str
    problems: list[str] = field(default_factory=list)

    def cell(self) -> str:
        return ("pass" if self.ok else "FAIL") + f" ({self.detail})"


def _result(problems: list[str], detail: str) -> Result:
    return Result(not problems, detail + (f"; {len(problems)} problem(s)" if problems else ""), problems[:20])


class Checker:
    def __init__(self, log: TopicLog, database_urls: dict[str, str], sent) -> None:
        self.log = log
        self.sent = sent
        self.engines = {name: sa.create_engine(url, poolclass=sa.pool.NullPool) for name, url in database_urls.items()}

    def close(self) -> None:
        for e in self.engines.values():
            e.dispose()

    def _rows(self, service: str, sql: str) -> list:
        with self.engines[service].connect() as conn:
            return list(conn.execute(sa.text(sql)))

    async def check(self) -> dict[str, Result]:
        await self.log.read()
        db = await asyncio.to_thread(self._load_databases)
        return {
            "N": self.no_lost_order(db),
            "D": self.no_duplicate_effect(db),
            "S": self.no_oversell(db),
            "A": self.no_dual_write(db),
            "P": self.poison_only_in_dlq(),
            "O": self.order_per_key(db),
        }

    # --- the stores ---------------------------------------------------------------------------
    def _load_databases(self) -> dict:
        db = {}
        db["outbox"] = {
            s: self._rows(s, "SELECT id, event_id, event_type, topic, published_at IS NOT NULL AS published FROM outbox")
            for s in SERVICES
        }
        db["orders"] = {r.order_id: r.status for r in self._rows("order-router", "SELECT order_id, status FROM orders")}
        db["router_fos"] = self._rows(
            "order-router", "SELECT fulfillment_order_id, order_id, fulfillment_center_id, status FROM fulfillment_orders")
        db["router_allocated"] = self._rows(
            "order-router",
            "SELECT l.fnsku, f.fulfillment_center_id AS fc, SUM(l.quantity) AS q FROM fulfillment_order_lines l "
            "JOIN fulfillment_orders f USING (fulfillment_order_id) WHERE f.status <> 'CANCELLED' "
            "GROUP BY l.fnsku, f.fulfillment_center_id",
        )
        db["availability"] = self._rows(
            "order-router", "SELECT fnsku, fulfillment_center_id AS fc, basis, reservations_total FROM availability")
        db["receipt_lines"] = self._rows(
            "inventory",
            "SELECT r.receipt_id, r.fulfillment_center_id AS fc, l.fnsku, l.quantity_received AS received "
            "FROM receipts r JOIN receipt_lines l USING (receipt_id)",
        )
        db["ledger_by_receipt"] = {
            (r.receipt_id, r.fnsku): r.q
            for r in self._rows(
                "inventory",
                "SELECT receipt_id, fnsku, SUM(delta) AS q FROM inventory_ledger WHERE receipt_id IS NOT NULL "
                "AND bucket = 'fulfillable' AND reason = 'received' GROUP BY receipt_id, fnsku",
            )
        }
        db["inv_fos"] = self._rows(
            "inventory",
            "SELECT f.fulfillment_order_id, COALESCE(SUM(s.quantity_reserved), 0) AS reserved FROM fulfillment_orders f "
            "LEFT JOIN fulfillment_order_stock s USING (fulfillment_order_id) GROUP BY f.fulfillment_order_id",
        )
        db["reserved_moves"] = {
            r.fulfillment_order_id: (r.q, r.n)
            for r in self._rows(
                "inventory",
                "SELECT fulfillment_order_id, SUM(delta) AS q, COUNT(DISTINCT cause_event_id) AS n FROM inventory_ledger "
                "WHERE reason = 'reserved-for-order' AND bucket = 'reserved' GROUP BY fulfillment_order_id",
            )
        }
        db["levels"] = self._rows(
            "inventory",
            "SELECT fnsku, fulfillment_center_id AS fc, inbound, fulfillable, reserved, unfulfillable, shipped "
            "FROM inventory_levels",
        )
        db["ledger_sums"] = self._rows(
            "inventory",
            "SELECT fnsku, fulfillment_center_id AS fc, bucket, SUM(delta) AS q FROM inventory_ledger "
            "GROUP BY fnsku, fulfillment_center_id, bucket",
        )
        db["listings"] = {r.listing_id for r in self._rows("listing", "SELECT listing_id FROM listings")}
        return db

    # --- N ------------------------------------------------------------------------------------
    def _outcomes(self) -> dict[str, list[Record]]:
        per_order: dict[str, list[Record]] = defaultdict(list)
        for r in TopicLog.first(self.log.events("order-router.events", *OUTCOMES)):
            per_order[r.envelope.data.order_id].append(r)
        return per_order

    def _placed(self) -> dict[str, list[Record]]:
        per_order: dict[str, list[Record]] = defaultdict(list)
        for r in TopicLog.first(self.log.events("orders", "OrderPlaced")):
            if not r.poison:
                per_order[r.envelope.data.order_id].append(r)
        return per_order

    def no_lost_order(self, db) -> Result:
        problems = []
        placed = self._placed()
        outcomes = self._outcomes()
        orders = set(placed) | set(self.sent.order_ids) | set(db["orders"])
        kinds = Counter()
        for order_id in sorted(orders):
            found = outcomes.get(order_id, [])
            names = [r.name for r in found]
            final = [n for n in names if n != "OrderBackordered"]
            if not found:
                problems.append(f"{order_id}: no outcome event")
                continue
            # A backorder may be followed by one OrderRouted once stock arrives; nothing else may repeat.
            if len(final) > 1 or names.count("OrderBackordered") > 1 or (
                "OrderBackordered" in names and names[0] != "OrderBackordered"
            ):
                problems.append(f"{order_id}: outcomes {names}")
            kinds[names[0]] += 1
            status = db["orders"].get(order_id)
            expected = {"OrderRouted": {"ROUTED", "SHIPPED", "CANCELLED"}, "OrderRejected": {"REJECTED"},
                        "OrderBackordered": {"BACKORDERED", "ROUTED", "SHIPPED", "CANCELLED"}}[names[0]]
            if status not in expected:
                problems.append(f"{order_id}: router row {status} after {names[0]}")
        detail = f"{len(orders)} orders: " + ", ".join(f"{k.removeprefix('Order').lower()} {v}" for k, v in sorted(kinds.items()))
        return _result(problems, detail)

    # --- D ------------------------------------------------------------------------------------
    def no_duplicate_effect(self, db) -> Result:
        problems = []
        # FulfillmentInstructed: one event per fulfillment order, and exactly the router's fulfillment orders.
        instructed = self.log.events("fulfillment.instructions", "FulfillmentInstructed")
        ids_per_fo: dict[str, set[str]] = defaultdict(set)
        fos_per_order: dict[str, set[str]] = defaultdict(set)
        for r in instructed:
            ids_per_fo[r.envelope.data.fulfillment_order_id].add(r.envelope.id)
            fos_per_order[r.envelope.data.order_id].add(r.envelope.data.fulfillment_order_id)
        problems += [f"{fo}: {len(ids)} FulfillmentInstructed events" for fo, ids in ids_per_fo.items() if len(ids) > 1]
        router_fos: dict[str, set[str]] = defaultdict(set)
        for r in db["router_fos"]:
            router_fos[r.order_id].add(r.fulfillment_order_id)
        for order_id in set(router_fos) | set(fos_per_order):
            if router_fos.get(order_id, set()) != fos_per_order.get(order_id, set()):
                problems.append(f"{order_id}: router FOs {sorted(router_fos.get(order_id, []))} "
                                f"vs instructed {sorted(fos_per_order.get(order_id, []))}")
        # Inventory reserved each instructed fulfillment order's stock once.
        inv_fos = {r.fulfillment_order_id: r.reserved for r in db["inv_fos"]}
        if set(inv_fos) != set(ids_per_fo):
            problems.append(f"inventory knows {len(inv_fos)} fulfillment orders, {len(ids_per_fo)} were instructed")
        for fo, reserved in inv_fos.items():
            moved, causes = db["reserved_moves"].get(fo, (0, 0))
            if moved != reserved or causes > 1:
                problems.append(f"{fo}: reserved {reserved}, ledger moved {moved} in {causes} event(s)")
        # InventoryReceived: one event per receipt line; the ledger moved each receipt's units once.
        received_ids: dict[tuple[str, str], set[str]] = defaultdict(set)
        for r in self.log.events("inventory.events", "InventoryReceived"):
            received_ids[(r.envelope.data.receipt_id, r.envelope.data.fnsku)].add(r.envelope.id)
        problems += [f"receipt {k}: {len(v)} InventoryReceived events" for k, v in received_ids.items() if len(v) > 1]
        lines = {(r.receipt_id, r.fnsku): r.received for r in db["receipt_lines"]}
        if set(lines) != set(received_ids):
            problems.append(f"{len(lines)} receipt lines stored, {len(received_ids)} InventoryReceived on the topic")
        for k, q in lines.items():
            if db["ledger_by_receipt"].get(k, 0) != q:
                problems.append(f"receipt {k}: {q} received, ledger moved {db['ledger_by_receipt'].get(k, 0)}")
        missing = [rid for rid in self.sent.receipts if not any(k[0] == rid for k in lines)]
        problems += [f"receipt {rid} accepted but not stored" for rid in missing]
        # ListingPublished: one event per listing.
        published: dict[str, set[str]] = defaultdict(set)
        for r in self.log.events("listing.events", "ListingPublished"):
            published[r.envelope.data.listing_id].add(r.envelope.id)
        problems += [f"listing {k}: {len(v)} ListingPublished events" for k, v in published.items() if len(v) > 1]
        redelivered = len([r for r in self.log.records if r.envelope]) - len(TopicLog.first(self.log.records))
        detail = (f"{len(ids_per_fo)} FOs, {len(lines)} receipt lines, {len(published)} listings; "
                  f"{redelivered} repeated deliveries on the topics")
        return _result(problems, detail)

    # --- S ------------------------------------------------------------------------------------
    def no_oversell(self, db) -> Result:
        problems = []
        received: Counter = Counter()
        for r in db["receipt_lines"]:
            received[(r.fnsku, r.fc)] += r.received
        allocated = {(r.fnsku, r.fc): r.q for r in db["router_allocated"]}
        for key, q in allocated.items():
            if q > received[key]:
                problems.append(f"{key}: {q} allocated, {received[key]} received fulfillable")
        for r in db["levels"]:
            if r.reserved + r.shipped > received[(r.fnsku, r.fc)]:
                problems.append(f"{(r.fnsku, r.fc)}: inventory reserved+shipped {r.reserved + r.shipped} "
                                f"> received {received[(r.fnsku, r.fc)]}")
        for r in db["availability"]:
            if r.reservations_total > r.basis:
                problems.append(f"{(r.fnsku, r.fc)}: router reserved {r.reservations_total} > basis {r.basis}")
        # The same from the topics alone: units instructed never exceed units received.
        topic_received: Counter = Counter()
        for r in TopicLog.first(self.log.events("inventory.events", "InventoryReceived")):
            topic_received[(r.envelope.data.fnsku, r.envelope.data.fulfillment_center_id)] += r.envelope.data.quantity_received
        topic_instructed: Counter = Counter()
        seen_fo: set[str] = set()
        for r in self.log.events("fulfillment.instructions", "FulfillmentInstructed"):
            d = r.envelope.data
            if d.fulfillment_order_id in seen_fo:
                continue
            seen_fo.add(d.fulfillment_order_id)
            for line in d.lines:
                topic_instructed[(line.fnsku, d.fulfillment_center_id)] += line.quantity
        for key, q in topic_instructed.items():
            if q > topic_received[key]:
                problems.append(f"{key}: topics show {q} instructed, {topic_received[key]} received")
        tight = sum(1 for k, q in allocated.items() if q == received[k])
        detail = f"{len(allocated)} SKU×FC, {sum(allocated.values())} units allocated, {tight} sold out exactly"
        return _result(problems, detail)

    # --- A ------------------------------------------------------------------------------------
    def no_dual_write(self, db) -> Result:
        problems = []
        # Buckets reconcile with the ledger.
        ledger: dict[tuple[str, str], Counter] = defaultdict(Counter)
        for r in db["ledger_sums"]:
            ledger[(r.fnsku, r.fc)][r.bucket] += r.q
        for r in db["levels"]:
            stored = {b: getattr(r, b) for b in ("inbound", "fulfillable", "reserved", "unfulfillable", "shipped")}
            if any(stored[b] != ledger[(r.fnsku, r.fc)][b] for b in stored):
                problems.append(f"{(r.fnsku, r.fc)}: buckets {stored} vs ledger {dict(ledger[(r.fnsku, r.fc)])}")
        # Every outbox row is published and on its topic; every service event on a topic has its outbox row.
        on_topics: dict[str, set[str]] = defaultdict(set)
        for r in self.log.records:
            if r.envelope:
                on_topics[r.topic].add(r.envelope.id)
        outbox_ids: dict[str, set[str]] = {}
        rows = 0
        for service, outbox in db["outbox"].items():
            outbox_ids[service] = {r.event_id for r in outbox}
            rows += len(outbox)
            pending = [r for r in outbox if not r.published]
            if pending:
                problems.append(f"{service}: {len(pending)} outbox row(s) not published yet")
            lost = [r.event_id for r in outbox if r.published and r.event_id not in on_topics[r.topic]]
            problems += [f"{service}: outbox event {e} published but on no topic" for e in lost[:5]]
        for r in TopicLog.first(self.log.records):
            service = r.envelope.source.removeprefix("/services/")
            if service in outbox_ids and r.envelope.id not in outbox_ids[service]:
                problems.append(f"{r.topic}: {r.name} {r.envelope.id} from {service} has no outbox row")
        # State rows and their events: orders decided, fulfillment orders instructed.
        outcome_orders = set(self._outcomes())
        problems += [f"order {o} is {s} but has no outcome event" for o, s in db["orders"].items()
                     if s != "PENDING" and o not in outcome_orders]
        problems += [f"order {o} is still PENDING" for o, s in db["orders"].items() if s == "PENDING"]
        instructed = {r.envelope.data.fulfillment_order_id for r in self.log.events("fulfillment.instructions", "FulfillmentInstructed")}
        problems += [f"router FO {r.fulfillment_order_id} has no FulfillmentInstructed" for r in db["router_fos"]
                     if r.fulfillment_order_id not in instructed]
        listed = {r.envelope.data.listing_id for r in self.log.events("listing.events", "ListingPublished")}
        problems += [f"listing {lid} has no ListingPublished" for lid in db["listings"] - listed]
        detail = f"{len(db['levels'])} SKU×FC reconciled, {rows} outbox rows on their topics"
        return _result(problems, detail)

    # --- P ------------------------------------------------------------------------------------
    def poison_only_in_dlq(self) -> Result:
        problems = []
        reached: dict[str, set[str]] = defaultdict(set)
        dlq = [r for r in self.log.records if r.topic.endswith(".dlq")]
        for r in dlq:
            marker = r.poison
            if marker is None:
                problems.append(f"{r.topic}: non-poison message dead-lettered by {r.headers.get('dlq_consumer')}: "
                                f"{r.headers.get('ce_type')} {r.headers.get('dlq_error')} {r.headers.get('dlq_reason', '')[:200]}")
                continue
            consumer = r.headers.get("dlq_consumer", "?")
            reached[marker].add(consumer)
            topic, _ = self.sent.poison.get(marker, (None, None))
            if r.topic != f"{topic}.dlq" or consumer not in CONSUMERS.get(topic, ()):
                problems.append(f"poison {marker} landed in {r.topic} from {consumer}")
        for marker, (topic, ce_type) in self.sent.poison.items():
            required = {c for c, types in HANDLED[topic].items() if ce_type is None or ce_type in types}
            missing = required - reached.get(marker, set())
            if missing:
                problems.append(f"poison {marker} ({ce_type}) on {topic} not dead-lettered by {sorted(missing)}")
        detail = f"{len(self.sent.poison)} poison sent, {len(dlq)} DLQ messages"
        return _result(problems, detail)

    # --- O ------------------------------------------------------------------------------------
    def order_per_key(self, db) -> Result:
        problems = []
        # Per key, the first appearance of each service event follows its outbox order.
        outbox_position = {(s, r.event_id): r.id for s, rows in db["outbox"].items() for r in rows}
        sequences: dict[tuple, list[int]] = defaultdict(list)
        for r in TopicLog.first(self.log.records):
            service = r.envelope.source.removeprefix("/services/")
            pos = outbox_position.get((service, r.envelope.id))
            if pos is not None:
                sequences[(r.epoch, r.topic, r.key, service)].append(pos)
        for key, seq in sequences.items():
            if seq != sorted(seq):
                problems.append(f"{key[1]} key {key[2]!r}: out of outbox order {seq[:10]}")
        # Per order: its first outcome was caused by its OrderPlaced and came after it.
        placed = self._placed()
        for order_id, found in self._outcomes().items():
            first = found[0]
            causes = {r.envelope.id: r for r in placed.get(order_id, [])}
            if first.name == "OrderBackordered" or first.envelope.causation_id in causes:
                cause = causes.get(first.envelope.causation_id)
                if cause and (cause.epoch, cause.timestamp) > (first.epoch, first.timestamp):
                    problems.append(f"{order_id}: outcome written before its OrderPlaced")
            else:
                problems.append(f"{order_id}: first outcome {first.name} not caused by its OrderPlaced")
        # Per (FNSKU, FC): inventory levels appear in non-decreasing time order.
        last: dict[tuple[str, str], tuple[int, datetime]] = {}
        for r in TopicLog.first(self.log.events("inventory.events", "InventoryLevelChanged")):
            key = (r.envelope.data.fnsku, r.envelope.data.fulfillment_center_id)
            t = (r.epoch, r.envelope.time)
            if key in last and t < last[key]:
                problems.append(f"{key}: InventoryLevelChanged of {r.envelope.time} after one of {last[key][1]}")
            last[key] = t
        detail = f"{len(sequences)} keys in outbox order, {len(last)} SKU×FC level streams"
        return _result(problems, detail)

