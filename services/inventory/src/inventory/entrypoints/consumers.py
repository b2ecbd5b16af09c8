"""What the inventory worker consumes, as which command, handled where:

- `registration.events`: inbound shipment plans, the seller's hand-over to a carrier, cancellations;
  registered items' seller, size tier and shipping weight (what prices their charges);
- `fulfillment.instructions`: order-router's FulfillmentInstructed / FulfillmentCancelled (reserve,
  release); an MCF order's instruction carries its share of the fee the seller was quoted, which
  its units are charged when they ship (inventory never reads `orders`);
- `fulfillment.updates`: the FCs' ShipmentShipped (reserved → shipped), RemovalShipped and
  UnitsDisposed (removal orders carried out) and FulfillmentRejectedByCenter (FC exceptions:
  units written off or unfulfillable, `service_layer/center_exceptions.py`);
- `order-router.events`: ReturnReceiptAccepted, an FC's ReturnReceived the router checked against
  the return it authorized (a customer return back in stock: fulfillable or unfulfillable by
  condition). An FC's report alone moves nothing here.
- `inventory.events`: its own announcements of receipts (a line per event), closes,
  adjustments and removal orders created; `fulfillment.removals`: its own announcements of
  removal orders cancelled. Applied only when not recorded yet, so live they change nothing and
  a replay rebuilds what the requests wrote (see `service_layer.receiving`, `.adjustments` and
  `.removals`); the RemovalInstructed it writes there is ignored on its type alone.
  Its daily storage snapshots, which storage is charged from (`service_layer.storage`).

Each handler takes every command of a run of events of its type; reservations and shipments are
applied set-based. Other event types on those topics have no entry, so the runtime acknowledges
and ignores them. The translators below only reshape: no I/O, no decisions.
"""

from __future__ import annotations

from datetime import datetime

from inventory.domain.adjustments import AdjustmentKind
from inventory.domain.charges import BilledItem, ChargedEvent, FeeQuote
from inventory.domain.commands import (
    AdjustInventory,
    CancelInboundShipment,
    ChargeStorage,
    CloseShipment,
    CompleteRemoval,
    MarkInboundShipmentShipped,
    MissingUnits,
    PlanInboundShipment,
    PlannedLine,
    ReceiveReturn,
    RecordAnnouncedReceiptLine,
    RecordAnnouncedRemoval,
    RecordAnnouncedRemovalCancellation,
    RecordBilledItem,
    RecordCenterException,
    ReleaseStock,
    ReserveStock,
    ShipStock,
)
from inventory.domain.fulfillment_orders import InstructedLine
from inventory.domain.receipts import AnnouncedLine
from inventory.domain.removals import RemovalOrder, RemovalStatus, RemovalUnits
from inventory.domain.returns import CustomerReturn, ReturnedUnits
from inventory.domain.shipments import LineCount
from inventory.domain.storage import StoredUnits
from inventory.service_layer import (
    adjustments,
    center_exceptions,
    charges,
    fulfillment,
    inbound,
    receiving,
    removals,
    returns,
    storage,
)
from stockpath_events import Envelope, Topics
from stockpath_events.types.fulfillment import (
    FulfillmentRejectedByCenter,
    RemovalShipped,
    ShipmentShipped,
    UnitsDisposed,
)
from stockpath_events.types.inventory import (
    InboundShipmentClosed,
    InventoryAdjusted,
    InventoryDiscrepancyRecorded,
    InventoryReceived,
    RemovalOrderCancelled,
    RemovalOrderCreated,
    StorageSnapshotTaken,
)
from stockpath_events.types.order_router import (
    FulfillmentCancelled,
    FulfillmentInstructed,
    ReturnReceiptAccepted,
)
from stockpath_events.types.orders import FulfillmentFee
from stockpath_events.types.registration import (
    InboundShipmentCancelled,
    InboundShipmentPlanned,
    InboundShipmentShipped,
    ItemRegistered,
)
from stockpath_network.fees import cubic_feet
from stockpath_runtime.consumer import ConsumerTable


def charged_as(event: Envelope, happened_at: datetime | None = None) -> ChargedEvent:
    """The event as the cause of a charge: priced on the day it says the units moved (else its own time)."""
    return ChargedEvent(event.id, event.type, happened_at or event.time)


def record_billed_item(event: Envelope[ItemRegistered]) -> RecordBilledItem:
    data = event.data
    size = data.item.dimensions
    volume = cubic_feet(size.length_cm, size.width_cm, size.height_cm) if size else None
    item = BilledItem(data.fnsku, data.seller_id, data.size_tier, data.item.weight_g, volume)
    return RecordBilledItem(item, event.cause)


def charge_storage(event: Envelope[StorageSnapshotTaken]) -> ChargeStorage:
    data = event.data
    lines = tuple(
        StoredUnits(data.seller_id, line.fnsku, data.fulfillment_center_id, line.units)
        for line in data.lines
    )
    return ChargeStorage(
        data.day,
        lines,
        charged_as(event),
        event.cause,
        fulfillment_center_id=data.fulfillment_center_id,
        seller_id=data.seller_id,
        snapshots_that_day=data.snapshots_that_day,
    )


