"""FC exceptions in the inventory: an FC reports it cannot ship a fulfillment order, or units of
it (FulfillmentRejectedByCenter on `fulfillment.updates`, issue 15).

- units not found at pick (SHORT_PICK) are written off: reserved −, in the ledger with the reason;
- units found damaged at pick (DAMAGED) move reserved → unfulfillable;
- an exception without lines (the FC ships none of it) gives every reserved unit of the order back
  to fulfillable there.

The rest of the fulfillment order stays reserved: the FC ships it, and its ShipmentShipped ships
what is still reserved. Exactly once: the first exception of a fulfillment order is the one applied
(claimed in `fulfillment_exceptions`); the same report again, under the same event id (the inbox)
or another, changes nothing. An exception for an order not reserved here (unknown, shipped or
cancelled) changes nothing either. Runs in the runtime's unit of work and never commits.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog

from inventory.domain.commands import RecordCenterException, ReportCenterException
from inventory.domain.errors import InventoryError
from inventory.domain.fulfillment_orders import (
    FulfillmentOrder,
    FulfillmentOrderStatus,
    NotReserved,
    UnknownFulfillmentOrder,
    damaged_at_pick,
    not_filled,
    short_picked,
)
from inventory.domain.scope import Scope
from inventory.domain.stock import Movement
from inventory.service_layer.fulfillment import StockMoves
from inventory.service_layer.unit_of_work import InventoryUnitOfWork
from stockpath_events.types.fulfillment import (
    ExceptionLine,
    ExceptionReason,
    FulfillmentRejectedByCenter,
)

log = structlog.get_logger("inventory")

DAMAGED = "DAMAGED"


async def record_center_exceptions(
    commands: list[RecordCenterException], uow: InventoryUnitOfWork
) -> None:
    """Apply each fulfillment order's first FC exception, in the order they came."""
    known = await uow.fulfillment_orders.get_all(
        (c.fulfillment_order_id for c in commands), for_update=True
    )
    applied: list[tuple[RecordCenterException, FulfillmentOrder]] = []
    for command in commands:
        order = known.get(command.fulfillment_order_id)
        if (
            order is None
            or order.status is not FulfillmentOrderStatus.RESERVED
            or not order.instructed
        ):
            log.warning(
                "FC exception for a fulfillment order not reserved here ignored",
                fulfillment_order_id=command.fulfillment_order_id,
                status=order.status if order else None,
            )
            continue
        if not await uow.fulfillment_orders.claim_exception(
            order.fulfillment_order_id, command.cause.id
        ):
            log.info(
                "FC exception already applied", fulfillment_order_id=order.fulfillment_order_id
            )
            continue
        applied.append((command, order))

    stock = StockMoves(uow)
    await stock.lock(
        (item.fnsku, order.fulfillment_center_id) for _, order in applied for item in order.stock
    )
    for command, order in applied:
        for item in order.stock:
            movements: list[Movement] = []
            if command.missing is None:
                movements += not_filled(item.quantity_reserved)
                item.quantity_reserved = 0
            for missing in command.missing or ():
                if missing.fnsku != item.fnsku:
                    continue
                # Never more than is still reserved for the order: the rest was never set aside here.
                quantity = min(missing.quantity, item.quantity_reserved)
                item.quantity_reserved -= quantity
                movements += (
                    damaged_at_pick(quantity)
                    if missing.reason_code == DAMAGED
                    else short_picked(quantity)
                )
            stock.move(command.cause, order, item, movements)
        log.info(
            "FC exception applied",
            fulfillment_order_id=order.fulfillment_order_id,
            fulfillment_center_id=order.fulfillment_center_id,
        )
    await stock.write()
    await uow.fulfillment_orders.update_reserved_all([order for _, order in applied])


async def report_center_exception(
    command: ReportCenterException, uow: InventoryUnitOfWork, *, scope: Scope
) -> str:
    """FC staff report over HTTP that they cannot ship units of one of their fulfillment orders:
    checked here (their FC's, still reserved, no exception told yet, no more than reserved of each
    FNSKU) and published as FulfillmentRejectedByCenter, which this service's worker and the order
    router then apply like an FC system's report. Returns the event's id."""
    async with uow:
        order = await _instructed_at(uow, scope, command.fulfillment_order_id)
        if order.status is not FulfillmentOrderStatus.RESERVED:
            raise NotReserved(order.fulfillment_order_id, f"is {order.status.value.lower()}")
        if await uow.fulfillment_orders.exception_told(order.fulfillment_order_id):
            raise NotReserved(order.fulfillment_order_id, "had its exception reported already")
        reserved = {item.fnsku: item.quantity_reserved for item in order.stock}
        asked: dict[str, int] = {}
        for line in command.lines or ():
            if line.fnsku not in reserved:
                raise InventoryError(
                    f"fulfillment order {order.fulfillment_order_id} holds no {line.fnsku}"
                )
            asked[line.fnsku] = asked.get(line.fnsku, 0) + line.quantity
            if asked[line.fnsku] > reserved[line.fnsku]:
                raise InventoryError(
                    f"only {reserved[line.fnsku]} unit(s) of {line.fnsku} are reserved for {order.fulfillment_order_id}"
                )
        envelope = uow.emit(
            FulfillmentRejectedByCenter(
                fulfillment_order_id=order.fulfillment_order_id,
                order_id=order.order_id,
                fulfillment_center_id=order.fulfillment_center_id,
                reason=command.reason,
                lines=None
                if command.lines is None
                else [
                    ExceptionLine(
                        line_id=line.line_id,
                        fnsku=line.fnsku,
                        quantity=line.quantity,
                        reason_code=ExceptionReason(line.reason_code),
                    )
                    for line in command.lines
                ],
            )
        )
        await uow.commit()
    log.info(
        "FC exception reported over HTTP",
        fulfillment_order_id=command.fulfillment_order_id,
        event_id=envelope.id,
    )
    return envelope.id


@dataclass(frozen=True)
class ExceptionDesk:
    """A fulfillment order as FC staff see it before reporting an exception: what it holds (per
    FNSKU: ordered, reserved), its status, and whether its exception was reported already."""

    order: FulfillmentOrder
    reported: bool

    @property
    def reportable(self) -> bool:
        return self.order.status is FulfillmentOrderStatus.RESERVED and not self.reported


async def exception_desk(
    uow: InventoryUnitOfWork, scope: Scope, fulfillment_order_id: str
) -> ExceptionDesk:
    """The FC pages' read of a fulfillment order of the caller's FC (UnknownFulfillmentOrder for
    another FC's, as `report_center_exception` answers). Commits nothing."""
    async with uow:
        order = await _instructed_at(uow, scope, fulfillment_order_id)
        return ExceptionDesk(
            order, await uow.fulfillment_orders.exception_told(fulfillment_order_id)
        )


async def _instructed_at(
    uow: InventoryUnitOfWork, scope: Scope, fulfillment_order_id: str
) -> FulfillmentOrder:
    """An instructed fulfillment order the caller may report on: another FC's reads as unknown."""
    order = await uow.fulfillment_orders.get(fulfillment_order_id)
    if (
        order is None
        or not order.instructed
        or scope.fulfillment_center_id not in (None, order.fulfillment_center_id)
    ):
        raise UnknownFulfillmentOrder(fulfillment_order_id)
    return order
