"""Checkout in the storefront: the buyer's cart becomes an OrderPlaced on `orders`, through the outbox.

The order as the storefront keeps it is announced too (StorefrontOrderPlaced on `listing.events`)
and listing reads it back: `record_announced_orders` stores an order not stored yet — live never
(the checkout stored it with its announcement), in `stockpath replay` into an empty store the
orders buyers placed, which the platform's reports then move as they moved live."""

from __future__ import annotations

import uuid
from decimal import Decimal

import structlog

from listing.domain.channels import STOREFRONT
from listing.domain.checkout import MAX_LINES, CannotBuy, check_buyable
from listing.domain.commands import PlaceOrder, RecordAnnouncedOrder
from listing.domain.model import Listing
from listing.domain.orders import PlacedOrder
from listing.service_layer.unit_of_work import ListingUnitOfWork
from stockpath_events.types.listing import StorefrontOrderLine, StorefrontOrderPlaced
from stockpath_events.types.orders import OrderLine, OrderPlaced

log = structlog.get_logger("listing")


async def place_order(command: PlaceOrder, uow: ListingUnitOfWork) -> str:
    """Store the order and write OrderPlaced in one transaction; returns the order id.

    The checkout form carries a token made when it was rendered: a second submit of the same
    form (a double click, a reload after a timeout) finds the first order and places nothing.
    Every line is checked again against the listings as stored (`CannotBuy` says what is wrong).
    """
    async with uow:
        existing = await uow.buyer_orders.order_id_for_checkout(command.checkout_token)
        if existing is not None:
            return existing
        if not command.cart:
            raise CannotBuy("your cart is empty")
        if len(command.cart) > MAX_LINES:
            raise CannotBuy(f"a cart holds at most {MAX_LINES} different items")
        bought: list[tuple[Listing, int]] = []
        for line in command.cart:
            stored = await uow.listings.get(line.listing_id)
            listing = check_buyable(
                stored.listing if stored else None, line.listing_id, line.quantity
            )
            bought.append((listing, line.quantity))
        currencies = {listing.currency for listing, _ in bought}
        if len(currencies) > 1:
            raise CannotBuy("items priced in different currencies cannot be bought in one order")
        order_id = f"O-{uuid.uuid4().hex[:16]}"
        lines = [
            StorefrontOrderLine(
                line_id=str(n),
                listing_id=listing.listing_id,
                seller_id=listing.seller_id,
                seller_sku=listing.seller_sku,
                quantity=quantity,
                unit_price=listing.price,
                title=listing.title,
            )
            for n, (listing, quantity) in enumerate(bought, start=1)
        ]
        (currency,) = currencies
        placed = StorefrontOrderPlaced(
            order_id=order_id,
            checkout_token=command.checkout_token,
            buyer_sha256=command.buyer_sha256,
            lines=lines,
            ship_to=command.ship_to,
            shipping_speed=command.shipping_speed.value,
            total=sum((line.unit_price * line.quantity for line in lines), Decimal("0")),
            currency=currency,
        )
        added = await uow.buyer_orders.add(placed_order(placed))
        if added is None:  # the same form, submitted concurrently, won the race
            winner = await uow.buyer_orders.order_id_for_checkout(command.checkout_token)
            assert winner is not None, command.checkout_token  # add() found its order recorded
            return winner
        uow.emit(placed)
        uow.emit(
            OrderPlaced(
                order_id=order_id,
                channel=STOREFRONT,
                lines=[
                    OrderLine.model_validate(line.model_dump(exclude={"title"})) for line in lines
                ],
                ship_to=command.ship_to,
                shipping_speed=command.shipping_speed,
                currency=currency,
            )
        )
        await uow.commit()
    return order_id


def placed_order(placed: StorefrontOrderPlaced) -> PlacedOrder:
    """The order as the storefront keeps it, from its announcement (the same either way)."""
    return PlacedOrder(
        order_id=placed.order_id,
        checkout_token=placed.checkout_token,
        buyer_sha256=placed.buyer_sha256,
        lines=[line.model_dump(mode="json") for line in placed.lines],
        ship_to=placed.ship_to.model_dump(mode="json"),
        shipping_speed=placed.shipping_speed,
        total=placed.total,
        currency=placed.currency,
    )


async def record_announced_orders(
    commands: list[RecordAnnouncedOrder], uow: ListingUnitOfWork
) -> None:
    """Storefront orders as announced, stored unless they are already (see the module's docstring)."""
    for command in commands:
        if await uow.buyer_orders.get(command.placed.order_id) is None:
            await uow.buyer_orders.add(command.placed)
            log.info(
                "storefront order rebuilt from its announcement", order_id=command.placed.order_id
            )
