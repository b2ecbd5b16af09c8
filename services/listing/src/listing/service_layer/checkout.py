"""Checkout in the storefront: the buyer's cart becomes an OrderPlaced on `orders`, through the outbox.

Everything the buyer's browser sent (cart cookie, form) is checked again here against the
listings as stored: a listing that is not live in the storefront, out of stock, or short of
the quantity asked for cannot be bought, whatever the page showed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from listing.adapters.buyer_orders import BuyerOrders
from listing.adapters.repository import ListingRepository
from listing.domain.channels import STOREFRONT
from listing.domain.model import Listing
from stockpath_events import Address, ShippingSpeed
from stockpath_events.types.orders import OrderLine, OrderPlaced
from stockpath_runtime.unit_of_work import UnitOfWork

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


async def place_order(
    uow: UnitOfWork,
    *,
    cart: list[CartLine],
    ship_to: Address,
    shipping_speed: ShippingSpeed,
    checkout_token: str,
) -> str:
    """Store the order and write OrderPlaced in one transaction; returns the order id.

    The checkout form carries a token made when it was rendered: a second submit of the same
    form (a double click, a reload after a timeout) finds the first order and places nothing.
    """
    orders = BuyerOrders(uow.connection)
    existing = await orders.order_id_for_checkout(checkout_token)
    if existing is not None:
        return existing
    if not cart:
        raise CannotBuy("your cart is empty")
    if len(cart) > MAX_LINES:
        raise CannotBuy(f"a cart holds at most {MAX_LINES} different items")
    repo = ListingRepository(uow.connection)
    bought: list[tuple[Listing, int]] = []
    for line in cart:
        stored = await repo.get(line.listing_id)
        bought.append((check_buyable(stored.listing if stored else None, line.listing_id, line.quantity), line.quantity))
    currencies = {listing.currency for listing, _ in bought}
    if len(currencies) > 1:
        raise CannotBuy("items priced in different currencies cannot be bought in one order")
    order_id = f"O-{uuid.uuid4().hex[:16]}"
    lines = [
        OrderLine(
            line_id=str(n),
            listing_id=listing.listing_id,
            seller_id=listing.seller_id,
            seller_sku=listing.seller_sku,
            quantity=quantity,
            unit_price=listing.price,
        )
        for n, (listing, quantity) in enumerate(bought, start=1)
    ]
    total = sum((line.unit_price * line.quantity for line in lines), Decimal("0"))
    (currency,) = currencies
    stored_lines = [
        {**line.model_dump(mode="json"), "title": listing.title} for line, (listing, _) in zip(lines, bought, strict=True)
    ]
    added = await orders.add(
        order_id=order_id,
        checkout_token=checkout_token,
        lines=stored_lines,
        ship_to=ship_to.model_dump(mode="json"),
        shipping_speed=shipping_speed.value,
        total=total,
        currency=currency,
    )
    if added is None:  # the same form, submitted concurrently, won the race
        return await orders.order_id_for_checkout(checkout_token)
    uow.emit(
        OrderPlaced(
            order_id=order_id,
            channel=STOREFRONT,
            lines=lines,
            ship_to=ship_to,
            shipping_speed=shipping_speed,
            currency=currency,
        )
    )
    return order_id
