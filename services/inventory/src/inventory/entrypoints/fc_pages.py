"""The FC receiving pages: server-rendered HTML for the dock, no JavaScript needed.

FC staff sign in with their FC's credential (``fc_sign_in.py``) and work at their own FC only: the
FC is the signed-in one (an operator may pick any), a shipment bound for another FC is not found,
and another FC's pages read as not found. They open an inbound shipment, then type or scan an
FNSKU (a barcode scanner types the code and presses Enter, which records one sellable unit) or
enter counts by hand. Each form carries the CSRF token, checked on every POST, and a receipt id
chosen when the page was rendered, so a double-click or a browser resubmission records the receipt
once. The pages use the same use cases as the JSON API (`record_receipt`, `close_shipment`), and
the same rules (``allow(FC, OPERATOR)``, the caller's `Scope`), so they cannot drift from it.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from html import escape
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

import stockpath_network
from inventory.domain.commands import CloseShipment, RecordReceipt
from inventory.domain.errors import InventoryError
from inventory.domain.scope import Scope
from inventory.domain.shipments import LineCount, ShipmentStatus
from inventory.entrypoints.fc_html import SessionsDep, banner, csrf_field, page, read_form
from inventory.entrypoints.http import Staff, UoW, acting_scope, answer_for
from inventory.entrypoints.schemas import FC_PATTERN, MAX_UNITS_PER_LINE, ShipmentIdPath
from inventory.service_layer import receiving, views
from stockpath_runtime.auth import FC, Actor
from stockpath_runtime.http import ID_PATTERN
from stockpath_runtime.sessions import CSRF_FIELD

pages = APIRouter(prefix="/fc", include_in_schema=False)
BACK = "<p><a href='/fc'>← Another shipment</a></p>"

FcPath = Annotated[str, Path(pattern=FC_PATTERN)]


@dataclass(frozen=True)
class Desk:
    """The receiving desk of one FC, as the signed-in actor sees it."""

    request: Request
    actor: Actor
    fc: str

    @property
    def scope(self) -> Scope:
        return acting_scope(self.actor)

    def page(
        self, title: str, body: str, status_code: int = 200, heading: str | None = None
    ) -> HTMLResponse:
        return page(
            self.request, title, body, actor=self.actor, status_code=status_code, heading=heading
        )


def desk_of(request: Request, actor: Actor, fc: str) -> Desk | HTMLResponse:
    """The desk of `fc`, or a 404 page: an FC not in the network, or (to an FC) another FC's."""
    if stockpath_network.get(fc) is None:
        problem = f"{fc} is not in the network."
    elif actor.kind is FC and fc != actor.subject:
        problem = f"Not found: you are signed in as {actor.subject}, and work at its desk only."
    else:
        return Desk(request, actor, fc)
    body = banner("error", problem) + BACK
    return page(
        request, "Unknown fulfillment center", body, actor=actor, status_code=404, narrow=True
    )


@pages.get("", response_class=HTMLResponse)
async def choose(
    request: Request,
    actor: Staff,
    fulfillment_center_id: str | None = None,
    shipment_id: str | None = None,
    fulfillment_order_id: str | None = None,
):
    """Pick the shipment at hand, or the fulfillment order to report a pick exception on (GET
    forms, so the answer is a bookmarkable URL); an FC works at its own FC, an operator picks one."""
    own = actor.subject if actor.kind is FC else None
    if own and fulfillment_center_id and fulfillment_center_id != own:
        return desk_of(request, actor, fulfillment_center_id)
    fc = own or fulfillment_center_id
    wanted = [
        (kind, ident)
        for kind, ident in (
            ("shipments", shipment_id),
            ("fulfillment-orders", fulfillment_order_id),
        )
        if ident
    ]
    if fc and wanted:
        kind, ident = wanted[0]
        if (
            not re.fullmatch(FC_PATTERN, fc)
            or not re.fullmatch(ID_PATTERN, ident)
            or len(ident) > 100
        ):
            return page(
                request,
                "FC receiving",
                banner("error", "Enter a valid FC and id."),
                actor=actor,
                status_code=422,
            )
        return RedirectResponse(f"/fc/{fc}/{kind}/{quote(ident)}", status_code=303)
    if own:
        center = stockpath_network.get(own)
        where, picker = (
            (
                f"<p class='muted'>Receiving at <b>{escape(own)}</b>"
                f"{f' — {escape(center.name)}' if center else ''}</p>"
            ),
            "",
        )
    else:
        options = "".join(
            f"<option value='{fc.fulfillment_center_id}'>{fc.fulfillment_center_id} — {escape(fc.name)}</option>"
            for fc in stockpath_network.network()
        )
        where = "<p class='muted'>As the operator you may receive at any fulfillment center.</p>"
        picker = f"<label>Fulfillment center <select name='fulfillment_center_id'>{options}</select></label>"
    body = (
        f"{where}<section class='card'><h2>Open an inbound shipment</h2>"
        f"<form method='get' action='/fc' class='inline-form'>{picker}"
        "<label>Shipment id <input name='shipment_id' class='mono' required autofocus maxlength='100' "
        "placeholder='FBA…'></label><button type='submit' class='primary'>Open shipment</button></form>"
        "<p class='small muted'>The shipment id is printed on every box label (FBA…): scan it or type it.</p>"
        "</section>"
        "<section class='card'><h2>Report a pick exception</h2>"
        f"<form method='get' action='/fc' class='inline-form'>{picker}"
        "<label>Fulfillment order <input name='fulfillment_order_id' class='mono' required maxlength='100' "
        "placeholder='FO…'></label><button type='submit'>Open fulfillment order</button></form>"
        "<p class='small muted'>Units of an order you cannot ship — not found at pick, or found damaged: "
        "the platform writes them off or moves them to unfulfillable, and ships them from elsewhere.</p>"
        "</section>"
    )
    return page(request, "FC receiving", body, actor=actor)


