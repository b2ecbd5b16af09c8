"""The FC page to report a pick exception: FC staff open one of their fulfillment orders (what it
holds per FNSKU, reserved units, status) and report the units they cannot ship — not found at pick
(SHORT_PICK) or found damaged (DAMAGED) — with the line of the instruction each belongs to.

The form does what ``POST /v1/fulfillment-orders/{id}/exception`` does, through the same use case
(`report_center_exception`: the caller's FC only, still reserved, reported once, no more units than
reserved), so FulfillmentRejectedByCenter is published the same way. It carries the CSRF token.
"""

from __future__ import annotations

import re
from html import escape
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from inventory.domain.commands import ReportCenterException, ReportedLine
from inventory.domain.errors import InventoryError
from inventory.entrypoints.fc_html import SessionsDep, banner, csrf_field
from inventory.entrypoints.fc_pages import BACK, Desk, FcPath, desk_of, posted_form
from inventory.entrypoints.http import Staff, UoW, answer_for
from inventory.entrypoints.schemas import MAX_UNITS_PER_LINE, FulfillmentOrderIdPath
from inventory.service_layer import center_exceptions
from inventory.service_layer.center_exceptions import ExceptionDesk
from stockpath_runtime.http import ID_PATTERN

pages = APIRouter(prefix="/fc", include_in_schema=False)

#: The form's rows: one per FNSKU of the order, at most this many (a form has few fields).
MAX_ROWS = 5
REASONS = (("SHORT_PICK", "Not found (short pick)"), ("DAMAGED", "Found damaged"))


def _path(fc: str, fulfillment_order_id: str) -> str:
    return f"/fc/{fc}/fulfillment-orders/{quote(fulfillment_order_id)}"


