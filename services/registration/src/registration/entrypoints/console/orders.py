"""The console's orders page: the orders of every channel with lines of the signed-in seller's,
newest first, each with its status, the seller's own lines and how they shipped (FC, carrier,
tracking number), read from the order router with registration's own service credential for the
signed-in seller only."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from registration.entrypoints.auth import CurrentSeller
from registration.entrypoints.console.pages import PageAsked, service_page
from registration.entrypoints.dependencies import Deps
from stockpath_runtime.http import correlation_id

router = APIRouter(include_in_schema=False)


@router.get("/orders", response_class=HTMLResponse)
async def orders(
    request: Request, seller: CurrentSeller, deps: Deps, page_: PageAsked = None
) -> Response:
    async def ask(limit: int, offset: int) -> dict:
        return await deps.order_router.sellers_orders(
            seller.seller_id, limit=limit, offset=offset, correlation_id=correlation_id(request)
        )

    return await service_page(
        request,
        seller,
        "orders.html",
        rows="orders",
        ask=ask,
        page_asked=page_,
        unavailable="Orders are not answering right now. Try again in a moment.",
    )
