"""What a buyer's browser sends the storefront, read and bounded: the cart and buyer-key cookies,
and its forms (every field bounded, every post carrying this browser's CSRF token).

- **Cart** (``stockpath_cart``): the lines the buyer chose; nothing to store for browsing buyers.
  Anything unreadable or out of bounds counts as not there: every check that matters is made
  again at checkout.
- **Buyer key** (``stockpath_buyer``): 256 random bits the browser gets with its first cart line
  (or at checkout). An order keeps its digest, and the order page — which shows the buyer's
  address — is shown only to the browser holding the key (`listing.domain.orders`).
- **Forms**: at most `FORM_FIELDS_MAX` fields of at most `FIELD_MAX` characters (`FormTooLarge`
  otherwise), and the runtime's CSRF token of this browser (`InvalidCsrfToken` otherwise; a request
  with a bearer header needs none). Both answer as pages (`PAGE_ERRORS`).
"""

from __future__ import annotations

import base64
import json
import re
import secrets
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import Depends, Request, Response

from listing.domain.checkout import MAX_LINES, MAX_QUANTITY, CartLine
from stockpath_runtime.http import ID_PATTERN, sessions
from stockpath_runtime.sessions import CSRF_FIELD

CART_COOKIE = "stockpath_cart"
BUYER_COOKIE = "stockpath_buyer"
COOKIE_PATH = "/shop"
CART_MAX_AGE_S = 30 * 24 * 3600
#: An order page stays reachable from the browser that placed it this long after its last checkout.
BUYER_MAX_AGE_S = 180 * 24 * 3600

#: A storefront form has a handful of fields (checkout: nine and the CSRF token)...
FORM_FIELDS_MAX = 20
#: ...none of which needs more than this many characters (an address line takes 200).
FIELD_MAX = 1_000
#: A listing id as the storefront names it (the listings API bounds it the same).
LISTING_ID_MAX = 300

_LISTING_ID = re.compile(ID_PATTERN)
_BUYER_KEY = re.compile(r"^[A-Za-z0-9_-]{43}$")


class FormTooLarge(Exception):
    """A form with more fields, or longer ones, than any storefront form has."""

    def __init__(self) -> None:
        super().__init__(
            f"The form is larger than the shop accepts (at most {FORM_FIELDS_MAX} fields of {FIELD_MAX} characters)."
        )


def listing_id_ok(listing_id: str) -> bool:
    return len(listing_id) <= LISTING_ID_MAX and _LISTING_ID.match(listing_id) is not None


# --- the cart ---------------------------------------------------------------------------------


def read_cart(request: Request) -> list[CartLine]:
    """The cart in the buyer's cookie; anything unreadable counts as an empty cart, and a line out
    of bounds as no line."""
    raw = request.cookies.get(CART_COOKIE)
    if not raw:
        return []
    try:
        pairs = json.loads(base64.urlsafe_b64decode(raw.encode()))
        lines = [CartLine(str(listing_id), int(quantity)) for listing_id, quantity in pairs]
    except (ValueError, TypeError):
        return []
    return [
        line
        for line in lines
        if 0 < line.quantity <= MAX_QUANTITY and listing_id_ok(line.listing_id)
    ][:MAX_LINES]


def write_cart(request: Request, response: Response, cart: list[CartLine]) -> None:
    if not cart:
        response.delete_cookie(CART_COOKIE, path=COOKIE_PATH)
        return
    value = base64.urlsafe_b64encode(
        json.dumps([[c.listing_id, c.quantity] for c in cart]).encode()
    ).decode()
    _set(request, response, CART_COOKIE, value, CART_MAX_AGE_S)


# --- the buyer key ----------------------------------------------------------------------------


def buyer_key(request: Request) -> str | None:
    """This browser's buyer key, if it has a well-formed one."""
    key = request.cookies.get(BUYER_COOKIE, "")
    return key if _BUYER_KEY.match(key) else None


def buyer_key_or_new(request: Request) -> str:
    """This browser's buyer key, or a new one (which `keep_buyer_key` gives it)."""
    return buyer_key(request) or secrets.token_urlsafe(32)


def keep_buyer_key(request: Request, response: Response, key: str) -> None:
    """Give (or give again, for another `BUYER_MAX_AGE_S`) the browser its buyer key."""
    _set(request, response, BUYER_COOKIE, key, BUYER_MAX_AGE_S)


def _set(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    # Lax, not Strict: a buyer following a link to the shop (from an e-mail, a product feed) still
    # brings its cart and can see its orders; forms are guarded by the CSRF token instead.
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=sessions(request).secure,
    )


# --- forms ------------------------------------------------------------------------------------


async def posted_form(request: Request) -> dict[str, str]:
    """The url-encoded form of a storefront post, first value of each field, bounded and
    CSRF-checked (no multipart: the pages post none)."""
    body = (await request.body()).decode("utf-8", errors="replace")
    try:
        fields = parse_qs(body, keep_blank_values=True, max_num_fields=FORM_FIELDS_MAX)
    except ValueError as e:
        raise FormTooLarge() from e
    form = {name: values[0] for name, values in fields.items()}
    if any(len(name) > 100 or len(value) > FIELD_MAX for name, value in form.items()):
        raise FormTooLarge()
    sessions(request).check_csrf(request, form.get(CSRF_FIELD))
    return form


#: A route's posted form (`posted_form`).
PostedForm = Annotated[dict[str, str], Depends(posted_form)]
