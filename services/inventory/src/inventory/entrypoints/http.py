"""The inventory's HTTP API: FC staff record receipts, close shipments and adjust stock; sellers,
FCs, services and the operator read buckets, shipment receipts, discrepancies and the ledger.

Who may do what (docs/security.md, "Actors and what each may do"), each route declaring its rule:

- writes (receipts, closes, adjustments): an FC, for itself only — a body naming another FC is
  refused (403), a shipment bound for another FC is unknown to it (404); a transfer's destination
  may be any FC — and the operator, for any FC;
- reads: a seller its own stock, an FC its own FC's rows and the shipments bound for it, a
  service the one seller it names (registration's console), the operator everything. Naming
  another party's seller or FC reads as not found (404).

Domain refusals answer through `ERRORS`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response

import stockpath_network
from inventory.domain.adjustments import (
    AdjustmentIdReused,
    BadTransfer,
    NotEnoughFulfillable,
    UnknownStock,
)
from inventory.domain.commands import CancelRemovalOrder, CloseShipment, CreateRemovalOrder
from inventory.domain.discrepancies import DiscrepancyKind
from inventory.domain.errors import InventoryError
from inventory.domain.fulfillment_orders import NotReserved, UnknownFulfillmentOrder
from inventory.domain.receipts import ReceiptIdReused
from inventory.domain.removals import (
    RemovalIdReused,
    RemovalNotCancellable,
    RemovalRefused,
    UnknownRemovalOrder,
)
from inventory.domain.scope import EVERYTHING, ActsForAnotherCenter, NotVisible, Scope
from inventory.domain.shipments import (
    DuplicateFnsku,
    ShipmentCancelled,
    ShipmentClosed,
    UnknownShipment,
    WrongFulfillmentCenter,
)
from inventory.domain.storage import StorageDayNotOver
from inventory.entrypoints.schemas import (
    AdjustmentIn,
    AdjustmentOut,
    AuditLimit,
    AuditOffset,
    CloseIn,
    DiscrepancyOut,
    ExceptionIn,
    ExceptionOut,
    FcQuery,
    FulfillmentOrderIdPath,
    IdQuery,
    InventoryAgeOut,
    InventoryLimit,
    LedgerEntryOut,
    ReceiptIn,
    ReceiptOut,
    ReconciliationOut,
    ReconciliationRow,
    RemovalOrderIn,
    RemovalOrderOut,
    ShipmentIdPath,
    ShipmentReceiptsOut,
    StockLevelOut,
)
from inventory.service_layer import adjustments, center_exceptions, receiving, removals, views
from inventory.service_layer.unit_of_work import InventoryUnitOfWork
from stockpath_runtime.auth import FC, OPERATOR, SELLER, SERVICE, Actor, Forbidden, allow
from stockpath_runtime.http import (
    ID_PATTERN,
    Answer,
    ClientError,
    caller_correlation_id,
    unit_of_work,
)
from stockpath_runtime.http import answer_for as runtime_answer_for
from stockpath_runtime.paging import Offset, PageOut

#: How each refusal answers: 404 unknown, 409 a state conflict, 422 a request that does not fit.
ERRORS: dict[type[Exception], Answer] = {
    InventoryError: Answer(422, "bad_request"),
    UnknownShipment: Answer(404, "not_found", ("shipment_id",)),
    ShipmentClosed: Answer(409, "shipment_closed", ("shipment_id",)),
    ShipmentCancelled: Answer(409, "shipment_cancelled", ("shipment_id",)),
    ReceiptIdReused: Answer(409, "receipt_id_reused", ("receipt_id",)),
    WrongFulfillmentCenter: Answer(422, "wrong_fulfillment_center", ("expected",)),
    DuplicateFnsku: Answer(422, "duplicate_fnsku", ("fnsku",)),
    NotEnoughFulfillable: Answer(409, "not_enough_fulfillable", ("fulfillable",)),
    AdjustmentIdReused: Answer(409, "adjustment_id_reused", ("adjustment_id",)),
    UnknownStock: Answer(404, "not_found"),
    BadTransfer: Answer(422, "bad_transfer"),
    NotVisible: Answer(404, "not_found"),
    ActsForAnotherCenter: Answer(403, "forbidden", ("fulfillment_center_id",)),
    RemovalRefused: Answer(422, "removal_refused"),
    RemovalIdReused: Answer(409, "removal_order_id_reused", ("removal_order_id",)),
    UnknownRemovalOrder: Answer(404, "not_found", ("removal_order_id",)),
    RemovalNotCancellable: Answer(409, "removal_not_cancellable", ("status",)),
    UnknownFulfillmentOrder: Answer(404, "not_found", ("fulfillment_order_id",)),
    NotReserved: Answer(409, "not_reserved", ("fulfillment_order_id",)),
    StorageDayNotOver: Answer(422, "day_not_over", ("day",)),
}


def answer_for(error: InventoryError) -> Answer:
    """The answer of a refusal (for the FC pages, which render it themselves)."""
    return runtime_answer_for(error, ERRORS)


#: The service's unit of work, for reads and the FC pages.
UoW = Annotated[InventoryUnitOfWork, Depends(unit_of_work)]


def _callers_unit_of_work(request: Request, uow: UoW) -> InventoryUnitOfWork:
    """The unit of work carrying only a correlation id the caller sent: without one, a receipt or
    a close continues the chain its shipment's plan started (and an adjustment starts its own)."""
    uow.correlation_id = caller_correlation_id(request)
    return uow


