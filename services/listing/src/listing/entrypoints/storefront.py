"""The storefront: buyer-facing pages over the live storefront listings, served under /shop.

Server-rendered (Jinja2), a few lines of JavaScript, no build step. The cart lives in a cookie
(nothing to store for browsing buyers); every check that matters is made again at checkout.
"""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field, ValidationError

from listing.domain.channels import STOREFRONT
from listing.domain.checkout import MAX_LINES, MAX_QUANTITY, CannotBuy, CartLine, check_buyable
from listing.domain.commands import PlaceOrder
from listing.domain.model import ListingFilter, ListingStatus
from listing.domain.orders import FINAL
from listing.entrypoints.http import UnitOfWork
from listing.service_layer import views
from listing.service_layer.checkout import place_order
from stockpath_events import Address, ShippingSpeed
from stockpath_runtime.http import ID_PATTERN

router = APIRouter(prefix="/shop", include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).parent.parent / "templates"))
templates.env.filters["money"] = lambda amount, currency="USD": (
    f"${amount:,.2f}" if currency == "USD" else f"{amount:,.2f} {currency}"
)

CART_COOKIE = "stockpath_cart"
PAGE_SIZE = 24
SPEEDS = {
    ShippingSpeed.STANDARD: "Standard (5–7 days)",
    ShippingSpeed.EXPEDITED: "Expedited (2–3 days)",
    ShippingSpeed.PRIORITY: "Priority (next day)",
}


def read_cart(request: Request) -> list[CartLine]:
    """The cart in the buyer's cookie; anything unreadable counts as an empty cart."""
    raw = request.cookies.get(CART_COOKIE)
    if not raw:
        return []
    try:
        pairs = json.loads(base64.urlsafe_b64decode(raw.encode()))
        lines = [CartLine(str(listing_id), int(quantity)) for listing_id, quantity in pairs]
    except (ValueError, TypeError):
        return []
    return [line for line in lines if 0 < line.quantity <= MAX_QUANTITY][:MAX_LINES]


def write_cart(response: Response, cart: list[CartLine]) -> None:
    if not cart:
        response.delete_cookie(CART_COOKIE, path="/shop")
        return
    value = base64.urlsafe_b64encode(json.dumps([[c.listing_id, c.quantity] for c in cart]).encode()).decode()
    response.set_cookie(CART_COOKIE, value, path="/shop", httponly=True, samesite="lax", max_age=30 * 24 * 3600)


async def form(request: Request) -> dict[str, str]:
    """An url-encoded form body, first value of each field (no multipart: the pages post none)."""
    body = (await request.body()).decode("utf-8", errors="replace")
    return {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}


def page(request: Request, template: str, status_code: int = 200, **context) -> HTMLResponse:
    return templates.TemplateResponse(request, template, {"cart_size": len(read_cart(request)), **context},
                                      status_code=status_code)


def refused(request: Request, message: str, status_code: int = 409) -> HTMLResponse:
    return page(request, "message.html", status_code=status_code, title="Cannot do that", message=message)


