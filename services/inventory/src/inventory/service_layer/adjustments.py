"""Adjustments by FC staff: found, lost, damaged in the warehouse, transferred to another FC.

Each moves buckets through the ledger (cause: the InventoryAdjusted event it writes, and the
adjustment id), announces InventoryAdjusted per bucket moved and InventoryLevelChanged per FNSKU
and FC, and commits. Only fulfillable units are adjusted: reserved ones belong to orders.
"""

from __future__ import annotations

from dataclasses import dataclass

from inventory.adapters.repository import AdjustmentRepository, StockRepository
from inventory.domain.commands import AdjustInventory
from inventory.domain.model import (
    AdjustmentKind,
    InventoryError,
    Movement,
    StockLevel,
    adjust,
    transfer_in,
)
from inventory.service_layer.handlers import _move
from stockpath_events.types.inventory import InventoryAdjusted
from stockpath_runtime.unit_of_work import UnitOfWork


class UnknownStock(InventoryError):
    def __init__(self, fnsku: str, fulfillment_center_id: str) -> None:
        super().__init__(f"FNSKU {fnsku} has no stock record at {fulfillment_center_id}; nothing to adjust")


class AdjustmentIdReused(InventoryError):
    def __init__(self, adjustment_id: str) -> None:
        super().__init__(
            f"adjustment {adjustment_id} was already recorded with different content; use a new adjustment_id"
        )
        self.adjustment_id = adjustment_id


class BadTransfer(InventoryError):
    pass


@dataclass(frozen=True)
class AdjustmentResult:
    adjustment_id: str
    replayed: bool
    inventory: tuple[StockLevel, ...]


async def adjust_inventory(command: AdjustInventory, uow: UnitOfWork) -> AdjustmentResult:
    kind = AdjustmentKind(command.kind)
    if kind is AdjustmentKind.TRANSFERRED:
        if not command.to_fulfillment_center_id:
            raise BadTransfer("a transfer names the FC the units go to (to_fulfillment_center_id)")
        if command.to_fulfillment_center_id == command.fulfillment_center_id:
            raise BadTransfer("a transfer goes to another fulfillment center")
    elif command.to_fulfillment_center_id:
        raise BadTransfer(f"only a transfer names a destination FC, not a {kind.value} adjustment")
    stock = StockRepository(uow.connection)
    # The FCs in id order, so a transfer A→B and one B→A lock their rows in the same order.
    centers = sorted({command.fulfillment_center_id, command.to_fulfillment_center_id} - {None})
    levels = {fc: await stock.level(command.fnsku, fc, for_update=True) for fc in centers}
    source = levels[command.fulfillment_center_id]
    if source is None:
        raise UnknownStock(command.fnsku, command.fulfillment_center_id)
    stored = await AdjustmentRepository(uow.connection).claim(
        {
            "adjustment_id": command.adjustment_id,
            "kind": kind.value,
            "fulfillment_center_id": command.fulfillment_center_id,
            "to_fulfillment_center_id": command.to_fulfillment_center_id,
            "fnsku": command.fnsku,
            "seller_id": source.seller_id,
            "quantity": command.quantity,
            "reason": command.reason,
            "fingerprint": command.fingerprint,
        }
    )
    if stored is not None:
        if stored != command.fingerprint:
            raise AdjustmentIdReused(command.adjustment_id)
        return AdjustmentResult(command.adjustment_id, True, tuple(lv for lv in levels.values() if lv))
    moves: dict[str, list[Movement]] = {
        command.fulfillment_center_id: adjust(
            kind, source.levels, command.quantity, fnsku=command.fnsku, fulfillment_center_id=command.fulfillment_center_id
        )
    }
    if kind is AdjustmentKind.TRANSFERRED:
        moves[command.to_fulfillment_center_id] = transfer_in(command.quantity)
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
        after.append(
            await _move(
                uow, fnsku=command.fnsku, fulfillment_center_id=fc, seller_id=source.seller_id,
                seller_sku=source.seller_sku, movements=moves[fc], cause_event_id=announced.id,
                adjustment_id=command.adjustment_id,
            )
        )
    await uow.commit()
    return AdjustmentResult(command.adjustment_id, False, tuple(after))
