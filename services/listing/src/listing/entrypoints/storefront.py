"""The storefront: buyer-facing pages over the live storefront listings, served under /shop.

Server-rendered (Jinja2), no build step; the styles and the one script (a form submits once) are
static files (`STATIC`), since the pages' Content-Security-Policy allows no inline ones, and the
pages work without the script. The cart lives in a cookie (nothing to store for browsing buyers);
every check that matters is made again at checkout (`shop_requests`).

Who may see what: every page is public but two. An order page shows the buyer's address, so it
is shown only to the browser that placed the order (its buyer key); anyone else gets the same
404 as for an order that does not exist. A seller's page of its listings (held ones and why) is
the seller's, or the operator's. Every form carries this browser's CSRF token.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field, ValidationError

import stockpath_network
from listing.domain.channels import STOREFRONT
from listing.domain.checkout import MAX_LINES, MAX_QUANTITY, CannotBuy, CartLine, check_buyable
from listing.domain.commands import PlaceOrder
from listing.domain.delivery import DeliveryOptions
from listing.domain.model import Listing, ListingFilter, ListingStatus
from listing.domain.orders import FINAL, buyer_digest
from listing.entrypoints.http import UnitOfWork
from listing.entrypoints.shop_requests import (
    FormTooLarge,
    PostedForm,
    buyer_key,
    buyer_key_or_new,
    keep_buyer_key,
    listing_id_ok,
    read_cart,
    write_cart,
)
from listing.service_layer import views
from listing.service_layer.checkout import place_order
from stockpath_events import Address, ShippingSpeed
from stockpath_runtime.auth import OPERATOR, SELLER, Actor, allow, public
from stockpath_runtime.http import ID_PATTERN, sessions
from stockpath_runtime.request_guard import PAGE_POLICY
from stockpath_runtime.sessions import InvalidCsrfToken

router = APIRouter(prefix="/shop", include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).parent.parent / "templates"))
templates.env.filters["money"] = lambda amount, currency="USD": (
    f"${amount:,.2f}" if currency == "USD" else f"{amount:,.2f} {currency}"
)
#: The pages' stylesheet and script, served under /shop/static (see bootstrap).
STATIC = Path(__file__).parent.parent / "static"
#: A product page may show the seller's product image from its catalog ``image_url`` (https only).
PRODUCT_POLICY = PAGE_POLICY.replace("img-src 'self' data:", "img-src 'self' data: https:")

PAGE_SIZE = 24
SPEEDS = {
    ShippingSpeed.STANDARD: "Standard (5–7 days)",
    ShippingSpeed.EXPEDITED: "Expedited (2–3 days)",
    ShippingSpeed.PRIORITY: "Priority (next day)",
}


def page(request: Request, template: str, status_code: int = 200, **context) -> HTMLResponse:
    """A page, its forms carrying this browser's CSRF token (and the browser the nonce it is for)."""
    csrf_token = sessions(request).csrf_token(request)
    response = templates.TemplateResponse(
        request,
        template,
        {"cart_size": len(read_cart(request)), "csrf_token": csrf_token, **context},
        status_code=status_code,
    )
    sessions(request).keep_csrf_nonce(request, response)
    return response


def refused(request: Request, message: str, status_code: int = 409) -> HTMLResponse:
    return page(
        request, "message.html", status_code=status_code, title="Cannot do that", message=message
    )


async def form_refused(request: Request, error: Exception) -> HTMLResponse:
    """A post whose form is not this browser's (403: reload) or larger than any of ours (422)."""
    if isinstance(error, InvalidCsrfToken):
        return refused(
            request,
            "This form has expired or did not come from this shop: reload the page and try again.",
            status_code=403,
        )
    return refused(request, str(error), status_code=422)


#: Exception handlers the app adds: storefront forms refused answer as pages.
PAGE_ERRORS = {InvalidCsrfToken: form_refused, FormTooLarge: form_refused}


