"""The FC receiving page: server-rendered HTML for the dock, no JavaScript needed.

FC staff pick their FC, open an inbound shipment, then type or scan an FNSKU (a barcode scanner
types the code and presses Enter, which records one sellable unit) or enter counts by hand. Each
form carries a receipt id chosen when the page was rendered, so a double-click or a browser
resubmission records the receipt once. The page uses the same use cases as the JSON API
(`record_receipt`, `close_shipment`), so it cannot drift from it.
"""

from __future__ import annotations

import re
import uuid
from html import escape
from typing import Annotated
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse

import stockpath_network
from inventory.domain.commands import CloseShipment, RecordReceipt
from inventory.domain.errors import InventoryError
from inventory.domain.shipments import LineCount, ShipmentStatus
from inventory.entrypoints.http import UoW, answer_for
from inventory.entrypoints.schemas import FC_PATTERN, MAX_UNITS_PER_LINE, ShipmentIdPath
from inventory.service_layer import receiving, views
from stockpath_runtime.http import ID_PATTERN

pages = APIRouter(prefix="/fc", include_in_schema=False)

FcPath = Annotated[str, Path(pattern=FC_PATTERN)]

STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem;color:#222}
h1{font-size:1.4rem}table{border-collapse:collapse;margin:1rem 0}
th,td{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}
.notice{background:#e6f4ea;padding:.6rem;border-left:4px solid #2e7d32}
.error{background:#fdecea;padding:.6rem;border-left:4px solid #c62828}
form.receive input{font-size:1.1rem;margin-right:.5rem}
input[name=fnsku]{width:14rem}input[type=number]{width:6rem}
"""


def _page(title: str, body: str, status_code: int = 200) -> HTMLResponse:
    html = (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"<style>{STYLE}</style></head><body><h1>{escape(title)}</h1>{body}</body></html>"
    )
    return HTMLResponse(html, status_code=status_code)


def _unknown_fc(fc: str) -> HTMLResponse | None:
    if stockpath_network.get(fc) is None:
        return _page("Unknown fulfillment center", f"<p class='error'>{escape(fc)} is not in the network.</p>", 404)
    return None


@pages.get("", response_class=HTMLResponse)
async def choose(fulfillment_center_id: str | None = None, shipment_id: str | None = None):
    """Pick the FC and the shipment at hand (a GET form, so the answer is a bookmarkable URL)."""
    if fulfillment_center_id and shipment_id:
        if not re.fullmatch(FC_PATTERN, fulfillment_center_id) or not re.fullmatch(ID_PATTERN, shipment_id):
            return _page("FC receiving", "<p class='error'>Enter a valid FC and shipment id.</p>", 422)
        return RedirectResponse(f"/fc/{fulfillment_center_id}/shipments/{quote(shipment_id)}", status_code=303)
    options = "".join(
        f"<option value='{fc.fulfillment_center_id}'>{fc.fulfillment_center_id} — {escape(fc.name)}</option>"
        for fc in stockpath_network.network()
    )
    body = (
        "<form method='get' action='/fc'>"
        f"<label>Fulfillment center <select name='fulfillment_center_id'>{options}</select></label> "
        "<label>Shipment id <input name='shipment_id' required autofocus></label> "
        "<button type='submit'>Open shipment</button></form>"
    )
    return _page("FC receiving", body)


async def _refused(fc: str, shipment_id: str, uow: UoW, error: InventoryError) -> HTMLResponse:
    """The shipment's page again, saying why the inventory refused what was asked."""
    return await _render(uow, fc, shipment_id, error=str(error), status_code=answer_for(error).status)


async def _render(uow: UoW, fc: str, shipment_id: str, *, notice: str | None = None,
                  error: str | None = None, status_code: int = 200) -> HTMLResponse:
    try:
        view = await views.shipment(uow, shipment_id)
    except InventoryError as e:
        back = f"<p class='error'>{escape(str(e))}</p><p><a href='/fc'>Back</a></p>"
        return _page(f"Shipment {shipment_id}", back, answer_for(e).status)
    shipment = view.shipment
    rows = "".join(
        f"<tr data-fnsku='{escape(line.fnsku)}'><td>{escape(line.fnsku)}</td><td>{escape(line.seller_sku)}</td>"
        f"<td>{line.quantity_expected}</td><td class='received'>{line.quantity_received}</td>"
        f"<td class='damaged'>{line.quantity_damaged}</td><td class='outstanding'>{line.quantity_outstanding}</td></tr>"
        for line in shipment.lines.values()
    )
    found = "".join(
        f"<tr><td>{escape(d.kind.value)}</td><td>{escape(d.fnsku)}</td><td>{d.quantity}</td></tr>" for d in view.discrepancies
    )
    parts = [
        f"<p>Seller {escape(shipment.seller_id)} · expected at <b>{escape(shipment.fulfillment_center_id)}</b> · "
        f"status <b id='status'>{shipment.status.value}</b></p>",
    ]
    if notice:
        parts.append(f"<p class='notice' role='status'>{escape(notice)}</p>")
    if error:
        parts.append(f"<p class='error' role='alert'>{escape(error)}</p>")
    parts.append(
        "<table id='lines'><tr><th>FNSKU</th><th>Seller SKU</th><th>Expected</th><th>Received</th>"
        f"<th>Damaged</th><th>Outstanding</th></tr>{rows}</table>"
    )
    if shipment.status in (ShipmentStatus.PLANNED, ShipmentStatus.RECEIVING):
        action = f"/fc/{fc}/shipments/{quote(shipment_id)}"
        parts.append(
            f"<form class='receive' method='post' action='{action}/receipts'>"
            f"<input type='hidden' name='receipt_id' value='RC{uuid.uuid4().hex.upper()}'>"
            "<label>FNSKU <input name='fnsku' required autofocus autocomplete='off' placeholder='scan or type'></label>"
            f"<label>Received <input type='number' name='received' value='1' min='0' max='{MAX_UNITS_PER_LINE}'></label>"
            f"<label>Damaged <input type='number' name='damaged' value='0' min='0' max='{MAX_UNITS_PER_LINE}'></label>"
            "<button type='submit'>Record</button></form>"
            f"<form method='post' action='{action}/close'><button type='submit' id='close'>"
            "Close shipment (whatever is outstanding is missing)</button></form>"
        )
    if found:
        parts.append(f"<h2>Discrepancies</h2><table id='discrepancies'><tr><th>Kind</th><th>FNSKU</th><th>Units</th></tr>{found}</table>")
    parts.append("<p><a href='/fc'>Another shipment</a></p>")
    return _page(f"Shipment {shipment_id} at {fc}", "".join(parts), status_code)


@pages.get("/{fc}/shipments/{shipment_id}", response_class=HTMLResponse)
async def shipment_page(fc: FcPath, shipment_id: ShipmentIdPath, uow: UoW, notice: str | None = None):
    return _unknown_fc(fc) or await _render(uow, fc, shipment_id, notice=notice)


def _count(form: dict[str, list[str]], name: str) -> int:
    raw = (form.get(name) or ["0"])[0].strip() or "0"
    if not raw.isdigit() or int(raw) > MAX_UNITS_PER_LINE:
        raise ValueError(f"{name} must be a whole number from 0 to {MAX_UNITS_PER_LINE}")
    return int(raw)


@pages.post("/{fc}/shipments/{shipment_id}/receipts", response_class=HTMLResponse)
async def receive(request: Request, fc: FcPath, shipment_id: ShipmentIdPath, uow: UoW):
    if (missing := _unknown_fc(fc)) is not None:
        return missing
    # A plain urlencoded form: parsed here rather than with python-multipart, one dependency fewer.
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    fnsku = (form.get("fnsku") or [""])[0].strip().upper()
    receipt_id = (form.get("receipt_id") or [""])[0] or f"RC{uuid.uuid4().hex.upper()}"
    try:
        if not re.fullmatch(ID_PATTERN, fnsku) or len(fnsku) > 100:
            raise ValueError("scan or type an FNSKU (letters, digits, . _ : -)")
        if not re.fullmatch(ID_PATTERN, receipt_id) or len(receipt_id) > 100:
            raise ValueError("the form is damaged; reload the page")
        received, damaged = _count(form, "received"), _count(form, "damaged")
        if received + damaged == 0:
            raise ValueError("count at least one unit")
    except ValueError as e:
        return await _render(uow, fc, shipment_id, error=str(e), status_code=422)
    command = RecordReceipt(receipt_id, shipment_id, fc, (LineCount(fnsku, received, damaged),))
    try:
        result, _ = await receiving.record_receipt(command, uow)
    except InventoryError as e:
        return await _refused(fc, shipment_id, uow, e)
    if result.unknown:
        notice = f"{fnsku} is not in this shipment: {received + damaged} unit(s) recorded as a discrepancy"
    else:
        notice = f"Recorded {received} received, {damaged} damaged of {fnsku}"
        if result.shipment_status is ShipmentStatus.CLOSED:
            notice += " — shipment received in full and closed"
    return RedirectResponse(f"/fc/{fc}/shipments/{quote(shipment_id)}?notice={quote(notice)}", status_code=303)


@pages.post("/{fc}/shipments/{shipment_id}/close", response_class=HTMLResponse)
async def close(fc: FcPath, shipment_id: ShipmentIdPath, uow: UoW):
    if (missing := _unknown_fc(fc)) is not None:
        return missing
    try:
        await receiving.close_shipment(CloseShipment(shipment_id, fc), uow)
    except InventoryError as e:
        return await _refused(fc, shipment_id, uow, e)
    return RedirectResponse(f"/fc/{fc}/shipments/{quote(shipment_id)}?notice={quote('Shipment closed')}", status_code=303)