async def _render(
    desk: Desk,
    uow: UoW,
    fulfillment_order_id: str,
    *,
    notice: str | None = None,
    error: str | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    try:
        seen = await center_exceptions.exception_desk(uow, desk.scope, fulfillment_order_id)
    except InventoryError as e:
        body = banner("error", str(e)) + BACK
        return desk.page(f"Fulfillment order {fulfillment_order_id}", body, answer_for(e).status)
    order = seen.order
    status = "REPORTED" if seen.reported else order.status.value
    parts = [
        f"<div class='heading-row'><h1>Fulfillment order <span class='mono'>{escape(order.fulfillment_order_id)}</span>"
        f" at {escape(desk.fc)}</h1><span class='status' id='status'>{status}</span></div>"
        f"<p class='muted'>Order <span class='mono'>{escape(order.order_id)}</span></p>",
        banner("notice", notice) if notice else "",
        banner("error", error) if error else "",
        _holdings(seen),
    ]
    if notice:
        pass  # just reported: the worker applies it in a moment (the page then says REPORTED)
    elif seen.reportable:
        parts.append(_form(desk, seen, typed or {}))
    else:
        why = "its exception was reported" if seen.reported else f"it is {status.lower()}"
        parts.append(banner("info", f"Nothing to report: {why}."))
    parts.append(BACK)
    return desk.page(
        f"Fulfillment order {fulfillment_order_id} at {desk.fc}", "".join(parts), status_code, ""
    )


def _holdings(seen: ExceptionDesk) -> str:
    rows = "".join(
        f"<tr data-fnsku='{escape(s.fnsku)}'><td class='mono'>{escape(s.fnsku)}</td>"
        f"<td>{escape(s.seller_sku or '')}</td><td class='num'>{s.quantity_ordered}</td>"
        f"<td class='num reserved'>{s.quantity_reserved}</td></tr>"
        for s in seen.order.stock
    )
    return (
        "<table class='items' id='holdings'><thead><tr><th>FNSKU</th><th>Seller SKU</th>"
        "<th class='num'>Ordered</th><th class='num'>Reserved</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


def _form(desk: Desk, seen: ExceptionDesk, typed: dict[str, str]) -> str:
    rows = []
    for i, item in enumerate(seen.order.stock[:MAX_ROWS]):
        chosen = typed.get(f"reason_code-{i}", "SHORT_PICK")
        options = "".join(
            f"<option value='{code}'{' selected' if code == chosen else ''}>{label}</option>"
            for code, label in REASONS
        )
        rows.append(
            f"<tr><td class='mono'>{escape(item.fnsku)}"
            f"<input type='hidden' name='fnsku-{i}' value='{escape(item.fnsku)}'></td>"
            f"<td><input name='line_id-{i}' aria-label='Line of {escape(item.fnsku)}' class='mono' "
            f"maxlength='100' value='{escape(typed.get(f'line_id-{i}', ''))}'></td>"
            f"<td><input type='number' name='quantity-{i}' aria-label='Units of {escape(item.fnsku)}' "
            f"class='qty' min='0' max='{item.quantity_reserved}' value='{escape(typed.get(f'quantity-{i}', '0'))}'></td>"
            f"<td><select name='reason_code-{i}' aria-label='Why {escape(item.fnsku)}'>{options}</select></td></tr>"
        )
    return (
        "<section class='card'><h2>Report what you cannot ship</h2>"
        f"<form method='post' action='{_path(desk.fc, seen.order.fulfillment_order_id)}/exception' class='stack'>"
        f"{csrf_field(desk.request)}"
        "<table class='items'><thead><tr><th>FNSKU</th><th>Line (from the pick list)</th>"
        f"<th>Units not shipped</th><th>Why</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
        "<label>What happened <input name='reason' required maxlength='500' "
        f"value='{escape(typed.get('reason', ''))}' placeholder='bin empty'></label>"
        "<button type='submit' class='danger'>Report exception</button></form>"
        "<p class='small muted'>Ship the rest as instructed. Units not found are written off, damaged "
        "ones become unfulfillable; the platform ships the missing units from another FC, or "
        "backorders or rejects them. An order's exception is reported once.</p></section>"
    )


def _reported_lines(form: dict[str, str]) -> tuple[ReportedLine, ...]:
    """The rows with units, as the use case takes them; ValueError saying what to fix."""
    lines = []
    for i in range(MAX_ROWS):
        raw = (form.get(f"quantity-{i}") or "0").strip() or "0"
        if not raw.isdigit() or int(raw) > MAX_UNITS_PER_LINE:
            raise ValueError(f"units must be a whole number from 0 to {MAX_UNITS_PER_LINE}")
        if not int(raw):
            continue
        fnsku, line_id = form.get(f"fnsku-{i}", ""), form.get(f"line_id-{i}", "").strip()
        reason_code = form.get(f"reason_code-{i}", "")
        if not re.fullmatch(ID_PATTERN, fnsku) or reason_code not in dict(REASONS):
            raise ValueError("the form is damaged; reload the page")
        if not re.fullmatch(ID_PATTERN, line_id) or len(line_id) > 100:
            raise ValueError(f"name the line of {fnsku} (as on the pick list)")
        lines.append(ReportedLine(line_id, fnsku, int(raw), reason_code))
    if not lines:
        raise ValueError("enter the units you cannot ship")
    return tuple(lines)


@pages.get("/{fc}/fulfillment-orders/{fulfillment_order_id}", response_class=HTMLResponse)
async def fulfillment_order_page(
    request: Request,
    fc: FcPath,
    fulfillment_order_id: FulfillmentOrderIdPath,
    uow: UoW,
    actor: Staff,
    notice: Annotated[str | None, Query(max_length=300)] = None,
):
    desk = desk_of(request, actor, fc)
    if isinstance(desk, HTMLResponse):
        return desk
    return await _render(desk, uow, fulfillment_order_id, notice=notice)


@pages.post(
    "/{fc}/fulfillment-orders/{fulfillment_order_id}/exception", response_class=HTMLResponse
)
async def report_exception(
    request: Request,
    fc: FcPath,
    fulfillment_order_id: FulfillmentOrderIdPath,
    uow: UoW,
    actor: Staff,
    session: SessionsDep,
):
    desk, form = await posted_form(request, session, actor, fc)
    if isinstance(desk, HTMLResponse):
        return desk
    reason = form.get("reason", "").strip()
    try:
        if not reason or len(reason) > 500:
            raise ValueError("say what happened (up to 500 characters)")
        lines = _reported_lines(form)
    except ValueError as e:
        return await _render(
            desk, uow, fulfillment_order_id, error=str(e), typed=form, status_code=422
        )
    command = ReportCenterException(fulfillment_order_id, reason, lines)
    try:
        await center_exceptions.report_center_exception(command, uow, scope=desk.scope)
    except InventoryError as e:
        return await _render(
            desk,
            uow,
            fulfillment_order_id,
            error=str(e),
            typed=form,
            status_code=answer_for(e).status,
        )
    units = sum(line.quantity for line in lines)
    notice = f"Reported {units} unit(s) you cannot ship; ship the rest as instructed"
    return RedirectResponse(
        f"{_path(fc, fulfillment_order_id)}?notice={quote(notice)}", status_code=303
    )
