"""Signing in and out of the console with the seller's token.

The token is kept in an HttpOnly, SameSite=Strict cookie scoped to ``/console``: scripts cannot
read it and other sites cannot post with it, so the console's forms need no other CSRF token.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from registration.entrypoints.console.pages import COOKIE, page, seller_of, signed_in
from registration.entrypoints.dependencies import Deps, UoW

router = APIRouter(include_in_schema=False)


@router.get("", response_class=HTMLResponse)
async def home(request: Request, uow: UoW) -> Response:
    await signed_in(request, uow)
    return RedirectResponse("/console/catalog", status_code=303)


@router.get("/sign-in", response_class=HTMLResponse)
async def sign_in_form(request: Request, next: str = "/console/catalog") -> Response:
    return page(request, "sign_in.html", None, next=_safe_next(next))


def _safe_next(next_path: str) -> str:
    # Only our own pages: an attacker's link must not bounce a seller to another site after sign-in.
    return next_path if re.fullmatch(r"/console(/[A-Za-z0-9/_-]*)?", next_path or "") else "/console/catalog"


@router.post("/sign-in", response_class=HTMLResponse)
async def sign_in(request: Request, uow: UoW, deps: Deps) -> Response:
    form = await request.form()
    token = str(form.get("token", "")).strip()
    next_path = _safe_next(str(form.get("next", "")))
    seller = await seller_of(uow, token)
    if seller is None:
        error = "Enter your seller token." if not token else "That token does not belong to any seller. Check it and try again."
        return page(request, "sign_in.html", None, status_code=401, error=error, next=next_path)
    response = RedirectResponse(f"{next_path}?notice=signed-in", status_code=303)
    response.set_cookie(
        COOKIE, token, httponly=True, samesite="strict", path="/console",
        secure=deps.secure_cookie, max_age=12 * 3600,
    )
    return response


@router.post("/sign-out")
async def sign_out() -> Response:
    response = RedirectResponse("/console/sign-in", status_code=303)
    response.delete_cookie(COOKIE, path="/console")
    return response
