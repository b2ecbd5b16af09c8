"""Customer orders in the inventory: what order-router instructs and FCs confirm moves stock
between fulfillable, reserved and shipped (the contract in InventoryLevelChanged's docstring).

- FulfillmentInstructed: per FNSKU fulfillable → reserved; a shortfall moves what exists and is
  recorded as a discrepancy (never a negative bucket, never a dead letter);
- FulfillmentCancelled: reserved → fulfillable;
- ShipmentShipped: reserved → shipped. It carries no lines, so the lines come from the
  instruction kept here. Instructions and confirmations travel on different topics, so a
  confirmation may overtake its instruction: the order is then remembered as shipped and the
  instruction, when it comes, moves fulfillable → shipped directly.

Handlers run in the runtime's unit of work (inbox claim included) and never commit. Bucket rows
are locked in (FNSKU, FC) order, so two handlers touching the same FNSKUs cannot deadlock.
Instructions and shipment confirmations also have set-based versions (`fulfillments_instructed`,
`shipments_shipped`) that the worker uses for a run of them; the one-event handlers call them
with a list of one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import structlog

from inventory.adapters.repository import (
    Discrepancy,
    FulfillmentOrderRecord,
    FulfillmentOrderRepository,
    FulfillmentOrderStock,
    StockMove,
    StockRepository,
)
from inventory.domain.model import (
    DiscrepancyKind,
    Levels,
    Movement,
    release,
    reserve,
    ship_reserved,
    ship_unreserved,
)
from inventory.service_layer.handlers import (
    _move,
    _record_discrepancies,
    level_changed,
    new_discrepancy_id,
)
from stockpath_events import Envelope
from stockpath_events.types.fulfillment import ShipmentShipped
from stockpath_events.types.order_router import FulfillmentCancelled, FulfillmentInstructed
from stockpath_runtime.unit_of_work import UnitOfWork

log = structlog.get_logger("inventory")

RESERVED, CANCELLED, SHIPPED = "RESERVED", "CANCELLED", "SHIPPED"


def _stock_of(data: FulfillmentInstructed) -> list[FulfillmentOrderStock]:
    """The instruction's lines summed per FNSKU (two lines of one FNSKU draw on the same units)."""
    by_fnsku: dict[str, FulfillmentOrderStock] = {}
    totals: dict[str, int] = defaultdict(int)
    for line in data.lines:
        totals[line.fnsku] += line.quantity
        by_fnsku.setdefault(line.fnsku, FulfillmentOrderStock(line.fnsku, line.seller_id, line.seller_sku, 0, 0))
    for fnsku, quantity in totals.items():
        by_fnsku[fnsku].quantity_ordered = quantity
    return [by_fnsku[f] for f in sorted(by_fnsku)]


class FulfillmentOrderCreatedMeanwhile(RuntimeError):
    """Another transaction stored one of these fulfillment orders after they were read (e.g. a
    shipment confirmation on the other topic): nothing is written; applied again, the events see it."""


