"""The seller console: the seller journey as web pages, served by registration under ``/console``.

Sign in with the seller token (kept in an HttpOnly, SameSite=Strict cookie, so scripts cannot read
it and other sites cannot post with it), search the catalog, select items, preview eligibility,
register, plan an inbound shipment, print its labels, mark it shipped, and watch shipments and
stock. Pages call the same service-layer handlers as the JSON API, so the rules and events are the
API's; the catalog and inventory are read over their HTTP APIs, as every service reads another.
Every page acts for the signed-in seller only: another seller's ids read as "not found".
"""

from __future__ import annotations

import asyncio
import math
import re
import uuid
from decimal import Decimal
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from registration.adapters.catalog import CatalogRefused, CatalogUnavailable
from registration.adapters.inventory import InventoryClient, InventoryUnavailable
from registration.adapters.labels import render as render_labels
from registration.adapters.repository import (
    RegistrationRepository,
    SellerRepository,
    ShipmentRepository,
)
from registration.console import TEMPLATES
from registration.domain.commands import (
    CancelInboundShipment,
    ChangeRegistration,
    DeregisterItem,
    PlanInbound,
    RegisterItems,
    ShipInboundShipment,
)
from registration.domain.identifiers import token_digest
from registration.domain.model import (
    InvalidShipmentTransition,
    Offer,
    RegistrationNotActive,
    RegistrationStatus,
    Seller,
    ShipmentStatus,
)
from registration.domain.planning import NoFulfillmentCenterCanTake
from registration.entrypoints.http import InboundPlanIn, ItemIn, RegistrationChangeIn, ShipIn
from registration.service_layer import handlers
from stockpath_events import Condition
from stockpath_runtime.http import unit_of_work

router = APIRouter(prefix="/console", include_in_schema=False)
templates = Jinja2Templates(directory=str(TEMPLATES))

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
IDENTIFIER_LIKE = re.compile(r"^[0-9Xx][0-9Xx \-]{6,18}$")
CARRIERS = ("UPS", "FedEx", "USPS", "DHL", "Other")
#: The sales channels the listing service offers (services/listing/src/listing/domain/channels.py).
CHANNELS = ("storefront", "marketplace-feed", "webhook")

templates.env.globals.update(reason_titles=REASON_TITLES, tier_titles=TIER_TITLES, carriers=CARRIERS, channels=CHANNELS)


