"""Customer orders in the inventory: what order-router instructs and FCs confirm moves stock
between fulfillable, reserved and shipped (the contract in InventoryLevelChanged's docstring).

- `reserve_stock` (FulfillmentInstructed): per FNSKU fulfillable → reserved; a shortfall moves
  what exists and is recorded as a discrepancy (never a negative bucket, never a dead letter);
- `release_stock` (FulfillmentCancelled): reserved → fulfillable;
- `ship_stock` (ShipmentShipped): reserved → shipped. A confirmation carries no lines, so they
  come from the instruction kept here. Instructions and confirmations travel on different topics,
  so a confirmation may overtake its instruction: the order is then remembered as shipped and the
  instruction, when it comes, moves fulfillable → shipped directly.

Units that move into shipped are charged their fulfillment fee (`service_layer.charges`; an MCF
order's the fee it was quoted, which its instructions carry and `reserve_stock` keeps), to the
FC's confirmation that shipped them, on the day it says they shipped — also when it overtook the
instruction (it is kept with the order and charged when the lines come).

Handlers run in the runtime's unit of work (inbox claim included) and never commit. Bucket rows
are locked in (FNSKU, FC) order, so two handlers touching the same FNSKUs cannot deadlock.
Reservations and shipments of a run are set-based: a fixed number of statements however many
commands the run holds.
"""

from __future__ import annotations

from collections.abc import Iterable

import structlog

from inventory.domain.charges import ChargedEvent, ChargedUnits, ChargeKind
from inventory.domain.commands import ReleaseStock, ReserveStock, ShipStock
from inventory.domain.discrepancies import Discrepancy, DiscrepancyKind, discrepancy_id
from inventory.domain.fulfillment_orders import (
    FulfillmentOrder,
    FulfillmentOrderStatus,
    FulfillmentOrderStock,
    release,
    reserve,
    ship_reserved,
    ship_unreserved,
    stock_of,
)
from inventory.domain.stock import Bucket, Levels, Movement, StockMove
from inventory.service_layer.charges import charge
from inventory.service_layer.stock_moves import level_changed, move_stock, record_discrepancies
from inventory.service_layer.unit_of_work import InventoryUnitOfWork
from stockpath_events import Cause
from stockpath_network.fees import FeeSchedule

log = structlog.get_logger("inventory")

RESERVED, CANCELLED, SHIPPED = (
    FulfillmentOrderStatus.RESERVED,
    FulfillmentOrderStatus.CANCELLED,
    FulfillmentOrderStatus.SHIPPED,
)


class FulfillmentOrderCreatedMeanwhile(RuntimeError):
    """Another transaction stored one of these fulfillment orders after they were read (e.g. a
    shipment confirmation on the other topic): nothing is written; applied again, the events see it."""


class StockMoves:
    """The stock a run of commands moves in one unit of work, in a fixed number of statements.

    `lock` takes the bucket rows once, in (fnsku, FC) order; `move` computes each command's
    movements in memory against what earlier commands of the run left; `write` stores every ledger
    row (in command order), changes each bucket row once, records the shortfalls and announces one
    InventoryLevelChanged per (fnsku, FC) moved, with its buckets after the run, caused by the last
    event that moved it. The levels are absolute and their consumers keep the latest (order-router,
    listing), so the intermediate levels of a run tell nobody anything.
    """

    def __init__(self, uow: InventoryUnitOfWork) -> None:
        self._uow = uow
        self._levels: dict[tuple[str, str], Levels] = {}
        self._moves: list[StockMove] = []
        self._last_cause: dict[
            tuple[str, str], Cause
        ] = {}  # in the order of each key's last movement
        self._shortfalls: list[tuple[Discrepancy, Cause]] = []

    async def lock(self, keys: Iterable[tuple[str, str]]) -> None:
        wanted = set(keys) - self._levels.keys()
        found = await self._uow.stock.lock_levels(wanted)
        for key in wanted:
            self._levels[key] = found[key].levels if key in found else Levels()

    def levels(self, fnsku: str, fulfillment_center_id: str) -> Levels:
        return self._levels[(fnsku, fulfillment_center_id)]

    def move(
        self,
        cause: Cause,
        order: FulfillmentOrder,
        item: FulfillmentOrderStock,
        movements: list[Movement],
        missing: int = 0,
    ) -> None:
        key = (item.fnsku, order.fulfillment_center_id)
        if any(m.delta for m in movements):
            self._levels[key] = self._levels[key].apply(movements)
            self._moves.append(
                StockMove(
                    item.fnsku,
                    order.fulfillment_center_id,
                    item.seller_id,
                    item.seller_sku,
                    tuple(movements),
                    cause_event_id=cause.id,
                    fulfillment_order_id=order.fulfillment_order_id,
                )
            )
            self._last_cause.pop(key, None)
            self._last_cause[key] = cause
        if missing:
            log.warning(
                "fulfillment order asks for more than is fulfillable; shortfall recorded",
                fulfillment_order_id=order.fulfillment_order_id,
                fnsku=item.fnsku,
                missing=missing,
            )
            self._shortfalls.append(
                (
                    Discrepancy(
                        # One fulfillment order per event, so the event, the order and the FNSKU name it.
                        discrepancy_id(
                            f"{cause.id}/{order.fulfillment_order_id}",
                            DiscrepancyKind.RESERVATION_SHORTFALL,
                            item.fnsku,
                        ),
                        DiscrepancyKind.RESERVATION_SHORTFALL,
                        order.fulfillment_center_id,
                        item.fnsku,
                        item.seller_id,
                        missing,
                        quantity_expected=item.quantity_ordered,
                        quantity_counted=item.quantity_ordered - missing,
                        fulfillment_order_id=order.fulfillment_order_id,
                    ),
                    cause,
                )
            )

    async def write(self) -> None:
        after = await self._uow.stock.move_all(self._moves)
        for key, cause in self._last_cause.items():
            self._uow.emit(level_changed(after[key]), caused_by=cause)
        if self._shortfalls:
            await record_discrepancies(self._uow, self._shortfalls)