#: The unit of work of FC staff's JSON commands (`_callers_unit_of_work`).
CallersUoW = Annotated[InventoryUnitOfWork, Depends(_callers_unit_of_work)]

router = APIRouter(prefix="/v1", tags=["inventory"])

#: FC staff (for their own FC) and the operator (for any).
Staff = Annotated[Actor, allow(FC, OPERATOR)]
#: Sellers, FCs, services and the operator, each reading what `reading_scope` lets it.
Reader = Annotated[Actor, allow(SELLER, FC, SERVICE, OPERATOR)]


def acting_scope(actor: Actor) -> Scope:
    """Where a writer may act: an FC at its own FC only, the operator anywhere."""
    return Scope(fulfillment_center_id=actor.subject) if actor.kind is FC else EVERYTHING


def reading_scope(actor: Actor, seller_id: str | None = None, *, lists: bool = True) -> Scope:
    """What a reader may see: a seller its own stock, an FC its own FC's, the operator everything,
    and a service one seller at a time — the one a list names (`seller_id`)."""
    if actor.kind is SELLER:
        return Scope(seller_id=actor.subject)
    if actor.kind is FC:
        return Scope(fulfillment_center_id=actor.subject)
    if actor.kind is SERVICE and lists and not seller_id:
        raise Forbidden("a service reads one seller's stock at a time: name it with seller_id")
    return EVERYTHING


def require_known_fulfillment_center(fulfillment_center_id: str) -> None:
    if stockpath_network.get(fulfillment_center_id) is None:
        raise ClientError(
            f"fulfillment center {fulfillment_center_id} is not in the network",
            code="unknown_fulfillment_center",
            status_code=422,
        )


@router.post(
    "/receipts",
    response_model=ReceiptOut,
    status_code=201,
    summary="Record what arrived at a fulfillment center for an inbound shipment (FC staff)",
    responses={
        403: {"description": "An FC naming another FC"},
        404: {"description": "Unknown inbound shipment (or bound for another FC)"},
        409: {
            "description": "Shipment closed or cancelled, or receipt_id reused for other content"
        },
        422: {"description": "Wrong fulfillment center, unknown FNSKU or invalid counts"},
    },
)
async def record_receipt(
    body: ReceiptIn, response: Response, uow: CallersUoW, actor: Staff
) -> ReceiptOut:
    require_known_fulfillment_center(body.fulfillment_center_id)
    result, replayed = await receiving.record_receipt(
        body.to_command(), uow, scope=acting_scope(actor)
    )
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return ReceiptOut.of(result)


