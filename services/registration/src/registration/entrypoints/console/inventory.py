"""The console's stock page: the seller's quantity buckets per FNSKU and FC, read from inventory
(asked with registration's own service credential, for the signed-in seller only)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from registration.adapters.inventory import InventoryUnavailable
from registration.entrypoints.auth import CurrentSeller
from registration.entrypoints.console.pages import (
    PAGE_SIZE,
    PageAsked,
    first_of,
    page,
    page_number,
    pages,
)
from registration.entrypoints.dependencies import Deps, UoW
from registration.service_layer import views
from stockpath_runtime.http import correlation_id

router = APIRouter(include_in_schema=False)


@router.get("/inventory", response_class=HTMLResponse)
async def inventory(
    request: Request, seller: CurrentSeller, uow: UoW, deps: Deps, page_: PageAsked = None
) -> Response:
    number = page_number(page_)
    try:
        levels = await deps.inventory.levels(
            seller.seller_id,
            limit=PAGE_SIZE,
            offset=first_of(number),
            correlation_id=correlation_id(request),
        )
    except InventoryUnavailable:
        return page(
            request,
            "inventory.html",
            seller,
            status_code=503,
            levels=None,
            pages=None,
            error="Inventory is not answering right now. Try again in a moment.",
        )
    titles = await views.label_texts(uow, seller.seller_id, [r["fnsku"] for r in levels["items"]])
    return page(
        request,
        "inventory.html",
        seller,
        levels=levels["items"],
        titles=titles,
        error=None,
        pages=pages(levels["total"], number),
    )
