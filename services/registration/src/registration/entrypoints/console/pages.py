"""What every console page shares: the templates, the CSRF token of every form, page numbers,
notices, and the pages that refuse (not found, sign in, not for you, reload the form).

A page serves the signed-in seller only (`CurrentSeller`: the runtime's `allow(SELLER)`, which
reads the session cookie — or a bearer header, like the API). Without a valid session (never
signed in, signed out, the credential revoked or expired) a page answers 401 with the sign-in
form in its place; every POST checks the form's CSRF token first (`checked_form`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Annotated, TypeVar
from urllib.parse import urlencode

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import TypeAdapter, ValidationError
from starlette.datastructures import FormData

from registration.adapters.services import ServiceUnavailable
from registration.console import TEMPLATES
from registration.domain.model import Seller
from registration.entrypoints.schemas import HandedOutId
from stockpath_runtime.http import ClientError, sessions
from stockpath_runtime.sessions import CSRF_FIELD, InvalidCsrfToken

templates = Jinja2Templates(directory=str(TEMPLATES))

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
TIER_TITLES = {
    "small_standard": "Small standard",
    "large_standard": "Large standard",
    "oversize": "Oversize",
}
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


async def checked_form(request: Request) -> FormData:
    """The posted form, once its CSRF token is this browser's (`InvalidCsrfToken` otherwise)."""
    form = await request.form()
    token = form.get(CSRF_FIELD)
    sessions(request).check_csrf(request, token if isinstance(token, str) else None)
    return form


def page(
    request: Request, name: str, seller: Seller | None, status_code: int = 200, **context
) -> HTMLResponse:
    """A page; its forms carry this browser's CSRF token (a visitor not signed in gets its cookie)."""
    notice = NOTICES.get(request.query_params.get("notice", ""))
    forms = sessions(request)
    response = templates.TemplateResponse(
        request,
        name,
        {"seller": seller, "notice": notice, "csrf_token": forms.csrf_token(request), **context},
        status_code=status_code,
    )
    forms.keep_csrf_nonce(request, response)
    return response


async def form_page(
    request: Request,
    seller: Seller,
    name: str,
    asked: Awaitable,
    *,
    shown_as: str,
    unavailable: str,
    typed: dict | None = None,
    error: str | None = None,
    status_code: int = 200,
    **context,
) -> HTMLResponse:
    """A page with a form above what another service answered (`asked`, shown as `shown_as`): the
    form keeps what was typed; when the service cannot be asked, the page says so (503) and shows
    nothing of it (None)."""
    try:
        found = await asked
    except ServiceUnavailable:
        found, error, status_code = None, unavailable, 503
    return page(
        request,
        name,
        seller,
        status_code=status_code,
        typed=typed or {},
        error=error,
        **{shown_as: found},
        **context,
    )


async def service_page(
    request: Request,
    seller: Seller,
    name: str,
    *,
    rows: str,
    ask: Callable[[int, int], Awaitable[dict]],
    page_asked: str | None,
    unavailable: str,
    shown: Callable[[list[dict]], Awaitable[dict]] | None = None,
    **context,
) -> Response:
    """A page showing one page of rows another service answers: `ask(limit, offset)` for the page
    asked in the address bar, the rows as `rows` in the template (with `pages`, and whatever
    `shown(rows)` adds); a 503 saying `unavailable` when the service does not answer."""
    number = page_number(page_asked)
    try:
        found = await ask(PAGE_SIZE, first_of(number))
    except ServiceUnavailable:
        return page(
            request,
            name,
            seller,
            status_code=503,
            pages=None,
            error=unavailable,
            **{rows: None},
            **context,
        )
    return page(
        request,
        name,
        seller,
        pages=pages(found["total"], number),
        error=None,
        **{rows: found["items"]},
        **(await shown(found["items"]) if shown is not None else {}),
        **context,
    )


def sign_in_page(
    request: Request, *, status_code: int = 200, next_path: str = "", error: str | None = None
) -> Response:
    return page(
        request,
        "sign_in.html",
        None,
        status_code=status_code,
        next=safe_next(next_path),
        error=error,
    )


def safe_next(next_path: str) -> str:
    # Only our own pages: an attacker's link must not bounce a seller to another site after sign-in.
    return (
        next_path
        if re.fullmatch(r"/console(/[A-Za-z0-9/_-]*)?", next_path or "")
        else "/console/catalog"
    )


def refusals(json_answer):
    """The exception handler of 401 and 403 (the runtime's `allow`) and of a CSRF token that does
    not check out: the console answers with a page, the JSON API with `json_answer` as before."""

    async def answer(request: Request, exc: Exception) -> Response:
        if isinstance(exc, InvalidCsrfToken):
            return page(
                request,
                "refused.html",
                None,
                status_code=403,
                title="Reload the page",
                message="This form has expired or did not come from this site. Reload the page and try again.",
                again=request.headers.get("referer", "") if _same_site(request) else "",
                again_label="Reload",
            )
        if not request.url.path.startswith("/console"):
            return await json_answer(request, exc)
        if isinstance(exc, ClientError) and exc.status_code == 401:
            ended = sessions(request).credential_of(request) is not None
            return sign_in_page(
                request,
                status_code=401,
                next_path=request.url.path if request.method == "GET" else "",
                error="Your session has ended. Sign in again." if ended else None,
            )
        return page(
            request,
            "refused.html",
            None,
            status_code=403,
            title="This console is for sellers",
            message="The credential you signed in with is not a seller's. Sign in with your seller token.",
            again="/console/sign-in",
            again_label="Sign in",
        )

    return answer


def _same_site(request: Request) -> bool:
    referer = request.headers.get("referer", "")
    return referer.startswith(f"{request.url.scheme}://{request.url.netloc}/console")


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
    return {
        "number": number,
        "count": count,
        "capped": capped,
        "total": total,
        "previous": number - 1 if number > 1 else None,
        "next": number + 1 if number < count else None,
    }


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


def refusal(answer: dict) -> str:
    """What another service's 4xx answer says, as a sentence: its error's message, or the fields a
    validation error names."""
    error = answer.get("error")
    detail = (
        (error.get("message") if isinstance(error, dict) else None)
        or answer.get("detail")
        or answer.get("message")
        or answer
    )
    if isinstance(detail, list):  # a validation error: name the fields
        detail = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', [])[1:])}: {e.get('msg')}" for e in detail[:5]
        )
    return sentence(str(detail))


def sentence(text: str) -> str:
    """A service-layer message as a sentence, ids untouched (str.capitalize would lowercase them)."""
    text = text.strip()
    return (text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")) if text else text


templates.env.globals.update(
    reason_titles=REASON_TITLES,
    tier_titles=TIER_TITLES,
    carriers=CARRIERS,
    channels=CHANNELS,
    query=_query,
)
templates.env.filters["sentence"] = sentence
