"""Receiving at the FC, as FC staff ask for it over HTTP: record a receipt, close a shipment short.

Each opens its unit of work and commits: the shipment, the ledger rows, the buckets, the
discrepancies and the events they cause commit together or not at all. Without a correlation id
of its own (``uow.correlation_id``), what they announce continues the chain the shipment's plan
started.

Both keep to the caller's `Scope`: a shipment not bound for the FC that asks is unknown to it,
and an FC may name no other FC as the one where it counts or closes.

Inventory also consumes what it announced: each line of a receipt (InventoryReceived, or for an
FNSKU never planned InventoryDiscrepancyRecorded) with its place in the receipt, and closes
(InboundShipmentClosed); `record_announced_receipts` / `close_announced_shipments` apply them only
when they are not recorded yet. Live that is never (the request wrote it in the same
transaction as the announcement); in a replay into a rebuilt store it records the receipt or the
close with everything it moved, the same rows the request wrote (`stockpath replay`).
"""

from __future__ import annotations

from datetime import UTC, datetime

import structlog

from inventory.domain.commands import CloseShipment, RecordAnnouncedReceiptLine, RecordReceipt
from inventory.domain.discrepancies import Discrepancy, DiscrepancyKind, discrepancy_id
from inventory.domain.receipts import ReceiptIdReused, ReceiptResult, ReceivedLine
from inventory.domain.scope import EVERYTHING, Scope
from inventory.domain.shipments import (
    InboundShipment,
    ShipmentStatus,
    UnknownShipment,
    WrongFulfillmentCenter,
)
from inventory.service_layer.stock_moves import (
    ReceiptLine,
    move_shipment_stock,
    record_discrepancies,
)
from inventory.service_layer.unit_of_work import InventoryUnitOfWork
from stockpath_events.types.inventory import InboundShipmentClosed, InventoryReceived

log = structlog.get_logger("inventory")


async def record_receipt(
    command: RecordReceipt, uow: InventoryUnitOfWork, *, scope: Scope = EVERYTHING
) -> tuple[ReceiptResult, bool]:
    """Record what FC staff counted; returns the result and whether it is a replay of a receipt
    already recorded under the same receipt id (then nothing moved)."""
    async with uow:
        outcome = await _record_receipt(command, uow, scope)
        await uow.commit()
        return outcome


async def record_announced_receipts(
    commands: list[RecordAnnouncedReceiptLine], uow: InventoryUnitOfWork
) -> None:
    """Receipts as inventory announced them, one line per event (see the module's docstring): a
    line of a receipt not recorded yet is kept until every line of it arrived (they are keyed by
    FNSKU, so they come on several partitions); then the receipt is recorded as the request did,
    in its lines' order, and what was kept is dropped."""
    for command in commands:
        line = command.line
        if line is None or await uow.receipts.recorded(line.receipt_id):
            continue
        gathered = await uow.receipts.gather(line)
        if len(gathered) < line.line_count:
            continue
        await _record_receipt(
            RecordReceipt(
                line.receipt_id,
                line.shipment_id,
                line.fulfillment_center_id,
                tuple(g.count for g in gathered),
                recorded_at=line.recorded_at,
                cause=command.cause,
            ),
            uow,
            EVERYTHING,
        )
        await uow.receipts.forget_gathered(line.receipt_id)
        log.info(
            "receipt rebuilt from its announcements",
            receipt_id=line.receipt_id,
            lines=len(gathered),
        )