def plan_inbound_shipment(event: Envelope[InboundShipmentPlanned]) -> PlanInboundShipment:
    data = event.data
    return PlanInboundShipment(
        shipment_id=data.shipment_id,
        seller_id=data.seller_id,
        fulfillment_center_id=data.fulfillment_center_id,
        lines=tuple(PlannedLine(line.fnsku, line.seller_sku, line.quantity) for line in data.lines),
        cause=event.cause,
    )


def mark_inbound_shipment_shipped(
    event: Envelope[InboundShipmentShipped],
) -> MarkInboundShipmentShipped:
    # Announced without the hand-over time: the seller handed the shipment over when it was announced.
    return MarkInboundShipmentShipped(
        event.data.shipment_id, event.data.shipped_at or event.time, event.cause
    )


def cancel_inbound_shipment(event: Envelope[InboundShipmentCancelled]) -> CancelInboundShipment:
    data = event.data
    return CancelInboundShipment(
        data.shipment_id, data.seller_id, data.fulfillment_center_id, event.cause
    )


def reserve_stock(event: Envelope[FulfillmentInstructed]) -> ReserveStock:
    data = event.data
    return ReserveStock(
        fulfillment_order_id=data.fulfillment_order_id,
        order_id=data.order_id,
        fulfillment_center_id=data.fulfillment_center_id,
        lines=tuple(
            InstructedLine(line.fnsku, line.seller_id, line.seller_sku, line.quantity)
            for line in data.lines
        ),
        cause=event.cause,
        charged_as=charged_as(event),
        quotes=fee_quotes(data.order_id, data.fulfillment_fee),
    )


def fee_quotes(order_id: str, fee: FulfillmentFee | None) -> tuple[FeeQuote, ...]:
    # A channel's order carries no quote (fulfillment_fee None): nothing to keep.
    if fee is None:
        return ()
    return tuple(
        FeeQuote(order_id, line.fnsku, line.unit_fee, fee.effective_from) for line in fee.lines
    )


def release_stock(event: Envelope[FulfillmentCancelled]) -> ReleaseStock:
    return ReleaseStock(event.data.fulfillment_order_id, event.cause)


def ship_stock(event: Envelope[ShipmentShipped]) -> ShipStock:
    data = event.data
    return ShipStock(
        fulfillment_order_id=data.fulfillment_order_id,
        order_id=data.order_id,
        fulfillment_center_id=data.fulfillment_center_id,
        carrier=data.carrier,
        tracking_number=data.tracking_number,
        cause=event.cause,
        charged_as=charged_as(event, data.shipped_at),
    )


def receive_return(event: Envelope[ReturnReceiptAccepted]) -> ReceiveReturn:
    data = event.data
    customer_return = CustomerReturn(
        return_id=data.return_id,
        order_id=data.order_id,
        fulfillment_center_id=data.fulfillment_center_id,
        lines=tuple(
            ReturnedUnits(line.fnsku, line.quantity, line.condition) for line in data.lines
        ),
        received_event_id=event.id,
    )
    return ReceiveReturn(customer_return, event.cause, charged_as(event, data.received_at))


def record_center_exception(event: Envelope[FulfillmentRejectedByCenter]) -> RecordCenterException:
    data = event.data
    missing = None
    if data.lines is not None:
        missing = tuple(
            MissingUnits(line.fnsku, line.quantity, line.reason_code.value) for line in data.lines
        )
    return RecordCenterException(
        data.fulfillment_order_id, data.order_id, data.fulfillment_center_id, missing, event.cause
    )


def complete_removal_shipped(event: Envelope[RemovalShipped]) -> CompleteRemoval:
    data = event.data
    return CompleteRemoval(
        data.removal_order_id,
        data.fulfillment_center_id,
        RemovalStatus.SHIPPED,
        event.cause,
        carrier=data.carrier,
        tracking_number=data.tracking_number,
        charged_as=charged_as(event, data.shipped_at),
    )


def complete_units_disposed(event: Envelope[UnitsDisposed]) -> CompleteRemoval:
    data = event.data
    return CompleteRemoval(
        data.removal_order_id,
        data.fulfillment_center_id,
        RemovalStatus.DISPOSED,
        event.cause,
        charged_as=charged_as(event, data.disposed_at),
    )


def record_announced_receipt_line(event: Envelope[InventoryReceived]) -> RecordAnnouncedReceiptLine:
    data = event.data
    return RecordAnnouncedReceiptLine(
        _announced_line(data, data.quantity_received, data.quantity_damaged), event.cause
    )


