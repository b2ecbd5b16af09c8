"""Signing in to the FC pages, and how the pages answer a visitor who may not see them.

An FC signs in with its own credential (``stockpath credentials issue fulfillment-center SEA1``),
an operator with theirs. The runtime's `Sessions` then keeps a signed cookie
holding the credential's id and a nonce — never the token — and the pages authenticate with it
by the same rules as the API (``allow(FC, OPERATOR)``, which takes a bearer header too). The
sign-in form carries a CSRF token made for an anonymous nonce cookie, so another site can neither
sign a browser in as someone else nor post a form in a signed-in FC's name.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from inventory.entrypoints.fc_html import (
    STYLESHEET,
    DamagedForm,
    SessionsDep,
    banner,
    page,
    read_form,
    safe_next,
    sign_in_form,
)
from inventory.entrypoints.http import UoW
from stockpath_runtime.auth import Forbidden, public
from stockpath_runtime.credentials import ActorKind, Credential, parse_token
from stockpath_runtime.http import Unauthorized
from stockpath_runtime.sessions import CSRF_FIELD, InvalidCsrfToken

router = APIRouter(prefix="/fc", include_in_schema=False)

#: Who may sign in to the FC pages.
_PAGE_USERS = (ActorKind.FULFILLMENT_CENTER, ActorKind.OPERATOR)
_TITLE = "FC receiving: sign in"


@router.get("/fc.css", dependencies=[public()])
async def stylesheet() -> Response:
    return Response(
        STYLESHEET, media_type="text/css", headers={"Cache-Control": "public, max-age=3600"}
    )


@router.get("/sign-in", response_class=HTMLResponse, dependencies=[public()])
async def sign_in_page(request: Request, next: str | None = None) -> Response:
    return _sign_in_page(request, sign_in_form(request, next_path=next))


@router.post("/sign-in", response_class=HTMLResponse, dependencies=[public()])
async def sign_in(request: Request, uow: UoW, session: SessionsDep) -> Response:
    form = await read_form(request)
    session.check_csrf(request, form.get(CSRF_FIELD))
    next_path = safe_next(form.get("next"))
    credential = await _valid_credential(uow, form.get("token", ""))
    if credential is None:
        error = "That credential is not valid: check it was copied whole, and that it has not expired or been revoked."
        return _sign_in_page(request, sign_in_form(request, next_path=next_path, error=error), 401)
    if credential.kind not in _PAGE_USERS:
        error = f"That is a {credential.kind.value}'s credential: these pages are for fulfillment centers and operators."
        return _sign_in_page(request, sign_in_form(request, next_path=next_path, error=error), 403)
    response = RedirectResponse(next_path, status_code=303)
    session.sign_in(response, credential.credential_id)
    return response


@router.post("/sign-out", dependencies=[public()])
async def sign_out(request: Request, session: SessionsDep) -> Response:
    form = await read_form(request)
    session.check_csrf(request, form.get(CSRF_FIELD))
    response = RedirectResponse("/fc/sign-in", status_code=303)
    session.sign_out(response)
    return response


def _sign_in_page(request: Request, body: str, status_code: int = 200) -> Response:
    return page(request, _TITLE, body, heading="Sign in", narrow=True, status_code=status_code)


async def _valid_credential(uow: UoW, token: str) -> Credential | None:
    """The credential a token proves, if it is valid now (the service's copy of the credentials)."""
    parsed = parse_token(token) if len(token) <= 200 else None
    if parsed is None:
        return None
    credential_id, secret = parsed
    async with uow:
        credential = await uow.credentials.get(credential_id)
    if (
        credential is None
        or not credential.proves(secret)
        or not credential.valid_at(datetime.now(UTC))
    ):
        return None
    return credential


# --- how the pages answer refusals -------------------------------------------------------------

Handler = Callable[[Request, Exception], Awaitable[Response]]


def page_error_handlers(api_handler: Handler) -> dict[type[Exception], Handler]:
    """The app's handlers of the refusals the FC pages answer as pages: a visitor not signed in
    gets the sign-in form (401), one the pages do not serve a 403 page, a form without a valid
    CSRF token a 403 page saying to reload, a damaged form a 422 page. Elsewhere (the JSON API)
    `api_handler`, the runtime's JSON answer, answers."""

    async def unauthorized(request: Request, exc: Exception) -> Response:
        if not _is_page(request):
            return await api_handler(request, exc)
        body = sign_in_form(request, next_path=request.url.path)
        return _sign_in_page(
            request, "<p>Sign in to record what arrived at your fulfillment center.</p>" + body, 401
        )

    async def forbidden(request: Request, exc: Exception) -> Response:
        if not _is_page(request):
            return await api_handler(request, exc)
        body = (
            banner("error", "These pages are for fulfillment centers and operators.")
            + "<p><a href='/fc/sign-in'>Sign in with a fulfillment center's credential</a></p>"
        )
        return page(request, "Not for you", body, narrow=True, status_code=403)

    def reload(status_code: int) -> Handler:
        async def answer(request: Request, exc: Exception) -> Response:
            body = banner("error", f"{exc}.") + "<p><a href='/fc'>Back to FC receiving</a></p>"
            return page(request, "Reload the page", body, narrow=True, status_code=status_code)

        return answer

    invalid_csrf, damaged = reload(403), reload(422)

    return {
        Unauthorized: unauthorized,
        Forbidden: forbidden,
        InvalidCsrfToken: invalid_csrf,
        DamagedForm: damaged,
    }


def _is_page(request: Request) -> bool:
    return request.url.path == "/fc" or request.url.path.startswith("/fc/")
