"""What every FC page shares: the layout (one stylesheet from this origin, since the pages' CSP
allows no inline style or script), who is signed in with a sign-out button, the sign-in form,
the CSRF field every POST form carries, and reading a posted form.

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


def page(request: Request, title: str, body: str, *, actor: Actor | None = None, status_code: int = 200) -> HTMLResponse:
    """A whole page: who is signed in (with a sign-out button) above `body`."""
    who = ""
    if actor is not None:
        who = (
            f"<header class='who'><span>Signed in as {escape(_named(actor))}</span>"
            f"<form method='post' action='/fc/sign-out'>{csrf_field(request)}"
            "<button type='submit'>Sign out</button></form></header>"
        )
    html = (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"<link rel='stylesheet' href='{STYLESHEET_PATH}'></head>"
        f"<body>{who}<h1>{escape(title)}</h1>{body}</body></html>"
    )
    response = HTMLResponse(html, status_code=status_code)
    # A visitor not signed in gets the CSRF nonce its forms were made for (the sign-in form's).
    sessions(request).keep_csrf_nonce(request, response)
    return response


def _named(actor: Actor) -> str:
    return f"fulfillment center {actor.subject}" if not actor.is_operator else f"operator {actor.subject}"


def sign_in_form(request: Request, *, next_path: str = "/fc", error: str | None = None) -> str:
    """The sign-in form: the FC's (or an operator's) credential, posted with a CSRF token."""
    problem = f"<p class='error' role='alert'>{escape(error)}</p>" if error else ""
    return (
        f"{problem}<form method='post' action='/fc/sign-in'>{csrf_field(request)}"
        f"<input type='hidden' name='next' value='{escape(safe_next(next_path))}'>"
        "<p><label>Fulfillment center credential <input name='token' type='password' required autofocus "
        "autocomplete='off' placeholder='sp_…'></label></p>"
        "<p><button type='submit'>Sign in</button></p></form>"
        "<p>Ask the operator for your FC's credential (<code>stockpath credentials issue fulfillment-center &lt;FC id&gt;</code>).</p>"
    )


def safe_next(next_path: str | None) -> str:
    """Where to go after sign-in: one of the FC pages, never another site."""
    return next_path if next_path and len(next_path) <= 300 and _NEXT.fullmatch(next_path) else "/fc"


async def read_form(request: Request) -> dict[str, str]:
    """The first value of each field of a posted urlencoded form (parsed here rather than with
    python-multipart: one dependency fewer); `DamagedForm` if it cannot be one of ours."""
    try:
        fields = parse_qs((await request.body()).decode("utf-8", "replace"), max_num_fields=_MAX_FORM_FIELDS)
    except ValueError as e:
        raise DamagedForm("the form is damaged; reload the page") from e
    return {name: values[0] for name, values in fields.items()}
