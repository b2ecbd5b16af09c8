"""D — no duplicate effect (returns and removals: `after_sale`) — and S — no oversell: redelivery and replay add no second
instruction, reservation, receipt or listing; allocated stock never exceeds received stock and
units returned sellable (in the stores and on the topics)."""

from __future__ import annotations

from collections import Counter, defaultdict

from .after_sale import first_report_per_return, no_unit_returned_or_removed_twice
from .guarantees import Result, result
from .topic_log import TopicLog


def no_duplicate_effect(log: TopicLog, sent, db: dict) -> Result:
    problems = []
    # FulfillmentInstructed: one event per fulfillment order, and exactly the router's fulfillment orders.
    instructed = log.events("fulfillment.instructions", "FulfillmentInstructed")
    ids_per_fo: dict[str, set[str]] = defaultdict(set)
    fos_per_order: dict[str, set[str]] = defaultdict(set)
    for r in instructed:
        ids_per_fo[r.envelope.data.fulfillment_order_id].add(r.envelope.id)
        fos_per_order[r.envelope.data.order_id].add(r.envelope.data.fulfillment_order_id)
    problems += [
        f"{fo}: {len(ids)} FulfillmentInstructed events"
        for fo, ids in ids_per_fo.items()
        if len(ids) > 1
    ]
    router_fos: dict[str, set[str]] = defaultdict(set)
    for r in db["router_fos"]:
        router_fos[r.order_id].add(r.fulfillment_order_id)
    for order_id in set(router_fos) | set(fos_per_order):
        if router_fos.get(order_id, set()) != fos_per_order.get(order_id, set()):
            problems.append(
                f"{order_id}: router FOs {sorted(router_fos.get(order_id, []))} "
                f"vs instructed {sorted(fos_per_order.get(order_id, []))}"
            )
    # Inventory reserved each instructed fulfillment order's stock once.
    inv_fos = {r.fulfillment_order_id: r.reserved for r in db["inv_fos"]}
    if set(inv_fos) != set(ids_per_fo):
        problems.append(
            f"inventory knows {len(inv_fos)} fulfillment orders, {len(ids_per_fo)} were instructed"
        )
    for fo, reserved in inv_fos.items():
        moved, causes = db["reserved_moves"].get(fo, (0, 0))
        if moved != reserved or causes > 1:
            problems.append(f"{fo}: reserved {reserved}, ledger moved {moved} in {causes} event(s)")
    # InventoryReceived: one event per receipt line; the ledger moved each receipt's units once.
    received_ids: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in log.events("inventory.events", "InventoryReceived"):
        received_ids[(r.envelope.data.receipt_id, r.envelope.data.fnsku)].add(r.envelope.id)
    problems += [
        f"receipt {k}: {len(v)} InventoryReceived events"
        for k, v in received_ids.items()
        if len(v) > 1
    ]
    lines = {(r.receipt_id, r.fnsku): r.received for r in db["receipt_lines"]}
    if set(lines) != set(received_ids):
        problems.append(
            f"{len(lines)} receipt lines stored, {len(received_ids)} InventoryReceived on the topic"
        )
    for k, q in lines.items():
        if db["ledger_by_receipt"].get(k, 0) != q:
            problems.append(
                f"receipt {k}: {q} received, ledger moved {db['ledger_by_receipt'].get(k, 0)}"
            )
    missing = [rid for rid in sent.receipts if not any(k[0] == rid for k in lines)]
    problems += [f"receipt {rid} accepted but not stored" for rid in missing]
    # ListingPublished: one event per listing.
    published: dict[str, set[str]] = defaultdict(set)
    for r in log.events("listing.events", "ListingPublished"):
        published[r.envelope.data.listing_id].add(r.envelope.id)
    problems += [
        f"listing {k}: {len(v)} ListingPublished events" for k, v in published.items() if len(v) > 1
    ]
    # After the sale: no unit returned or removed twice.
    removals = [r.envelope for r in log.events("inventory.events", "RemovalOrderCreated")]
    problems += no_unit_returned_or_removed_twice(removals, db)
    rerouted, exception_problems = exceptions_handled_once(log, db)
    problems += exception_problems
    redelivered = len([r for r in log.records if r.envelope]) - len(TopicLog.first(log.records))
    detail = (
        f"{len(ids_per_fo)} FOs, {len(lines)} receipt lines, {len(published)} listings, "
        f"{rerouted} FC exception(s) handled; {redelivered} repeated deliveries on the topics"
    )
    return result(problems, detail)


