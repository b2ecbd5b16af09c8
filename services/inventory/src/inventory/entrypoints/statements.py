"""A seller's monthly statement of charges (`GET /v1/statements/{yyyy-mm}`), as JSON or CSV.

A seller reads its own; a service (registration's console) and the operator name the seller with
`seller_id`. Naming another seller as a seller reads as not found. The totals are the sums of the
lines, by fee kind and overall.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel

from inventory.domain.charges import BadMonth, Charge, Month, Statement
from inventory.domain.scope import NotVisible
from inventory.entrypoints.schemas import IdQuery
from inventory.service_layer.charges import month_statement
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


class StatementOut(BaseModel):
    seller_id: str
    month: str
    currency: str
    lines: list[ChargeOut]
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
            totals={kind.value: amount for kind, amount in statement.totals.items()},
            total=statement.total,
        )


CSV_COLUMNS = tuple(ChargeOut.model_fields)


def as_csv(statement: Statement) -> str:
    """One row per charge, then a row per fee kind's total and the overall total."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for line in statement.lines:
        row = ChargeOut.of(line).model_dump(mode="json")
        writer.writerow([row[column] for column in CSV_COLUMNS])
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
