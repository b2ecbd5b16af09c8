"""Moving stock and recording what differs, as every inventory handler does it: ledger rows and
buckets through `uow.stock`, an InventoryLevelChanged per (FNSKU, FC) moved, and a discrepancy
(row + InventoryDiscrepancyRecorded) per difference found."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from inventory.domain.discrepancies import Discrepancy, DiscrepancyKind
from inventory.domain.shipments import InboundShipment
from inventory.domain.stock import Levels, Movement, StockLevel, StockMove
from inventory.service_layer.unit_of_work import InventoryUnitOfWork
from stockpath_events import Cause
from stockpath_events.types.inventory import InventoryDiscrepancyRecorded, InventoryLevelChanged


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


async def move_stock(
    uow: InventoryUnitOfWork,
    move: StockMove,
    *,
    caused_by: Cause | None = None,
    correlation_id: str | None = None,
) -> StockLevel:
    """Apply one FNSKU's movements at one FC (ledger rows + buckets) and, if anything moved,
    announce the new buckets; returns them."""
    level = await uow.stock.move(move)
    if any(m.delta for m in move.movements):
        uow.emit(level_changed(level), caused_by=caused_by, correlation_id=correlation_id)
    return level


async def move_shipment_stock(
    uow: InventoryUnitOfWork,
    shipment: InboundShipment,
    movements: dict[str, list[Movement]],
    *,
    receipt_id: str | None = None,
    caused_by: Cause | None = None,
    cause_event_id: str | None = None,
    correlation_id: str | None = None,
) -> dict[str, StockLevel]:
    """Apply each FNSKU's movements at the shipment's FC and announce the buckets that changed
    (one InventoryLevelChanged per FNSKU moved, in FNSKU order); returns every FNSKU's buckets after.

    The ledger rows name `cause_event_id`, else the receipt, else the consumed event `caused_by`. A fixed number of
    statements however many lines the shipment has: the bucket rows are locked once, in (FNSKU,
    FC) order, so two transactions touching the same rows cannot deadlock; then every ledger row
    and every bucket change is written in bulk (`StockRepository.move_all`).
    """
    fc = shipment.fulfillment_center_id
    fnskus = sorted(movements)
    locked = await uow.stock.lock_levels((fnsku, fc) for fnsku in fnskus)
    # A receipt's rows name the receipt, whether the request recorded it or it is rebuilt from
    # its announcement (`caused_by`), so both write the same rows.
    cause = cause_event_id or (caused_by.id if caused_by and receipt_id is None else None)
    moved = await uow.stock.move_all(
        [
            StockMove(
                fnsku,
                fc,
                shipment.seller_id,
                shipment.lines[fnsku].seller_sku,
                tuple(movements[fnsku]),
                cause_event_id=cause,
                shipment_id=shipment.shipment_id,
                receipt_id=receipt_id,
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


@dataclass(frozen=True)
class ReceiptLine:
    """A receipt's line as an ``unknown-fnsku`` discrepancy announces it (see InventoryReceived)."""

    received: int
    damaged: int
    line_number: int
    line_count: int
    recorded_at: datetime


async def record_discrepancies(
    uow: InventoryUnitOfWork,
    recorded: Sequence[tuple[Discrepancy, Cause | None]],
    *,
    correlation_id: str | None = None,
    receipt_lines: Mapping[str, ReceiptLine] | None = None,
) -> None:
    """Keep differences (rows + an InventoryDiscrepancyRecorded per difference, each with the event
    that caused it), in one statement: they are what the seller is reimbursed or asked about, so
    they are never dropped."""
    await uow.discrepancies.add_all([d for d, _ in recorded])
    for discrepancy, caused_by in recorded:
        line = (
            (receipt_lines or {}).get(discrepancy.fnsku)
            if discrepancy.kind is DiscrepancyKind.UNKNOWN_FNSKU
            else None
        )
        uow.emit(
            InventoryDiscrepancyRecorded(
                discrepancy_id=discrepancy.discrepancy_id,
                kind=discrepancy.kind.value,
                fulfillment_center_id=discrepancy.fulfillment_center_id,
                fnsku=discrepancy.fnsku,
                seller_id=discrepancy.seller_id,
                quantity=discrepancy.quantity,
                quantity_expected=discrepancy.quantity_expected,
                quantity_counted=discrepancy.quantity_counted,
                shipment_id=discrepancy.shipment_id,
                fulfillment_order_id=discrepancy.fulfillment_order_id,
                receipt_id=discrepancy.receipt_id,
                quantity_received=line.received if line else None,
                quantity_damaged=line.damaged if line else None,
                line_number=line.line_number if line else None,
                line_count=line.line_count if line else None,
                recorded_at=line.recorded_at if line else None,
            ),
            caused_by=caused_by,
            correlation_id=correlation_id,
        )
