"""N — no lost order — and O — order per key: every order has one outcome, caused by its
OrderPlaced and written after it; events of one key appear in the order they were written."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime

from .guarantees import OUTCOMES, Result, result
from .topic_log import Record, TopicLog


def exception_ids(log: TopicLog) -> set[str]:
    """The ids of every FC exception (FulfillmentRejectedByCenter) on the topics."""
    return {r.envelope.id for r in log.events("fulfillment.updates", "FulfillmentRejectedByCenter")}


def outcomes_per_order(log: TopicLog) -> dict[str, list[Record]]:
    """Each order's outcomes: what its OrderPlaced (or a backorder's release) decided. What an FC
    exception caused (the missing units re-routed, backordered or refused) is a re-route, checked
    under D (`effects.exceptions_handled_once`), not a second outcome."""
    rerouted = exception_ids(log)
    per_order: dict[str, list[Record]] = defaultdict(list)
    for r in TopicLog.first(log.events("order-router.events", *OUTCOMES)):
        if r.envelope.causation_id not in rerouted:
            per_order[r.envelope.data.order_id].append(r)
    return per_order


def orders_with_exceptions(log: TopicLog) -> set[str]:
    return {
        r.envelope.data.order_id
        for r in log.events("fulfillment.updates", "FulfillmentRejectedByCenter")
    }


def placed_per_order(log: TopicLog) -> dict[str, list[Record]]:
    per_order: dict[str, list[Record]] = defaultdict(list)
    for r in TopicLog.first(log.events("orders", "OrderPlaced")):
        if not r.poison:
            per_order[r.envelope.data.order_id].append(r)
    return per_order


def no_lost_order(log: TopicLog, sent, db: dict) -> Result:
    problems = []
    placed = placed_per_order(log)
    outcomes = outcomes_per_order(log)
    orders = set(placed) | set(sent.order_ids) | set(db["orders"])
    kinds = Counter()
    excepted = orders_with_exceptions(log)
    for order_id in sorted(orders):
        found = outcomes.get(order_id, [])
        names = [r.name for r in found]
        final = [n for n in names if n != "OrderBackordered"]
        if not found:
            problems.append(f"{order_id}: no outcome event")
            continue
        # A backorder may be followed by one OrderRouted once stock arrives; nothing else may repeat.
        if (
            len(final) > 1
            or names.count("OrderBackordered") > 1
            or ("OrderBackordered" in names and names[0] != "OrderBackordered")
        ):
            problems.append(f"{order_id}: outcomes {names}")
        kinds[names[0]] += 1
        status = db["orders"].get(order_id)
        # An order that shipped may come back whole (RETURNED) after the sale.
        expected = {
            "OrderRouted": {"ROUTED", "SHIPPED", "RETURNED", "CANCELLED"},
            "OrderRejected": {"REJECTED"},
            "OrderBackordered": {"BACKORDERED", "ROUTED", "SHIPPED", "RETURNED", "CANCELLED"},
        }[names[0]]
        if order_id in excepted:  # an FC exception may have backordered or refused the rest since
            expected = expected | {"BACKORDERED", "REJECTED", "ROUTED", "SHIPPED"}
        if status not in expected:
            problems.append(f"{order_id}: router row {status} after {names[0]}")
    detail = f"{len(orders)} orders: " + ", ".join(
        f"{k.removeprefix('Order').lower()} {v}" for k, v in sorted(kinds.items())
    )
    return result(problems, detail)


def order_per_key(log: TopicLog, db: dict) -> Result:
    problems = []
    # Per key, the first appearance of each service event follows its outbox order.
    outbox_position = {(s, r.event_id): r.id for s, rows in db["outbox"].items() for r in rows}
    sequences: dict[tuple, list[int]] = defaultdict(list)
    for r in TopicLog.first(log.records):
        service = r.envelope.source.removeprefix("/services/")
        pos = outbox_position.get((service, r.envelope.id))
        if pos is not None:
            sequences[(r.epoch, r.topic, r.key, service)].append(pos)
    for key, seq in sequences.items():
        if seq != sorted(seq):
            problems.append(f"{key[1]} key {key[2]!r}: out of outbox order {seq[:10]}")
    # Per order: its first outcome was caused by its OrderPlaced and came after it.
    placed = placed_per_order(log)
    for order_id, found in outcomes_per_order(log).items():
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
    for r in TopicLog.first(log.events("inventory.events", "InventoryLevelChanged")):
        key = (r.envelope.data.fnsku, r.envelope.data.fulfillment_center_id)
        t = (r.epoch, r.envelope.time)
        if key in last and t < last[key]:
            problems.append(
                f"{key}: InventoryLevelChanged of {r.envelope.time} after one of {last[key][1]}"
            )
        last[key] = t
    detail = f"{len(sequences)} keys in outbox order, {len(last)} SKU×FC level streams"
    return result(problems, detail)
