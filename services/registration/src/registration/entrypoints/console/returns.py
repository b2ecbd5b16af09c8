"""The console's returns page: the customer returns of the seller's lines (asked of the order router
with registration's own service credential, for the signed-in seller only) — which order, which FC,
how many units, what came back in which condition — and a form to authorize a return of the
seller's own shipped units of an order. The order router's rules answer: a refusal (an order with
none of the seller's shipped lines, more units than shipped) is shown on the page with its reason."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from registration.adapters.order_router import OrderRouterUnavailable
from registration.domain.model import Seller
from registration.entrypoints.auth import CurrentSeller
from registration.entrypoints.console.pages import checked_form, form_page, refusal
from registration.entrypoints.dependencies import Deps
from stockpath_runtime.http import correlation_id

router = APIRouter(include_in_schema=False)

UNAVAILABLE = "The order router is not answering right now. Try again in a moment."
#: The page shows the latest returns; older ones are in the API (`GET /v1/returns` at the router).
SHOWN = 100
#: How each condition an FC reports reads, and where the units went.
CONDITIONS = {
    "sellable": "Sellable (back in stock)",
    "customer-damaged": "Damaged by the customer (unfulfillable)",
    "carrier-damaged": "Damaged in transit (unfulfillable)",
    "defective": "Defective (unfulfillable)",
}


async def _page(request: Request, seller: Seller, deps, **shown) -> Response:
    """The page with the seller's returns; `shown`: typed, error, status_code."""
    asked = deps.order_router.returns(
        seller.seller_id, limit=SHOWN, correlation_id=correlation_id(request)
    )
    return await form_page(
        request,
        seller,
        "returns.html",
        asked,
        shown_as="returns",
        unavailable=UNAVAILABLE,
        conditions=CONDITIONS,
        **shown,
    )


@router.get("/returns", response_class=HTMLResponse)
async def returns(request: Request, seller: CurrentSeller, deps: Deps) -> Response:
    return await _page(request, seller, deps)


@router.post("/returns", response_class=HTMLResponse)
async def authorize_return(request: Request, seller: CurrentSeller, deps: Deps) -> Response:
    form = await checked_form(request)
    typed = {k: str(v).strip() for k, v in form.items() if k != "csrf_token"}
    quantity = typed.get("quantity", "")
    body: dict = {
        "lines": [
            {
                "line_id": typed.get("line_id", ""),
                "quantity": int(quantity) if quantity.isdigit() else quantity,
            }
        ]
    }
    if typed.get("reason"):
        body["reason"] = typed["reason"]
    order_id = typed.get("order_id", "")
    if not order_id:
        return await _page(
            request, seller, deps, typed=typed, error="Name the order.", status_code=422
        )
    try:
        status, answer = await deps.order_router.authorize_return(
            seller.seller_id, order_id, body, correlation_id=correlation_id(request)
        )
    except OrderRouterUnavailable:
        return await _page(request, seller, deps, typed=typed, error=UNAVAILABLE, status_code=503)
    if status == 404:
        return await _page(
            request,
            seller,
            deps,
            typed=typed,
            error=f"Order {order_id} has no shipped units of yours.",
            status_code=404,
        )
    if status != 201:
        return await _page(
            request, seller, deps, typed=typed, error=refusal(answer), status_code=422
        )
    return RedirectResponse("/console/returns", status_code=303)
