"""The inventory's HTTP API: FC staff record receipts; anyone reads buckets, shipment receipts and the ledger.

Receipts come from FC staff, not sellers, so they carry no seller token (DESIGN.md: inventory
``POST /v1/receipts``, an FC records what arrived).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

import stockpath_network
from inventory.adapters.repository import (
    Discrepancy,
    DiscrepancyRepository,
    LedgerEntry,
    ReceiptRepository,
    ShipmentRepository,
    StockRepository,
)
from inventory.domain.commands import AdjustInventory, RecordReceipt
from inventory.domain.model import (
    AdjustmentKind,
    Bucket,
    DiscrepancyKind,
    DuplicateFnsku,
    InventoryError,
    Levels,
    LineCount,
    NotEnoughFulfillable,
    ReceiptIdReused,
    ReceiptResult,
    ShipmentNotReceivable,
    ShipmentStatus,
    StockLevel,
    UnknownShipment,
    WrongFulfillmentCenter,
)
from inventory.service_layer import handlers
from inventory.service_layer.adjustments import (
    AdjustmentIdReused,
    BadTransfer,
    UnknownStock,
    adjust_inventory,
)
from stockpath_runtime.http import (
    ClientError,
    Conflict,
    NotFound,
    caller_correlation_id,
    unit_of_work,
)
from stockpath_runtime.unit_of_work import UnitOfWork

router = APIRouter(prefix="/v1", tags=["inventory"])

#: Ids other services assign (shipment ids, FNSKUs) and client-chosen receipt ids.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$"
FC_PATTERN = r"^[A-Z0-9]{3,8}$"
MAX_UNITS_PER_LINE = 100_000

IdQuery = Annotated[str | None, Query(min_length=1, max_length=100, pattern=ID_PATTERN)]
FcQuery = Annotated[str | None, Query(pattern=FC_PATTERN, description="Fulfillment center id, e.g. SEA1")]


class ReceiptLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fnsku: str = Field(min_length=1, max_length=100, pattern=ID_PATTERN)
    received: int = Field(ge=0, le=MAX_UNITS_PER_LINE, description="Units counted in sellable condition")
    damaged: int = Field(default=0, ge=0, le=MAX_UNITS_PER_LINE, description="Units counted damaged")


class ReceiptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    receipt_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        pattern=ID_PATTERN,
        description="Client-chosen id; sending the same receipt again with it records nothing twice",
    )
    shipment_id: str = Field(min_length=1, max_length=100, pattern=ID_PATTERN)
    fulfillment_center_id: str = Field(pattern=FC_PATTERN)
    lines: list[ReceiptLineIn] = Field(min_length=1, max_length=200)

    def to_command(self) -> RecordReceipt:
        return RecordReceipt(
            receipt_id=self.receipt_id or f"RC{uuid.uuid4().hex.upper()}",
            shipment_id=self.shipment_id,
            fulfillment_center_id=self.fulfillment_center_id,
            lines=tuple(LineCount(line.fnsku, line.received, line.damaged) for line in self.lines),
        )


class StockLevelOut(BaseModel):
    fnsku: str
    seller_id: str
    seller_sku: str | None
    fulfillment_center_id: str
    inbound: int
    fulfillable: int
    reserved: int
    unfulfillable: int
    shipped: int = Field(description="Units shipped to buyers from this FC (cumulative)")
    inbound_working: int | None = Field(default=None, description="Inbound: planned, not yet shipped by the seller")
    inbound_shipped: int | None = Field(default=None, description="Inbound: on its way to the FC")
    inbound_receiving: int | None = Field(default=None, description="Inbound: the FC has started counting")

    @classmethod
    def of(cls, s: StockLevel, stages: dict[str, int] | None = None) -> StockLevelOut:
        # The inbound split is read for inventory listings only (None elsewhere: not computed).
        split = {} if stages is None else {f"inbound_{k}": stages.get(k, 0) for k in ("working", "shipped", "receiving")}
        return cls(
            **split,
            shipped=s.levels.shipped,
            fnsku=s.fnsku,
            seller_id=s.seller_id,
            seller_sku=s.seller_sku,
            fulfillment_center_id=s.fulfillment_center_id,
            inbound=s.levels.inbound,
            fulfillable=s.levels.fulfillable,
            reserved=s.levels.reserved,
            unfulfillable=s.levels.unfulfillable,
        )


class InventoryPage(BaseModel):
    items: list[StockLevelOut]
    total: int
    limit: int
    offset: int


class ShipmentReceiptLineOut(BaseModel):
    fnsku: str
    quantity_received: int
    quantity_damaged: int


class ReceiptLineOut(BaseModel):
    fnsku: str
    seller_sku: str
    quantity_received: int = Field(description="Counted sellable in this receipt")
    quantity_damaged: int = Field(description="Counted damaged in this receipt")
    quantity_expected: int = Field(description="Expected for this FNSKU in the whole shipment")
    total_received: int = Field(description="Counted sellable over all receipts of the shipment")
    total_damaged: int = Field(description="Counted damaged over all receipts of the shipment")


class ReceiptOut(BaseModel):
    receipt_id: str
    shipment_id: str
    fulfillment_center_id: str
    seller_id: str
    shipment_status: ShipmentStatus
    recorded_at: datetime
    lines: list[ReceiptLineOut]
    unknown_fnskus: list[ShipmentReceiptLineOut] = Field(
        default_factory=list,
        description="FNSKUs found in the boxes that the shipment never planned: recorded as discrepancies, in no bucket",
    )
    inventory: list[StockLevelOut] = Field(description="The buckets of each FNSKU in the receipt after it")

    @classmethod
    def of(cls, r: ReceiptResult) -> ReceiptOut:
        return cls(
            receipt_id=r.receipt_id,
            shipment_id=r.shipment_id,
            fulfillment_center_id=r.fulfillment_center_id,
            seller_id=r.seller_id,
            shipment_status=r.shipment_status,
            recorded_at=r.recorded_at,
            lines=[ReceiptLineOut(**vars(line)) for line in r.lines],
            unknown_fnskus=[
                ShipmentReceiptLineOut(fnsku=c.fnsku, quantity_received=c.received, quantity_damaged=c.damaged)
                for c in r.unknown
            ],
            inventory=[StockLevelOut.of(s) for s in r.inventory],
        )


class ShipmentLineOut(BaseModel):
    fnsku: str
    seller_sku: str
    quantity_expected: int
    quantity_received: int
    quantity_damaged: int
    quantity_outstanding: int = Field(description="Expected and not counted yet (missing, if the shipment is closed)")


class ShipmentReceiptOut(BaseModel):
    receipt_id: str
    recorded_at: datetime
    lines: list[ShipmentReceiptLineOut]


class DiscrepancyOut(BaseModel):
    discrepancy_id: str
    kind: DiscrepancyKind
    fulfillment_center_id: str
    fnsku: str
    seller_id: str
    quantity: int = Field(description="Units missing, extra, unidentified or not reservable")
    quantity_expected: int | None
    quantity_counted: int | None
    shipment_id: str | None
    fulfillment_order_id: str | None
    receipt_id: str | None
    recorded_at: datetime

    @classmethod
    def of(cls, d: Discrepancy) -> DiscrepancyOut:
        return cls(**vars(d))


class DiscrepancyPage(BaseModel):
    items: list[DiscrepancyOut]
    total: int
    limit: int
    offset: int


class ShipmentReceiptsOut(BaseModel):
    shipment_id: str
    seller_id: str
    fulfillment_center_id: str
    status: ShipmentStatus
    lines: list[ShipmentLineOut]
    receipts: list[ShipmentReceiptOut]
    discrepancies: list[DiscrepancyOut] = Field(default_factory=list)


class LedgerEntryOut(BaseModel):
    entry_id: int
    fnsku: str
    fulfillment_center_id: str
    seller_id: str
    bucket: Bucket
    delta: int
    reason: str
    shipment_id: str | None
    cause_event_id: str | None = Field(description="The consumed event that caused the movement, if any")
    receipt_id: str | None = Field(description="The receipt that caused the movement, if any")
    fulfillment_order_id: str | None = Field(default=None, description="The fulfillment order moved, if any")
    adjustment_id: str | None = Field(default=None, description="The adjustment by FC staff, if any")
    created_at: datetime

    @classmethod
    def of(cls, e: LedgerEntry) -> LedgerEntryOut:
        return cls(**vars(e))


class LedgerPage(BaseModel):
    items: list[LedgerEntryOut]
    total: int
    limit: int
    offset: int


def _client_error(error: InventoryError) -> ClientError:
    """The 4xx a domain refusal becomes: 404 unknown shipment, 409 a state conflict, 422 a receipt
    that does not fit its shipment."""
    message = str(error)
    match error:
        case UnknownShipment():
            return NotFound(message, shipment_id=error.shipment_id)
        case ShipmentNotReceivable():
            return Conflict(message, code=f"shipment_{error.status.value.lower()}", shipment_id=error.shipment_id)
        case ReceiptIdReused():
            return Conflict(message, code="receipt_id_reused", receipt_id=error.receipt_id)
        case WrongFulfillmentCenter():
            return ClientError(message, code="wrong_fulfillment_center", status_code=422, expected=error.expected)
        case NotEnoughFulfillable():
            return Conflict(message, code="not_enough_fulfillable", fulfillable=error.fulfillable)
        case AdjustmentIdReused():
            return Conflict(message, code="adjustment_id_reused", adjustment_id=error.adjustment_id)
        case UnknownStock():
            return NotFound(message)
        case BadTransfer():
            return ClientError(message, code="bad_transfer", status_code=422)
        case DuplicateFnsku():
            return ClientError(message, code="duplicate_fnsku", status_code=422, fnsku=error.fnsku)
    return ClientError(message, status_code=422)


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
        404: {"description": "Unknown inbound shipment"},
        409: {"description": "Shipment closed or cancelled, or receipt_id reused for other content"},
        422: {"description": "Wrong fulfillment center, unknown FNSKU or invalid counts"},
    },
)
async def record_receipt(
    body: ReceiptIn, request: Request, response: Response, uow: Annotated[UnitOfWork, Depends(unit_of_work)]
) -> ReceiptOut:
    require_known_fulfillment_center(body.fulfillment_center_id)
    try:
        # A receipt continues the chain its shipment's plan started, unless the caller names one.
        uow.correlation_id = caller_correlation_id(request)
        async with uow:
            result, replayed = await handlers.record_receipt(body.to_command(), uow)
    except InventoryError as e:
        raise _client_error(e) from None
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return ReceiptOut.of(result)


@router.get("/inventory", response_model=InventoryPage, summary="Quantity buckets per FNSKU and fulfillment center")
async def list_inventory(
    request: Request,
    seller_id: IdQuery = None,
    fnsku: IdQuery = None,
    fulfillment_center_id: FcQuery = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> InventoryPage:
    async with request.app.state.engine.connect() as conn:
        page = await StockRepository(conn).levels(
            seller_id=seller_id, fnsku=fnsku, fulfillment_center_id=fulfillment_center_id, limit=limit, offset=offset
        )
        stages = await StockRepository(conn).inbound_by_stage((s.fnsku, s.fulfillment_center_id) for s in page.items)
    return InventoryPage(
        items=[StockLevelOut.of(s, stages.get((s.fnsku, s.fulfillment_center_id), {})) for s in page.items],
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
    request: Request,
    shipment_id: Annotated[str, Path(min_length=1, max_length=100, pattern=ID_PATTERN)],
) -> ShipmentReceiptsOut:
    async with request.app.state.engine.connect() as conn:
        shipment = await ShipmentRepository(conn).get(shipment_id)
        if shipment is None:
            raise _client_error(UnknownShipment(shipment_id))
        recorded = await ReceiptRepository(conn).for_shipment(shipment_id)
        found = await DiscrepancyRepository(conn).list(shipment_id=shipment_id, limit=1000)
    return _shipment_out(shipment, recorded, found.items)


def _shipment_out(shipment, recorded, found: list[Discrepancy]) -> ShipmentReceiptsOut:
    return ShipmentReceiptsOut(
        discrepancies=[DiscrepancyOut.of(d) for d in found],
        shipment_id=shipment.shipment_id,
        seller_id=shipment.seller_id,
        fulfillment_center_id=shipment.fulfillment_center_id,
        status=shipment.status,
        lines=[
            ShipmentLineOut(
                fnsku=line.fnsku,
                seller_sku=line.seller_sku,
                quantity_expected=line.quantity_expected,
                quantity_received=line.quantity_received,
                quantity_damaged=line.quantity_damaged,
                quantity_outstanding=line.quantity_outstanding,
            )
            for line in shipment.lines.values()
        ],
        receipts=[
            ShipmentReceiptOut(
                receipt_id=r.receipt_id,
                recorded_at=r.recorded_at,
                lines=[
                    ShipmentReceiptLineOut(fnsku=c.fnsku, quantity_received=c.received, quantity_damaged=c.damaged)
                    for c in r.lines
                ],
            )
            for r in recorded
        ],
    )


@router.get("/ledger", response_model=LedgerPage, summary="Every quantity movement with its cause, oldest first")
async def ledger(
    request: Request,
    fnsku: IdQuery = None,
    fulfillment_center_id: FcQuery = None,
    seller_id: IdQuery = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> LedgerPage:
    async with request.app.state.engine.connect() as conn:
        page = await StockRepository(conn).ledger(
            fnsku=fnsku, fulfillment_center_id=fulfillment_center_id, seller_id=seller_id, limit=limit, offset=offset
        )
    return LedgerPage(items=[LedgerEntryOut.of(e) for e in page.items], total=page.total, limit=limit, offset=offset)


async def shipment_view(engine, shipment_id: str) -> ShipmentReceiptsOut:
    """A shipment as FC staff and sellers see it (lines, receipts, discrepancies)."""
    async with engine.connect() as conn:
        shipment = await ShipmentRepository(conn).get(shipment_id)
        if shipment is None:
            raise _client_error(UnknownShipment(shipment_id))
        recorded = await ReceiptRepository(conn).for_shipment(shipment_id)
        found = await DiscrepancyRepository(conn).list(shipment_id=shipment_id, limit=1000)
    return _shipment_out(shipment, recorded, found.items)


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fulfillment_center_id: str | None = Field(default=None, pattern=FC_PATTERN, description="Checked if given")


@router.post(
    "/inbound-shipments/{shipment_id}/close",
    response_model=ShipmentReceiptsOut,
    summary="Close an inbound shipment that will not be received in full (FC staff): what is missing is a shortage",
    responses={404: {"description": "Unknown inbound shipment"}, 409: {"description": "Already closed or cancelled"}},
)
async def close_shipment(
    request: Request,
    shipment_id: Annotated[str, Path(min_length=1, max_length=100, pattern=ID_PATTERN)],
    uow: Annotated[UnitOfWork, Depends(unit_of_work)],
    body: CloseIn | None = None,
) -> ShipmentReceiptsOut:
    try:
        uow.correlation_id = caller_correlation_id(request)
        async with uow:
            await handlers.close_shipment(shipment_id, body.fulfillment_center_id if body else None, uow)
    except InventoryError as e:
        raise _client_error(e) from None
    return await shipment_view(request.app.state.engine, shipment_id)


@router.get(
    "/discrepancies",
    response_model=DiscrepancyPage,
    summary="Shortages, overages, unknown FNSKUs and reservation shortfalls, oldest first",
)
async def list_discrepancies(
    request: Request,
    shipment_id: IdQuery = None,
    fnsku: IdQuery = None,
    fulfillment_center_id: FcQuery = None,
    kind: DiscrepancyKind | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> DiscrepancyPage:
    async with request.app.state.engine.connect() as conn:
        page = await DiscrepancyRepository(conn).list(
            shipment_id=shipment_id, fnsku=fnsku, fulfillment_center_id=fulfillment_center_id,
            kind=kind.value if kind else None, limit=limit, offset=offset,
        )
    return DiscrepancyPage(items=[DiscrepancyOut.of(d) for d in page.items], total=page.total, limit=limit, offset=offset)


class AdjustmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    adjustment_id: str | None = Field(
        default=None, min_length=1, max_length=100, pattern=ID_PATTERN,
        description="Client-chosen id; sending the same adjustment again with it moves nothing twice",
    )
    fulfillment_center_id: str = Field(pattern=FC_PATTERN)
    fnsku: str = Field(min_length=1, max_length=100, pattern=ID_PATTERN)
    kind: AdjustmentKind
    quantity: int = Field(ge=1, le=MAX_UNITS_PER_LINE)
    reason: str = Field(min_length=3, max_length=500, description="Why, in the FC staff's words")
    to_fulfillment_center_id: str | None = Field(default=None, pattern=FC_PATTERN, description="Transfers only")


class AdjustmentOut(BaseModel):
    adjustment_id: str
    inventory: list[StockLevelOut]


@router.post(
    "/adjustments",
    response_model=AdjustmentOut,
    status_code=201,
    summary="Adjust stock (FC staff): units found, lost, damaged in the warehouse, or transferred to another FC",
    responses={
        404: {"description": "No stock of this FNSKU at the FC"},
        409: {"description": "Not enough fulfillable units, or adjustment_id reused for other content"},
        422: {"description": "Invalid adjustment"},
    },
)
async def record_adjustment(
    body: AdjustmentIn, request: Request, response: Response, uow: Annotated[UnitOfWork, Depends(unit_of_work)]
) -> AdjustmentOut:
    for fc in (body.fulfillment_center_id, body.to_fulfillment_center_id):
        if fc:
            require_known_fulfillment_center(fc)
    command = AdjustInventory(
        adjustment_id=body.adjustment_id or f"ADJ{uuid.uuid4().hex.upper()}",
        fulfillment_center_id=body.fulfillment_center_id,
        fnsku=body.fnsku,
        kind=body.kind.value,
        quantity=body.quantity,
        reason=body.reason,
        to_fulfillment_center_id=body.to_fulfillment_center_id,
    )
    try:
        uow.correlation_id = caller_correlation_id(request)
        async with uow:
            result = await adjust_inventory(command, uow)
    except InventoryError as e:
        raise _client_error(e) from None
    if result.replayed:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    return AdjustmentOut(adjustment_id=result.adjustment_id, inventory=[StockLevelOut.of(s) for s in result.inventory])


class ReconciliationRow(BaseModel):
    fnsku: str
    fulfillment_center_id: str
    stored: dict[str, int]
    from_ledger: dict[str, int]
    balanced: bool


class ReconciliationOut(BaseModel):
    balanced: bool = Field(description="Every stored bucket equals its ledger movements added up")
    items: list[ReconciliationRow]


@router.get(
    "/ledger/reconciliation",
    response_model=ReconciliationOut,
    summary="The buckets recomputed from the ledger next to the stored ones (audit)",
)
async def reconciliation(request: Request, fnsku: IdQuery = None) -> ReconciliationOut:
    async with request.app.state.engine.connect() as conn:
        stock = StockRepository(conn)
        stored, recomputed = await stock.stored_levels(), await stock.recomputed_from_ledger()
    keys = sorted(k for k in set(stored) | set(recomputed) if fnsku is None or k[0] == fnsku)
    rows = []
    for key in keys:
        a, b = vars(stored.get(key) or Levels()), vars(recomputed.get(key) or Levels())
        rows.append(ReconciliationRow(fnsku=key[0], fulfillment_center_id=key[1], stored=a, from_ledger=b, balanced=a == b))
    return ReconciliationOut(balanced=all(r.balanced for r in rows), items=rows)