class StockMoves:
    """The stock a run of events moves in one unit of work, in a fixed number of statements.

    `lock` takes the bucket rows once, in (fnsku, FC) order; `move` computes each event's movements
    in memory against what earlier events of the run left; `write` stores every ledger row (in
    event order), changes each bucket row once, records the shortfalls and announces one
    InventoryLevelChanged per (fnsku, FC) moved, with its buckets after the run, caused by the last
    event that moved it. The levels are absolute and their consumers keep the latest (order-router,
    listing), so the intermediate levels of a run tell nobody anything.
    """

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._repo = StockRepository(uow.connection)
        self._levels: dict[tuple[str, str], Levels] = {}
        self._moves: list[StockMove] = []
        self._last_cause: dict[tuple[str, str], Envelope] = {}  # in the order of each key's last movement
        self._shortfalls: list[tuple[Discrepancy, Envelope]] = []

    async def lock(self, keys: Iterable[tuple[str, str]]) -> None:
        wanted = set(keys) - self._levels.keys()
        found = await self._repo.lock_levels(wanted)
        for key in wanted:
            self._levels[key] = found[key].levels if key in found else Levels()

    def levels(self, fnsku: str, fulfillment_center_id: str) -> Levels:
        return self._levels[(fnsku, fulfillment_center_id)]

    def move(
        self, event: Envelope, record: FulfillmentOrderRecord, item: FulfillmentOrderStock,
        movements: list[Movement], missing: int = 0,
    ) -> None:
        key = (item.fnsku, record.fulfillment_center_id)
        if any(m.delta for m in movements):
            self._levels[key] = self._levels[key].apply(movements)
            self._moves.append(
                StockMove(
                    item.fnsku, record.fulfillment_center_id, item.seller_id, item.seller_sku, tuple(movements),
                    cause_event_id=event.id, fulfillment_order_id=record.fulfillment_order_id,
                )
            )
            self._last_cause.pop(key, None)
            self._last_cause[key] = event
        if missing:
            log.warning(
                "fulfillment order asks for more than is fulfillable; shortfall recorded",
                fulfillment_order_id=record.fulfillment_order_id, fnsku=item.fnsku, missing=missing,
            )
            self._shortfalls.append((
                Discrepancy(
                    new_discrepancy_id(), DiscrepancyKind.RESERVATION_SHORTFALL.value, record.fulfillment_center_id,
                    item.fnsku, item.seller_id, missing, quantity_expected=item.quantity_ordered,
                    quantity_counted=item.quantity_ordered - missing,
                    fulfillment_order_id=record.fulfillment_order_id,
                ),
                event,
            ))

    async def write(self) -> None:
        after = await self._repo.move_all(self._moves)
        for key, event in self._last_cause.items():
            self._uow.emit(level_changed(after[key]), caused_by=event)
        if self._shortfalls:
            await _record_discrepancies(self._uow, self._shortfalls)


async def fulfillment_instructed(event: Envelope[FulfillmentInstructed], uow: UnitOfWork) -> None:
    """Reserve a fulfillment order's stock; see `fulfillments_instructed`."""
    await fulfillments_instructed([event], uow)


async def fulfillments_instructed(events: list[Envelope[FulfillmentInstructed]], uow: UnitOfWork) -> None:
    """Reserve the stock of each instructed fulfillment order, in the order they came: fulfillable →
    reserved per FNSKU (a shortfall reserves what exists and is recorded), or fulfillable → shipped
    when the FC's shipment confirmation came first. The first instruction of a fulfillment order is
    the one applied; the same order instructed again (under another event id) changes nothing.

    However many instructions come at once, they cost a fixed number of statements: the orders read
    and locked at once, the stock rows locked once, movements computed in memory, written in bulk.
    """
    orders = FulfillmentOrderRepository(uow.connection)
    known = await orders.get_all((e.data.fulfillment_order_id for e in events), for_update=True)
    applied: list[tuple[Envelope, FulfillmentOrderRecord, bool]] = []
    for event in events:
        data = event.data
        record = known.get(data.fulfillment_order_id)
        if record is not None and record.instructed:
            log.info("fulfillment order already known; instruction ignored", fulfillment_order_id=data.fulfillment_order_id)
            continue
        shipped_first = record is not None  # only a shipment confirmation could have created it
        record = record or FulfillmentOrderRecord(
            data.fulfillment_order_id, data.order_id, data.fulfillment_center_id, RESERVED, True, []
        )
        record.instructed = True
        record.stock = _stock_of(data)
        known[record.fulfillment_order_id] = record
        applied.append((event, record, shipped_first))

    stock = StockMoves(uow)
    await stock.lock((item.fnsku, record.fulfillment_center_id) for _, record, _ in applied for item in record.stock)
    for event, record, shipped_first in applied:
        for item in record.stock:
            levels = stock.levels(item.fnsku, record.fulfillment_center_id)
            if shipped_first:
                movements, missing = ship_unreserved(levels, item.quantity_ordered)
            else:
                movements, missing = reserve(levels, item.quantity_ordered)
                item.quantity_reserved = item.quantity_ordered - missing
            stock.move(event, record, item, movements, missing)
    await stock.write()

    new = [record for _, record, shipped_first in applied if not shipped_first]
    if len(await orders.add_all(new)) != len(new):
        raise FulfillmentOrderCreatedMeanwhile("a fulfillment order was stored concurrently; apply again")
    shipped_before = [record for _, record, shipped_first in applied if shipped_first]
    await orders.add_stock_all(shipped_before)
    await orders.update_all(shipped_before)