def no_oversell(log: TopicLog, db: dict) -> Result:
    problems = []
    # What may be sold: units received, and units a customer returned sellable (sold again).
    received: Counter = Counter(db["returned_sellable"])
    for r in db["receipt_lines"]:
        received[(r.fnsku, r.fc)] += r.received
    allocated = {(r.fnsku, r.fc): r.q for r in db["router_allocated"]}
    for key, q in allocated.items():
        if q > received[key]:
            problems.append(f"{key}: {q} allocated, {received[key]} received fulfillable")
    for r in db["levels"]:
        if r.reserved + r.shipped > received[(r.fnsku, r.fc)]:
            problems.append(
                f"{(r.fnsku, r.fc)}: inventory reserved+shipped {r.reserved + r.shipped} "
                f"> received {received[(r.fnsku, r.fc)]}"
            )
    for r in db["availability"]:
        if r.reservations_total > r.basis:
            problems.append(
                f"{(r.fnsku, r.fc)}: router reserved {r.reservations_total} > basis {r.basis}"
            )
    # The same from the topics alone: units instructed never exceed units received.
    topic_received: Counter = Counter()
    for r in TopicLog.first(log.events("inventory.events", "InventoryReceived")):
        topic_received[(r.envelope.data.fnsku, r.envelope.data.fulfillment_center_id)] += (
            r.envelope.data.quantity_received
        )
    for r in first_report_per_return(log):
        for line in r.envelope.data.lines:
            if line.condition == "sellable":
                topic_received[(line.fnsku, r.envelope.data.fulfillment_center_id)] += line.quantity
    topic_instructed: Counter = Counter()
    seen_fo: set[str] = set()
    for r in log.events("fulfillment.instructions", "FulfillmentInstructed"):
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
    return result(problems, detail)


def exceptions_handled_once(log: TopicLog, db: dict) -> tuple[int, list[str]]:
    """FC exceptions (FulfillmentRejectedByCenter), however often and under however many ids one
    fulfillment order's is reported: the router re-routes for one report only, never more units
    than that report names missing, and inventory moves stock for one report only."""
    problems = []
    reports: dict[str, dict[str, int]] = defaultdict(
        dict
    )  # fo -> exception event id -> units missing
    for r in log.events("fulfillment.updates", "FulfillmentRejectedByCenter"):
        d = r.envelope.data
        units = sum(line.quantity for line in d.lines) if d.lines is not None else None
        reports[d.fulfillment_order_id][r.envelope.id] = units if units is not None else 10**9
    fo_of = {event_id: fo for fo, ids in reports.items() for event_id in ids}
    causes: dict[str, set[str]] = defaultdict(set)
    units_rerouted: Counter = Counter()
    for topic in ("order-router.events", "fulfillment.instructions"):
        for r in TopicLog.first(log.events(topic)):
            fo = fo_of.get(r.envelope.causation_id or "")
            if fo is None:
                continue
            causes[fo].add(r.envelope.causation_id)
            if r.name == "FulfillmentInstructed":
                units_rerouted[(fo, r.envelope.causation_id)] += sum(
                    line.quantity for line in r.envelope.data.lines
                )
    for fo, ids in causes.items():
        if len(ids) > 1:
            problems.append(f"{fo}: re-routed for {len(ids)} exception reports")
    for (fo, event_id), units in units_rerouted.items():
        if units > reports[fo][event_id]:
            problems.append(
                f"{fo}: {units} unit(s) re-routed, {reports[fo][event_id]} reported missing"
            )
    for fo, n in db["exception_causes"].items():
        if n > 1:
            problems.append(f"{fo}: inventory moved stock for {n} exception reports")
    return len(causes), problems
