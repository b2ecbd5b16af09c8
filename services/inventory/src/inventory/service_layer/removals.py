"""Removal orders (domain/removals.py): a seller creates one over HTTP (its units set aside,
RemovalOrderCreated, and RemovalInstructed for the FC on `fulfillment.removals`) or cancels it
while it is pending (units back, RemovalOrderCancelled for the FC); the FC's RemovalShipped or
UnitsDisposed completes it, and charges the seller the removal fee of its units (a removal the
seller had cancelled and the FC carried out anyway is not charged). Every movement is a ledger row
caused by the event that announces it.

Inventory reads RemovalOrderCreated and RemovalOrderCancelled back and applies those not recorded
yet: live never (the request recorded them with their announcements), in `stockpath replay` into
an empty store the removal orders and the movements the requests made, ledger causes included.
"""

from __future__ import annotations

from dataclasses import replace

import structlog

from inventory.domain.adjustments import UnknownStock
from inventory.domain.charges import ChargedEvent, ChargedUnits, ChargeKind, per_fnsku
from inventory.domain.commands import (
    CancelRemovalOrder,
    CompleteRemoval,
    CreateRemovalOrder,
    RecordAnnouncedRemoval,
    RecordAnnouncedRemovalCancellation,
)
from inventory.domain.removals import (
    RemovalIdReused,
    RemovalNotCancellable,
    RemovalOrder,
    RemovalStatus,
    RemovalUnits,
    UnknownRemovalOrder,
    check_request,
    put_back,
    set_aside,
)
from inventory.domain.stock import Bucket, Levels, Movement, Reason, StockLevel, StockMove
from inventory.service_layer.charges import charge
from inventory.service_layer.stock_moves import move_stock
from inventory.service_layer.unit_of_work import InventoryUnitOfWork
from stockpath_events import Cause
from stockpath_events.types.inventory import (
    RemovalInstructed,
    RemovalLine,
    RemovalOrderCancelled,
    RemovalOrderCreated,
)
from stockpath_network.fees import FeeSchedule

log = structlog.get_logger("inventory")


def _lines(order: RemovalOrder) -> list[RemovalLine]:
    return [
        RemovalLine(fnsku=u.fnsku, seller_sku=u.seller_sku, source=u.source, quantity=u.quantity)
        for u in order.lines
    ]


async def create_removal_order(
    command: CreateRemovalOrder, uow: InventoryUnitOfWork
) -> tuple[RemovalOrder, bool]:
    """Set the units aside and tell the FC; returns the order and whether it is new (the same
    request sent again answers the order it made)."""
    asked = command.removal_order
    check_request(asked)
    async with uow:
        fc = asked.fulfillment_center_id
        found = await uow.stock.lock_levels((u.fnsku, fc) for u in asked.lines)
        for units in asked.lines:
            level = found.get((units.fnsku, fc))
            if level is None or level.seller_id != asked.seller_id:
                # Another seller's stock reads as none at all, before anything else is said.
                raise UnknownStock(units.fnsku, fc)
        stored = await uow.removal_orders.fingerprint(asked.removal_order_id)
        if stored is not None:
            existing = await uow.removal_orders.get(asked.removal_order_id)
            if (
                stored != asked.fingerprint()
                or existing is None
                or existing.seller_id != asked.seller_id
            ):
                raise RemovalIdReused(asked.removal_order_id)
            return existing, False
        order, movements = _set_aside(asked, found)
        if not await uow.removal_orders.add(order):
            raise RemovalIdReused(order.removal_order_id)
        created = uow.emit(
            RemovalOrderCreated(
                removal_order_id=order.removal_order_id,
                seller_id=order.seller_id,
                fulfillment_center_id=fc,
                disposition=order.disposition,
                lines=_lines(order),
                ship_to=order.ship_to,
            )
        )
        await _move_set_aside(uow, order, found, movements, cause_event_id=created.id)
        uow.emit(
            RemovalInstructed(
                removal_order_id=order.removal_order_id,
                seller_id=order.seller_id,
                fulfillment_center_id=fc,
                disposition=order.disposition,
                lines=_lines(order),
                ship_to=order.ship_to,
            )
        )
        await uow.commit()
    return order, True


def _set_aside(
    asked: RemovalOrder, found: dict[tuple[str, str], StockLevel]
) -> tuple[RemovalOrder, dict[str, list[Movement]]]:
    """The order as recorded (pending, each line with its seller SKU) and the units each FNSKU's
    buckets give up; RemovalRefused when a bucket holds fewer than asked."""
    fc = asked.fulfillment_center_id
    movements: dict[str, list[Movement]] = {}
    levels: dict[str, Levels] = {}
    lines = []
    for units in asked.lines:
        level = found[(units.fnsku, fc)]
        moved = set_aside(units, levels.get(units.fnsku, level.levels))
        levels[units.fnsku] = levels.get(units.fnsku, level.levels).apply(moved)
        movements.setdefault(units.fnsku, []).extend(moved)
        lines.append(replace(units, seller_sku=level.seller_sku))
    return replace(asked, lines=tuple(lines), status=RemovalStatus.PENDING), movements


async def _move_set_aside(
    uow: InventoryUnitOfWork,
    order: RemovalOrder,
    found: dict[tuple[str, str], StockLevel],
    movements: dict[str, list[Movement]],
    *,
    cause_event_id: str,
    caused_by: Cause | None = None,
) -> None:
    for fnsku, moved in movements.items():
        level = found[(fnsku, order.fulfillment_center_id)]
        await move_stock(
            uow,
            StockMove(
                fnsku,
                order.fulfillment_center_id,
                order.seller_id,
                level.seller_sku,
                tuple(moved),
                cause_event_id=cause_event_id,
            ),
            caused_by=caused_by,
        )


