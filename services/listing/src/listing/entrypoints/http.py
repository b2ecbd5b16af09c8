"""The listing HTTP API: buyer-facing, read-only listing data (public, no authentication); what
the routes and pages are given (`ApiSettings`), and how domain errors answer (`ERRORS`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict, PlainSerializer

from listing.domain.channels import normalise_channel_name
from listing.domain.model import ListingFilter, ListingStatus, StoredListing, UnknownListing
from listing.service_layer import views
from listing.service_layer.unit_of_work import ListingUnitOfWork
from stockpath_runtime.http import ID_PATTERN, Answer, dependencies, unit_of_work
from stockpath_runtime.paging import Limit, Offset, PageOut

router = APIRouter(prefix="/v1/listings", tags=["listings"])


@dataclass(frozen=True)
class ApiSettings:
    """What the listing routes and pages need to know of the deployment (built by bootstrap)."""

    #: The most listings one page of ``GET /v1/listings`` returns.
    max_page_size: int
    #: Where buyers reach the storefront (links in product feeds).
    shop_url: str


UnitOfWork = Annotated[ListingUnitOfWork, Depends(unit_of_work)]
Given = Annotated[ApiSettings, Depends(dependencies)]

ERRORS = {UnknownListing: Answer(404, "not_found", ("listing_id",))}

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
        shown = {name: getattr(listing, name) for name in cls.model_fields if name != "updated_at"}
        return cls(**shown, updated_at=stored.updated_at)


@router.get("", response_model=PageOut[ListingOut], summary="Listings buyers can see, filtered and paged by listing id")
async def list_listings(
    uow: UnitOfWork,
    given: Given,
    seller_id: Annotated[str | None, Query(min_length=1, max_length=100, pattern=ID_PATTERN)] = None,
    channel: Annotated[str | None, Query(min_length=1, max_length=100, description="e.g. storefront")] = None,
    fnsku: Annotated[str | None, Query(min_length=1, max_length=100, pattern=ID_PATTERN)] = None,
    in_stock: Annotated[bool | None, Query(description="true: only listings buyers can order now")] = None,
    status: Annotated[
        ListingStatus | None, Query(description="ACTIVE (shown), HELD (kept back: see issues) or CLOSED")
    ] = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> PageOut[ListingOut]:
    limit = min(limit, given.max_page_size)
    wanted = ListingFilter(
        seller_id=seller_id,
        channel=normalise_channel_name(channel) if channel is not None else None,
        fnsku=fnsku,
        in_stock=in_stock,
        status=status,
    )
    page = await views.listings(uow, wanted, limit=limit, offset=offset)
    return PageOut[ListingOut](items=[ListingOut.of(s) for s in page.items], total=page.total, limit=limit, offset=offset)


@router.get("/{listing_id}", response_model=ListingOut, summary="One listing")
async def get_listing(listing_id: Annotated[str, PathParam(max_length=300)], uow: UnitOfWork) -> ListingOut:
    return ListingOut.of(await views.stored_listing(uow, listing_id))