async def reserve_stock(
    commands: list[ReserveStock], uow: InventoryUnitOfWork, *, fees: FeeSchedule
) -> None:
    """Reserve the stock of each instructed fulfillment order, in the order they came: fulfillable →
    reserved per FNSKU (a shortfall reserves what exists and is recorded), or fulfillable → shipped
    when the FC's shipment confirmation came first. The first instruction of a fulfillment order is
    the one applied; the same order instructed again (under another event id) changes nothing.

    However many instructions come at once, they cost a fixed number of statements: the orders read
    and locked at once, the stock rows locked once, movements computed in memory, written in bulk.
    The fees MCF orders were quoted are kept first (one statement, none without any), so units
    shipped before their instruction came are charged the quote too.
    """
    await uow.charges.record_quotes([quote for c in commands for quote in c.quotes])
    known = await uow.fulfillment_orders.get_all(
        (c.fulfillment_order_id for c in commands), for_update=True
    )
    applied: list[tuple[ReserveStock, FulfillmentOrder, bool]] = []
    for command in commands:
        order = known.get(command.fulfillment_order_id)
        if order is not None and order.instructed:
            log.info(
                "fulfillment order already known; instruction ignored",
                fulfillment_order_id=command.fulfillment_order_id,
            )
            continue
        shipped_first = order is not None  # only a shipment confirmation could have created it
        order = order or FulfillmentOrder(
            command.fulfillment_order_id,
            command.order_id,
            command.fulfillment_center_id,
            RESERVED,
            True,
            [],
        )
        order.instructed = True
        order.stock = stock_of(command.lines)
        known[order.fulfillment_order_id] = order
        applied.append((command, order, shipped_first))

    stock = StockMoves(uow)
    await stock.lock(
        (item.fnsku, order.fulfillment_center_id) for _, order, _ in applied for item in order.stock
    )
    shipped: list[tuple[ChargedEvent, ChargedUnits]] = []
    for command, order, shipped_first in applied:
        for item in order.stock:
            levels = stock.levels(item.fnsku, order.fulfillment_center_id)
            if shipped_first:
                movements, missing = ship_unreserved(levels, item.quantity_ordered)
                # Charged as the shipment, not the instruction: the statement's month and the
                # charge's event are then the same whichever topic was read first (live or replay).
                charged_as = order.shipment or command.charged_as
                shipped += _charged(charged_as, order, item.fnsku, movements)
            else:
                movements, missing = reserve(levels, item.quantity_ordered)
                item.quantity_reserved = item.quantity_ordered - missing
            stock.move(command.cause, order, item, movements, missing)
    await stock.write()
    await charge(uow, shipped, fees)

    new = [order for _, order, shipped_first in applied if not shipped_first]
    if len(await uow.fulfillment_orders.add_all(new)) != len(new):
        raise FulfillmentOrderCreatedMeanwhile(
            "a fulfillment order was stored concurrently; apply again"
        )
    shipped_before = [order for _, order, shipped_first in applied if shipped_first]
    await uow.fulfillment_orders.add_stock_all(shipped_before)
    await uow.fulfillment_orders.update_all(shipped_before)


