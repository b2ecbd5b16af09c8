"""The reads the listing API, the product feeds and the storefront pages need, each in its own
unit of work (read-only: nothing is committed)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from listing.domain.channels import MARKETPLACE_FEED, STOREFRONT
from listing.domain.checkout import CannotBuy, CartLine, check_buyable
from listing.domain.deliveries import WebhookDelivery
from listing.domain.delivery import DeliveryOptions, Wanted, delivery_options
from listing.domain.model import (
    Listing,
    ListingFilter,
    ListingStatus,
    StoredListing,
    UnknownListing,
    listing_id_for,
)
from listing.domain.orders import BuyerOrder
from listing.service_layer.unit_of_work import ListingUnitOfWork
from stockpath_network import FulfillmentCenter
from stockpath_runtime.paging import Page

#: A feed holds at most this many products; Merchant Center takes up to 4 GB, our sellers far less.
FEED_LIMIT = 50_000


async def listings(
    uow: ListingUnitOfWork, wanted: ListingFilter, *, limit: int, offset: int
) -> Page[StoredListing]:
    """One page of the listings that pass every filter, in listing id order."""
    async with uow:
        return await uow.listings.search(wanted, limit=limit, offset=offset)


async def stored_listing(
    uow: ListingUnitOfWork, listing_id: str, *, seller_id: str | None = None
) -> StoredListing:
    """One listing as stored (one of this seller's, when a seller is named); `UnknownListing`
    when there is none by that id, or it is another seller's."""
    async with uow:
        stored = await uow.listings.get(listing_id)
    if stored is None or (seller_id is not None and stored.listing.seller_id != seller_id):
        raise UnknownListing(listing_id)
    return stored


async def listing(uow: ListingUnitOfWork, listing_id: str) -> Listing | None:
    async with uow:
        stored = await uow.listings.get(listing_id)
    return stored.listing if stored else None


@dataclass(frozen=True)
class StrandedStock:
    """An FNSKU with fulfillable stock that no channel shows (no ACTIVE listing): its stock per FC
    and its listings, whose status and issues say why (held, closed)."""

    fnsku: str
    seller_id: str
    fulfillable_by_center: dict[str, int]
    listings: list[Listing]


async def stranded(
    uow: ListingUnitOfWork, seller_id: str, *, limit: int, offset: int
) -> Page[StrandedStock]:
    """A page of the seller's stranded stock, in FNSKU order."""
    async with uow:
        found = await uow.listings.stranded_fnskus(seller_id, limit=limit, offset=offset)
        listed = await uow.listings.for_fnskus(found.items)
        stock = await uow.availability.fulfillable_by_center(found.items)
    return Page(
        [StrandedStock(f, seller_id, stock[f], listed[f]) for f in found.items], found.total
    )


async def product_feed(uow: ListingUnitOfWork, seller_id: str) -> list[Listing]:
    """A seller's live marketplace-feed listings: what the seller's product feed carries."""
    wanted = ListingFilter(
        seller_id=seller_id, channel=MARKETPLACE_FEED, status=ListingStatus.ACTIVE
    )
    page = await listings(uow, wanted, limit=FEED_LIMIT, offset=0)
    return [s.listing for s in page.items]


async def storefront_product(uow: ListingUnitOfWork, listing_id: str) -> Listing | None:
    """The listing a buyer who follows a link to `listing_id` sees: the listing itself when it is
    the storefront's; the storefront's live listing of the same item when it is another channel's
    (a product feed links here with its own listing id), or None when there is none."""
    async with uow:
        stored = await uow.listings.get(listing_id)
        if stored is None or stored.listing.channel == STOREFRONT:
            return stored.listing if stored else None
        sold_here = await uow.listings.get(listing_id_for(stored.listing.fnsku, STOREFRONT))
    return sold_here.listing if sold_here is not None and sold_here.listing.live else None


@dataclass(frozen=True)
class CartRow:
    """A line of the buyer's cart, the listing it names (None when there is none) and why it
    cannot be bought now (None when it can)."""

    line: CartLine
    listing: Listing | None
    problem: str | None


async def cart(uow: ListingUnitOfWork, lines: list[CartLine]) -> list[CartRow]:
    rows = []
    async with uow:
        for line in lines:
            stored = await uow.listings.get(line.listing_id)
            problem = None
            try:
                check_buyable(stored.listing if stored else None, line.listing_id, line.quantity)
            except CannotBuy as e:
                problem = str(e)
            rows.append(CartRow(line, stored.listing if stored else None, problem))
    return rows


async def buyer_order(
    uow: ListingUnitOfWork, order_id: str, *, buyer_key: str | None
) -> BuyerOrder | None:
    """The order, when the browser holding `buyer_key` placed it; None otherwise (no such order,
    or another browser's: the two look alike)."""
    async with uow:
        order = await uow.buyer_orders.get(order_id)
    return order if order is not None and order.placed_by(buyer_key) else None


async def webhook_deliveries(
    uow: ListingUnitOfWork,
    *,
    listing_id: str | None = None,
    seller_id: str | None = None,
    limit: int = 100,
) -> list[WebhookDelivery]:
    """Recent deliveries of the webhook channel (of one listing; of one seller's listings), newest
    first. A seller naming a listing that is not theirs gets `UnknownListing`."""
    async with uow:
        if seller_id is not None and listing_id is not None:
            stored = await uow.listings.get(listing_id)
            if stored is None or stored.listing.seller_id != seller_id:
                raise UnknownListing(listing_id)
        return await uow.webhook_deliveries.recent(
            listing_id=listing_id, seller_id=seller_id, limit=limit
        )


async def delivery(
    uow: ListingUnitOfWork,
    bought: list[tuple[Listing, int]],
    postal_code: str,
    country: str,
    *,
    now: datetime,
    centers: Sequence[FulfillmentCenter],
) -> DeliveryOptions:
    """The speeds (and arrival dates) the storefront may offer for these listings and quantities
    to a ZIP code, from the fulfillable stock inventory reported per FC."""
    async with uow:
        stock = await uow.availability.fulfillable_by_center(listing.fnsku for listing, _ in bought)
    wanted = [
        Wanted(listing.fnsku, quantity, stock.get(listing.fnsku, {}))
        for listing, quantity in bought
    ]
    return delivery_options(wanted, postal_code, country, now, centers)