async def _refused(desk: Desk, shipment_id: str, uow: UoW, error: InventoryError) -> HTMLResponse:
    """The shipment's page again, saying why the inventory refused what was asked."""
    return await _render(
        desk, uow, shipment_id, error=str(error), status_code=answer_for(error).status
    )


async def _render(
    desk: Desk,
    uow: UoW,
    shipment_id: str,
    *,
    notice: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    try:
        view = await views.shipment(uow, desk.scope, shipment_id)
    except InventoryError as e:
        return desk.page(
            f"Shipment {shipment_id}", banner("error", str(e)) + BACK, answer_for(e).status
        )
    shipment = view.shipment
    status = shipment.status.value
    parts = [
        f"<div class='heading-row'><h1>Shipment <span class='mono'>{escape(shipment_id)}</span> at "
        f"{escape(desk.fc)}</h1><span class='status status-{status.lower()}' id='status'>{status}</span></div>"
        f"<p class='muted'>Seller <span class='mono'>{escape(shipment.seller_id)}</span> · expected at "
        f"<b>{escape(shipment.fulfillment_center_id)}</b></p>",
        banner("notice", notice) if notice else "",
        banner("error", error) if error else "",
    ]
    open_for_receipts = shipment.status in (ShipmentStatus.PLANNED, ShipmentStatus.RECEIVING)
    if open_for_receipts:
        parts.append(_receipt_forms(desk, shipment_id))
    elif not notice:
        parts.append(
            banner("info", f"This shipment is {status.lower()}: it takes no more receipts.")
        )
    parts.append(_lines_table(shipment.lines.values()))
    parts.append(_discrepancies(view.discrepancies))
    parts.append(BACK)
    return desk.page(
        f"Shipment {shipment_id} at {desk.fc}", "".join(parts), status_code, heading=""
    )


def _receipt_forms(desk: Desk, shipment_id: str) -> str:
    """The receipt form (a scanner's Enter records one sellable unit) and the close form."""
    action = f"/fc/{desk.fc}/shipments/{quote(shipment_id)}"
    csrf = csrf_field(desk.request)
    return (
        "<section class='card'><h2>Count what arrived</h2>"
        f"<form class='receive inline-form' method='post' action='{action}/receipts'>{csrf}"
        f"<input type='hidden' name='receipt_id' value='RC{uuid.uuid4().hex.upper()}'>"
        "<label>FNSKU <input name='fnsku' class='mono scan' required autofocus autocomplete='off' maxlength='100' "
        "placeholder='scan or type'></label>"
        f"<label>Received <input type='number' name='received' class='qty' value='1' min='0' max='{MAX_UNITS_PER_LINE}'></label>"
        f"<label>Damaged <input type='number' name='damaged' class='qty' value='0' min='0' max='{MAX_UNITS_PER_LINE}'></label>"
        "<button type='submit' class='primary'>Record</button></form>"
        "<p class='small muted'>A scanner types the FNSKU and presses Enter: one sellable unit. "
        "Type the counts for more units, or for damaged ones.</p></section>"
        "<section class='card'><h2>Finished counting?</h2>"
        f"<form method='post' action='{action}/close' class='inline-form'>{csrf}"
        "<button type='submit' id='close' class='danger'>Close shipment</button>"
        "<span class='small muted'>Whatever is still outstanding is recorded as missing (a shortage).</span>"
        "</form></section>"
    )


def _lines_table(lines) -> str:
    """Expected, received, damaged and outstanding per FNSKU; a line counted in full is greyed."""
    rows = "".join(
        f"<tr data-fnsku='{escape(line.fnsku)}' class='{'open' if line.quantity_outstanding else 'done'}'>"
        f"<td class='mono'>{escape(line.fnsku)}</td><td>{escape(line.seller_sku)}</td>"
        f"<td class='num'>{line.quantity_expected}</td><td class='num received'>{line.quantity_received}</td>"
        f"<td class='num damaged'>{line.quantity_damaged}</td><td class='num outstanding'>{line.quantity_outstanding}</td></tr>"
        for line in lines
    )
    return (
        "<table class='items' id='lines'><thead><tr><th>FNSKU</th><th>Seller SKU</th><th class='num'>Expected</th>"
        "<th class='num'>Received</th><th class='num'>Damaged</th><th class='num'>Outstanding</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


def _discrepancies(found) -> str:
    if not found:
        return "<h2>Discrepancies</h2><p class='empty'>None: every unit counted so far was expected.</p>"
    rows = "".join(
        f"<tr><td><span class='tag bad'>{escape(d.kind.value)}</span></td><td class='mono'>{escape(d.fnsku)}</td>"
        f"<td class='num'>{d.quantity}</td></tr>"
        for d in found
    )
    return (
        "<h2>Discrepancies</h2><table class='items' id='discrepancies'><thead><tr><th>Kind</th><th>FNSKU</th>"
        f"<th class='num'>Units</th></tr></thead><tbody>{rows}</tbody></table>"
    )


@pages.get("/{fc}/shipments/{shipment_id}", response_class=HTMLResponse)
async def shipment_page(
    request: Request,
    fc: FcPath,
    shipment_id: ShipmentIdPath,
    uow: UoW,
    actor: Staff,
    notice: Annotated[str | None, Query(max_length=300)] = None,
):
    desk = desk_of(request, actor, fc)
    return (
        desk
        if isinstance(desk, HTMLResponse)
        else await _render(desk, uow, shipment_id, notice=notice)
    )


def _count(form: dict[str, str], name: str) -> int:
    raw = (form.get(name) or "0").strip() or "0"
    if not raw.isdigit() or int(raw) > MAX_UNITS_PER_LINE:
        raise ValueError(f"{name} must be a whole number from 0 to {MAX_UNITS_PER_LINE}")
    return int(raw)


async def posted_form(
    request: Request, session: SessionsDep, actor: Actor, fc: str
) -> tuple[Desk | HTMLResponse, dict]:
    """A posted form of a desk, once its CSRF token is checked (`InvalidCsrfToken`: a 403 page)."""
    form = await read_form(request)
    session.check_csrf(request, form.get(CSRF_FIELD))
    return desk_of(request, actor, fc), form


@pages.post("/{fc}/shipments/{shipment_id}/receipts", response_class=HTMLResponse)
async def receive(
    request: Request,
    fc: FcPath,
    shipment_id: ShipmentIdPath,
    uow: UoW,
    actor: Staff,
    session: SessionsDep,
):
    desk, form = await posted_form(request, session, actor, fc)
    if isinstance(desk, HTMLResponse):
        return desk
    fnsku = form.get("fnsku", "").strip().upper()
    receipt_id = form.get("receipt_id") or f"RC{uuid.uuid4().hex.upper()}"
    try:
        if not re.fullmatch(ID_PATTERN, fnsku) or len(fnsku) > 100:
            raise ValueError("scan or type an FNSKU (letters, digits, . _ : -)")
        if not re.fullmatch(ID_PATTERN, receipt_id) or len(receipt_id) > 100:
            raise ValueError("the form is damaged; reload the page")
        received, damaged = _count(form, "received"), _count(form, "damaged")
        if received + damaged == 0:
            raise ValueError("count at least one unit")
    except ValueError as e:
        return await _render(desk, uow, shipment_id, error=str(e), status_code=422)
    command = RecordReceipt(receipt_id, shipment_id, fc, (LineCount(fnsku, received, damaged),))
    try:
        result, _ = await receiving.record_receipt(command, uow, scope=desk.scope)
    except InventoryError as e:
        return await _refused(desk, shipment_id, uow, e)
    if result.unknown:
        notice = f"{fnsku} is not in this shipment: {received + damaged} unit(s) recorded as a discrepancy"
    else:
        notice = f"Recorded {received} received, {damaged} damaged of {fnsku}"
        if result.shipment_status is ShipmentStatus.CLOSED:
            notice += " — shipment received in full and closed"
    return RedirectResponse(
        f"/fc/{fc}/shipments/{quote(shipment_id)}?notice={quote(notice)}", status_code=303
    )


@pages.post("/{fc}/shipments/{shipment_id}/close", response_class=HTMLResponse)
async def close(
    request: Request,
    fc: FcPath,
    shipment_id: ShipmentIdPath,
    uow: UoW,
    actor: Staff,
    session: SessionsDep,
):
    desk, _ = await posted_form(request, session, actor, fc)
    if isinstance(desk, HTMLResponse):
        return desk
    try:
        await receiving.close_shipment(CloseShipment(shipment_id, fc), uow, scope=desk.scope)
    except InventoryError as e:
        return await _refused(desk, shipment_id, uow, e)
    return RedirectResponse(
        f"/fc/{fc}/shipments/{quote(shipment_id)}?notice={quote('Shipment closed')}",
        status_code=303,
    )