async def record_announced_removals(
    commands: list[RecordAnnouncedRemoval], uow: InventoryUnitOfWork
) -> None:
    """Removal orders as inventory announced them (RemovalOrderCreated), recorded unless they are
    already (see the module's docstring): set aside as the request did, the ledger rows caused by
    the announcement read, as live."""
    for command in commands:
        announced = command.removal_order
        if await uow.removal_orders.get(announced.removal_order_id) is not None:
            continue
        fc = announced.fulfillment_center_id
        found = await uow.stock.lock_levels((u.fnsku, fc) for u in announced.lines)
        order, movements = _set_aside(announced, found)
        await uow.removal_orders.add(order)
        await _move_set_aside(
            uow, order, found, movements, cause_event_id=command.cause.id, caused_by=command.cause
        )
        log.info(
            "removal order rebuilt from its announcement", removal_order_id=order.removal_order_id
        )


async def record_announced_cancellations(
    commands: list[RecordAnnouncedRemovalCancellation], uow: InventoryUnitOfWork
) -> None:
    """Cancellations as inventory announced them (RemovalOrderCancelled), applied to a removal
    order still pending: its units back in their buckets, caused by the announcement read."""
    for command in commands:
        order = await uow.removal_orders.get(command.removal_order_id, for_update=True)
        if order is None or order.status is not RemovalStatus.PENDING:
            continue
        await _move(uow, order, put_back, cause_event_id=command.cause.id, caused_by=command.cause)
        await uow.removal_orders.set_status(order.removal_order_id, RemovalStatus.CANCELLED)


async def cancel_removal_order(
    command: CancelRemovalOrder, uow: InventoryUnitOfWork
) -> RemovalOrder:
    """Put a pending removal order's units back and tell the FC not to remove them."""
    async with uow:
        order = await uow.removal_orders.get(command.removal_order_id, for_update=True)
        if order is None or command.seller_id not in (None, order.seller_id):
            raise UnknownRemovalOrder(command.removal_order_id)
        if order.status is not RemovalStatus.PENDING:
            raise RemovalNotCancellable(order.removal_order_id, order.status)
        cancelled = uow.emit(
            RemovalOrderCancelled(
                removal_order_id=order.removal_order_id,
                seller_id=order.seller_id,
                fulfillment_center_id=order.fulfillment_center_id,
            )
        )
        await _move(uow, order, put_back, cause_event_id=cancelled.id)
        await uow.removal_orders.set_status(order.removal_order_id, RemovalStatus.CANCELLED)
        await uow.commit()
    return replace(order, status=RemovalStatus.CANCELLED)


async def complete_removals(
    commands: list[CompleteRemoval], uow: InventoryUnitOfWork, *, fees: FeeSchedule
) -> None:
    """The FC removed the units (RemovalShipped / UnitsDisposed): the order is complete; a second
    report changes nothing. A report on a removal the seller cancelled meanwhile means the units
    left anyway: they leave their bucket again, as far as it holds them."""
    removed: list[tuple[ChargedEvent, ChargedUnits]] = []
    for command in commands:
        order = await uow.removal_orders.get(command.removal_order_id, for_update=True)
        if order is None or order.fulfillment_center_id != command.fulfillment_center_id:
            raise UnknownRemovalOrder(command.removal_order_id)
        if order.status in (RemovalStatus.SHIPPED, RemovalStatus.DISPOSED):
            log.info(
                "removal already complete; report ignored", removal_order_id=order.removal_order_id
            )
            continue
        if order.status is RemovalStatus.CANCELLED:
            log.warning(
                "a cancelled removal was carried out anyway",
                removal_order_id=order.removal_order_id,
            )
            await _move(uow, order, None, cause_event_id=command.cause.id, caused_by=command.cause)
        elif command.charged_as is not None:
            removed += [(command.charged_as, units) for units in _removed_units(order)]
        await uow.removal_orders.set_status(
            order.removal_order_id,
            command.status,
            carrier=command.carrier,
            tracking_number=command.tracking_number,
            completed_event_id=command.cause.id,
        )
    await charge(uow, removed, fees)


def _removed_units(order: RemovalOrder) -> list[ChargedUnits]:
    return per_fnsku(
        ChargeKind.REMOVAL,
        order.removal_order_id,
        order.fulfillment_center_id,
        ((u.fnsku, u.quantity) for u in order.lines),
    )


async def _move(
    uow: InventoryUnitOfWork,
    order: RemovalOrder,
    how,
    *,
    cause_event_id: str,
    caused_by: Cause | None = None,
) -> None:
    """Move each FNSKU's units of the order (`how`; None: out again, as far as the bucket holds them)."""
    fc = order.fulfillment_center_id
    found = await uow.stock.lock_levels((u.fnsku, fc) for u in order.lines)
    by_fnsku: dict[str, list[RemovalUnits]] = {}
    for units in order.lines:
        by_fnsku.setdefault(units.fnsku, []).append(units)
    for fnsku, units_of in sorted(by_fnsku.items()):
        level = found[(fnsku, fc)]
        moved: list[Movement] = []
        for units in units_of:
            if how is not None:
                moved += how(units)
            else:
                held = getattr(level.levels.apply(moved), units.source.value)
                if min(held, units.quantity):
                    moved.append(
                        Movement(
                            Bucket(units.source.value),
                            -min(held, units.quantity),
                            Reason.REMOVAL_SET_ASIDE,
                        )
                    )
        await move_stock(
            uow,
            StockMove(
                fnsku,
                fc,
                order.seller_id,
                level.seller_sku,
                tuple(moved),
                cause_event_id=cause_event_id,
            ),
            caused_by=caused_by,
        )
