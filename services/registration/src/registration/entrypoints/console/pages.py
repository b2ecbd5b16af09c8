"""What every console page shares: the templates, the signed-in seller (from the session cookie),
page numbers, notices and the not-found page."""

from __future__ import annotations

import math
from enum import StrEnum
from typing import Annotated, TypeVar
from urllib.parse import urlencode

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import TypeAdapter, ValidationError

from registration.console import TEMPLATES
from registration.domain.model import Seller
from registration.entrypoints.schemas import HandedOutId
from registration.service_layer import views
from registration.service_layer.unit_of_work import RegistrationUnitOfWork

templates = Jinja2Templates(directory=str(TEMPLATES))

#: The session cookie: the seller's token, HttpOnly and SameSite=Strict (see `sign_in`).
COOKIE = "stockpath_seller_token"
PAGE_SIZE = 20
#: The console never pages further than this into anything (the catalog caps offsets too).
MAX_PAGE = 2_000

REASON_TITLES = {
    "UNKNOWN_CATALOG_ITEM": "Not in the catalog",
    "MISSING_DIMENSIONS": "Missing package dimensions",
    "MISSING_WEIGHT": "Missing weight",
    "RESTRICTED_CATEGORY": "Restricted category",
    "HAZMAT_REVIEW_REQUIRED": "Hazmat review required",
    "OVER_SIZE_LIMIT": "Over the size or weight limit",
    "DUPLICATE_SELLER_SKU": "Seller SKU already used",
    "ALREADY_REGISTERED": "Already registered",
}
TIER_TITLES = {"small_standard": "Small standard", "large_standard": "Large standard", "oversize": "Oversize"}
NOTICES = {
    "signed-in": "Signed in.",
    "shipped": "Marked as shipped. The fulfillment center expects the boxes.",
    "cancelled": "Shipment cancelled.",
    "price-changed": "Price and channels updated. Listings follow shortly.",
    "deregistered": "Item deregistered. Its listings close shortly and its SKU is free again.",
}
CARRIERS = ("UPS", "FedEx", "USPS", "DHL", "Other")
#: The sales channels the listing service offers (services/listing/src/listing/domain/channels.py).
CHANNELS = ("storefront", "marketplace-feed", "webhook")


class SignInRequired(Exception):
    """Raised by a page when no valid session cookie came with the request."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


def sign_in_redirect(request: Request, exc: SignInRequired) -> Response:
    return RedirectResponse(f"/console/sign-in?{urlencode({'next': exc.next_path})}", status_code=303)


async def seller_of(uow: RegistrationUnitOfWork, token: str | None) -> Seller | None:
    if not token or len(token) > 200:
        return None
    return await views.seller_with_token(uow, token)


async def signed_in(request: Request, uow: RegistrationUnitOfWork) -> Seller:
    """The seller of the session cookie; without one, the page redirects to the sign-in form."""
    seller = await seller_of(uow, request.cookies.get(COOKIE))
    if seller is None:
        raise SignInRequired(request.url.path)
    return seller


def page(request: Request, name: str, seller: Seller | None, status_code: int = 200, **context) -> HTMLResponse:
    notice = NOTICES.get(request.query_params.get("notice", ""))
    return templates.TemplateResponse(
        request, name, {"seller": seller, "notice": notice, **context}, status_code=status_code
    )


def not_found(request: Request, seller: Seller, message: str) -> Response:
    return page(request, "not_found.html", seller, status_code=404, message=message)


#: The page the address bar asks for (``?page=``), read leniently by `page_number`.
PageAsked = Annotated[str | None, Query(alias="page")]
Status = TypeVar("Status", bound=StrEnum)


def status_filter(statuses: type[Status], raw: str) -> Status | None:
    """A status filter from the address bar; anything unknown shows every status."""
    return statuses(raw) if raw in {s.value for s in statuses} else None


def first_of(number: int) -> int:
    """Where page `number` starts (the offset of its first item)."""
    return (number - 1) * PAGE_SIZE


def page_number(raw: str | None) -> int:
    """Page numbers from the address bar: anything odd is page 1, never an error page."""
    try:
        return min(max(int(raw or 1), 1), MAX_PAGE)
    except ValueError:
        return 1


def pages(total: int, number: int, capped: bool = False) -> dict:
    count = max(1, math.ceil(total / PAGE_SIZE))
    return {"number": number, "count": count, "capped": capped, "total": total,
            "previous": number - 1 if number > 1 else None, "next": number + 1 if number < count else None}


_HANDED_OUT_ID = TypeAdapter(HandedOutId)


def clean_id(raw: str) -> str:
    """An id from the address bar as the ids registration hands out look (as the API takes them);
    anything else becomes one that matches nothing."""
    try:
        return _HANDED_OUT_ID.validate_python(raw)
    except ValidationError:
        return "-"


def _query(**params) -> str:
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})


def sentence(text: str) -> str:
    """A service-layer message as a sentence, ids untouched (str.capitalize would lowercase them)."""
    text = text.strip()
    return (text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")) if text else text


templates.env.globals.update(
    reason_titles=REASON_TITLES, tier_titles=TIER_TITLES, carriers=CARRIERS, channels=CHANNELS, query=_query
)
templates.env.filters["sentence"] = sentence
