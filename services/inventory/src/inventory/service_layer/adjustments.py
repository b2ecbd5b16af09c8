"""Adjustments by FC staff: found, lost, damaged in the warehouse, transferred to another FC.

Each moves buckets through the ledger (cause: the InventoryAdjusted event it writes, and the
adjustment id), announces InventoryAdjusted per bucket moved and InventoryLevelChanged per FNSKU
and FC, and commits. Only fulfillable units are adjusted: reserved ones belong to orders. An FC
adjusts only its own stock (`Scope.acts_at`); a transfer's destination may be any FC.
"""

from __future__ import annotations

from inventory.domain.adjustments import (
    Adjustment,
    AdjustmentIdReused,
    AdjustmentKind,
    AdjustmentResult,
    UnknownStock,
    adjust,
    check_destination,
    transfer_in,
)
from inventory.domain.commands import AdjustInventory
from inventory.domain.scope import EVERYTHING, Scope
from inventory.domain.stock import Movement, StockMove
from inventory.service_layer.stock_moves import move_stock
from inventory.service_layer.unit_of_work import InventoryUnitOfWork
from stockpath_events.types.inventory import InventoryAdjusted


async def adjust_inventory(
    command: AdjustInventory, uow: InventoryUnitOfWork, *, scope: Scope = EVERYTHING
) -> AdjustmentResult:
    scope.acts_at(command.fulfillment_center_id)
    kind = command.kind
    check_destination(kind, command.fulfillment_center_id, command.to_fulfillment_center_id)
    async with uow:
        # The FCs in id order, so a transfer A→B and one B→A lock their rows in the same order.
        centers = sorted({fc for fc in (command.fulfillment_center_id, command.to_fulfillment_center_id) if fc is not None})
        levels = {fc: await uow.stock.level(command.fnsku, fc, for_update=True) for fc in centers}
        source = levels[command.fulfillment_center_id]
        if source is None:
            raise UnknownStock(command.fnsku, command.fulfillment_center_id)
        stored = await uow.adjustments.claim(
            Adjustment(
                adjustment_id=command.adjustment_id,
                kind=kind,
                fulfillment_center_id=command.fulfillment_center_id,
                to_fulfillment_center_id=command.to_fulfillment_center_id,
                fnsku=command.fnsku,
                seller_id=source.seller_id,
                quantity=command.quantity,
                reason=command.reason,
                fingerprint=command.fingerprint,
            )
        )
        if stored is not None:
            if stored != command.fingerprint:
                raise AdjustmentIdReused(command.adjustment_id)
            return AdjustmentResult(command.adjustment_id, True, tuple(lv for lv in levels.values() if lv))
        moves: dict[str, list[Movement]] = {
            command.fulfillment_center_id: adjust(
                kind, source.levels, command.quantity, fnsku=command.fnsku,
                fulfillment_center_id=command.fulfillment_center_id,
            )
        }
        if kind is AdjustmentKind.TRANSFERRED:
            destination = command.to_fulfillment_center_id
            assert destination is not None  # check_destination: a transfer names its destination
            moves[destination] = transfer_in(command.quantity)
        after = []
        for fc in centers:
            for m in moves[fc]:
                announced = uow.emit(
                    InventoryAdjusted(
                        adjustment_id=command.adjustment_id,
                        fulfillment_center_id=fc,
                        fnsku=command.fnsku,
                        seller_id=source.seller_id,
                        quantity_delta=m.delta,
                        bucket=m.bucket.value,
                        reason=f"{m.reason.value}: {command.reason}",
                    )
                )
            move = StockMove(
                command.fnsku, fc, source.seller_id, source.seller_sku, tuple(moves[fc]),
                cause_event_id=announced.id, adjustment_id=command.adjustment_id,
            )
            after.append(await move_stock(uow, move))
        await uow.commit()
        return AdjustmentResult(command.adjustment_id, False, tuple(after))
