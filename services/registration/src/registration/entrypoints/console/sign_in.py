"""Signing in and out of the console.

The seller posts its token once, on a form that carries a CSRF token like every other (so no
other site can sign a browser in under the attacker's account). The token is checked and
forgotten: the session cookie the runtime's `Sessions` sets holds only the credential's id and a
nonce, signed — never the token — and the session ends with the credential (revoked, rotated
away or expired) or at sign-out.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from registration.entrypoints.auth import CurrentSeller
from registration.entrypoints.console.pages import checked_form, safe_next, sign_in_page
from registration.entrypoints.dependencies import UoW
from registration.service_layer import views
from stockpath_runtime.auth import public
from stockpath_runtime.credentials import ActorKind
from stockpath_runtime.http import sessions

router = APIRouter(include_in_schema=False)

#: Longer than any token: what is longer is not one, and is not looked up.
MAX_TOKEN = 200


@router.get("", response_class=HTMLResponse)
async def home(seller: CurrentSeller) -> Response:
    return RedirectResponse("/console/catalog", status_code=303)


@router.get("/sign-in", response_class=HTMLResponse, dependencies=[public()])
async def sign_in_form(request: Request, next: str = "/console/catalog") -> Response:
    return sign_in_page(request, next_path=next)


@router.post("/sign-in", response_class=HTMLResponse, dependencies=[public()])
async def sign_in(request: Request, uow: UoW) -> Response:
    form = await checked_form(request)
    token = str(form.get("token", "")).strip()
    next_path = str(form.get("next", ""))
    if not token:
        return sign_in_page(
            request, status_code=401, next_path=next_path, error="Enter your seller token."
        )
    credential = await views.credential_of_token(uow, token) if len(token) <= MAX_TOKEN else None
    if credential is None:
        return sign_in_page(
            request,
            status_code=401,
            next_path=next_path,
            error="That token does not belong to any seller, or it has expired or been revoked. Check it and try again.",
        )
    if (
        credential.kind is not ActorKind.SELLER
        or await views.seller(uow, credential.subject) is None
    ):
        return sign_in_page(
            request,
            status_code=403,
            next_path=next_path,
            error="That token is not a seller's: the console is for sellers. Sign in with your seller token.",
        )
    response = RedirectResponse(f"{safe_next(next_path)}?notice=signed-in", status_code=303)
    sessions(request).sign_in(response, credential.credential_id)
    return response


@router.post("/sign-out", dependencies=[public()])
async def sign_out(request: Request) -> Response:
    await checked_form(request)
    response = RedirectResponse("/console/sign-in", status_code=303)
    sessions(request).sign_out(response)
    return response
