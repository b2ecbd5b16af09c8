"""The console's removals page: the seller's removal orders (asked of inventory with registration's
own service credential, for the signed-in seller only), a form to have units shipped back or
disposed of, and a button to cancel a pending one. Inventory's rules answer: a refusal is shown
on the page with its reason."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from registration.adapters.inventory import InventoryUnavailable
from registration.domain.model import Seller
from registration.entrypoints.auth import CurrentSeller
from registration.entrypoints.console.pages import checked_form, clean_id, form_page, refusal
from registration.entrypoints.dependencies import Deps
from stockpath_runtime.http import correlation_id

router = APIRouter(include_in_schema=False)

UNAVAILABLE = "Inventory is not answering right now. Try again in a moment."
ADDRESS_FIELDS = ("name", "line1", "city", "region", "postal_code")


async def _page(request: Request, seller: Seller, deps, **shown) -> Response:
    """The page with the seller's removal orders; `shown`: typed, error, status_code."""
    asked = deps.inventory.removal_orders(seller.seller_id, correlation_id=correlation_id(request))
    return await form_page(
        request, seller, "removals.html", asked, shown_as="orders", unavailable=UNAVAILABLE, **shown
    )


@router.get("/removals", response_class=HTMLResponse)
async def removals(request: Request, seller: CurrentSeller, deps: Deps) -> Response:
    return await _page(request, seller, deps)


@router.post("/removals", response_class=HTMLResponse)
async def create_removal(request: Request, seller: CurrentSeller, deps: Deps) -> Response:
    form = await checked_form(request)
    typed = {k: str(v).strip() for k, v in form.items() if k != "csrf_token"}
    quantity = typed.get("quantity", "")
    body: dict = {
        "fulfillment_center_id": typed.get("fulfillment_center_id", "").upper(),
        "disposition": typed.get("disposition", ""),
        "lines": [
            {
                "fnsku": typed.get("fnsku", ""),
                "source": typed.get("source", ""),
                "quantity": int(quantity) if quantity.isdigit() else quantity,
            }
        ],
    }
    if body["disposition"] == "return" and any(typed.get(f) for f in ADDRESS_FIELDS):
        body["ship_to"] = {f: typed.get(f, "") for f in ADDRESS_FIELDS}
    try:
        status, answer = await deps.inventory.create_removal_order(
            seller.seller_id, body, correlation_id=correlation_id(request)
        )
    except InventoryUnavailable:
        return await _page(request, seller, deps, typed=typed, error=UNAVAILABLE, status_code=503)
    if status not in (200, 201):
        return await _page(
            request, seller, deps, typed=typed, error=refusal(answer), status_code=422
        )
    return RedirectResponse("/console/removals", status_code=303)


@router.post("/removals/{removal_order_id}/cancel", response_class=HTMLResponse)
async def cancel_removal(
    request: Request, removal_order_id: str, seller: CurrentSeller, deps: Deps
) -> Response:
    await checked_form(request)
    try:
        status, answer = await deps.inventory.cancel_removal_order(
            seller.seller_id, clean_id(removal_order_id), correlation_id=correlation_id(request)
        )
    except InventoryUnavailable:
        return await _page(request, seller, deps, error=UNAVAILABLE, status_code=503)
    if status == 404:
        return await _page(
            request,
            seller,
            deps,
            error=f"Removal order {clean_id(removal_order_id)} does not exist.",
            status_code=404,
        )
    if status != 200:
        return await _page(request, seller, deps, error=refusal(answer), status_code=409)
    return RedirectResponse("/console/removals", status_code=303)
