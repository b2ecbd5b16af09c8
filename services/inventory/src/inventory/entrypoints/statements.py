"""A seller's monthly statement of charges (`GET /v1/statements/{yyyy-mm}`), as JSON or CSV, and
the daily storage snapshot its storage is charged from (`POST /v1/storage-snapshots`).

A seller reads its own statement; a service (registration's console) and the operator name the
seller with `seller_id`. Naming another seller as a seller reads as not found. The totals are the
sums of the lines, by fee kind and overall. Only the operator takes a snapshot here; the worker
takes each day's itself (`service_layer.storage.take_due_snapshots`).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel

from inventory.domain.charges import Charge
from inventory.domain.commands import TakeStorageSnapshot
from inventory.domain.scope import NotVisible
from inventory.domain.statements import BadMonth, Month, Statement
from inventory.domain.storage import StorageLine
from inventory.entrypoints.schemas import IdQuery
from inventory.service_layer.charges import month_statement
from inventory.service_layer.storage import take_storage_snapshot
from inventory.service_layer.unit_of_work import InventoryUnitOfWork
from stockpath_network.fees import FeeSchedule
from stockpath_runtime.auth import OPERATOR, SELLER, SERVICE, Actor, allow
from stockpath_runtime.http import ClientError, unit_of_work
from stockpath_runtime.http import dependencies as api_dependencies

router = APIRouter(prefix="/v1", tags=["statements"])


@dataclass(frozen=True)
class StatementDependencies:
    """What the statement routes need from bootstrap: the fee schedule (its currency)."""

    fees: FeeSchedule


class ChargeOut(BaseModel):
    charge_id: str
    kind: str
    reference: str
    fnsku: str
    fulfillment_center_id: str
    quantity: int
    unit_fee: Decimal
    amount: Decimal
    currency: str
    schedule_effective_from: date
    event_id: str
    event_type: str
    occurred_at: datetime

    @classmethod
    def of(cls, charge: Charge) -> ChargeOut:
        return cls(
            charge_id=charge.charge_id,
            kind=charge.kind.value,
            reference=charge.reference,
            fnsku=charge.fnsku,
            fulfillment_center_id=charge.fulfillment_center_id,
            quantity=charge.quantity,
            unit_fee=charge.unit_fee,
            amount=charge.amount,
            currency=charge.currency,
            schedule_effective_from=charge.schedule_effective_from,
            event_id=charge.event.event_id,
            event_type=charge.event.event_type,
            occurred_at=charge.event.occurred_at,
        )


class StorageLineOut(BaseModel):
    """One FNSKU stored at one FC over the month: its days' fees summed, then rounded to the cent."""

    fnsku: str
    fulfillment_center_id: str
    days: int
    unit_days: int
    amount: Decimal

    @classmethod
    def of(cls, line: StorageLine) -> StorageLineOut:
        return cls(
            fnsku=line.fnsku,
            fulfillment_center_id=line.fulfillment_center_id,
            days=line.days,
            unit_days=line.unit_days,
            amount=line.amount,
        )


class StatementOut(BaseModel):
    seller_id: str
    month: str
    currency: str
    lines: list[ChargeOut]
    storage: list[StorageLineOut]
    #: Per fee kind, the sum of its lines.
    totals: dict[str, Decimal]
    total: Decimal

    @classmethod
    def of(cls, statement: Statement) -> StatementOut:
        return cls(
            seller_id=statement.seller_id,
            month=str(statement.month),
            currency=statement.currency,
            lines=[ChargeOut.of(line) for line in statement.lines],
            storage=[StorageLineOut.of(line) for line in statement.storage],
            totals={kind.value: amount for kind, amount in statement.totals.items()},
            total=statement.total,
        )


CSV_COLUMNS = tuple(ChargeOut.model_fields)


