"""Console pages to find items and register them: catalog search, the eligibility preview of the
chosen items, and the registration form it leads to."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import TypeAdapter, ValidationError

from registration.adapters.catalog import CatalogClient, CatalogRefused, CatalogUnavailable
from registration.domain.commands import PreviewItems, RegisterItems
from registration.domain.errors import RequestIdReused
from registration.domain.identifiers import CATALOG_ITEM_ID_PATTERN
from registration.domain.model import Offer, Seller
from registration.entrypoints.auth import CurrentSeller
from registration.entrypoints.console.pages import (
    PAGE_SIZE,
    PageAsked,
    checked_form,
    first_of,
    page,
    page_number,
    pages,
)
from registration.entrypoints.dependencies import Catalog, Deps, UoW
from registration.entrypoints.schemas import ItemIn, RequestId
from registration.service_layer import registrations
from registration.service_layer.unit_of_work import RegistrationUnitOfWork
from stockpath_events import Condition

router = APIRouter(include_in_schema=False)

IDENTIFIER_LIKE = re.compile(r"^[0-9Xx][0-9Xx \-]{6,18}$")
_REQUEST_ID = TypeAdapter(RequestId)


@router.get("/catalog", response_class=HTMLResponse)
async def catalog_page(
    request: Request,
    seller: CurrentSeller,
    catalog: Catalog,
    q: str = "",
    brand: str = "",
    category: str = "",
    page_: PageAsked = None,
) -> Response:
    number = page_number(page_)
    # The catalog takes 200 characters per field; a longer paste is cut, not refused with a JSON error.
    q, brand, category = q.strip()[:200], brand.strip()[:200], category.strip()[:200]
    params = {"brand": brand, "category": category, "limit": PAGE_SIZE}
    # A seller scanning or typing a UPC/EAN/ISBN gets the exact item, not a keyword search.
    if IDENTIFIER_LIKE.match(q) and sum(ch.isdigit() for ch in q) >= 8:
        params["identifier"] = q
    else:
        params.update(q=q, offset=first_of(number))
    context = {"q": q, "brand": brand, "category": category, "results": None, "error": None}
    status = 200
    try:
        async with catalog:
            results = await catalog.search(**params)
        context["results"] = results
        context["pages"] = pages(results["total"], number, results.get("total_capped", False))
        context["by_identifier"] = "identifier" in params
    except CatalogRefused as e:
        context["error"], status = f"{e}.", 400
    except CatalogUnavailable:
        context["error"], status = (
            "The catalog is not answering right now. Try again in a moment.",
            503,
        )
    return page(request, "catalog.html", seller, status_code=status, **context)


def _suggested_sku(catalog_item_id: str) -> str:
    return f"SKU-{catalog_item_id}"[:40]


def _catalog_item_ids(raw: list) -> list[str]:
    """The well-formed catalog item ids among those a form or a link sent, each once."""
    return list(dict.fromkeys(str(i) for i in raw if re.fullmatch(CATALOG_ITEM_ID_PATTERN, str(i))))


@router.get("/eligibility", response_class=HTMLResponse)
async def eligibility(
    request: Request,
    seller: CurrentSeller,
    uow: UoW,
    deps: Deps,
    catalog: Catalog,
    item: Annotated[list[str], Query(max_length=100)] = [],  # noqa: B006
) -> Response:
    ids = _catalog_item_ids(item)
    if not ids:
        return page(
            request,
            "eligibility.html",
            seller,
            status_code=400,
            rows=[],
            request_id="",
            error="Select at least one item in the catalog first.",
        )
    return await _eligibility_page(request, seller, uow, deps, catalog, {i: {} for i in ids})


async def _eligibility_page(
    request: Request,
    seller: Seller,
    uow: RegistrationUnitOfWork,
    deps: Deps,
    catalog: CatalogClient,
    chosen: dict[str, dict],
    *,
    errors: dict | None = None,
    status_code: int = 200,
) -> Response:
    """Preview every chosen item with what the seller typed so far (SKU, price, condition)."""
    offers = tuple(
        Offer(
            i,
            v.get("seller_sku") or _suggested_sku(i),
            Condition(v.get("condition", "new")),
            Decimal("0.01"),
            ("storefront",),
        )
        for i, v in chosen.items()
    )
    try:
        async with catalog:
            outcomes = await registrations.preview_items(
                PreviewItems(seller.seller_id, offers),
                uow,
                catalog=catalog,
                restricted_categories=deps.restricted_categories,
            )
    except CatalogUnavailable:
        return page(
            request,
            "eligibility.html",
            seller,
            status_code=503,
            rows=[],
            request_id="",
            error="The catalog is not answering right now, so eligibility cannot be checked. Try again in a moment.",
        )
    rows = [{"outcome": o, "typed": chosen[o.offer.catalog_item_id]} for o in outcomes]
    return page(
        request,
        "eligibility.html",
        seller,
        status_code=status_code,
        rows=rows,
        errors=errors or {},
        request_id=uuid.uuid4().hex,
        error=None,
        eligible_count=sum(1 for o in outcomes if o.rejection is None),
    )


def _request_id(raw: str) -> str | None:
    """The form's idempotency key when it is one (the page made it), else none."""
    try:
        return _REQUEST_ID.validate_python(raw)
    except ValidationError:
        return None


