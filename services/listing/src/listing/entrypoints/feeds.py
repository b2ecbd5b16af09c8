"""The marketplace-feed channel's documents, and the webhook channel's delivery log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi import Path as PathParam

from listing.adapters.merchant_feed import render_feed
from listing.adapters.repository import ListingRepository
from listing.adapters.webhook import delivery_status
from listing.domain.channels import MARKETPLACE_FEED
from listing.domain.model import ListingStatus

router = APIRouter(tags=["channels"])

_ID = r"^[A-Za-z0-9][A-Za-z0-9._:-]*$"
#: A feed holds at most this many products; Merchant Center takes up to 4 GB, our sellers far less.
FEED_LIMIT = 50_000


@router.get(
    "/v1/feeds/{seller_id}.xml",
    summary="A seller's product feed (Google Merchant Center, RSS 2.0) of live marketplace-feed listings",
    response_class=Response,
    responses={200: {"content": {"application/rss+xml": {}}}},
)
async def product_feed(seller_id: Annotated[str, PathParam(max_length=100, pattern=_ID)], request: Request) -> Response:
    async with request.app.state.engine.connect() as conn:
        page = await ListingRepository(conn).search(
            seller_id=seller_id, channel=MARKETPLACE_FEED, status=ListingStatus.ACTIVE, limit=FEED_LIMIT, offset=0
        )
    document = render_feed(
        [s.listing for s in page.items], seller_id=seller_id, shop_url=request.app.state.settings.shop_url
    )
    return Response(document, media_type="application/rss+xml; charset=utf-8")


@router.get("/v1/webhook-deliveries", summary="Recent deliveries of the webhook channel, newest first")
async def webhook_deliveries(
    request: Request,
    listing_id: Annotated[str | None, Query(max_length=300)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict:
    async with request.app.state.engine.connect() as conn:
        return {"items": await delivery_status(conn, listing_id=listing_id, limit=limit)}
