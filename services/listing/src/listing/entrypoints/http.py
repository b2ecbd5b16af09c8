"""The listing HTTP API: buyer-facing, read-only listing data (public, no authentication)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict, PlainSerializer

from listing.adapters.repository import ListingRepository, StoredListing
from listing.domain.channels import normalise_channel_name
from listing.domain.model import ListingStatus
from stockpath_runtime.http import NotFound

router = APIRouter(prefix="/v1/listings", tags=["listings"])

#: Prices travel as strings ("19.99"), as in the events, so no client rounds them through a float.
Price = Annotated[Decimal, PlainSerializer(lambda v: format(v, "f"), return_type=str, when_used="json")]


class ListingOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    listing_id: str
    channel: str
    seller_id: str
    seller_sku: str
    fnsku: str
    catalog_item_id: str
    title: str
    brand: str | None
    category: str
    price: Price
    currency: str
    condition: str
    status: ListingStatus
    #: Why a HELD listing is not shown in its channel; empty for an ACTIVE one.
    issues: list[str]
    in_stock: bool
    sellable_quantity: int
    identifiers: dict[str, str]
    attributes: dict[str, str]
    updated_at: datetime

    @classmethod
    def of(cls, stored: StoredListing) -> ListingOut:
        listing = stored.listing
        return cls(
            listing_id=listing.listing_id,
            channel=listing.channel,
            seller_id=listing.seller_id,
            seller_sku=listing.seller_sku,
            fnsku=listing.fnsku,
            catalog_item_id=listing.catalog_item_id,
            title=listing.title,
            brand=listing.brand,
            category=listing.category,
            price=listing.price,
            currency=listing.currency,
            condition=listing.condition,
            status=listing.status,
            issues=list(listing.issues),
            in_stock=listing.in_stock,
            sellable_quantity=listing.sellable_quantity,
            identifiers=listing.identifiers,
            attributes=listing.attributes,
            updated_at=stored.updated_at,
        )


class ListingPage(BaseModel):
    items: list[ListingOut]
    total: int
    limit: int
    offset: int


_ID = r"^[A-Za-z0-9][A-Za-z0-9._:-]*$"


@router.get("", response_model=ListingPage, summary="Listings buyers can see, filtered and paged by listing id")
async def list_listings(
    request: Request,
    seller_id: Annotated[str | None, Query(min_length=1, max_length=100, pattern=_ID)] = None,
    channel: Annotated[str | None, Query(min_length=1, max_length=100, description="e.g. storefront")] = None,
    fnsku: Annotated[str | None, Query(min_length=1, max_length=100, pattern=_ID)] = None,
    in_stock: Annotated[bool | None, Query(description="true: only listings buyers can order now")] = None,
    status: Annotated[
        ListingStatus | None, Query(description="ACTIVE (shown), HELD (kept back: see issues) or CLOSED")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> ListingPage:
    limit = min(limit, request.app.state.settings.max_page_size)
    async with request.app.state.engine.connect() as conn:
        page = await ListingRepository(conn).search(
            seller_id=seller_id,
            channel=normalise_channel_name(channel) if channel is not None else None,
            fnsku=fnsku,
            in_stock=in_stock,
            status=status,
            limit=limit,
            offset=offset,
        )
    return ListingPage(items=[ListingOut.of(s) for s in page.items], total=page.total, limit=limit, offset=offset)


@router.get("/{listing_id}", response_model=ListingOut, summary="One listing")
async def get_listing(listing_id: Annotated[str, PathParam(max_length=300)], request: Request) -> ListingOut:
    async with request.app.state.engine.connect() as conn:
        stored = await ListingRepository(conn).get(listing_id)
    if stored is None:
        raise NotFound(f"listing {listing_id} does not exist", listing_id=listing_id)
    return ListingOut.of(stored)
