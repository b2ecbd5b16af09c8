"""Stranded inventory: a seller's stock that buyers cannot order — fulfillable units of an FNSKU
with no ACTIVE listing in any channel (each listing held back, with the issues that hold it, or
closed). The listing service answers it alone: it holds every listing of the seller and the
fulfillable stock per FC that inventory reports (`availability`), so nothing has to be joined
across services. The stock is as inventory last reported it (its level events), a moment behind
inventory's own figures.

A seller reads its own; a service (registration's console) or the operator the seller it names.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from listing.domain.model import ListingStatus
from listing.entrypoints.http import Given, UnitOfWork
from listing.service_layer import views
from listing.service_layer.views import StrandedStock
from stockpath_runtime.auth import OPERATOR, SELLER, SERVICE, Actor, Forbidden, allow
from stockpath_runtime.http import ID_PATTERN, NotFound
from stockpath_runtime.paging import Limit, Offset, PageOut

router = APIRouter(prefix="/v1/stranded-inventory", tags=["listings"])


class StrandedListingOut(BaseModel):
    listing_id: str
    channel: str
    status: ListingStatus
    #: Why a HELD listing is not shown; empty for a CLOSED one.
    issues: list[str]


class StrandedOut(BaseModel):
    fnsku: str
    seller_id: str
    seller_sku: str
    title: str
    #: Fulfillable units over every FC, and per FC.
    fulfillable: int
    fulfillable_by_center: dict[str, int]
    listings: list[StrandedListingOut]

    @classmethod
    def of(cls, stock: StrandedStock) -> StrandedOut:
        first = stock.listings[0]
        return cls(
            fnsku=stock.fnsku,
            seller_id=stock.seller_id,
            seller_sku=first.seller_sku,
            title=first.title,
            fulfillable=sum(stock.fulfillable_by_center.values()),
            fulfillable_by_center=stock.fulfillable_by_center,
            listings=[
                StrandedListingOut(
                    listing_id=x.listing_id,
                    channel=x.channel,
                    status=x.status,
                    issues=list(x.issues),
                )
                for x in stock.listings
            ],
        )


@router.get(
    "",
    response_model=PageOut[StrandedOut],
    summary="A seller's stranded stock: fulfillable units with no ACTIVE listing in any channel, and its listings saying why",
)
async def stranded_inventory(
    actor: Annotated[Actor, allow(SELLER, SERVICE, OPERATOR)],
    uow: UnitOfWork,
    given: Given,
    seller_id: Annotated[
        str | None, Query(min_length=1, max_length=100, pattern=ID_PATTERN)
    ] = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> PageOut[StrandedOut]:
    if actor.kind is SELLER:
        if seller_id not in (None, actor.subject):
            raise NotFound(f"seller {seller_id} not found", seller_id=seller_id)
        seller_id = actor.subject
    elif seller_id is None:
        raise Forbidden("name the seller whose stranded stock to read with seller_id")
    limit = min(limit, given.max_page_size)
    page = await views.stranded(uow, seller_id, limit=limit, offset=offset)
    return PageOut[StrandedOut](
        items=[StrandedOut.of(s) for s in page.items], total=page.total, limit=limit, offset=offset
    )
