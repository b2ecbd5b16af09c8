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
are locked in FNSKU order, so two handlers touching one order's FNSKUs cannot deadlock.
"""

from __future__ import annotations

from collections import defaultdict

import structlog

from inventory.adapters.repository import (
    Discrepancy,
    FulfillmentOrderRecord,
    FulfillmentOrderRepository,
    FulfillmentOrderStock,
    StockRepository,
)
from inventory.domain.model import (
    DiscrepancyKind,
    Levels,
    release,
    reserve,
    ship_reserved,
    ship_unreserved,
)
from inventory.service_layer.handlers import _move, _record_discrepancy, new_discrepancy_id
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


async def _levels(uow: UnitOfWork, fnsku: str, fc: str) -> Levels:
    level = await StockRepository(uow.connection).level(fnsku, fc, for_update=True)
    return level.levels if level else Levels()


async def _shortfall(uow, event, record: FulfillmentOrderRecord, item: FulfillmentOrderStock, missing: int) -> None:
    log.warning(
        "fulfillment order asks for more than is fulfillable; shortfall recorded",
        fulfillment_order_id=record.fulfillment_order_id, fnsku=item.fnsku, missing=missing,
    )
    await _record_discrepancy(
        uow,
        Discrepancy(
            new_discrepancy_id(), DiscrepancyKind.RESERVATION_SHORTFALL.value, record.fulfillment_center_id,
            item.fnsku, item.seller_id, missing, quantity_expected=item.quantity_ordered,
            quantity_counted=item.quantity_ordered - missing, fulfillment_order_id=record.fulfillment_order_id,
        ),
        caused_by=event,
    )


async def fulfillment_instructed(event: Envelope[FulfillmentInstructed], uow: UnitOfWork) -> None:
    data = event.data
    orders = FulfillmentOrderRepository(uow.connection)
    record = await orders.get(data.fulfillment_order_id, for_update=True)
    stock = _stock_of(data)
    if record is not None and record.instructed:
        log.info("fulfillment order already known; instruction ignored", fulfillment_order_id=data.fulfillment_order_id)
        return
    shipped_first = record is not None  # only a shipment confirmation could have created it
    record = record or FulfillmentOrderRecord(
        data.fulfillment_order_id, data.order_id, data.fulfillment_center_id, RESERVED, True, []
    )
    record.instructed = True
    for item in stock:
        levels = await _levels(uow, item.fnsku, data.fulfillment_center_id)
        if shipped_first:
            movements, missing = ship_unreserved(levels, item.quantity_ordered)
        else:
            movements, missing = reserve(levels, item.quantity_ordered)
            item.quantity_reserved = item.quantity_ordered - missing
        await _move(
            uow, fnsku=item.fnsku, fulfillment_center_id=data.fulfillment_center_id, seller_id=item.seller_id,
            seller_sku=item.seller_sku, movements=movements, caused_by=event,
            fulfillment_order_id=data.fulfillment_order_id,
        )
        if missing:
            await _shortfall(uow, event, record, item, missing)
    record.stock = stock
    if shipped_first:
        await orders.add_stock(record)
        await orders.update(record)
    else:
        await orders.add(record)


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
    data = event.data
    orders = FulfillmentOrderRepository(uow.connection)
    record = await orders.get(data.fulfillment_order_id, for_update=True)
    if record is None:
        # The confirmation overtook its instruction: remember it; the instruction will move the stock.
        record = FulfillmentOrderRecord(
            data.fulfillment_order_id, data.order_id, data.fulfillment_center_id, SHIPPED, False, []
        )
        await orders.add(record)
        await orders.update(record, carrier=data.carrier, tracking_number=data.tracking_number)
        log.info("shipment confirmed before its instruction arrived", fulfillment_order_id=data.fulfillment_order_id)
        return
    if record.status == SHIPPED:
        log.info("fulfillment order already shipped", fulfillment_order_id=data.fulfillment_order_id)
        return
    for item in record.stock:
        if record.status == RESERVED:
            movements = ship_reserved(item.quantity_reserved)
        else:
            # Shipped although cancelled (the FC had packed it already): the units left anyway.
            levels = await _levels(uow, item.fnsku, record.fulfillment_center_id)
            movements, missing = ship_unreserved(levels, item.quantity_reserved)
            if missing:
                await _shortfall(uow, event, record, item, missing)
        await _move(
            uow, fnsku=item.fnsku, fulfillment_center_id=record.fulfillment_center_id, seller_id=item.seller_id,
            seller_sku=item.seller_sku, movements=movements, caused_by=event,
            fulfillment_order_id=record.fulfillment_order_id,
        )
    record.status = SHIPPED
    await orders.update(record, carrier=data.carrier, tracking_number=data.tracking_number)