@router.post("/registrations", response_class=HTMLResponse)
async def register(
    request: Request, seller: CurrentSeller, uow: UoW, deps: Deps, catalog: Catalog
) -> Response:
    form = await checked_form(request)
    chosen = {
        i: {
            "seller_sku": str(form.get(f"sku-{i}", "")).strip(),
            "price": str(form.get(f"price-{i}", "")).strip(),
            "condition": "new",
            "channels": [str(c) for c in form.getlist(f"channel-{i}")],
            "register": form.get(f"register-{i}") == "on",
        }
        for i in _catalog_item_ids(list(dict.fromkeys(str(i) for i in form.getlist("item")))[:100])
    }
    selected = {i: v for i, v in chosen.items() if v["register"]}
    if not selected:
        return await _eligibility_page(
            request,
            seller,
            uow,
            deps,
            catalog,
            chosen,
            status_code=422,
            errors={"_form": "Tick at least one eligible item to register."},
        )
    errors, items = {}, []
    for i, v in selected.items():
        try:
            items.append(
                ItemIn(
                    catalog_item_id=i,
                    seller_sku=v["seller_sku"],
                    price=v["price"] or None,
                    channels=v["channels"] or ["storefront"],
                )
            )
        except ValidationError as e:
            errors[i] = "; ".join(
                f"{'.'.join(map(str, err['loc'])) or 'item'}: {err['msg']}" for err in e.errors()
            )
    if errors:
        return await _eligibility_page(
            request, seller, uow, deps, catalog, chosen, errors=errors, status_code=422
        )
    command = RegisterItems(
        seller.seller_id,
        tuple(i.to_offer() for i in items),
        _request_id(str(form.get("request_id", ""))),
    )
    try:
        async with catalog:
            outcome = await registrations.register_items(
                command, uow, catalog=catalog, restricted_categories=deps.restricted_categories
            )
    except CatalogUnavailable:
        return await _eligibility_page(
            request,
            seller,
            uow,
            deps,
            catalog,
            chosen,
            status_code=503,
            errors={
                "_form": "The catalog is not answering right now; nothing was registered. Try again."
            },
        )
    except RequestIdReused:
        return await _eligibility_page(
            request,
            seller,
            uow,
            deps,
            catalog,
            chosen,
            status_code=409,
            errors={"_form": "This form was already sent with other items. Review and send again."},
        )
    return page(request, "registration_results.html", seller, results=outcome.registrations)
