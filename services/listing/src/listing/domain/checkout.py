"""What a storefront buyer may order: the cart's limits and the checks made on every line.

Everything the buyer's browser sends (cart cookie, form) is checked again against the listings
as stored: a listing that is not live in the storefront, out of stock, or short of the quantity
asked for cannot be bought, whatever the page showed.
"""

from __future__ import annotations

from dataclasses import dataclass

from listing.domain.channels import STOREFRONT
from listing.domain.model import Listing

#: The most units of one listing a cart may hold; a buyer wanting more is a wholesale inquiry.
MAX_QUANTITY = 10
MAX_LINES = 20


@dataclass(frozen=True)
class CartLine:
    listing_id: str
    quantity: int


class CannotBuy(Exception):
    """The buyer asked for something the storefront cannot sell now; the message says what."""


def check_buyable(listing: Listing | None, listing_id: str, quantity: int) -> Listing:
    """The listing when a buyer may order `quantity` of it now; otherwise `CannotBuy` with why."""
    if listing is None or listing.channel != STOREFRONT or not listing.live:
        raise CannotBuy(f"{listing_id} is not for sale in this shop")
    if not 1 <= quantity <= MAX_QUANTITY:
        raise CannotBuy(f"quantity must be between 1 and {MAX_QUANTITY}")
    if not listing.in_stock:
        raise CannotBuy(f"{listing.title} is out of stock")
    if quantity > listing.sellable_quantity:
        raise CannotBuy(f"only {listing.sellable_quantity} of {listing.title} can be ordered now")
    return listing
