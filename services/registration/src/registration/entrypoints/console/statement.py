"""The console's statement page: the signed-in seller's charges of one month (the current one
unless the month picker says otherwise), totalled by fee kind, and the same statement as a CSV
download. Both are asked of inventory's statements API with registration's own service
credential, for the signed-in seller only (docs/fees.md)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from registration.adapters.inventory import InventoryUnavailable
from registration.entrypoints.auth import CurrentSeller
from registration.entrypoints.console.pages import form_page, page
from registration.entrypoints.dependencies import Deps
from stockpath_runtime.http import correlation_id

router = APIRouter(include_in_schema=False)

UNAVAILABLE = "Inventory is not answering right now. Try again in a moment."
#: The month the address bar asks for (``?month=yyyy-mm``); none means the current one (UTC).
MonthAsked = Annotated[str | None, Query(alias="month")]
MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def this_month() -> str:
    return datetime.now(UTC).strftime("%Y-%m")


def month_or_none(raw: str | None) -> str | None:
    """The month asked for as yyyy-mm; the current one when none was asked, None when it is not a month."""
    asked = (raw or "").strip() or this_month()
    return asked if MONTH.fullmatch(asked) else None


@router.get("/statement", response_class=HTMLResponse)
async def statement(
    request: Request, seller: CurrentSeller, deps: Deps, month_: MonthAsked = None
) -> Response:
    month = month_or_none(month_)
    if month is None:
        return page(
            request,
            "statement.html",
            seller,
            status_code=422,
            month=month_ or "",
            statement=None,
            error="A month is a year and a month, as 2026-10.",
        )
    asked = deps.inventory.statement(
        seller.seller_id, month, correlation_id=correlation_id(request)
    )
    return await form_page(
        request,
        seller,
        "statement.html",
        asked,
        shown_as="statement",
        unavailable=UNAVAILABLE,
        month=month,
    )


@router.get("/statement.csv")
async def statement_csv(
    request: Request, seller: CurrentSeller, deps: Deps, month_: MonthAsked = None
) -> Response:
    month = month_or_none(month_)
    if month is None:
        return Response("A month is a year and a month, as 2026-10.\n", status_code=422)
    try:
        text = await deps.inventory.statement_csv(
            seller.seller_id, month, correlation_id=correlation_id(request)
        )
    except InventoryUnavailable:
        return Response(UNAVAILABLE + "\n", status_code=503)
    return Response(
        text,
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="statement-{month}.csv"'},
    )
