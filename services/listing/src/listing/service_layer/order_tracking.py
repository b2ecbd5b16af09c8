"""What the buyer sees of an order after checkout, from the platform's reports on it.

Reports on orders the storefront did not place (other channels share the topics) are ignored.
"""

from __future__ import annotations

from listing.adapters.buyer_orders import BuyerOrders
from listing.domain.orders import BuyerOrderStatus, next_status
from stockpath_events import Envelope
from stockpath_events.types.fulfillment import ShipmentShipped
from stockpath_events.types.order_router import (
    OrderBackordered,
    OrderCancelled,
    OrderRejected,
    OrderRouted,
)
from stockpath_runtime.consumer import Handler
from stockpath_runtime.unit_of_work import UnitOfWork


async def _report(uow: UnitOfWork, order_id: str, reported: BuyerOrderStatus, detail: str | None, **values) -> None:
    orders = BuyerOrders(uow.connection)
    order = await orders.get(order_id, for_update=True)
    if order is None:
        return
    status = next_status(order.status, reported)
    if status is not order.status:
        values.update(status=status.value, status_detail=detail)
    if values:
        await orders.update(order_id, **values)


async def order_routed(event: Envelope[OrderRouted], uow: UnitOfWork) -> None:
    data = event.data
    centers = sorted({f.fulfillment_center_id for f in data.fulfillment_orders})
    await _report(
        uow, data.order_id, BuyerOrderStatus.ROUTED, f"being prepared at {', '.join(centers)}",
        fulfillment_orders=len(data.fulfillment_orders),
    )


async def order_rejected(event: Envelope[OrderRejected], uow: UnitOfWork) -> None:
    data = event.data
    reasons = "; ".join(line.reason for line in data.lines) or data.reason_code
    await _report(uow, data.order_id, BuyerOrderStatus.REJECTED, reasons)


async def order_backordered(event: Envelope[OrderBackordered], uow: UnitOfWork) -> None:
    await _report(uow, event.data.order_id, BuyerOrderStatus.BACKORDERED, "waiting for stock")


async def order_cancelled(event: Envelope[OrderCancelled], uow: UnitOfWork) -> None:
    await _report(uow, event.data.order_id, BuyerOrderStatus.CANCELLED, event.data.reason)


async def shipment_shipped(event: Envelope[ShipmentShipped], uow: UnitOfWork) -> None:
    """Record the parcel; the order is SHIPPED once every fulfillment order it was split into has shipped."""
    data = event.data
    orders = BuyerOrders(uow.connection)
    order = await orders.get(data.order_id, for_update=True)
    if order is None:
        return
    shipments = [s for s in order.shipments if s["fulfillment_order_id"] != data.fulfillment_order_id]
    shipments.append({"fulfillment_order_id": data.fulfillment_order_id, "carrier": data.carrier,
                      "tracking_number": data.tracking_number})
    values = {"shipments": shipments}
    # Before the routing report is read the count is unknown (0): the parcel still means "shipped".
    if len(shipments) >= order.fulfillment_orders:
        status = next_status(order.status, BuyerOrderStatus.SHIPPED)
        if status is not order.status:
            values.update(status=status.value, status_detail=f"shipped with {data.carrier}")
    await orders.update(data.order_id, **values)


async def storefront_reports(handler: Handler, events: list[Envelope], uow: UnitOfWork) -> None:
    """A run of reports on orders: most name orders of other channels, so the storefront's own
    are picked out with one read and only those are applied, one by one, in order."""
    ours = await BuyerOrders(uow.connection).placed_here({e.data.order_id for e in events})
    for event in events:
        if event.data.order_id in ours:
            await handler(event, uow)
