"""Console pages of the seller's registered items: the list, a new price or channels, deregistering."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from registration.domain.commands import ChangeRegistration, DeregisterItem
from registration.domain.errors import RegistrationNotFound
from registration.domain.model import RegistrationNotActive, RegistrationStatus, Seller
from registration.entrypoints.auth import CurrentSeller
from registration.entrypoints.console.pages import (
    PAGE_SIZE,
    PageAsked,
    checked_form,
    clean_id,
    first_of,
    not_found,
    page,
    page_number,
    pages,
    status_filter,
)
from registration.entrypoints.dependencies import UoW
from registration.entrypoints.schemas import RegistrationChangeIn
from registration.service_layer import registrations as handlers
from registration.service_layer import views
from registration.service_layer.unit_of_work import RegistrationUnitOfWork

router = APIRouter(include_in_schema=False)


@router.get("/registrations", response_class=HTMLResponse)
async def registrations(
    request: Request,
    seller: CurrentSeller,
    uow: UoW,
    status: str = "registered",
    page_: PageAsked = None,
) -> Response:
    number = page_number(page_)
    wanted = status_filter(RegistrationStatus, status)
    found = await views.registrations(
        uow, seller.seller_id, status=wanted, limit=PAGE_SIZE, offset=first_of(number)
    )
    return page(
        request,
        "registrations.html",
        seller,
        registrations=found.items,
        status=wanted.value if wanted else "all",
        pages=pages(found.total, number),
    )


@router.post("/registrations/{fnsku}/offer", response_class=HTMLResponse)
async def change_offer(request: Request, fnsku: str, seller: CurrentSeller, uow: UoW) -> Response:
    form = await checked_form(request)
    try:
        body = RegistrationChangeIn(
            price=str(form.get("price", "")).strip() or None,
            channels=[str(c) for c in form.getlist("channel")] or None,
        )
    except ValidationError as e:
        return await _registration_error(
            request, seller, uow, "; ".join(err["msg"] for err in e.errors())
        )
    command = ChangeRegistration(
        seller.seller_id,
        clean_id(fnsku),
        body.price,
        tuple(body.channels) if body.channels else None,
    )
    try:
        await handlers.change_registration(command, uow)
    except RegistrationNotFound:
        return not_found(request, seller, f"Registration {clean_id(fnsku)} does not exist.")
    except RegistrationNotActive as e:
        return await _registration_error(request, seller, uow, str(e))
    return RedirectResponse("/console/registrations?notice=price-changed", status_code=303)


@router.post("/registrations/{fnsku}/deregister", response_class=HTMLResponse)
async def deregister(request: Request, fnsku: str, seller: CurrentSeller, uow: UoW) -> Response:
    await checked_form(request)
    try:
        await handlers.deregister_item(
            DeregisterItem(seller.seller_id, clean_id(fnsku), "deregistered in the seller console"),
            uow,
        )
    except RegistrationNotFound:
        return not_found(request, seller, f"Registration {clean_id(fnsku)} does not exist.")
    except RegistrationNotActive as e:
        return await _registration_error(request, seller, uow, str(e))
    return RedirectResponse("/console/registrations?notice=deregistered", status_code=303)


async def _registration_error(
    request: Request, seller: Seller, uow: RegistrationUnitOfWork, message: str
) -> Response:
    found = await views.registrations(
        uow, seller.seller_id, status=RegistrationStatus.REGISTERED, limit=PAGE_SIZE, offset=0
    )
    return page(
        request,
        "registrations.html",
        seller,
        status_code=422,
        registrations=found.items,
        status="registered",
        pages=pages(found.total, 1),
        error=message,
    )
