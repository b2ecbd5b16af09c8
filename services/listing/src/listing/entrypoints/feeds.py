"""The marketplace-feed channel's documents (public: the marketplace fetches them, and they hold
only live listings), and the webhook channel's delivery log (the operator's; a seller's for its
own listings)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi import Path as PathParam

from listing.adapters.merchant_feed import render_feed
from listing.entrypoints.http import Given, UnitOfWork
from listing.service_layer import views
from stockpath_runtime.auth import OPERATOR, SELLER, Actor, allow, public
from stockpath_runtime.http import ID_PATTERN

router = APIRouter(tags=["channels"])


@router.get(
    "/v1/feeds/{seller_id}.xml",
    summary="A seller's product feed (Google Merchant Center, RSS 2.0) of live marketplace-feed listings",
    response_class=Response,
    responses={200: {"content": {"application/rss+xml": {}}}},
    dependencies=[public()],
)
async def product_feed(
    seller_id: Annotated[str, PathParam(max_length=100, pattern=ID_PATTERN)],
    uow: UnitOfWork,
    given: Given,
) -> Response:
    listings = await views.product_feed(uow, seller_id)
    document = render_feed(listings, seller_id=seller_id, shop_url=given.shop_url)
    return Response(document, media_type="application/rss+xml; charset=utf-8")


@router.get(
    "/v1/webhook-deliveries",
    summary="Recent deliveries of the webhook channel, newest first (a seller sees those of its own listings)",
)
async def webhook_deliveries(
    actor: Annotated[Actor, allow(SELLER, OPERATOR)],
    uow: UnitOfWork,
    listing_id: Annotated[str | None, Query(max_length=300)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict:
    seller_id = actor.subject if actor.kind is SELLER else None
    deliveries = await views.webhook_deliveries(
        uow, listing_id=listing_id, seller_id=seller_id, limit=limit
    )
    return {
        "items": [
            {
                "idempotency_key": d.idempotency_key,
                "listing_id": d.listing_id,
                "change": d.change,
                "attempts": d.attempts,
                "state": d.state,
                "last_error": d.last_error,
                "created_at": d.created_at,
                "delivered_at": d.delivered_at,
            }
            for d in deliveries
        ]
    }
