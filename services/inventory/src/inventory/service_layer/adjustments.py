"""Adjustments by FC staff: found, lost, damaged in the warehouse, transferred to another FC.

Each moves buckets through the ledger (cause: the InventoryAdjusted event it writes, and the
adjustment id), announces InventoryAdjusted per bucket moved and InventoryLevelChanged per FNSKU
and FC, and commits. Only fulfillable units are adjusted: reserved ones belong to orders. An FC
adjusts only its own stock (`Scope.acts_at`); a transfer's destination may be any FC.

Each InventoryAdjusted carries the whole adjustment and an id derived from the adjustment's
(`adjusted_event_id`), and inventory consumes its own announcements: `adjust_announced_inventory`
applies an adjustment not recorded yet — live never (the request wrote it with its announcement),
in a replay into a rebuilt store the first event of an adjustment writes the rows the request
wrote, ledger causes included (`stockpath replay`).
"""

from __future__ import annotations

import uuid

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

#: Namespace of the ids of the InventoryAdjusted events an adjustment announces.
ADJUSTED_EVENT_IDS = uuid.UUID("5b0f8f7e-3c55-4a4e-9a43-6f1f7d0c2a17")


def adjusted_event_id(adjustment_id: str, fulfillment_center_id: str, n: int) -> str:
    """The id of the `n`-th InventoryAdjusted the adjustment announces at the FC: the same
    whether the request announces it or a replay rebuilds the adjustment from the log."""
    return str(uuid.uuid5(ADJUSTED_EVENT_IDS, f"{adjustment_id}\x1f{fulfillment_center_id}\x1f{n}"))


async def adjust_inventory(
    command: AdjustInventory, uow: InventoryUnitOfWork, *, scope: Scope = EVERYTHING
) -> AdjustmentResult:
    scope.acts_at(command.fulfillment_center_id)
    check_destination(command.kind, command.fulfillment_center_id, command.to_fulfillment_center_id)
    async with uow:
        result = await _adjust(command, uow)
        if not result.replayed:
            await uow.commit()
        return result


async def adjust_announced_inventory(
    commands: list[AdjustInventory], uow: InventoryUnitOfWork
) -> None:
    """Adjustments as inventory announced them, applied unless recorded already (see the module's
    docstring); an event announced before InventoryAdjusted carried the adjustment has no command."""
    for command in commands:
        if command.quantity > 0:
            await _adjust(command, uow)


async def _adjust(command: AdjustInventory, uow: InventoryUnitOfWork) -> AdjustmentResult:
    kind = command.kind
    # The FCs in id order, so a transfer A→B and one B→A lock their rows in the same order.
    centers = sorted(
        {
            fc
            for fc in (command.fulfillment_center_id, command.to_fulfillment_center_id)
            if fc is not None
        }
    )
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
        return AdjustmentResult(
            command.adjustment_id, True, tuple(lv for lv in levels.values() if lv)
        )
    moves: dict[str, list[Movement]] = {
        command.fulfillment_center_id: adjust(
            kind,
            source.levels,
            command.quantity,
            fnsku=command.fnsku,
            fulfillment_center_id=command.fulfillment_center_id,
        )
    }
    if kind is AdjustmentKind.TRANSFERRED:
        destination = command.to_fulfillment_center_id
        assert destination is not None  # check_destination: a transfer names its destination
        moves[destination] = transfer_in(command.quantity)
    after = []
    for fc in centers:
        for n, m in enumerate(moves[fc]):
            announced = uow.emit(
                InventoryAdjusted(
                    adjustment_id=command.adjustment_id,
                    fulfillment_center_id=fc,
                    fnsku=command.fnsku,
                    seller_id=source.seller_id,
                    quantity_delta=m.delta,
                    bucket=m.bucket.value,
                    reason=f"{m.reason.value}: {command.reason}",
                    kind=kind.value,
                    quantity=command.quantity,
                    adjustment_reason=command.reason,
                    from_fulfillment_center_id=command.fulfillment_center_id,
                    to_fulfillment_center_id=command.to_fulfillment_center_id,
                ),
                caused_by=command.cause,
                event_id=adjusted_event_id(command.adjustment_id, fc, n),
            )
        move = StockMove(
            command.fnsku,
            fc,
            source.seller_id,
            source.seller_sku,
            tuple(moves[fc]),
            cause_event_id=announced.id,
            adjustment_id=command.adjustment_id,
        )
        after.append(await move_stock(uow, move, caused_by=command.cause))
    return AdjustmentResult(command.adjustment_id, False, tuple(after))