@router.post(
    "/inbound-shipments/{shipment_id}/close",
    response_model=ShipmentReceiptsOut,
    summary="Close an inbound shipment that will not be received in full (FC staff): what is missing is a shortage",
    responses={
        403: {"description": "An FC naming another FC"},
        404: {"description": "Unknown inbound shipment (or bound for another FC)"},
        409: {"description": "Already closed or cancelled"},
    },
)
async def close_shipment(
    shipment_id: ShipmentIdPath, uow: CallersUoW, actor: Staff, body: CloseIn | None = None
) -> ShipmentReceiptsOut:
    scope = acting_scope(actor)
    command = CloseShipment(shipment_id, body.fulfillment_center_id if body else None)
    await receiving.close_shipment(command, uow, scope=scope)
    return ShipmentReceiptsOut.of(await views.shipment(uow, scope, shipment_id))


@router.post(
    "/fulfillment-orders/{fulfillment_order_id}/exception",
    response_model=ExceptionOut,
    status_code=202,
    summary="Report that the FC cannot ship units of a fulfillment order (FC staff): short pick or damaged at pick",
    responses={
        404: {"description": "Unknown fulfillment order (or another FC's)"},
        409: {"description": "Shipped, cancelled, or its exception reported already"},
        422: {"description": "An FNSKU it does not hold, or more units than it has reserved"},
    },
)
async def report_exception(
    fulfillment_order_id: FulfillmentOrderIdPath, body: ExceptionIn, uow: CallersUoW, actor: Staff
) -> ExceptionOut:
    event_id = await center_exceptions.report_center_exception(
        body.to_command(fulfillment_order_id), uow, scope=acting_scope(actor)
    )
    return ExceptionOut(fulfillment_order_id=fulfillment_order_id, event_id=event_id)


@router.post(
    "/adjustments",
    response_model=AdjustmentOut,
    status_code=201,
    summary="Adjust stock (FC staff): units found, lost, damaged in the warehouse, or transferred to another FC",
    responses={
        403: {"description": "An FC adjusting another FC's stock"},
        404: {"description": "No stock of this FNSKU at the FC"},
        409: {
            "description": "Not enough fulfillable units, or adjustment_id reused for other content"
        },
        422: {"description": "Invalid adjustment"},
    },
)
async def adjust_inventory(
    body: AdjustmentIn, response: Response, uow: CallersUoW, actor: Staff
) -> AdjustmentOut:
    for fc in (body.fulfillment_center_id, body.to_fulfillment_center_id):
        if fc:
            require_known_fulfillment_center(fc)
    scope = acting_scope(actor)
    result = await adjustments.adjust_inventory(body.to_command(), uow, scope=scope)
    if result.replayed:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    # A transfer's destination is another FC's stock: its staff see only their own FC's buckets.
    seen = [
        StockLevelOut.of(s)
        for s in result.inventory
        if scope.sees(s.seller_id, s.fulfillment_center_id)
    ]
    return AdjustmentOut(adjustment_id=result.adjustment_id, inventory=seen)