@router.get("", response_class=HTMLResponse)
async def browse(
    request: Request,
    uow: UnitOfWork,
    q: Annotated[str, Query(max_length=200)] = "",
    page_number: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1,
) -> HTMLResponse:
    found = await views.listings(
        uow, ListingFilter(channel=STOREFRONT, status=ListingStatus.ACTIVE, text=q), limit=PAGE_SIZE,
        offset=(page_number - 1) * PAGE_SIZE,
    )
    pages = max(1, -(-found.total // PAGE_SIZE))
    return page(request, "browse.html", listings=[s.listing for s in found.items], q=q, total=found.total,
                page_number=page_number, pages=pages)


@router.get("/products/{listing_id}", response_class=HTMLResponse)
async def product(
    listing_id: Annotated[str, PathParam(max_length=300, pattern=ID_PATTERN)], request: Request, uow: UnitOfWork
) -> Response:
    listing = await views.storefront_product(uow, listing_id)
    if listing is None or not listing.live:
        return refused(request, "This product is not for sale here.", status_code=404)
    if listing.listing_id != listing_id:
        # A product feed links here with its own listing id: buyers land on the storefront's
        # listing of the same item, where they can order it.
        return RedirectResponse(f"/shop/products/{listing.listing_id}", status_code=303)
    buyable = listing.in_stock
    return page(request, "product.html", listing=listing, buyable=buyable,
                max_quantity=min(MAX_QUANTITY, listing.sellable_quantity))


@router.post("/cart/items", response_class=HTMLResponse)
async def add_to_cart(request: Request, uow: UnitOfWork) -> Response:
    fields = await form(request)
    listing_id = fields.get("listing_id", "")[:300]
    try:
        quantity = int(fields.get("quantity", "1"))
    except ValueError:
        return refused(request, "The quantity must be a whole number.", status_code=422)
    cart = read_cart(request)
    in_cart = next((line.quantity for line in cart if line.listing_id == listing_id), 0)
    try:
        check_buyable(await views.listing(uow, listing_id), listing_id, in_cart + quantity)
    except CannotBuy as e:
        return refused(request, str(e))
    cart = [line for line in cart if line.listing_id != listing_id] + [CartLine(listing_id, in_cart + quantity)]
    if len(cart) > MAX_LINES:
        return refused(request, f"A cart holds at most {MAX_LINES} different items.")
    response = RedirectResponse("/shop/cart", status_code=303)
    write_cart(response, cart)
    return response


@router.post("/cart/items/{listing_id}/remove")
async def remove_from_cart(listing_id: Annotated[str, PathParam(max_length=300)], request: Request) -> Response:
    response = RedirectResponse("/shop/cart", status_code=303)
    write_cart(response, [line for line in read_cart(request) if line.listing_id != listing_id])
    return response


@router.get("/cart", response_class=HTMLResponse)
async def show_cart(request: Request, uow: UnitOfWork) -> HTMLResponse:
    return await _cart_page(request, uow, {}, {})


async def _cart_page(
    request: Request, uow: UnitOfWork, values: dict, errors: dict, status_code: int = 200
) -> HTMLResponse:
    rows = await views.cart(uow, read_cart(request))
    total = sum((r.listing.price * r.line.quantity for r in rows if r.listing), 0)
    return page(request, "cart.html", status_code=status_code, rows=rows, total=total, speeds=SPEEDS,
                values=values, errors=errors, checkout_token=values.get("checkout_token") or uuid.uuid4().hex,
                can_checkout=bool(rows) and not any(r.problem for r in rows))


FIELD_HELP = {
    "name": "Please enter the name of the person the parcel is for.",
    "line1": "Please enter the street address.",
    "city": "Please enter the city.",
    "region": "Please enter the two-letter state code, e.g. WA.",
    "postal_code": "Please enter a valid ZIP or postal code.",
    "country": "Please enter the two-letter country code, e.g. US.",
    "shipping_speed": "Please choose standard, expedited or priority shipping.",
    "checkout_token": "This checkout form is no longer valid; please reload the cart and try again.",
}


class CheckoutForm(BaseModel):
    """What the checkout form asks: where to ship and how fast."""

    name: str = Field(min_length=1, max_length=100)
    line1: str = Field(min_length=1, max_length=200)
    line2: str = Field(default="", max_length=200)
    city: str = Field(min_length=1, max_length=100)
    region: str = Field(min_length=2, max_length=3, pattern=r"^[A-Za-z]{2,3}$")
    postal_code: str = Field(min_length=3, max_length=10, pattern=r"^[A-Za-z0-9 -]+$")
    country: str = Field(default="US", pattern=r"^[A-Za-z]{2}$")
    shipping_speed: ShippingSpeed
    checkout_token: str = Field(min_length=16, max_length=64, pattern=r"^[A-Za-z0-9-]+$")


@router.post("/checkout", response_class=HTMLResponse)
async def checkout(request: Request, uow: UnitOfWork) -> Response:
    values = {k: v.strip() for k, v in (await form(request)).items()}
    try:
        submitted = CheckoutForm.model_validate(values)
    except ValidationError as e:
        errors = {str(err["loc"][0]): FIELD_HELP.get(str(err["loc"][0]), err["msg"]) for err in e.errors() if err["loc"]}
        return await _cart_page(request, uow, values, errors, status_code=422)
    ship_to = Address(
        name=submitted.name, line1=submitted.line1, line2=submitted.line2 or None, city=submitted.city,
        region=submitted.region.upper(), postal_code=submitted.postal_code, country=submitted.country.upper(),
    )
    command = PlaceOrder(
        cart=tuple(read_cart(request)), ship_to=ship_to, shipping_speed=submitted.shipping_speed,
        checkout_token=submitted.checkout_token,
    )
    try:
        order_id = await place_order(command, uow)
    except CannotBuy as e:
        return await _cart_page(request, uow, values, {"cart": str(e)}, status_code=409)
    response = RedirectResponse(f"/shop/orders/{order_id}", status_code=303)
    write_cart(response, [])
    return response


@router.get("/orders/{order_id}", response_class=HTMLResponse)
async def order_status(
    order_id: Annotated[str, PathParam(max_length=100, pattern=ID_PATTERN)], request: Request, uow: UnitOfWork
) -> HTMLResponse:
    order = await views.buyer_order(uow, order_id)
    if order is None:
        return refused(request, f"There is no order {order_id}.", status_code=404)
    return page(request, "order.html", order=order, final=order.status in FINAL, speeds=SPEEDS)


@router.get("/sellers/{seller_id}", response_class=HTMLResponse)
async def seller_view(
    seller_id: Annotated[str, PathParam(max_length=100, pattern=ID_PATTERN)], request: Request, uow: UnitOfWork
) -> HTMLResponse:
    """The seller's view of their listings in every channel: what is live, and why a held one is not."""
    found = await views.listings(uow, ListingFilter(seller_id=seller_id), limit=500, offset=0)
    return page(request, "seller.html", seller_id=seller_id, listings=[s.listing for s in found.items],
                total=found.total)