def record_announced_unknown_line(
    event: Envelope[InventoryDiscrepancyRecorded],
) -> RecordAnnouncedReceiptLine:
    # Only an unknown-FNSKU discrepancy carries a receipt's line; any other has nothing to apply.
    data = event.data
    if data.quantity_received is None or data.quantity_damaged is None:
        return RecordAnnouncedReceiptLine(None, event.cause)
    return RecordAnnouncedReceiptLine(
        _announced_line(data, data.quantity_received, data.quantity_damaged), event.cause
    )


def _announced_line(
    data: InventoryReceived | InventoryDiscrepancyRecorded, received: int, damaged: int
) -> AnnouncedLine | None:
    # Announced before events carried the line's place in its receipt: nothing to rebuild from.
    if (
        data.receipt_id is None
        or data.shipment_id is None
        or data.line_number is None
        or data.line_count is None
    ):
        return None
    return AnnouncedLine(
        receipt_id=data.receipt_id,
        shipment_id=data.shipment_id,
        fulfillment_center_id=data.fulfillment_center_id,
        line_number=data.line_number,
        line_count=data.line_count,
        count=LineCount(data.fnsku, received, damaged),
        recorded_at=data.recorded_at,
    )


def close_announced_shipment(event: Envelope[InboundShipmentClosed]) -> CloseShipment:
    data = event.data
    return CloseShipment(
        data.shipment_id, data.fulfillment_center_id, event.cause, receipt_id=data.receipt_id
    )


def adjust_announced_inventory(event: Envelope[InventoryAdjusted]) -> AdjustInventory:
    data = event.data
    return AdjustInventory(
        adjustment_id=data.adjustment_id,
        fulfillment_center_id=data.from_fulfillment_center_id or data.fulfillment_center_id,
        fnsku=data.fnsku,
        kind=AdjustmentKind(data.kind) if data.kind else AdjustmentKind.FOUND,
        # Announced before events carried the whole adjustment: nothing to apply (quantity 0).
        quantity=(data.quantity or 0) if data.kind else 0,
        reason=data.adjustment_reason or data.reason,
        to_fulfillment_center_id=data.to_fulfillment_center_id,
        cause=event.cause,
    )


def record_announced_removal(event: Envelope[RemovalOrderCreated]) -> RecordAnnouncedRemoval:
    data = event.data
    order = RemovalOrder(
        removal_order_id=data.removal_order_id,
        seller_id=data.seller_id,
        fulfillment_center_id=data.fulfillment_center_id,
        disposition=data.disposition,
        lines=tuple(
            RemovalUnits(line.fnsku, line.source, line.quantity, line.seller_sku)
            for line in data.lines
        ),
        ship_to=data.ship_to,
    )
    return RecordAnnouncedRemoval(order, event.cause)


def record_announced_removal_cancellation(
    event: Envelope[RemovalOrderCancelled],
) -> RecordAnnouncedRemovalCancellation:
    return RecordAnnouncedRemovalCancellation(event.data.removal_order_id, event.cause)


CONSUMES: ConsumerTable = {
    Topics.REGISTRATION: {
        InboundShipmentPlanned: (plan_inbound_shipment, inbound.plan_inbound_shipments),
        InboundShipmentShipped: (
            mark_inbound_shipment_shipped,
            inbound.mark_inbound_shipments_shipped,
        ),
        InboundShipmentCancelled: (cancel_inbound_shipment, inbound.cancel_inbound_shipments),
        ItemRegistered: (record_billed_item, charges.record_billed_items),
    },
    Topics.FULFILLMENT_INSTRUCTIONS: {
        FulfillmentInstructed: (reserve_stock, fulfillment.reserve_stock),
        FulfillmentCancelled: (release_stock, fulfillment.release_stock),
    },
    Topics.ORDER_ROUTER: {
        ReturnReceiptAccepted: (receive_return, returns.receive_returns),
    },
    Topics.FULFILLMENT_UPDATES: {
        ShipmentShipped: (ship_stock, fulfillment.ship_stock),
        RemovalShipped: (complete_removal_shipped, removals.complete_removals),
        UnitsDisposed: (complete_units_disposed, removals.complete_removals),
        FulfillmentRejectedByCenter: (
            record_center_exception,
            center_exceptions.record_center_exceptions,
        ),
    },
    Topics.INVENTORY: {
        InventoryReceived: (record_announced_receipt_line, receiving.record_announced_receipts),
        InventoryDiscrepancyRecorded: (
            record_announced_unknown_line,
            receiving.record_announced_receipts,
        ),
        InboundShipmentClosed: (close_announced_shipment, receiving.close_announced_shipments),
        InventoryAdjusted: (adjust_announced_inventory, adjustments.adjust_announced_inventory),
        RemovalOrderCreated: (record_announced_removal, removals.record_announced_removals),
        StorageSnapshotTaken: (charge_storage, storage.charge_storage),
    },
    Topics.FULFILLMENT_REMOVALS: {
        RemovalOrderCancelled: (
            record_announced_removal_cancellation,
            removals.record_announced_cancellations,
        ),
    },
}
