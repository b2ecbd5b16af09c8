"""A — no dual write — and P — poison does not block: every state change has its events (outbox
rows published, on their topics, ledger and buckets agreeing); only poison is dead-lettered, by
every consumer that handles it."""

from __future__ import annotations

from collections import Counter, defaultdict

from .guarantees import CONSUMERS, HANDLED, Result, result
from .orders import outcomes_per_order
from .topic_log import TopicLog


def no_dual_write(log: TopicLog, db: dict) -> Result:
    problems = []
    # Buckets reconcile with the ledger.
    ledger: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for r in db["ledger_sums"]:
        ledger[(r.fnsku, r.fc)][r.bucket] += r.q
    for r in db["levels"]:
        stored = {
            b: getattr(r, b)
            for b in ("inbound", "fulfillable", "reserved", "unfulfillable", "shipped")
        }
        if any(stored[b] != ledger[(r.fnsku, r.fc)][b] for b in stored):
            problems.append(
                f"{(r.fnsku, r.fc)}: buckets {stored} vs ledger {dict(ledger[(r.fnsku, r.fc)])}"
            )
    # Every outbox row is published and on its topic; every service event on a topic has its outbox row.
    on_topics: dict[str, set[str]] = defaultdict(set)
    for r in log.records:
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
    for r in TopicLog.first(log.records):
        service = r.envelope.source.removeprefix("/services/")
        if service in outbox_ids and r.envelope.id not in outbox_ids[service]:
            problems.append(f"{r.topic}: {r.name} {r.envelope.id} from {service} has no outbox row")
    # State rows and their events: orders decided, fulfillment orders instructed.
    outcome_orders = set(outcomes_per_order(log))
    problems += [
        f"order {o} is {s} but has no outcome event"
        for o, s in db["orders"].items()
        if s != "PENDING" and o not in outcome_orders
    ]
    problems += [f"order {o} is still PENDING" for o, s in db["orders"].items() if s == "PENDING"]
    instructed = {
        r.envelope.data.fulfillment_order_id
        for r in log.events("fulfillment.instructions", "FulfillmentInstructed")
    }
    problems += [
        f"router FO {r.fulfillment_order_id} has no FulfillmentInstructed"
        for r in db["router_fos"]
        if r.fulfillment_order_id not in instructed
    ]
    listed = {r.envelope.data.listing_id for r in log.events("listing.events", "ListingPublished")}
    problems += [f"listing {lid} has no ListingPublished" for lid in db["listings"] - listed]
    detail = f"{len(db['levels'])} SKU×FC reconciled, {rows} outbox rows on their topics"
    return result(problems, detail)


def poison_only_in_dlq(log: TopicLog, sent) -> Result:
    problems = []
    reached: dict[str, set[str]] = defaultdict(set)
    dlq = [r for r in log.records if r.topic.endswith(".dlq")]
    for r in dlq:
        marker = r.poison
        if marker is None:
            problems.append(
                f"{r.topic}: non-poison message dead-lettered by {r.headers.get('dlq_consumer')}: "
                f"{r.headers.get('ce_type')} {r.headers.get('dlq_error')} {r.headers.get('dlq_reason', '')[:200]}"
            )
            continue
        consumer = r.headers.get("dlq_consumer", "?")
        reached[marker].add(consumer)
        topic, _ = sent.poison.get(marker, (None, None))
        if r.topic != f"{topic}.dlq" or consumer not in CONSUMERS.get(topic, ()):
            problems.append(f"poison {marker} landed in {r.topic} from {consumer}")
    for marker, (topic, ce_type) in sent.poison.items():
        required = {c for c, types in HANDLED[topic].items() if ce_type is None or ce_type in types}
        missing = required - reached.get(marker, set())
        if missing:
            problems.append(
                f"poison {marker} ({ce_type}) on {topic} not dead-lettered by {sorted(missing)}"
            )
    detail = f"{len(sent.poison)} poison sent, {len(dlq)} DLQ messages"
    return result(problems, detail)
