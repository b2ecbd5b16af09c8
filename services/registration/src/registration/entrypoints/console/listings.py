"""The console's listings page: the seller's listings in every sales channel, each with its status
and, when a channel holds it back, the reasons it gives (read from the listing service, asked with
registration's own service credential for the signed-in seller only). Tabs filter by channel and
by status."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from registration.entrypoints.auth import CurrentSeller
from registration.entrypoints.console.pages import CHANNELS, PageAsked, service_page
from registration.entrypoints.dependencies import Deps
from stockpath_runtime.http import correlation_id

router = APIRouter(include_in_schema=False)

#: The listing service's statuses (services/listing/src/listing/domain/model.py, ListingStatus).
STATUSES = ("ACTIVE", "HELD", "CLOSED")


@router.get("/listings", response_class=HTMLResponse)
async def listings(
    request: Request,
    seller: CurrentSeller,
    deps: Deps,
    channel: str = "",
    status: str = "",
    page_: PageAsked = None,
) -> Response:
    # Anything unknown in the address bar shows every channel or status, never an error page.
    channel = channel if channel in CHANNELS else ""
    status = status if status in STATUSES else ""

    async def ask(limit: int, offset: int) -> dict:
        return await deps.listing.listings(
            seller.seller_id,
            limit=limit,
            offset=offset,
            channel=channel or None,
            status=status or None,
            correlation_id=correlation_id(request),
        )

    return await service_page(
        request,
        seller,
        "listings.html",
        rows="listings",
        ask=ask,
        page_asked=page_,
        unavailable="Listings are not answering right now. Try again in a moment.",
        channel=channel,
        status=status,
        statuses=STATUSES,
    )
