"""What every FC page shares: the layout (the seller console's look — top bar, cards, tables,
buttons, banners — from one stylesheet of this origin, since the pages' CSP allows no inline
style or script), who is signed in with a sign-out button, the sign-in form, the CSRF field every
POST form carries, and reading a posted form.

The pages work without JavaScript: plain forms, server-rendered answers.
"""

from __future__ import annotations

import re
from html import escape
from pathlib import Path
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from stockpath_runtime.auth import Actor
from stockpath_runtime.http import sessions
from stockpath_runtime.sessions import CSRF_FIELD, Sessions

#: The web sessions and CSRF tokens of the pages (the runtime's).
SessionsDep = Annotated[Sessions, Depends(sessions)]
STYLESHEET = (Path(__file__).parent / "static" / "fc.css").read_text()
STYLESHEET_PATH = "/fc/fc.css"
#: A plain urlencoded form has a handful of fields; anything with more is not one of ours.
_MAX_FORM_FIELDS = 20
_NEXT = re.compile(r"/fc(/[A-Za-z0-9._:-]+)*")


class DamagedForm(ValueError):
    """A posted form that none of our pages could have sent."""


def csrf_field(request: Request) -> str:
    """The hidden field of the CSRF token, for every POST form of a page."""
    token = sessions(request).csrf_token(request)
    return f"<input type='hidden' name='{CSRF_FIELD}' value='{escape(token)}'>"


def page(
    request: Request,
    title: str,
    body: str,
    *,
    actor: Actor | None = None,
    status_code: int = 200,
    heading: str | None = None,
    narrow: bool = False,
) -> HTMLResponse:
    """A whole page in the console's look: the top bar (who is signed in, with a sign-out button),
    then `heading` (the title unless given; "" when `body` brings its own) and `body`, in a narrow
    card when `narrow` (sign-in and message pages)."""
    who = ""
    if actor is not None:
        who = (
            f"<div class='who'><span>Signed in as {escape(_named(actor))}</span>"
            f"<form method='post' action='/fc/sign-out'>{csrf_field(request)}"
            "<button type='submit' class='link'>Sign out</button></form></div>"
        )
    heading = f"<h1>{escape(title if heading is None else heading)}</h1>" if heading != "" else ""
    content = (
        f"<section class='card narrow'>{heading}{body}</section>" if narrow else f"{heading}{body}"
    )
    html = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(title)} · Stockpath</title><link rel='stylesheet' href='{STYLESHEET_PATH}'></head>"
        "<body><header class='topbar'><a class='brand' href='/fc'>Stockpath <span>FC receiving</span></a>"
        f"{who}</header><main>{content}</main>"
        "<footer>Stockpath fulfillment services · receiving desk</footer></body></html>"
    )
    response = HTMLResponse(html, status_code=status_code)
    # A visitor not signed in gets the CSRF nonce its forms were made for (the sign-in form's).
    sessions(request).keep_csrf_nonce(request, response)
    return response


def banner(kind: str, text: str) -> str:
    """A message above a page's content: `notice` (done), `error` (refused) or `info`."""
    role = {"notice": " role='status'", "error": " role='alert'"}.get(kind, "")
    return f"<p class='banner {kind}'{role}>{escape(text)}</p>"


def _named(actor: Actor) -> str:
    return (
        f"fulfillment center {actor.subject}"
        if not actor.is_operator
        else f"operator {actor.subject}"
    )


def sign_in_form(request: Request, *, next_path: str = "/fc", error: str | None = None) -> str:
    """The sign-in form: the FC's (or an operator's) credential, posted with a CSRF token."""
    return (
        f"{banner('error', error) if error else ''}"
        "<p class='muted'>Use your fulfillment center's credential (<span class='mono'>sp_…</span>).</p>"
        f"<form method='post' action='/fc/sign-in' class='stack'>{csrf_field(request)}"
        f"<input type='hidden' name='next' value='{escape(safe_next(next_path))}'>"
        "<label>Fulfillment center credential <input name='token' type='password' required autofocus "
        "autocomplete='off' maxlength='200' placeholder='sp_…'></label>"
        "<button type='submit' class='primary'>Sign in</button></form>"
        "<p class='small muted'>Ask the operator for your FC's credential "
        "(<code>stockpath credentials issue fulfillment-center &lt;FC id&gt;</code>).</p>"
    )


def safe_next(next_path: str | None) -> str:
    """Where to go after sign-in: one of the FC pages, never another site."""
    return (
        next_path if next_path and len(next_path) <= 300 and _NEXT.fullmatch(next_path) else "/fc"
    )


async def read_form(request: Request) -> dict[str, str]:
    """The first value of each field of a posted urlencoded form (parsed here rather than with
    python-multipart: one dependency fewer); `DamagedForm` if it cannot be one of ours."""
    try:
        fields = parse_qs(
            (await request.body()).decode("utf-8", "replace"), max_num_fields=_MAX_FORM_FIELDS
        )
    except ValueError as e:
        raise DamagedForm("the form is damaged; reload the page") from e
    return {name: values[0] for name, values in fields.items()}