async def release_stock(commands: list[ReleaseStock], uow: InventoryUnitOfWork) -> None:
    """Give each cancelled fulfillment order's reserved units back to fulfillable."""
    for command in commands:
        order = await uow.fulfillment_orders.get(command.fulfillment_order_id, for_update=True)
        if order is None or order.status is not RESERVED:
            # Unknown (never instructed here) or already shipped/cancelled: nothing is reserved for it.
            log.warning(
                "cancellation of a fulfillment order that holds no reservation ignored",
                fulfillment_order_id=command.fulfillment_order_id,
                status=order.status if order else None,
            )
            continue
        for item in order.stock:
            move = StockMove(
                item.fnsku,
                order.fulfillment_center_id,
                item.seller_id,
                item.seller_sku,
                tuple(release(item.quantity_reserved)),
                cause_event_id=command.cause.id,
                fulfillment_order_id=order.fulfillment_order_id,
            )
            await move_stock(uow, move, caused_by=command.cause)
        order.status = CANCELLED
        await uow.fulfillment_orders.update_all([order])


async def ship_stock(
    commands: list[ShipStock], uow: InventoryUnitOfWork, *, fees: FeeSchedule
) -> None:
    """Apply FCs' shipment confirmations in the order they came: reserved → shipped (or fulfillable →
    shipped for an order cancelled meanwhile). A confirmation that overtook its instruction is
    remembered, so the instruction moves the stock when it comes; a second one changes nothing.
    A fixed number of statements however many come at once, as `reserve_stock`.
    """
    known = await uow.fulfillment_orders.get_all(
        (c.fulfillment_order_id for c in commands), for_update=True
    )
    applied: list[tuple[ShipStock, FulfillmentOrder, FulfillmentOrderStatus]] = []
    first: list[FulfillmentOrder] = []  # confirmations that overtook their instruction
    shipped_by: dict[str, tuple[str, str | None]] = {}
    for command in commands:
        order = known.get(command.fulfillment_order_id)
        if order is None:
            order = FulfillmentOrder(
                command.fulfillment_order_id,
                command.order_id,
                command.fulfillment_center_id,
                SHIPPED,
                False,
                [],
                shipment=command.charged_as,
            )
            known[order.fulfillment_order_id] = order
            first.append(order)
            shipped_by[order.fulfillment_order_id] = (command.carrier, command.tracking_number)
            log.info(
                "shipment confirmed before its instruction arrived",
                fulfillment_order_id=command.fulfillment_order_id,
            )
            continue
        if order.status is SHIPPED:
            log.info(
                "fulfillment order already shipped",
                fulfillment_order_id=command.fulfillment_order_id,
            )
            continue
        applied.append((command, order, order.status))
        order.status = SHIPPED
        shipped_by[order.fulfillment_order_id] = (command.carrier, command.tracking_number)

    stock = StockMoves(uow)
    await stock.lock(
        (item.fnsku, order.fulfillment_center_id) for _, order, _ in applied for item in order.stock
    )
    shipped: list[tuple[ChargedEvent, ChargedUnits]] = []
    for command, order, status in applied:
        for item in order.stock:
            if status is RESERVED:
                movements, missing = ship_reserved(item.quantity_reserved), 0
            else:
                # Shipped although cancelled (the FC had packed it already): the units left anyway.
                levels = stock.levels(item.fnsku, order.fulfillment_center_id)
                movements, missing = ship_unreserved(levels, item.quantity_reserved)
            stock.move(command.cause, order, item, movements, missing)
            shipped += _charged(command.charged_as, order, item.fnsku, movements)
    await stock.write()
    await charge(uow, shipped, fees)

    if len(await uow.fulfillment_orders.add_all(first, shipped_by=shipped_by)) != len(first):
        raise FulfillmentOrderCreatedMeanwhile(
            "a fulfillment order was stored concurrently; apply again"
        )
    await uow.fulfillment_orders.update_all(
        [order for _, order, _ in applied], shipped_by=shipped_by
    )


def _charged(
    event: ChargedEvent | None, order: FulfillmentOrder, fnsku: str, movements: list[Movement]
) -> list[tuple[ChargedEvent, ChargedUnits]]:
    """The fulfillment fee's units of one FNSKU of a shipped order: those these movements shipped."""
    quantity = sum(m.delta for m in movements if m.bucket is Bucket.SHIPPED and m.delta > 0)
    if event is None or not quantity:
        return []
    units = ChargedUnits(
        ChargeKind.FULFILLMENT,
        order.fulfillment_order_id,
        fnsku,
        order.fulfillment_center_id,
        quantity,
        order.order_id,
    )
    return [(event, units)]
