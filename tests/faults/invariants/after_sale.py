"""Part of D — no duplicate effect — after the sale: no unit returned or removed twice.

- every customer return inventory recorded moved its units once: the ledger rows of its
  ReturnReceiptAccepted (the FC's report, checked by the order router) add up to the units the FC
  reported, and no return ledger row has another cause (a return reported again, under any event
  id, moved nothing);
- every removal order was created once on the topic (one RemovalOrderCreated per removal id), and
  the units its creation set aside are exactly its lines' units.
"""

from __future__ import annotations

from collections import defaultdict

RETURNS_SQL = (
    "SELECT return_id, received_event_id, "
    "(SELECT COALESCE(SUM((x->>'quantity')::bigint), 0) FROM jsonb_array_elements(lines) x) AS q "
    "FROM customer_returns"
)
RETURN_MOVES_SQL = (
    "SELECT cause_event_id, SUM(delta) AS q FROM inventory_ledger WHERE reason LIKE 'customer-return-%' "
    "GROUP BY cause_event_id"
)
SET_ASIDE_SQL = (
    "SELECT cause_event_id, SUM(delta) AS q FROM inventory_ledger WHERE reason = 'removal-set-aside' "
    "GROUP BY cause_event_id"
)


RETURNED_SELLABLE_SQL = (
    "SELECT fnsku, fulfillment_center_id AS fc, SUM(delta) AS q FROM inventory_ledger "
    "WHERE reason = 'customer-return-sellable' AND bucket = 'fulfillable' GROUP BY fnsku, fulfillment_center_id"
)


def load(rows) -> dict:
    """What the checks need from inventory's store; `rows(service, sql)` runs a query."""
    return {
        "returned_sellable": {
            (r.fnsku, r.fc): r.q for r in rows("inventory", RETURNED_SELLABLE_SQL)
        },
        "customer_returns": rows("inventory", RETURNS_SQL),
        "return_moves": {r.cause_event_id: r.q for r in rows("inventory", RETURN_MOVES_SQL)},
        "set_aside": {r.cause_event_id: r.q for r in rows("inventory", SET_ASIDE_SQL)},
    }


def no_unit_returned_or_removed_twice(created_removals, db: dict) -> list[str]:
    """`created_removals`: the RemovalOrderCreated envelopes on `inventory.events`, duplicates included."""
    problems = []
    recorded = {r.received_event_id: r for r in db["customer_returns"]}
    for cause, moved in db["return_moves"].items():
        found = recorded.get(cause)
        if found is None:
            problems.append(
                f"return ledger rows caused by {cause}, which is no recorded return's report"
            )
        elif moved != found.q:
            problems.append(
                f"return {found.return_id}: {found.q} unit(s) reported, ledger moved {moved}"
            )
    problems += [
        f"return {r.return_id}: reported, nothing moved"
        for r in db["customer_returns"]
        if r.received_event_id not in db["return_moves"]
    ]
    ids_per_removal: dict[str, set[str]] = defaultdict(set)
    units = {}
    for envelope in created_removals:
        ids_per_removal[envelope.data.removal_order_id].add(envelope.id)
        units[envelope.id] = sum(line.quantity for line in envelope.data.lines)
    problems += [
        f"removal {rid}: {len(ids)} RemovalOrderCreated events"
        for rid, ids in ids_per_removal.items()
        if len(ids) > 1
    ]
    for event_id, q in units.items():
        if db["set_aside"].get(event_id, 0) != -q:
            problems.append(
                f"removal created by {event_id}: {q} unit(s), ledger set aside {-db['set_aside'].get(event_id, 0)}"
            )
    return problems


def first_report_per_return(log) -> list:
    """The returns the order router accepted (ReturnReceiptAccepted on `order-router.events`, what
    inventory moves stock from), the first of each return id (an acceptance told twice, under any
    event id, counts once)."""
    seen: set[str] = set()
    first = []
    for r in log.events("order-router.events", "ReturnReceiptAccepted"):
        if r.envelope.data.return_id not in seen:
            seen.add(r.envelope.data.return_id)
            first.append(r)
    return first