async def fulfillment_cancelled(event: Envelope[FulfillmentCancelled], uow: UnitOfWork) -> None:
    data = event.data
    orders = FulfillmentOrderRepository(uow.connection)
    record = await orders.get(data.fulfillment_order_id, for_update=True)
    if record is None or record.status != RESERVED:
        # Unknown (never instructed here) or already shipped/cancelled: nothing is reserved for it.
        log.warning(
            "cancellation of a fulfillment order that holds no reservation ignored",
            fulfillment_order_id=data.fulfillment_order_id, status=record.status if record else None,
        )
        return
    for item in record.stock:
        await _move(
            uow, fnsku=item.fnsku, fulfillment_center_id=record.fulfillment_center_id, seller_id=item.seller_id,
            seller_sku=item.seller_sku, movements=release(item.quantity_reserved), caused_by=event,
            fulfillment_order_id=record.fulfillment_order_id,
        )
    record.status = CANCELLED
    await orders.update(record)


async def shipment_shipped(event: Envelope[ShipmentShipped], uow: UnitOfWork) -> None:
    """Apply an FC's shipment confirmation; see `shipments_shipped`."""
    await shipments_shipped([event], uow)


async def shipments_shipped(events: list[Envelope[ShipmentShipped]], uow: UnitOfWork) -> None:
    """Apply FCs' shipment confirmations in the order they came: reserved → shipped (or fulfillable →
    shipped for an order cancelled meanwhile). A confirmation that overtook its instruction is
    remembered, so the instruction moves the stock when it comes; a second one changes nothing.
    A fixed number of statements however many come at once, as `fulfillments_instructed`.
    """
    orders = FulfillmentOrderRepository(uow.connection)
    known = await orders.get_all((e.data.fulfillment_order_id for e in events), for_update=True)
    applied: list[tuple[Envelope, FulfillmentOrderRecord, str]] = []
    first: list[FulfillmentOrderRecord] = []  # confirmations that overtook their instruction
    shipped_by: dict[str, tuple[str, str | None]] = {}
    for event in events:
        data = event.data
        record = known.get(data.fulfillment_order_id)
        if record is None:
            record = FulfillmentOrderRecord(
                data.fulfillment_order_id, data.order_id, data.fulfillment_center_id, SHIPPED, False, []
            )
            known[record.fulfillment_order_id] = record
            first.append(record)
            shipped_by[record.fulfillment_order_id] = (data.carrier, data.tracking_number)
            log.info("shipment confirmed before its instruction arrived", fulfillment_order_id=data.fulfillment_order_id)
            continue
        if record.status == SHIPPED:
            log.info("fulfillment order already shipped", fulfillment_order_id=data.fulfillment_order_id)
            continue
        applied.append((event, record, record.status))
        record.status = SHIPPED
        shipped_by[record.fulfillment_order_id] = (data.carrier, data.tracking_number)

    stock = StockMoves(uow)
    await stock.lock((item.fnsku, record.fulfillment_center_id) for _, record, _ in applied for item in record.stock)
    for event, record, status in applied:
        for item in record.stock:
            if status == RESERVED:
                movements, missing = ship_reserved(item.quantity_reserved), 0
            else:
                # Shipped although cancelled (the FC had packed it already): the units left anyway.
                levels = stock.levels(item.fnsku, record.fulfillment_center_id)
                movements, missing = ship_unreserved(levels, item.quantity_reserved)
            stock.move(event, record, item, movements, missing)
    await stock.write()

    if len(await orders.add_all(first, shipped_by=shipped_by)) != len(first):
        raise FulfillmentOrderCreatedMeanwhile("a fulfillment order was stored concurrently; apply again")
    await orders.update_all([record for _, record, _ in applied], shipped_by=shipped_by)
