"""After routing: cancelling orders (before anything shipped) and recording what the FCs shipped.

Both run inside the unit of work the runtime opened for the consumed events and never commit
themselves; every event they emit names its command's cause.
"""

from __future__ import annotations

import structlog

from order_router.domain.commands import CancelOrder, RecordShipment
from order_router.domain.fulfillment import FulfillmentOrderStatus, units_of
from order_router.domain.model import OrderStatus
from order_router.domain.ownership import may_cancel
from order_router.service_layer.unit_of_work import OrderRouterUnitOfWork
from stockpath_events.types.order_router import (
    FulfillmentCancelled,
    OrderCancellationRefused,
    OrderCancelled,
)

log = structlog.get_logger("order_router")


async def cancel_orders(commands: list[CancelOrder], uow: OrderRouterUnitOfWork) -> None:
    """Before shipment: release every reservation, tell each FC (FulfillmentCancelled) and announce
    OrderCancelled. After a shipment left (or for an order that has no outcome to cancel), refuse
    with a reason (OrderCancellationRefused). A channel's system cancels only its channel's
    orders: another's is refused as UNKNOWN_ORDER (`ownership.may_cancel`)."""
    cancelled: list[str] = []
    for command in commands:
        if await _cancel(command, uow):
            cancelled.append(command.order_id)
    # Whatever they waited for, cancelled orders stop waiting: one statement for all of them.
    await uow.orders.stop_backorders(cancelled)


async def _cancel(command: CancelOrder, uow: OrderRouterUnitOfWork) -> bool:
    """Cancel one order, or refuse to; True when it was cancelled now."""

    def refuse(code: str, reason: str) -> bool:
        uow.emit(
            OrderCancellationRefused(order_id=command.order_id, reason_code=code, reason=reason),
            caused_by=command.cause,
        )
        log.info("cancellation refused", order_id=command.order_id, reason_code=code)
        return False

    found = await uow.orders.get(command.order_id, lock=True)
    if found is not None and not may_cancel(command.requester, found[0]):
        # Another channel's order reads as unknown to the requester: its existence is not told.
        log.warning(
            "cancellation of another channel's order refused",
            order_id=command.order_id,
            requester=command.requester,
        )
        found = None
    if found is None:
        return refuse("UNKNOWN_ORDER", f"order {command.order_id} is not known to the order router")
    order, status = found
    if status is OrderStatus.CANCELLED:
        log.info("order already cancelled", order_id=order.order_id)
        return False
    if status is OrderStatus.REJECTED:
        return refuse(
            "ORDER_REJECTED", f"order {order.order_id} was rejected; there is nothing to cancel"
        )
    fulfillment_orders = await uow.fulfillment_orders.of_order(order.order_id)
    shipped = [fo for fo in fulfillment_orders if fo.status is FulfillmentOrderStatus.SHIPPED]
    if shipped:
        names = ", ".join(
            f"{fo.fulfillment_order_id} from {fo.fulfillment_center_id}" for fo in shipped
        )
        return refuse(
            "ALREADY_SHIPPED",
            f"order {order.order_id} cannot be cancelled: {names} already shipped",
        )
    instructed = [fo for fo in fulfillment_orders if fo.status is FulfillmentOrderStatus.INSTRUCTED]
    await uow.stock.release(units_of(instructed))
    await uow.fulfillment_orders.mark_cancelled(fo.fulfillment_order_id for fo in instructed)
    for fo in instructed:
        uow.emit(
            FulfillmentCancelled(
                fulfillment_order_id=fo.fulfillment_order_id,
                order_id=order.order_id,
                fulfillment_center_id=fo.fulfillment_center_id,
                reason=command.reason,
            ),
            caused_by=command.cause,
        )
    await uow.orders.mark_cancelled(order.order_id, command.reason)
    uow.emit(
        OrderCancelled(order_id=order.order_id, reason=command.reason), caused_by=command.cause
    )
    log.info("order cancelled", order_id=order.order_id)
    return True


async def record_shipments(commands: list[RecordShipment], uow: OrderRouterUnitOfWork) -> None:
    """An FC shipped a fulfillment order: record carrier and tracking; the order is SHIPPED once
    every fulfillment order of it shipped and nothing waits on a backorder.

    Its reservation stays counted: shipped units remain in inventory's basis. A shipment of a
    fulfillment order cancelled meanwhile (the FC had packed it already) takes its units back
    out of the allocatable stock, since they did leave."""
    for command in commands:
        found = await uow.orders.get(command.order_id, lock=True)
        fo = await uow.fulfillment_orders.get(command.fulfillment_order_id)
        if found is None or fo is None:
            log.warning(
                "shipment of an unknown fulfillment order ignored",
                fulfillment_order_id=command.fulfillment_order_id,
            )
            continue
        if fo.status is FulfillmentOrderStatus.SHIPPED:
            continue
        if fo.status is FulfillmentOrderStatus.CANCELLED:
            log.warning(
                "a cancelled fulfillment order was shipped anyway",
                fulfillment_order_id=fo.fulfillment_order_id,
            )
            await uow.stock.take_back(fo.units())
        await uow.fulfillment_orders.mark_shipped(fo.fulfillment_order_id, command.shipment)
        order, status = found
        if status is OrderStatus.ROUTED:
            remaining = [
                f
                for f in await uow.fulfillment_orders.of_order(order.order_id)
                if f.status is FulfillmentOrderStatus.INSTRUCTED
            ]
            if not remaining:
                await uow.orders.set_statuses({order.order_id: OrderStatus.SHIPPED})
                log.info("order shipped", order_id=order.order_id)