async def _record_receipt(
    command: RecordReceipt, uow: InventoryUnitOfWork, scope: Scope
) -> tuple[ReceiptResult, bool]:
    # The shipment lock serialises receipts of one shipment, so the line counters never lose a count.
    shipment = await _shipment(uow, command.shipment_id, scope)
    scope.acts_at(command.fulfillment_center_id)
    stored = await uow.receipts.claim(command)
    if stored is not None:
        if stored.fingerprint != command.fingerprint or stored.result is None:
            raise ReceiptIdReused(command.receipt_id)
        return stored.result, True

    receiving = shipment.receive(command.fulfillment_center_id, command.lines)
    await uow.shipments.save(shipment, fnskus=[c.fnsku for c in receiving.counts])
    chain = uow.correlation_id or shipment.correlation_id
    cause = command.cause
    recorded_at = command.recorded_at or datetime.now(UTC)
    # Each line's place in the receipt, so a rebuild from the announcements keeps their order.
    place = {c.fnsku: n for n, c in enumerate(command.lines, 1)}
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
                line_number=place[count.fnsku],
                line_count=len(command.lines),
                recorded_at=recorded_at,
            ),
            caused_by=cause,
            correlation_id=chain,
        )
    after = await move_shipment_stock(
        uow,
        shipment,
        receiving.movements,
        receipt_id=command.receipt_id,
        caused_by=cause,
        correlation_id=chain,
    )
    # Every difference of the receipt in one statement: overages, then FNSKUs never planned.
    found = [
        _discrepancy(shipment, DiscrepancyKind.OVERAGE, fnsku, extra, receipt_id=command.receipt_id)
        for fnsku, extra in sorted(receiving.overages.items())
    ] + [
        _discrepancy(
            shipment,
            DiscrepancyKind.UNKNOWN_FNSKU,
            count.fnsku,
            count.received + count.damaged,
            receipt_id=command.receipt_id,
            expected=0,
            counted=count.received + count.damaged,
        )
        for count in receiving.unknown
    ]
    if found:
        await record_discrepancies(
            uow,
            [(d, cause) for d in found],
            correlation_id=chain,
            # An FNSKU never planned is announced only by its discrepancy: it carries the line.
            receipt_lines={
                c.fnsku: ReceiptLine(
                    c.received, c.damaged, place[c.fnsku], len(command.lines), recorded_at
                )
                for c in receiving.unknown
            },
        )
    if receiving.closed:
        uow.emit(
            _closed(shipment, receipt_id=command.receipt_id), caused_by=cause, correlation_id=chain
        )
        log.info("inbound shipment received in full and closed", shipment_id=shipment.shipment_id)
    result = ReceiptResult(
        receipt_id=command.receipt_id,
        shipment_id=shipment.shipment_id,
        fulfillment_center_id=shipment.fulfillment_center_id,
        seller_id=shipment.seller_id,
        shipment_status=shipment.status,
        recorded_at=recorded_at,
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
    await uow.receipts.complete(result, receiving.counts + receiving.unknown)
    return result, False


async def close_shipment(
    command: CloseShipment, uow: InventoryUnitOfWork, *, scope: Scope = EVERYTHING
) -> None:
    """FC staff close a shipment that will not be received in full: every unit still expected leaves
    ``inbound`` as a shortage (a discrepancy per FNSKU), InboundShipmentClosed is announced, and
    later receipts are refused."""
    async with uow:
        await _close_shipment(command, uow, scope)
        await uow.commit()
    log.info("inbound shipment closed by the FC", shipment_id=command.shipment_id)


async def close_announced_shipments(
    commands: list[CloseShipment], uow: InventoryUnitOfWork
) -> None:
    """Closes as inventory announced them (InboundShipmentClosed without a receipt: the FC closed
    the shipment short), applied unless the shipment is closed already (see the module's docstring).
    A shipment a receipt received in full is closed by that receipt, which may be applied after its
    close announcement (they are keyed apart), so such an announcement is skipped."""
    for command in commands:
        if command.receipt_id is not None:
            continue
        shipment = await uow.shipments.get(command.shipment_id, for_update=True)
        if shipment is None or shipment.status not in (
            ShipmentStatus.PLANNED,
            ShipmentStatus.RECEIVING,
        ):
            continue
        await _close_shipment(command, uow, EVERYTHING)


async def _close_shipment(command: CloseShipment, uow: InventoryUnitOfWork, scope: Scope) -> None:
    shipment = await _shipment(uow, command.shipment_id, scope)
    if command.fulfillment_center_id:
        scope.acts_at(command.fulfillment_center_id)
    if (
        command.fulfillment_center_id
        and command.fulfillment_center_id != shipment.fulfillment_center_id
    ):
        raise WrongFulfillmentCenter(
            command.shipment_id, shipment.fulfillment_center_id, command.fulfillment_center_id
        )
    movements, shortages = shipment.close()
    await uow.shipments.save(shipment)
    chain = uow.correlation_id or shipment.correlation_id
    closed = uow.emit(_closed(shipment), caused_by=command.cause, correlation_id=chain)
    # The ledger rows name the close announcement as their cause: the one this request announces,
    # or, rebuilt from it, the announcement itself.
    cause_event_id = command.cause.id if command.cause else closed.id
    await move_shipment_stock(
        uow,
        shipment,
        movements,
        cause_event_id=cause_event_id,
        caused_by=command.cause,
        correlation_id=chain,
    )
    missing = [
        (_discrepancy(shipment, DiscrepancyKind.SHORTAGE, fnsku, quantity), command.cause)
        for fnsku, quantity in sorted(shortages.items())
    ]
    if missing:
        await record_discrepancies(uow, missing, correlation_id=chain)
    if shortages:
        log.info(
            "inbound shipment closed short", shipment_id=command.shipment_id, shortages=shortages
        )


async def _shipment(uow: InventoryUnitOfWork, shipment_id: str, scope: Scope) -> InboundShipment:
    """The shipment, locked for the rest of the transaction; unknown unless the scope sees it."""
    shipment = await uow.shipments.get(shipment_id, for_update=True)
    if shipment is None or not scope.sees(shipment.seller_id, shipment.fulfillment_center_id):
        raise UnknownShipment(shipment_id)
    return shipment


def _closed(shipment: InboundShipment, *, receipt_id: str | None = None) -> InboundShipmentClosed:
    return InboundShipmentClosed(
        shipment_id=shipment.shipment_id,
        fulfillment_center_id=shipment.fulfillment_center_id,
        seller_id=shipment.seller_id,
        receipt_id=receipt_id,
    )


def _discrepancy(
    shipment: InboundShipment,
    kind: DiscrepancyKind,
    fnsku: str,
    quantity: int,
    *,
    receipt_id: str | None = None,
    expected: int | None = None,
    counted: int | None = None,
) -> Discrepancy:
    """A difference found on one FNSKU of a shipment; expected and counted default to its line's."""
    line = shipment.lines.get(fnsku)
    if line is not None:
        expected = line.quantity_expected if expected is None else expected
        counted = line.quantity_counted if counted is None else counted
    return Discrepancy(
        # Found by a receipt (its id), or by the shipment's close (once per shipment).
        discrepancy_id(
            f"receipt:{receipt_id}" if receipt_id else f"close:{shipment.shipment_id}", kind, fnsku
        ),
        kind,
        shipment.fulfillment_center_id,
        fnsku,
        shipment.seller_id,
        quantity,
        quantity_expected=expected,
        quantity_counted=counted,
        shipment_id=shipment.shipment_id,
        receipt_id=receipt_id,
    )