@router.get(
    "/inventory",
    response_model=PageOut[StockLevelOut],
    summary="Quantity buckets per FNSKU and fulfillment center (a seller's own, an FC's own; a service names the seller)",
)
async def list_inventory(
    uow: UoW,
    actor: Reader,
    seller_id: IdQuery = None,
    fnsku: IdQuery = None,
    fulfillment_center_id: FcQuery = None,
    limit: InventoryLimit = 50,
    offset: Offset = 0,
) -> PageOut[StockLevelOut]:
    page = await views.inventory(
        uow,
        reading_scope(actor, seller_id),
        seller_id=seller_id,
        fnsku=fnsku,
        fulfillment_center_id=fulfillment_center_id,
        limit=limit,
        offset=offset,
    )
    return PageOut[StockLevelOut](
        items=[StockLevelOut.of(i.stock, i.inbound_by_stage) for i in page.items],
        total=page.total,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/inventory-age",
    response_model=PageOut[InventoryAgeOut],
    summary="Units on hand per FNSKU and FC by age: 0-90, 91-180, 181-365 and over 365 days since received (oldest leave first)",
)
async def inventory_age(
    uow: UoW,
    actor: Reader,
    seller_id: IdQuery = None,
    fnsku: IdQuery = None,
    fulfillment_center_id: FcQuery = None,
    limit: InventoryLimit = 50,
    offset: Offset = 0,
) -> PageOut[InventoryAgeOut]:
    """Paged as ``GET /v1/inventory``; each row's ages are computed from its ledger: units arrive on
    the day they were recorded (received, found, transferred in, returned) and those that left
    (shipped, removed, disposed of, lost, transferred out) left from the oldest first."""
    today = datetime.now(UTC).date()
    page = await views.inventory_age(
        uow,
        reading_scope(actor, seller_id),
        seller_id=seller_id,
        fnsku=fnsku,
        fulfillment_center_id=fulfillment_center_id,
        limit=limit,
        offset=offset,
        today=today,
    )
    return PageOut[InventoryAgeOut](
        items=[InventoryAgeOut.of(aged, today) for aged in page.items],
        total=page.total,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/inbound-shipments/{shipment_id}/receipts",
    response_model=ShipmentReceiptsOut,
    summary="Expected, received and damaged per FNSKU of an inbound shipment, with its receipts",
)
async def shipment_receipts(
    shipment_id: ShipmentIdPath, uow: UoW, actor: Reader
) -> ShipmentReceiptsOut:
    # One shipment is one seller's: a service may read it without naming the seller.
    return ShipmentReceiptsOut.of(
        await views.shipment(uow, reading_scope(actor, lists=False), shipment_id)
    )


@router.get(
    "/ledger",
    response_model=PageOut[LedgerEntryOut],
    summary="Every quantity movement with its cause, oldest first",
)
async def ledger(
    uow: UoW,
    actor: Reader,
    fnsku: IdQuery = None,
    fulfillment_center_id: FcQuery = None,
    seller_id: IdQuery = None,
    limit: AuditLimit = 100,
    offset: AuditOffset = 0,
) -> PageOut[LedgerEntryOut]:
    page = await views.ledger(
        uow,
        reading_scope(actor, seller_id),
        fnsku=fnsku,
        fulfillment_center_id=fulfillment_center_id,
        seller_id=seller_id,
        limit=limit,
        offset=offset,
    )
    return PageOut[LedgerEntryOut](
        items=[LedgerEntryOut(**vars(e)) for e in page.items],
        total=page.total,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/discrepancies",
    response_model=PageOut[DiscrepancyOut],
    summary="Shortages, overages, unknown FNSKUs and reservation shortfalls, oldest first",
)
async def list_discrepancies(
    uow: UoW,
    actor: Reader,
    shipment_id: IdQuery = None,
    fnsku: IdQuery = None,
    fulfillment_center_id: FcQuery = None,
    seller_id: IdQuery = None,
    kind: DiscrepancyKind | None = None,
    limit: AuditLimit = 100,
    offset: AuditOffset = 0,
) -> PageOut[DiscrepancyOut]:
    page = await views.discrepancies(
        uow,
        reading_scope(actor, seller_id),
        shipment_id=shipment_id,
        fnsku=fnsku,
        fulfillment_center_id=fulfillment_center_id,
        seller_id=seller_id,
        kind=kind,
        limit=limit,
        offset=offset,
    )
    return PageOut[DiscrepancyOut](
        items=[DiscrepancyOut.of(d) for d in page.items],
        total=page.total,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/ledger/reconciliation",
    response_model=ReconciliationOut,
    summary="The buckets recomputed from the ledger next to the stored ones (audit)",
)
async def reconciliation(
    uow: UoW,
    actor: Reader,
    fnsku: IdQuery = None,
    fulfillment_center_id: FcQuery = None,
    seller_id: IdQuery = None,
) -> ReconciliationOut:
    recomputed = await views.reconciliation(
        uow,
        reading_scope(actor, seller_id),
        fnsku=fnsku,
        fulfillment_center_id=fulfillment_center_id,
        seller_id=seller_id,
    )
    rows = [ReconciliationRow.of(r) for r in recomputed]
    return ReconciliationOut(balanced=all(r.balanced for r in rows), items=rows)


