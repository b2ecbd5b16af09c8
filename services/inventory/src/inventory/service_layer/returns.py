"""Customer returns: `receive_returns` (ReturnReceiptAccepted: an FC's ReturnReceived the order
router checked against the return it authorized) puts the units back in stock by condition
(domain/returns.py), through the ledger, once per return id.

Runs in the runtime's unit of work (inbox claim included) and never commits; a fixed number of
statements however many returns come at once.
"""

from __future__ import annotations

import structlog

from inventory.domain.charges import ChargeKind, per_fnsku
from inventory.domain.commands import ReceiveReturn
from inventory.domain.returns import UnknownReturnedStock, return_movements
from inventory.domain.stock import StockMove
from inventory.service_layer.charges import charge
from inventory.service_layer.stock_moves import level_changed
from inventory.service_layer.unit_of_work import InventoryUnitOfWork
from stockpath_events import Cause
from stockpath_network.fees import FeeSchedule

log = structlog.get_logger("inventory")


async def receive_returns(
    commands: list[ReceiveReturn], uow: InventoryUnitOfWork, *, fees: FeeSchedule
) -> None:
    """Move each new return's units into fulfillable (sellable) or unfulfillable (the rest) at its
    FC, with a ledger row per movement naming the event, announce the levels and charge the
    return processing fee of every unit, whatever its condition.
    A return id already recorded (reported again, under any event id) moves nothing."""
    first: dict[str, ReceiveReturn] = {}
    for command in commands:
        first.setdefault(command.customer_return.return_id, command)
    new = await uow.returns.add_new([c.customer_return for c in first.values()])
    applied = [c for c in first.values() if c.customer_return.return_id in new]
    for command in commands:
        if (
            command.customer_return.return_id not in new
            or first[command.customer_return.return_id] is not command
        ):
            log.info(
                "return already received; ignored", return_id=command.customer_return.return_id
            )

    keys = {
        (u.fnsku, c.customer_return.fulfillment_center_id)
        for c in applied
        for u in c.customer_return.lines
    }
    levels = await uow.stock.lock_levels(keys)
    moves: list[StockMove] = []
    last_cause: dict[tuple[str, str], Cause] = {}
    for command in applied:
        returned = command.customer_return
        for units in returned.lines:
            key = (units.fnsku, returned.fulfillment_center_id)
            if key not in levels:
                raise UnknownReturnedStock(
                    f"return {returned.return_id}: {units.fnsku} was never held at {returned.fulfillment_center_id}"
                )
            level = levels[key]
            moves.append(
                StockMove(
                    units.fnsku,
                    returned.fulfillment_center_id,
                    level.seller_id,
                    level.seller_sku,
                    tuple(return_movements(units)),
                    cause_event_id=command.cause.id,
                )
            )
            last_cause.pop(key, None)
            last_cause[key] = command.cause
    after = await uow.stock.move_all(moves)
    for key, cause in last_cause.items():
        uow.emit(level_changed(after[key]), caused_by=cause)
    await charge(
        uow,
        [
            (c.charged_as, units)
            for c in applied
            if c.charged_as is not None
            for units in per_fnsku(
                ChargeKind.RETURN_PROCESSING,
                c.customer_return.return_id,
                c.customer_return.fulfillment_center_id,
                ((u.fnsku, u.quantity) for u in c.customer_return.lines),
            )
        ],
        fees,
    )