def as_csv(statement: Statement) -> str:
    """One row per charge, one per FNSKU and FC stored (kind storage, its days as the quantity), then
    a row per fee kind's total and the overall total."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for line in statement.lines:
        row = ChargeOut.of(line).model_dump(mode="json")
        writer.writerow([row[column] for column in CSV_COLUMNS])
    for stored in statement.storage:
        writer.writerow(
            ["", "storage", str(statement.month), stored.fnsku, stored.fulfillment_center_id]
            + [stored.days, "", str(stored.amount), statement.currency]
            + [""] * (len(CSV_COLUMNS) - 9)
        )
    for kind, amount in statement.totals.items():
        writer.writerow([f"total:{kind.value}", *[""] * 6, str(amount), statement.currency])
    writer.writerow(["total", *[""] * 6, str(statement.total), statement.currency])
    return out.getvalue()


def statement_seller(actor: Actor, seller_id: str | None) -> str:
    """Whose statement the caller reads: a seller its own; a service or the operator the one named."""
    if actor.kind is SELLER:
        if seller_id not in (None, actor.subject):
            raise NotVisible("seller", seller_id)
        return actor.subject
    if not seller_id:
        raise ClientError(
            "a statement is one seller's: name it with seller_id",
            code="seller_id_required",
            status_code=422,
        )
    return seller_id


def month_of(text: str) -> Month:
    try:
        return Month.parse(text)
    except BadMonth as error:
        raise ClientError(str(error), code="bad_month", status_code=422) from error


@router.get(
    "/statements/{month}",
    response_model=StatementOut,
    summary="A seller's statement of a month: every charge with its causing event, and the totals",
    responses={
        200: {"content": {"text/csv": {}}, "description": "JSON, or CSV with ?format=csv"},
        404: {"description": "Another seller named by a seller"},
        422: {"description": "A month that is not yyyy-mm, or no seller named by a service"},
    },
)
async def read_statement(
    month: Annotated[str, Path(min_length=7, max_length=7)],
    uow: Annotated[InventoryUnitOfWork, Depends(unit_of_work)],
    actor: Annotated[Actor, allow(SELLER, SERVICE, OPERATOR)],
    given: Annotated[StatementDependencies, Depends(api_dependencies)],
    seller_id: IdQuery = None,
    format: Annotated[Literal["json", "csv"], Query()] = "json",
) -> StatementOut | Response:
    found = await month_statement(
        statement_seller(actor, seller_id), month_of(month), uow, fees=given.fees
    )
    if format == "csv":
        return Response(
            as_csv(found),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="statement-{found.month}.csv"'},
        )
    return StatementOut.of(found)


class StorageSnapshotIn(BaseModel):
    #: A UTC day that has ended.
    day: date


class StorageSnapshotOut(BaseModel):
    day: date
    #: False: the day's snapshot was taken before, nothing more is announced.
    taken: bool
    #: StorageSnapshotTaken events announced (one per FC and seller) and their lines.
    snapshots: int
    lines: int


@router.post(
    "/storage-snapshots",
    response_model=StorageSnapshotOut,
    status_code=201,
    summary="Announce what every FC held at the end of a past day (once per day): storage is charged from it",
    responses={
        200: {"description": "The day was taken before: nothing more announced"},
        422: {"description": "A day that has not ended yet (UTC)"},
    },
)
async def take_snapshot(
    body: StorageSnapshotIn,
    response: Response,
    uow: Annotated[InventoryUnitOfWork, Depends(unit_of_work)],
    actor: Annotated[Actor, allow(OPERATOR)],
    given: Annotated[StatementDependencies, Depends(api_dependencies)],
) -> StorageSnapshotOut:
    command = TakeStorageSnapshot(body.day, today=datetime.now(UTC).date())
    done = await take_storage_snapshot(command, uow, fees=given.fees)
    if not done.taken:
        response.status_code = 200
    return StorageSnapshotOut(
        day=body.day, taken=done.taken, snapshots=done.snapshots, lines=done.lines
    )
