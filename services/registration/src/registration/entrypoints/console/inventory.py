"""The console's stock pages: the seller's quantity buckets per FNSKU and FC and the units on hand
by age, read from inventory; and the stranded stock (fulfillable units no channel shows), read
from the listing service, which holds both the listings and the stock inventory reports. Each is
asked with registration's own service credential, for the signed-in seller only."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from registration.domain.model import Seller
from registration.entrypoints.auth import CurrentSeller
from registration.entrypoints.console.pages import PageAsked, service_page
from registration.entrypoints.dependencies import Deps, UoW
from registration.service_layer import views
from registration.service_layer.unit_of_work import RegistrationUnitOfWork
from stockpath_runtime.http import correlation_id

router = APIRouter(include_in_schema=False)

UNAVAILABLE = "Inventory is not answering right now. Try again in a moment."


def _titles(uow: RegistrationUnitOfWork, seller: Seller):
    """What the stock pages add to their rows: the title of each FNSKU's item."""

    async def titles(rows: list[dict]) -> dict:
        fnskus = [r["fnsku"] for r in rows]
        return {"titles": await views.label_texts(uow, seller.seller_id, fnskus)}

    return titles


@router.get("/inventory", response_class=HTMLResponse)
async def inventory(
    request: Request, seller: CurrentSeller, uow: UoW, deps: Deps, page_: PageAsked = None
) -> Response:
    async def ask(limit: int, offset: int) -> dict:
        return await deps.inventory.levels(
            seller.seller_id, limit=limit, offset=offset, correlation_id=correlation_id(request)
        )

    return await service_page(
        request,
        seller,
        "inventory.html",
        rows="levels",
        ask=ask,
        page_asked=page_,
        unavailable=UNAVAILABLE,
        shown=_titles(uow, seller),
    )


@router.get("/inventory/age", response_class=HTMLResponse)
async def inventory_age(
    request: Request, seller: CurrentSeller, uow: UoW, deps: Deps, page_: PageAsked = None
) -> Response:
    async def ask(limit: int, offset: int) -> dict:
        return await deps.inventory.ages(
            seller.seller_id, limit=limit, offset=offset, correlation_id=correlation_id(request)
        )

    return await service_page(
        request,
        seller,
        "inventory_age.html",
        rows="ages",
        ask=ask,
        page_asked=page_,
        unavailable=UNAVAILABLE,
        shown=_titles(uow, seller),
    )


@router.get("/inventory/stranded", response_class=HTMLResponse)
async def stranded(
    request: Request, seller: CurrentSeller, deps: Deps, page_: PageAsked = None
) -> Response:
    async def ask(limit: int, offset: int) -> dict:
        return await deps.listing.stranded(
            seller.seller_id, limit=limit, offset=offset, correlation_id=correlation_id(request)
        )

    return await service_page(
        request,
        seller,
        "inventory_stranded.html",
        rows="stranded",
        ask=ask,
        page_asked=page_,
        unavailable="Listings are not answering right now. Try again in a moment.",
    )