@router.get("", response_class=HTMLResponse, dependencies=[public()])
async def browse(
    request: Request,
    uow: UnitOfWork,
    q: Annotated[str, Query(max_length=200)] = "",
    page_number: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1,
) -> HTMLResponse:
    found = await views.listings(
        uow,
        ListingFilter(channel=STOREFRONT, status=ListingStatus.ACTIVE, text=q),
        limit=PAGE_SIZE,
        offset=(page_number - 1) * PAGE_SIZE,
    )
    pages = max(1, -(-found.total // PAGE_SIZE))
    return page(
        request,
        "browse.html",
        listings=[s.listing for s in found.items],
        q=q,
        total=found.total,
        page_number=page_number,
        pages=pages,
    )


async def delivery_for(
    uow: UnitOfWork, bought: list[tuple[Listing, int]], postal_code: str, country: str = "US"
) -> DeliveryOptions | None:
    """The speeds and dates to show for a ZIP code the buyer gave (None when none was given yet).
    A page shows them as of now; the order's real promise is made as of its event's time."""
    if not postal_code or not bought:
        return None
    return await views.delivery(
        uow,
        bought,
        postal_code,
        country,
        now=datetime.now(UTC),
        centers=stockpath_network.network(),
    )


@router.get("/products/{listing_id}", response_class=HTMLResponse, dependencies=[public()])
async def product(
    listing_id: Annotated[str, PathParam(max_length=300, pattern=ID_PATTERN)],
    request: Request,
    uow: UnitOfWork,
    postal_code: Annotated[str, Query(alias="zip", max_length=10)] = "",
) -> Response:
    listing = await views.storefront_product(uow, listing_id)
    if listing is None or not listing.live:
        return refused(request, "This product is not for sale here.", status_code=404)
    if listing.listing_id != listing_id:
        # A product feed links here with its own listing id: buyers land on the storefront's
        # listing of the same item, where they can order it.
        return RedirectResponse(f"/shop/products/{listing.listing_id}", status_code=303)
    buyable = listing.in_stock
    delivery = await delivery_for(uow, [(listing, 1)], postal_code.strip()) if buyable else None
    response = page(
        request,
        "product.html",
        listing=listing,
        buyable=buyable,
        max_quantity=min(MAX_QUANTITY, listing.sellable_quantity),
        zip=postal_code.strip(),
        delivery=delivery,
        speeds=SPEEDS,
    )
    response.headers["Content-Security-Policy"] = PRODUCT_POLICY
    return response


@router.post("/cart/items", response_class=HTMLResponse, dependencies=[public()])
async def add_to_cart(request: Request, fields: PostedForm, uow: UnitOfWork) -> Response:
    listing_id = fields.get("listing_id", "")
    if not listing_id_ok(listing_id):
        return refused(request, "There is no such product in this shop.", status_code=422)
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
    cart = [line for line in cart if line.listing_id != listing_id] + [
        CartLine(listing_id, in_cart + quantity)
    ]
    if len(cart) > MAX_LINES:
        return refused(request, f"A cart holds at most {MAX_LINES} different items.")
    response = RedirectResponse("/shop/cart", status_code=303)
    write_cart(request, response, cart)
    # The buyer key comes before checkout, so that two submits of the checkout form share one.
    keep_buyer_key(request, response, buyer_key_or_new(request))
    return response


@router.post("/cart/items/{listing_id}/remove", dependencies=[public()])
async def remove_from_cart(
    listing_id: Annotated[str, PathParam(max_length=300)], request: Request, fields: PostedForm
) -> Response:
    response = RedirectResponse("/shop/cart", status_code=303)
    write_cart(
        request, response, [line for line in read_cart(request) if line.listing_id != listing_id]
    )
    return response


@router.get("/cart", response_class=HTMLResponse, dependencies=[public()])
async def show_cart(
    request: Request,
    uow: UnitOfWork,
    postal_code: Annotated[str, Query(alias="zip", max_length=10)] = "",
) -> HTMLResponse:
    return await _cart_page(
        request, uow, {"postal_code": postal_code.strip()} if postal_code.strip() else {}, {}
    )


def _bought(rows: list[views.CartRow]) -> list[tuple[Listing, int]]:
    return [(r.listing, r.line.quantity) for r in rows if r.listing and not r.problem]


async def _cart_page(
    request: Request, uow: UnitOfWork, values: dict, errors: dict, status_code: int = 200
) -> HTMLResponse:
    rows = await views.cart(uow, read_cart(request))
    total = sum((r.listing.price * r.line.quantity for r in rows if r.listing), 0)
    delivery = await delivery_for(
        uow, _bought(rows), values.get("postal_code", ""), values.get("country", "US") or "US"
    )
    # The form's own checkout token again (a second submit still finds its order), unless it was not one.
    checkout_token = None if "checkout_token" in errors else values.get("checkout_token")
    response = page(
        request,
        "cart.html",
        status_code=status_code,
        rows=rows,
        total=total,
        speeds=SPEEDS,
        delivery=delivery,
        values=values,
        errors=errors,
        checkout_token=checkout_token or uuid.uuid4().hex,
        can_checkout=bool(rows) and not any(r.problem for r in rows),
    )
    if rows:  # the browser that may check out holds its buyer key before it does
        keep_buyer_key(request, response, buyer_key_or_new(request))
    return response


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


@router.post("/checkout", response_class=HTMLResponse, dependencies=[public()])
async def checkout(request: Request, fields: PostedForm, uow: UnitOfWork) -> Response:
    values = {k: v.strip() for k, v in fields.items()}
    try:
        submitted = CheckoutForm.model_validate(values)
    except ValidationError as e:
        errors = {
            str(err["loc"][0]): FIELD_HELP.get(str(err["loc"][0]), err["msg"])
            for err in e.errors()
            if err["loc"]
        }
        return await _cart_page(request, uow, values, errors, status_code=422)
    # Offered only what an FC holding the stock can meet to this address (the page said so too).
    delivery = await delivery_for(
        uow,
        _bought(await views.cart(uow, read_cart(request))),
        submitted.postal_code,
        submitted.country.upper(),
    )
    if delivery is not None and delivery.refused:
        field = "country" if submitted.country.upper() != "US" else "postal_code"
        return await _cart_page(
            request, uow, values, {field: f"We cannot deliver there: {delivery.refused}."}, 422
        )
    if delivery is not None and submitted.shipping_speed not in delivery.offered:
        choose = ", ".join(speed.value for speed in delivery.offered) or "no speed at all now"
        return await _cart_page(
            request,
            uow,
            values,
            {
                "shipping_speed": (
                    f"{submitted.shipping_speed.value.capitalize()} shipping cannot reach {submitted.postal_code} from where "
                    f"these items are stocked; choose {choose}."
                )
            },
            422,
        )
    ship_to = Address(
        name=submitted.name,
        line1=submitted.line1,
        line2=submitted.line2 or None,
        city=submitted.city,
        region=submitted.region.upper(),
        postal_code=submitted.postal_code,
        country=submitted.country.upper(),
    )
    key = buyer_key_or_new(request)
    command = PlaceOrder(
        cart=tuple(read_cart(request)),
        ship_to=ship_to,
        shipping_speed=submitted.shipping_speed,
        checkout_token=submitted.checkout_token,
        buyer_sha256=buyer_digest(key),
    )
    try:
        order_id = await place_order(command, uow)
    except CannotBuy as e:
        return await _cart_page(request, uow, values, {"cart": str(e)}, status_code=409)
    response = RedirectResponse(f"/shop/orders/{order_id}", status_code=303)
    keep_buyer_key(request, response, key)
    write_cart(request, response, [])
    return response


@router.get("/orders/{order_id}", response_class=HTMLResponse, dependencies=[public()])
async def order_status(
    order_id: Annotated[str, PathParam(max_length=100, pattern=ID_PATTERN)],
    request: Request,
    uow: UnitOfWork,
) -> HTMLResponse:
    """The order as its buyer sees it, for the browser that placed it only (it shows the address)."""
    order = await views.buyer_order(uow, order_id, buyer_key=buyer_key(request))
    if order is None:
        return refused(request, f"There is no order {order_id}.", status_code=404)
    return page(request, "order.html", order=order, final=order.status in FINAL, speeds=SPEEDS)


@router.get("/sellers/{seller_id}", response_class=HTMLResponse)
async def seller_view(
    seller_id: Annotated[str, PathParam(max_length=100, pattern=ID_PATTERN)],
    request: Request,
    actor: Annotated[Actor, allow(SELLER, OPERATOR)],
    uow: UnitOfWork,
) -> HTMLResponse:
    """The seller's view of their listings in every channel: what is live, and why a held one is
    not (the seller's own, or any seller's for the operator)."""
    if actor.kind is SELLER and actor.subject != seller_id:
        return refused(request, f"There is no seller {seller_id}.", status_code=404)
    found = await views.listings(uow, ListingFilter(seller_id=seller_id), limit=500, offset=0)
    return page(
        request,
        "seller.html",
        seller_id=seller_id,
        listings=[s.listing for s in found.items],
        total=found.total,
    )
