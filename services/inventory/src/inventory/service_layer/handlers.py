"""Inventory use cases. Each runs in one unit of work: the shipment, the ledger rows, the buckets
and the events they cause commit together or not at all.

Event handlers (`inbound_shipment_planned`, `inbound_shipment_cancelled`) run inside the runtime's
unit of work, which has already claimed the event in the inbox and commits after them; they must
not commit. `record_receipt` serves an HTTP request and commits itself.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import structlog

from inventory.adapters.repository import (
    Discrepancy,
    DiscrepancyRepository,
    ReceiptRepository,
    ShipmentRepository,
    StockMove,
    StockRepository,
)
from inventory.domain.commands import RecordReceipt
from inventory.domain.model import (
    DiscrepancyKind,
    InboundShipment,
    Levels,
    Movement,
    ReceiptIdReused,
    ReceiptResult,
    ReceivedLine,
    ShipmentNotReceivable,
    ShipmentStatus,
    StockLevel,
    UnknownShipment,
    WrongFulfillmentCenter,
)
from stockpath_events import Envelope
from stockpath_events.types.inventory import (
    InboundShipmentClosed,
    InventoryDiscrepancyRecorded,
    InventoryLevelChanged,
    InventoryReceived,
)
from stockpath_events.types.registration import (
    InboundShipmentCancelled,
    InboundShipmentPlanned,
    InboundShipmentShipped,
)
from stockpath_runtime.unit_of_work import UnitOfWork

log = structlog.get_logger("inventory")


async def _move(
    uow: UnitOfWork,
    *,
    fnsku: str,
    fulfillment_center_id: str,
    seller_id: str,
    seller_sku: str | None,
    movements: list[Movement],
    caused_by: Envelope | None = None,
    cause_event_id: str | None = None,
    correlation_id: str | None = None,
    **refs: str | None,
) -> StockLevel:
    """Apply one FNSKU's movements at one FC (ledger rows + buckets) and announce the new buckets.

    `refs` name what else the ledger rows point at (shipment_id, receipt_id, fulfillment_order_id,
    adjustment_id); the cause is the consumed event, or the event this change writes.
    """
    level = await StockRepository(uow.connection).move(
        fnsku=fnsku,
        fulfillment_center_id=fulfillment_center_id,
        seller_id=seller_id,
        seller_sku=seller_sku,
        movements=movements,
        cause_event_id=cause_event_id or (caused_by.id if caused_by else None),
        **refs,
    )
    if any(m.delta for m in movements):
        uow.emit(level_changed(level), caused_by=caused_by, correlation_id=correlation_id)
    return level


def level_changed(level: StockLevel) -> InventoryLevelChanged:
    return InventoryLevelChanged(
        fulfillment_center_id=level.fulfillment_center_id,
        fnsku=level.fnsku,
        seller_id=level.seller_id,
        seller_sku=level.seller_sku,
        inbound=level.levels.inbound,
        fulfillable=level.levels.fulfillable,
        reserved=level.levels.reserved,
        unfulfillable=level.levels.unfulfillable,
        shipped=level.levels.shipped,
    )


async def _move_stock(
    uow: UnitOfWork,
    shipment: InboundShipment,
    movements: dict[str, list[Movement]],
    *,
    receipt_id: str | None = None,
    caused_by: Envelope | None = None,
    cause_event_id: str | None = None,
    correlation_id: str | None = None,
) -> dict[str, StockLevel]:
    """Apply each FNSKU's movements at the shipment's FC and announce the buckets that changed
    (one InventoryLevelChanged per FNSKU moved, in FNSKU order); returns every FNSKU's buckets after.

    A fixed number of statements however many lines the shipment has: the bucket rows are locked
    once, in (FNSKU, FC) order, so two transactions touching the same rows cannot deadlock; then
    every ledger row and every bucket change is written in bulk (`StockRepository.move_all`).
    """
    stock = StockRepository(uow.connection)
    fc = shipment.fulfillment_center_id
    fnskus = sorted(movements)
    locked = await stock.lock_levels((fnsku, fc) for fnsku in fnskus)
    cause = cause_event_id or (caused_by.id if caused_by else None)
    moved = await stock.move_all(
        [
            StockMove(
                fnsku, fc, shipment.seller_id, shipment.lines[fnsku].seller_sku, tuple(movements[fnsku]),
                cause_event_id=cause, shipment_id=shipment.shipment_id, receipt_id=receipt_id,
            )
            for fnsku in fnskus
        ]
    )
    after: dict[str, StockLevel] = {}
    for fnsku in fnskus:
        key = (fnsku, fc)
        if key in moved:
            after[fnsku] = moved[key]
            uow.emit(level_changed(moved[key]), caused_by=caused_by, correlation_id=correlation_id)
        else:
            # Nothing moved (e.g. a line counted as zero): the buckets as they are.
            after[fnsku] = locked.get(key) or StockLevel(
                fnsku, fc, shipment.seller_id, shipment.lines[fnsku].seller_sku, Levels()
            )
    return after


def new_discrepancy_id() -> str:
    return "DSC" + uuid.uuid4().hex[:16].upper()


async def _record_discrepancies(
    uow: UnitOfWork, recorded: list[tuple[Discrepancy, Envelope | None]], *, correlation_id: str | None = None
) -> None:
    """Keep differences (table + InventoryDiscrepancyRecorded per difference, each with the event
    that caused it), in one statement: they are what the seller is reimbursed or asked about, so
    they are never dropped."""
    await DiscrepancyRepository(uow.connection).add_all([d for d, _ in recorded])
    for discrepancy, caused_by in recorded:
        uow.emit(
            InventoryDiscrepancyRecorded(
                discrepancy_id=discrepancy.discrepancy_id,
                kind=discrepancy.kind,
                fulfillment_center_id=discrepancy.fulfillment_center_id,
                fnsku=discrepancy.fnsku,
                seller_id=discrepancy.seller_id,
                quantity=discrepancy.quantity,
                quantity_expected=discrepancy.quantity_expected,
                quantity_counted=discrepancy.quantity_counted,
                shipment_id=discrepancy.shipment_id,
                fulfillment_order_id=discrepancy.fulfillment_order_id,
            ),
            caused_by=caused_by,
            correlation_id=correlation_id,
        )


async def inbound_shipment_planned(event: Envelope[InboundShipmentPlanned], uow: UnitOfWork) -> None:
    """Expect the shipment at its FC: its quantities become ``inbound`` there.

    A plan for a shipment id already known (re-published by registration, or arriving after its
    cancellation) changes nothing: a shipment is planned once.
    """
    data = event.data
    shipment, movements = InboundShipment.plan(
        data.shipment_id,
        data.seller_id,
        data.fulfillment_center_id,
        [(line.fnsku, line.seller_sku, line.quantity) for line in data.lines],
        correlation_id=event.correlation_id,
    )
    if not await ShipmentRepository(uow.connection).add(shipment, planned_event_id=event.id):
        log.info("inbound shipment already known; plan ignored", shipment_id=data.shipment_id)
        return
    await _move_stock(uow, shipment, movements, caused_by=event)


async def inbound_shipment_cancelled(event: Envelope[InboundShipmentCancelled], uow: UnitOfWork) -> None:
    """Stop expecting what has not arrived: the outstanding quantities leave ``inbound``."""
    data = event.data
    shipments = ShipmentRepository(uow.connection)
    shipment = await shipments.get(data.shipment_id, for_update=True)
    if shipment is None:
        # Never planned here (e.g. the plan predates this store). Remember the cancellation so
        # that a late plan for the same shipment id cannot create inbound stock.
        tombstone = InboundShipment(
            data.shipment_id, data.seller_id, data.fulfillment_center_id, ShipmentStatus.CANCELLED,
            correlation_id=event.correlation_id,
        )
        await shipments.add(tombstone, planned_event_id=None)
        log.warning("cancellation of an unknown inbound shipment recorded", shipment_id=data.shipment_id)
        return
    try:
        movements = shipment.cancel()
    except ShipmentNotReceivable:
        # The FC finished receiving before the cancellation arrived: the stock is here, keep it.
        log.warning("cancellation of a closed inbound shipment ignored", shipment_id=data.shipment_id)
        return
    await shipments.save(shipment)
    await _move_stock(uow, shipment, movements, caused_by=event)


async def record_receipt(command: RecordReceipt, uow: UnitOfWork) -> tuple[ReceiptResult, bool]:
    """Record what FC staff counted; returns the result and whether it is a replay of a receipt
    already recorded under the same receipt id (then nothing moved)."""
    shipments = ShipmentRepository(uow.connection)
    # The shipment lock serialises receipts of one shipment, so the line counters never lose a count.
    shipment = await shipments.get(command.shipment_id, for_update=True)
    if shipment is None:
        raise UnknownShipment(command.shipment_id)
    receipts = ReceiptRepository(uow.connection)
    stored = await receipts.claim(command)
    if stored is not None:
        if stored.fingerprint != command.fingerprint or stored.result is None:
            raise ReceiptIdReused(command.receipt_id)
        return stored.result, True

    receiving = shipment.receive(command.fulfillment_center_id, command.lines)
    await shipments.save(shipment, fnskus=[c.fnsku for c in receiving.counts])
    # Without a caller's correlation id, the receipt continues the chain its shipment's plan started.
    chain = uow.correlation_id or shipment.correlation_id
    for count in receiving.counts:
        line = shipment.lines[count.fnsku]
        uow.emit(
            InventoryReceived(
                receipt_id=command.receipt_id,
                shipment_id=shipment.shipment_id,
                fulfillment_center_id=shipment.fulfillment_center_id,
                fnsku=line.fnsku,
                seller_id=shipment.seller_id,
                seller_sku=line.seller_sku,
                quantity_expected=line.quantity_expected,
                quantity_received=count.received,
                quantity_damaged=count.damaged,
            ),
            correlation_id=chain,
        )
    after = await _move_stock(
        uow, shipment, receiving.movements, receipt_id=command.receipt_id, correlation_id=chain
    )
    # Every difference of the receipt in one statement: overages, then FNSKUs never planned.
    found: list[tuple[Discrepancy, Envelope | None]] = []
    for fnsku, extra in sorted(receiving.overages.items()):
        line = shipment.lines[fnsku]
        found.append((
            Discrepancy(
                new_discrepancy_id(), DiscrepancyKind.OVERAGE.value, shipment.fulfillment_center_id, fnsku,
                shipment.seller_id, extra, quantity_expected=line.quantity_expected,
                quantity_counted=line.quantity_counted, shipment_id=shipment.shipment_id, receipt_id=command.receipt_id,
            ),
            None,
        ))
    for count in receiving.unknown:
        found.append((
            Discrepancy(
                new_discrepancy_id(), DiscrepancyKind.UNKNOWN_FNSKU.value, shipment.fulfillment_center_id, count.fnsku,
                shipment.seller_id, count.received + count.damaged, quantity_expected=0,
                quantity_counted=count.received + count.damaged, shipment_id=shipment.shipment_id,
                receipt_id=command.receipt_id,
            ),
            None,
        ))
    if found:
        await _record_discrepancies(uow, found, correlation_id=chain)
    if receiving.closed:
        uow.emit(
            InboundShipmentClosed(
                shipment_id=shipment.shipment_id,
                fulfillment_center_id=shipment.fulfillment_center_id,
                seller_id=shipment.seller_id,
            ),
            correlation_id=chain,
        )
        log.info("inbound shipment received in full and closed", shipment_id=shipment.shipment_id)
    result = ReceiptResult(
        receipt_id=command.receipt_id,
        shipment_id=shipment.shipment_id,
        fulfillment_center_id=shipment.fulfillment_center_id,
        seller_id=shipment.seller_id,
        shipment_status=shipment.status,
        recorded_at=datetime.now(UTC),
        unknown=receiving.unknown,
        lines=tuple(
            ReceivedLine(
                fnsku=c.fnsku,
                seller_sku=shipment.lines[c.fnsku].seller_sku,
                quantity_received=c.received,
                quantity_damaged=c.damaged,
                quantity_expected=shipment.lines[c.fnsku].quantity_expected,
                total_received=shipment.lines[c.fnsku].quantity_received,
                total_damaged=shipment.lines[c.fnsku].quantity_damaged,
            )
            for c in receiving.counts
        ),
        inventory=tuple(after[fnsku] for fnsku in sorted(after)),
    )
    await receipts.complete(result, receiving.counts + receiving.unknown)
    await uow.commit()
    return result, False


async def inbound_shipment_shipped(event: Envelope[InboundShipmentShipped], uow: UnitOfWork) -> None:
    """The seller handed the shipment to a carrier: its inbound units move from "working" to
    "shipped" in the inventory report (no bucket changes: they are inbound either way)."""
    await ShipmentRepository(uow.connection).mark_seller_shipped(
        event.data.shipment_id, event.data.shipped_at or event.time
    )


async def close_shipment(shipment_id: str, fulfillment_center_id: str | None, uow: UnitOfWork) -> InboundShipment:
    """FC staff close a shipment that will not be received in full: every unit still expected leaves
    ``inbound`` as a shortage (a discrepancy per FNSKU), InboundShipmentClosed is announced, and
    later receipts are refused. Commits."""
    shipments = ShipmentRepository(uow.connection)
    shipment = await shipments.get(shipment_id, for_update=True)
    if shipment is None:
        raise UnknownShipment(shipment_id)
    if fulfillment_center_id and fulfillment_center_id != shipment.fulfillment_center_id:
        raise WrongFulfillmentCenter(shipment_id, shipment.fulfillment_center_id, fulfillment_center_id)
    movements, shortages = shipment.close()
    await shipments.save(shipment)
    chain = uow.correlation_id or shipment.correlation_id
    closed = uow.emit(
        InboundShipmentClosed(
            shipment_id=shipment.shipment_id,
            fulfillment_center_id=shipment.fulfillment_center_id,
            seller_id=shipment.seller_id,
        ),
        correlation_id=chain,
    )
    # The ledger rows name the close announcement as their cause.
    await _move_stock(uow, shipment, movements, cause_event_id=closed.id, correlation_id=chain)
    shortfalls = [
        (
            Discrepancy(
                new_discrepancy_id(), DiscrepancyKind.SHORTAGE.value, shipment.fulfillment_center_id, fnsku,
                shipment.seller_id, missing, quantity_expected=shipment.lines[fnsku].quantity_expected,
                quantity_counted=shipment.lines[fnsku].quantity_counted, shipment_id=shipment.shipment_id,
            ),
            None,
        )
        for fnsku, missing in sorted(shortages.items())
    ]
    if shortfalls:
        await _record_discrepancies(uow, shortfalls, correlation_id=chain)
    await uow.commit()
    log.info("inbound shipment closed by the FC", shipment_id=shipment_id, shortages=shortages)
    return shipment
