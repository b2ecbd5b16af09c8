"""The listing HTTP API: read-only listing data; what the routes and pages are given
(`ApiSettings`), and how domain errors answer (`ERRORS`).

Who sees which listings (`visible_to`): a seller its own, in every channel and status (a HELD
one with the issues that hold it back); a sales channel the ACTIVE listings of its own channel;
a service one seller's, the one it names (registration's seller console, which asks for the
signed-in seller); the operator all of them. Another seller's or channel's listings read as not
found.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
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
from stockpath_runtime.auth import CHANNEL, OPERATOR, SELLER, SERVICE, Actor, Forbidden, allow
from stockpath_runtime.http import ID_PATTERN, Answer, NotFound, dependencies, unit_of_work
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
Price = Annotated[
    Decimal, PlainSerializer(lambda v: format(v, "f"), return_type=str, when_used="json")
]


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


def visible_to(actor: Actor, wanted: ListingFilter) -> ListingFilter | None:
    """`wanted` narrowed to what `actor` may see; None when that is nothing (a channel asking for
    listings that are not ACTIVE). `NotFound` when it names another seller or channel."""
    if actor.kind is SELLER:
        if wanted.seller_id not in (None, actor.subject):
            raise NotFound(f"seller {wanted.seller_id} not found", seller_id=wanted.seller_id)
        return replace(wanted, seller_id=actor.subject)
    if actor.kind is CHANNEL:
        own = normalise_channel_name(actor.subject)
        if wanted.channel not in (None, own):
            raise NotFound(f"channel {wanted.channel} not found", channel=wanted.channel)
        if wanted.status not in (None, ListingStatus.ACTIVE):
            return None
        return replace(wanted, channel=own, status=ListingStatus.ACTIVE)
    if actor.kind is SERVICE and wanted.seller_id is None:
        raise Forbidden("a service reads one seller's listings at a time: name it with seller_id")
    return wanted


@router.get(
    "",
    response_model=PageOut[ListingOut],
    summary="Listings the caller may see (a seller its own, a channel its ACTIVE ones, a service the seller it names), filtered and paged by id",
)
async def list_listings(
    actor: Annotated[Actor, allow(SELLER, CHANNEL, SERVICE, OPERATOR)],
    uow: UnitOfWork,
    given: Given,
    seller_id: Annotated[
        str | None, Query(min_length=1, max_length=100, pattern=ID_PATTERN)
    ] = None,
    channel: Annotated[
        str | None, Query(min_length=1, max_length=100, description="e.g. storefront")
    ] = None,
    fnsku: Annotated[str | None, Query(min_length=1, max_length=100, pattern=ID_PATTERN)] = None,
    in_stock: Annotated[
        bool | None, Query(description="true: only listings buyers can order now")
    ] = None,
    status: Annotated[
        ListingStatus | None,
        Query(description="ACTIVE (shown), HELD (kept back: see issues) or CLOSED"),
    ] = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> PageOut[ListingOut]:
    limit = min(limit, given.max_page_size)
    wanted = visible_to(
        actor,
        ListingFilter(
            seller_id=seller_id,
            channel=normalise_channel_name(channel) if channel is not None else None,
            fnsku=fnsku,
            in_stock=in_stock,
            status=status,
        ),
    )
    if wanted is None:
        return PageOut[ListingOut](items=[], total=0, limit=limit, offset=offset)
    page = await views.listings(uow, wanted, limit=limit, offset=offset)
    return PageOut[ListingOut](
        items=[ListingOut.of(s) for s in page.items], total=page.total, limit=limit, offset=offset
    )


@router.get(
    "/{listing_id}",
    response_model=ListingOut,
    summary="One listing (a seller's own; the operator's any)",
)
async def get_listing(
    listing_id: Annotated[str, PathParam(max_length=300)],
    actor: Annotated[Actor, allow(SELLER, OPERATOR)],
    uow: UnitOfWork,
) -> ListingOut:
    seller_id = actor.subject if actor.kind is SELLER else None
    return ListingOut.of(await views.stored_listing(uow, listing_id, seller_id=seller_id))