#: Sellers, for their own stock (removal orders); a service (registration's console) for the seller it names.
StockOwner = Annotated[Actor, allow(SELLER, SERVICE)]
RemovalOrderId = Annotated[str, Path(min_length=1, max_length=100, pattern=ID_PATTERN)]


def owner_of(actor: Actor, seller_id: str | None) -> str:
    """The seller a removal-order call acts for: a seller itself, a service the one it names."""
    if actor.kind is SELLER:
        if seller_id not in (None, actor.subject):
            raise NotVisible("seller", seller_id)
        return actor.subject
    if not seller_id:
        raise Forbidden("a service acts for one seller at a time: name it with seller_id")
    return seller_id


@router.post(
    "/removal-orders",
    response_model=RemovalOrderOut,
    status_code=201,
    summary="Remove units of one FC (a seller, its own stock): ship them back to an address or dispose of them",
    responses={
        200: {"description": "The same request sent again: the removal order it made"},
        404: {"description": "No stock of the seller's of this FNSKU at the FC"},
        409: {"description": "removal_order_id taken by another removal order"},
        422: {"description": "More units than the bucket holds, or a return without an address"},
    },
)
async def create_removal_order(
    body: RemovalOrderIn,
    response: Response,
    uow: CallersUoW,
    actor: StockOwner,
    seller_id: IdQuery = None,
) -> RemovalOrderOut:
    """The units are set aside at once (they leave their bucket, so nothing is sold from them) and
    the FC is told on `fulfillment.removals`; cancel it until the FC reports it done."""
    require_known_fulfillment_center(body.fulfillment_center_id)
    command = CreateRemovalOrder(body.to_order(owner_of(actor, seller_id)))
    order, created = await removals.create_removal_order(command, uow)
    if not created:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    return RemovalOrderOut.of(order)


@router.get(
    "/removal-orders",
    response_model=list[RemovalOrderOut],
    summary="Removal orders, newest first (a seller's own; a service's: the seller it names; the operator's: all)",
)
async def list_removal_orders(
    uow: UoW, actor: Annotated[Actor, allow(SELLER, SERVICE, OPERATOR)], seller_id: IdQuery = None
) -> list[RemovalOrderOut]:
    wanted = None if actor.kind is OPERATOR else owner_of(actor, seller_id)
    async with uow:
        found = await uow.removal_orders.list(wanted)
    return [RemovalOrderOut.of(o) for o in found]


@router.post(
    "/removal-orders/{removal_order_id}/cancellation",
    response_model=RemovalOrderOut,
    summary="Cancel a pending removal order (a seller, its own): its units go back to their bucket",
    responses={
        404: {"description": "Unknown removal order (or another seller's)"},
        409: {"description": "The FC already shipped or disposed of the units"},
    },
)
async def cancel_removal_order(
    removal_order_id: RemovalOrderId, uow: CallersUoW, actor: StockOwner, seller_id: IdQuery = None
) -> RemovalOrderOut:
    command = CancelRemovalOrder(removal_order_id, owner_of(actor, seller_id))
    return RemovalOrderOut.of(await removals.cancel_removal_order(command, uow))