class SignInRequired(Exception):
    """Raised by a page when no valid session cookie came with the request."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


def sign_in_redirect(request: Request, exc: SignInRequired) -> Response:
    return RedirectResponse(f"/console/sign-in?{urlencode({'next': exc.next_path})}", status_code=303)


async def _seller_of(request: Request, token: str | None) -> Seller | None:
    if not token or len(token) > 200:
        return None
    async with request.app.state.engine.connect() as conn:
        return await SellerRepository(conn).by_token(token_digest(token))


async def signed_in(request: Request) -> Seller:
    seller = await _seller_of(request, request.cookies.get(COOKIE))
    if seller is None:
        raise SignInRequired(request.url.path)
    return seller


def page(request: Request, name: str, seller: Seller | None, status_code: int = 200, **context) -> HTMLResponse:
    notice = NOTICES.get(request.query_params.get("notice", ""))
    return templates.TemplateResponse(
        request, name, {"seller": seller, "notice": notice, **context}, status_code=status_code
    )


def _page_number(raw: str | None) -> int:
    """Page numbers from the address bar: anything odd is page 1, never an error page."""
    try:
        return min(max(int(raw or 1), 1), MAX_PAGE)
    except ValueError:
        return 1


def _pages(total: int, number: int, capped: bool = False) -> dict:
    count = max(1, math.ceil(total / PAGE_SIZE))
    return {"number": number, "count": count, "capped": capped, "total": total,
            "previous": number - 1 if number > 1 else None, "next": number + 1 if number < count else None}


def _query(**params) -> str:
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})


def _sentence(text: str) -> str:
    """A service-layer message as a sentence, ids untouched (str.capitalize would lowercase them)."""
    text = text.strip()
    return (text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")) if text else text


templates.env.globals["query"] = _query
templates.env.filters["sentence"] = _sentence


# --- signing in ------------------------------------------------------------------------------------


@router.get("", response_class=HTMLResponse)
async def home(request: Request) -> Response:
    await signed_in(request)
    return RedirectResponse("/console/catalog", status_code=303)


@router.get("/sign-in", response_class=HTMLResponse)
async def sign_in_form(request: Request, next: str = "/console/catalog") -> Response:
    return page(request, "sign_in.html", None, next=_safe_next(next))


def _safe_next(next_path: str) -> str:
    # Only our own pages: an attacker's link must not bounce a seller to another site after sign-in.
    return next_path if re.fullmatch(r"/console(/[A-Za-z0-9/_-]*)?", next_path or "") else "/console/catalog"


@router.post("/sign-in", response_class=HTMLResponse)
async def sign_in(request: Request) -> Response:
    form = await request.form()
    token = str(form.get("token", "")).strip()
    next_path = _safe_next(str(form.get("next", "")))
    seller = await _seller_of(request, token)
    if seller is None:
        error = "Enter your seller token." if not token else "That token does not belong to any seller. Check it and try again."
        return page(request, "sign_in.html", None, status_code=401, error=error, next=next_path)
    response = RedirectResponse(f"{next_path}?notice=signed-in", status_code=303)
    response.set_cookie(
        COOKIE, token, httponly=True, samesite="strict", path="/console",
        secure=request.app.state.settings.console_secure_cookie, max_age=12 * 3600,
    )
    return response


@router.post("/sign-out")
async def sign_out() -> Response:
    response = RedirectResponse("/console/sign-in", status_code=303)
    response.delete_cookie(COOKIE, path="/console")
    return response


# --- catalog and eligibility ----------------------------------------------------------------------


@router.get("/catalog", response_class=HTMLResponse)
async def catalog(
    request: Request,
    q: str = "",
    brand: str = "",
    category: str = "",
    page_: Annotated[str | None, Query(alias="page")] = None,
) -> Response:
    seller = await signed_in(request)
    number = _page_number(page_)
    # The catalog takes 200 characters per field; a longer paste is cut, not refused with a JSON error.
    q, brand, category = q.strip()[:200], brand.strip()[:200], category.strip()[:200]
    params = {"brand": brand, "category": category, "limit": PAGE_SIZE}
    # A seller scanning or typing a UPC/EAN/ISBN gets the exact item, not a keyword search.
    if IDENTIFIER_LIKE.match(q) and sum(ch.isdigit() for ch in q) >= 8:
        params["identifier"] = q
    else:
        params.update(q=q, offset=(number - 1) * PAGE_SIZE)
    context = {"q": q, "brand": brand, "category": category, "results": None, "error": None}
    status = 200
    try:
        async with request.app.state.catalog() as client:
            results = await client.search(**params)
        context["results"] = results
        context["pages"] = _pages(results["total"], number, results.get("total_capped", False))
        context["by_identifier"] = "identifier" in params
    except CatalogRefused as e:
        context["error"], status = f"{e}.", 400
    except CatalogUnavailable:
        context["error"], status = "The catalog is not answering right now. Try again in a moment.", 503
    return page(request, "catalog.html", seller, status_code=status, **context)


def _suggested_sku(catalog_item_id: str) -> str:
    return f"SKU-{catalog_item_id}"[:40]


@router.get("/eligibility", response_class=HTMLResponse)
async def eligibility(request: Request, item: Annotated[list[str], Query(max_length=100)] = []) -> Response:  # noqa: B006
    seller = await signed_in(request)
    ids = list(dict.fromkeys(i for i in item if re.fullmatch(r"[A-Za-z0-9_-]{1,40}", i)))
    if not ids:
        return page(request, "eligibility.html", seller, status_code=400, rows=[], request_id="",
                    error="Select at least one item in the catalog first.")
    return await _eligibility_page(request, seller, {i: {} for i in ids})


async def _eligibility_page(request: Request, seller: Seller, chosen: dict[str, dict], *, errors: dict | None = None,
                            status_code: int = 200) -> Response:
    """Preview every chosen item with what the seller typed so far (SKU, price, condition)."""
    offers = [
        Offer(i, v.get("seller_sku") or _suggested_sku(i), Condition(v.get("condition", "new")), Decimal("0.01"), ("storefront",))
        for i, v in chosen.items()
    ]
    settings = request.app.state.settings
    try:
        async with request.app.state.catalog() as client:
            outcomes = await handlers.preview_items(
                seller.seller_id, offers, unit_of_work(request), client, restricted_categories=settings.restricted_categories
            )
    except CatalogUnavailable:
        return page(request, "eligibility.html", seller, status_code=503, rows=[], request_id="",
                    error="The catalog is not answering right now, so eligibility cannot be checked. Try again in a moment.")
    rows = [{"outcome": o, "typed": chosen[o.offer.catalog_item_id]} for o in outcomes]
    return page(request, "eligibility.html", seller, status_code=status_code, rows=rows, errors=errors or {},
                request_id=uuid.uuid4().hex, error=None,
                eligible_count=sum(1 for o in outcomes if o.rejection is None))


@router.post("/registrations", response_class=HTMLResponse)
async def register(request: Request) -> Response:
    seller = await signed_in(request)
    form = await request.form()
    ids = list(dict.fromkeys(str(i) for i in form.getlist("item")))[:100]
    chosen = {
        i: {
            "seller_sku": str(form.get(f"sku-{i}", "")).strip(),
            "price": str(form.get(f"price-{i}", "")).strip(),
            "condition": "new",
            "channels": [str(c) for c in form.getlist(f"channel-{i}")],
            "register": form.get(f"register-{i}") == "on",
        }
        for i in ids
        if re.fullmatch(r"[A-Za-z0-9_-]{1,40}", i)
    }
    selected = {i: v for i, v in chosen.items() if v["register"]}
    if not selected:
        return await _eligibility_page(request, seller, chosen, status_code=422,
                                       errors={"_form": "Tick at least one eligible item to register."})
    errors, items = {}, []
    for i, v in selected.items():
        try:
            items.append(ItemIn(catalog_item_id=i, seller_sku=v["seller_sku"], price=v["price"] or None,
                                channels=v["channels"] or ["storefront"]))
        except ValidationError as e:
            errors[i] = "; ".join(f"{'.'.join(map(str, err['loc'])) or 'item'}: {err['msg']}" for err in e.errors())
    if errors:
        return await _eligibility_page(request, seller, chosen, errors=errors, status_code=422)
    request_id = str(form.get("request_id", ""))
    command = RegisterItems(
        seller.seller_id,
        tuple(i.to_offer() for i in items),
        request_id if re.fullmatch(r"[A-Za-z0-9._:-]{1,100}", request_id) else None,
    )
    try:
        async with request.app.state.catalog() as client:
            outcome = await handlers.register_items(
                command, unit_of_work(request), client,
                restricted_categories=request.app.state.settings.restricted_categories,
            )
    except CatalogUnavailable:
        return await _eligibility_page(request, seller, chosen, status_code=503,
                                       errors={"_form": "The catalog is not answering right now; nothing was registered. Try again."})
    except handlers.RequestIdReused:
        return await _eligibility_page(request, seller, chosen, status_code=409,
                                       errors={"_form": "This form was already sent with other items. Review and send again."})
    return page(request, "registration_results.html", seller, results=outcome.registrations)


# --- registrations ---------------------------------------------------------------------------------


@router.get("/registrations", response_class=HTMLResponse)
async def registrations(request: Request, status: str = "registered", page_: Annotated[str | None, Query(alias="page")] = None) -> Response:
    seller = await signed_in(request)
    number = _page_number(page_)
    wanted = RegistrationStatus(status) if status in {s.value for s in RegistrationStatus} else None
    async with request.app.state.engine.connect() as conn:
        found = await RegistrationRepository(conn).page(
            seller.seller_id, status=wanted, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE
        )
    return page(request, "registrations.html", seller, registrations=found.items, status=wanted.value if wanted else "all",
                pages=_pages(found.total, number))


@router.post("/registrations/{fnsku}/offer", response_class=HTMLResponse)
async def change_offer(request: Request, fnsku: str) -> Response:
    seller = await signed_in(request)
    form = await request.form()
    try:
        body = RegistrationChangeIn(price=str(form.get("price", "")).strip() or None,
                                    channels=[str(c) for c in form.getlist("channel")] or None)
    except ValidationError as e:
        return await _registration_error(request, seller, "; ".join(err["msg"] for err in e.errors()))
    command = ChangeRegistration(seller.seller_id, _clean_id(fnsku), body.price, tuple(body.channels) if body.channels else None)
    try:
        await handlers.change_registration(command, unit_of_work(request))
    except handlers.RegistrationNotFound:
        return _not_found(request, seller, f"Registration {_clean_id(fnsku)} does not exist.")
    except RegistrationNotActive as e:
        return await _registration_error(request, seller, str(e))
    return RedirectResponse("/console/registrations?notice=price-changed", status_code=303)


@router.post("/registrations/{fnsku}/deregister", response_class=HTMLResponse)
async def deregister(request: Request, fnsku: str) -> Response:
    seller = await signed_in(request)
    try:
        await handlers.deregister_item(DeregisterItem(seller.seller_id, _clean_id(fnsku), "deregistered in the seller console"),
                                       unit_of_work(request))
    except handlers.RegistrationNotFound:
        return _not_found(request, seller, f"Registration {_clean_id(fnsku)} does not exist.")
    except RegistrationNotActive as e:
        return await _registration_error(request, seller, str(e))
    return RedirectResponse("/console/registrations?notice=deregistered", status_code=303)


async def _registration_error(request: Request, seller: Seller, message: str) -> Response:
    async with request.app.state.engine.connect() as conn:
        found = await RegistrationRepository(conn).page(seller.seller_id, status=RegistrationStatus.REGISTERED,
                                                        limit=PAGE_SIZE, offset=0)
    return page(request, "registrations.html", seller, status_code=422, registrations=found.items, status="registered",
                pages=_pages(found.total, 1), error=message)


def _clean_id(raw: str) -> str:
    """An id from the address bar as stored ids look; anything else matches nothing (never reaches SQL)."""
    return raw if re.fullmatch(r"[A-Za-z0-9_-]{1,40}", raw) else "-"


def _not_found(request: Request, seller: Seller, message: str) -> Response:
    return page(request, "not_found.html", seller, status_code=404, message=message)


# --- inbound shipments -----------------------------------------------------------------------------


async def _registered_items(request: Request, seller: Seller) -> list:
    async with request.app.state.engine.connect() as conn:
        found = await RegistrationRepository(conn).page(seller.seller_id, status=RegistrationStatus.REGISTERED,
                                                        limit=200, offset=0)
    return found.items


@router.get("/shipments/new", response_class=HTMLResponse)
async def new_shipment(request: Request) -> Response:
    seller = await signed_in(request)
    return page(request, "shipment_new.html", seller, items=await _registered_items(request, seller), typed={}, error=None)


@router.post("/shipments", response_class=HTMLResponse)
async def plan_shipment(request: Request) -> Response:
    seller = await signed_in(request)
    form = await request.form()
    typed = {k[4:]: str(v).strip() for k, v in form.items() if k.startswith("qty-")}
    postal = str(form.get("ship_from_postal_code", "")).strip()
    # Form fields are text: whole numbers become ints, anything else stays text for validation to name.
    lines = [{"seller_sku": sku, "quantity": int(q) if re.fullmatch(r"-?\d{1,12}", q) else q}
             for sku, q in typed.items() if q not in ("", "0")]

    async def again(message: str, status: int) -> Response:
        return page(request, "shipment_new.html", seller, status_code=status, items=await _registered_items(request, seller),
                    typed=typed, postal=postal, error=message)

    if not lines:
        return await again("Enter a quantity for at least one item.", 422)
    try:
        body = InboundPlanIn(lines=lines, ship_from_postal_code=postal or None)
    except ValidationError as e:
        return await again("; ".join(_friendly(err) for err in e.errors()[:5]), 422)
    command = PlanInbound(seller.seller_id, tuple((ln.seller_sku, ln.quantity) for ln in body.lines), body.ship_from_postal_code)
    try:
        plan = await handlers.plan_inbound(command, unit_of_work(request), request.app.state.fulfillment_centers())
    except handlers.UnknownSellerSkus as e:
        return await again(_sentence(str(e)), 422)
    except NoFulfillmentCenterCanTake as e:
        return await again(_sentence(str(e)), 422)
    return RedirectResponse(f"/console/plans/{plan.plan_id}", status_code=303)


def _friendly(error: dict) -> str:
    loc = [str(p) for p in error.get("loc", ())]
    where = "Ship-from postal code" if "ship_from_postal_code" in loc else "Quantity" if "quantity" in loc else "Item"
    return f"{where}: {error.get('msg', 'invalid')}"


@router.get("/plans/{plan_id}", response_class=HTMLResponse)
async def plan_page(request: Request, plan_id: str) -> Response:
    seller = await signed_in(request)
    async with request.app.state.engine.connect() as conn:
        found = await ShipmentRepository(conn).page(seller.seller_id, status=None, limit=100, offset=0, plan_id=_clean_id(plan_id))
    if not found.items:
        return _not_found(request, seller, f"Inbound plan {_clean_id(plan_id)} does not exist.")
    return page(request, "plan.html", seller, plan_id=plan_id, shipments=found.items)


@router.get("/shipments", response_class=HTMLResponse)
async def shipments(request: Request, status: str = "", page_: Annotated[str | None, Query(alias="page")] = None) -> Response:
    seller = await signed_in(request)
    number = _page_number(page_)
    wanted = ShipmentStatus(status) if status in {s.value for s in ShipmentStatus} else None
    async with request.app.state.engine.connect() as conn:
        found = await ShipmentRepository(conn).page(seller.seller_id, status=wanted, limit=PAGE_SIZE,
                                                    offset=(number - 1) * PAGE_SIZE)
    return page(request, "shipments.html", seller, shipments=found.items, status=wanted.value if wanted else "",
                pages=_pages(found.total, number), statuses=[s.value for s in ShipmentStatus])


async def _shipment_page(request: Request, seller: Seller, shipment_id: str, *, error: str | None = None,
                         status_code: int = 200) -> Response:
    async with request.app.state.engine.connect() as conn:
        shipment = await ShipmentRepository(conn).get(_clean_id(shipment_id), seller_id=seller.seller_id)
    if shipment is None:
        return _not_found(request, seller, f"Inbound shipment {_clean_id(shipment_id)} does not exist.")
    steps = ["WORKING", "SHIPPED", "RECEIVING", "CLOSED"]
    reached = steps.index(shipment.status.value) if shipment.status.value in steps else -1
    return page(request, "shipment.html", seller, status_code=status_code, shipment=shipment, steps=steps,
                reached=reached, error=error, units=sum(ln.quantity for ln in shipment.lines))


@router.get("/shipments/{shipment_id}", response_class=HTMLResponse)
async def shipment_page(request: Request, shipment_id: str) -> Response:
    seller = await signed_in(request)
    return await _shipment_page(request, seller, shipment_id)


@router.get("/shipments/{shipment_id}/status.json")
async def shipment_status(request: Request, shipment_id: str) -> Response:
    """What the shipment page polls while the shipment travels, so the seller watches it move on."""
    seller = await signed_in(request)
    async with request.app.state.engine.connect() as conn:
        shipment = await ShipmentRepository(conn).get(_clean_id(shipment_id), seller_id=seller.seller_id)
    if shipment is None:
        return JSONResponse({"error": "not found"}, status_code=404)
    return JSONResponse({"shipment_id": shipment.shipment_id, "status": shipment.status.value})


@router.get("/shipments/{shipment_id}/labels.pdf")
async def shipment_labels(request: Request, shipment_id: str, boxes: str = "1", item_labels: str = "per_unit") -> Response:
    seller = await signed_in(request)
    try:
        box_count = int(boxes)
        if not 1 <= box_count <= 200:
            raise ValueError
    except ValueError:
        return await _shipment_page(request, seller, shipment_id, status_code=422,
                                    error="Number of boxes must be a whole number from 1 to 200.")
    try:
        content = await handlers.shipment_labels(seller.seller_id, seller.name, _clean_id(shipment_id), unit_of_work(request),
                                                 boxes=box_count, per_unit=item_labels != "per_line")
    except handlers.ShipmentNotFound:
        return _not_found(request, seller, f"Inbound shipment {_clean_id(shipment_id)} does not exist.")
    except (handlers.TooManyLabels, InvalidShipmentTransition) as e:
        return await _shipment_page(request, seller, shipment_id, status_code=422, error=_sentence(str(e)))
    pdf = await asyncio.to_thread(render_labels, content.item_labels, content.boxes)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="labels-{content.shipment.shipment_id}.pdf"'})


@router.post("/shipments/{shipment_id}/ship", response_class=HTMLResponse)
async def ship(request: Request, shipment_id: str) -> Response:
    seller = await signed_in(request)
    form = await request.form()
    try:
        body = ShipIn(carrier=str(form.get("carrier", "")), tracking_number=str(form.get("tracking_number", "")))
    except ValidationError as e:
        fields = {str(err["loc"][-1]) for err in e.errors()}
        message = "Enter the carrier and the tracking number the carrier gave you (letters, digits, spaces, . _ / -)."
        if fields == {"carrier"}:
            message = "Choose the carrier that picked up the boxes."
        return await _shipment_page(request, seller, shipment_id, error=message, status_code=422)
    try:
        await handlers.ship_inbound_shipment(
            ShipInboundShipment(seller.seller_id, _clean_id(shipment_id), body.carrier, body.tracking_number), unit_of_work(request)
        )
    except handlers.ShipmentNotFound:
        return _not_found(request, seller, f"Inbound shipment {_clean_id(shipment_id)} does not exist.")
    except InvalidShipmentTransition as e:
        return await _shipment_page(request, seller, shipment_id, error=_sentence(str(e)), status_code=409)
    return RedirectResponse(f"/console/shipments/{_clean_id(shipment_id)}?notice=shipped", status_code=303)


@router.post("/shipments/{shipment_id}/cancel", response_class=HTMLResponse)
async def cancel(request: Request, shipment_id: str) -> Response:
    seller = await signed_in(request)
    try:
        await handlers.cancel_inbound_shipment(
            CancelInboundShipment(seller.seller_id, _clean_id(shipment_id), "cancelled in the seller console"), unit_of_work(request)
        )
    except handlers.ShipmentNotFound:
        return _not_found(request, seller, f"Inbound shipment {_clean_id(shipment_id)} does not exist.")
    except InvalidShipmentTransition as e:
        return await _shipment_page(request, seller, shipment_id, error=_sentence(str(e)), status_code=409)
    return RedirectResponse(f"/console/shipments/{_clean_id(shipment_id)}?notice=cancelled", status_code=303)


# --- inventory -------------------------------------------------------------------------------------


@router.get("/inventory", response_class=HTMLResponse)
async def inventory(request: Request, page_: Annotated[str | None, Query(alias="page")] = None) -> Response:
    seller = await signed_in(request)
    number = _page_number(page_)
    settings = request.app.state.settings
    client = InventoryClient(settings.inventory_url, timeout_s=settings.catalog_timeout_s,
                             transport=request.app.state.inventory_transport)
    try:
        levels = await client.levels(seller.seller_id, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    except InventoryUnavailable:
        return page(request, "inventory.html", seller, status_code=503, levels=None, pages=None,
                    error="Inventory is not answering right now. Try again in a moment.")
    async with request.app.state.engine.connect() as conn:
        titles = await RegistrationRepository(conn).label_texts(seller.seller_id, [r["fnsku"] for r in levels["items"]])
    return page(request, "inventory.html", seller, levels=levels["items"], titles=titles, error=None,
                pages=_pages(levels["total"], number))
