"""Console pages of inbound stock: planning a shipment (split across FCs when needed), the plan,
the shipments and their progress, labels, and marking a shipment shipped or cancelled."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import ValidationError

from registration.adapters.labels import render as render_labels
from registration.domain.commands import (
    CancelInboundShipment,
    PlanInbound,
    PrintShipmentLabels,
    ShipInboundShipment,
)
from registration.domain.errors import ShipmentNotFound, TooManyLabels, UnknownSellerSkus
from registration.domain.model import (
    InvalidShipmentTransition,
    RegistrationStatus,
    Seller,
    ShipmentStatus,
)
from registration.domain.planning import NoFulfillmentCenterCanTake
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
    sentence,
    status_filter,
)
from registration.entrypoints.dependencies import Deps, UoW
from registration.entrypoints.schemas import InboundPlanIn, ShipIn
from registration.service_layer import shipments as handlers
from registration.service_layer import views
from registration.service_layer.labels import print_shipment_labels
from registration.service_layer.unit_of_work import RegistrationUnitOfWork

router = APIRouter(include_in_schema=False)

#: The steps a shipment's progress bar shows (a cancelled shipment reaches none of them).
STEPS = ["WORKING", "SHIPPED", "RECEIVING", "CLOSED"]


async def _registered_items(uow: RegistrationUnitOfWork, seller: Seller) -> list:
    found = await views.registrations(
        uow, seller.seller_id, status=RegistrationStatus.REGISTERED, limit=200, offset=0
    )
    return found.items


@router.get("/shipments/new", response_class=HTMLResponse)
async def new_shipment(request: Request, seller: CurrentSeller, uow: UoW) -> Response:
    return page(
        request,
        "shipment_new.html",
        seller,
        items=await _registered_items(uow, seller),
        typed={},
        error=None,
    )


@router.post("/shipments", response_class=HTMLResponse)
async def plan_shipment(request: Request, seller: CurrentSeller, uow: UoW, deps: Deps) -> Response:
    form = await checked_form(request)
    typed = {k[4:]: str(v).strip() for k, v in form.items() if k.startswith("qty-")}
    postal = str(form.get("ship_from_postal_code", "")).strip()
    # Form fields are text: whole numbers become ints, anything else stays text for validation to name.
    lines = [
        {"seller_sku": sku, "quantity": int(q) if re.fullmatch(r"-?\d{1,12}", q) else q}
        for sku, q in typed.items()
        if q not in ("", "0")
    ]

    async def again(message: str, status: int) -> Response:
        return page(
            request,
            "shipment_new.html",
            seller,
            status_code=status,
            items=await _registered_items(uow, seller),
            typed=typed,
            postal=postal,
            error=message,
        )

    if not lines:
        return await again("Enter a quantity for at least one item.", 422)
    try:
        body = InboundPlanIn(lines=lines, ship_from_postal_code=postal or None)
    except ValidationError as e:
        return await again("; ".join(_friendly(err) for err in e.errors()[:5]), 422)
    command = PlanInbound(seller.seller_id, body.to_lines(), body.ship_from_postal_code)
    try:
        plan = await handlers.plan_inbound(command, uow, centers=deps.fulfillment_centers())
    except (UnknownSellerSkus, NoFulfillmentCenterCanTake) as e:
        return await again(sentence(str(e)), 422)
    return RedirectResponse(f"/console/plans/{plan.plan_id}", status_code=303)


def _friendly(error: dict) -> str:
    loc = [str(p) for p in error.get("loc", ())]
    where = (
        "Ship-from postal code"
        if "ship_from_postal_code" in loc
        else "Quantity"
        if "quantity" in loc
        else "Item"
    )
    return f"{where}: {error.get('msg', 'invalid')}"


@router.get("/plans/{plan_id}", response_class=HTMLResponse)
async def plan_page(request: Request, plan_id: str, seller: CurrentSeller, uow: UoW) -> Response:
    found = await views.inbound_plan(uow, seller.seller_id, clean_id(plan_id))
    if not found:
        return not_found(request, seller, f"Inbound plan {clean_id(plan_id)} does not exist.")
    return page(request, "plan.html", seller, plan_id=plan_id, shipments=found)


@router.get("/shipments", response_class=HTMLResponse)
async def shipments(
    request: Request, seller: CurrentSeller, uow: UoW, status: str = "", page_: PageAsked = None
) -> Response:
    number = page_number(page_)
    wanted = status_filter(ShipmentStatus, status)
    found = await views.shipments(
        uow, seller.seller_id, status=wanted, limit=PAGE_SIZE, offset=first_of(number)
    )
    return page(
        request,
        "shipments.html",
        seller,
        shipments=found.items,
        status=wanted.value if wanted else "",
        pages=pages(found.total, number),
        statuses=[s.value for s in ShipmentStatus],
    )


async def _shipment_page(
    request: Request,
    seller: Seller,
    uow: RegistrationUnitOfWork,
    shipment_id: str,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    shipment = await views.shipment(uow, seller.seller_id, clean_id(shipment_id))
    if shipment is None:
        return not_found(
            request, seller, f"Inbound shipment {clean_id(shipment_id)} does not exist."
        )
    reached = STEPS.index(shipment.status.value) if shipment.status.value in STEPS else -1
    return page(
        request,
        "shipment.html",
        seller,
        status_code=status_code,
        shipment=shipment,
        steps=STEPS,
        reached=reached,
        error=error,
        units=sum(ln.quantity for ln in shipment.lines),
    )


@router.get("/shipments/{shipment_id}", response_class=HTMLResponse)
async def shipment_page(
    request: Request, shipment_id: str, seller: CurrentSeller, uow: UoW
) -> Response:
    return await _shipment_page(request, seller, uow, shipment_id)


@router.get("/shipments/{shipment_id}/status.json")
async def shipment_status(shipment_id: str, seller: CurrentSeller, uow: UoW) -> Response:
    """What the shipment page polls while the shipment travels, so the seller watches it move on."""
    shipment = await views.shipment(uow, seller.seller_id, clean_id(shipment_id))
    if shipment is None:
        return JSONResponse({"error": "not found"}, status_code=404)
    return JSONResponse({"shipment_id": shipment.shipment_id, "status": shipment.status.value})


@router.get("/shipments/{shipment_id}/labels.pdf")
async def shipment_labels(
    request: Request,
    shipment_id: str,
    seller: CurrentSeller,
    uow: UoW,
    boxes: str = "1",
    item_labels: str = "per_unit",
) -> Response:
    try:
        box_count = int(boxes)
        if not 1 <= box_count <= 200:
            raise ValueError
    except ValueError:
        return await _shipment_page(
            request,
            seller,
            uow,
            shipment_id,
            status_code=422,
            error="Number of boxes must be a whole number from 1 to 200.",
        )
    command = PrintShipmentLabels(
        seller.seller_id, clean_id(shipment_id), box_count, per_unit=item_labels != "per_line"
    )
    try:
        content = await print_shipment_labels(command, uow)
    except ShipmentNotFound:
        return not_found(
            request, seller, f"Inbound shipment {clean_id(shipment_id)} does not exist."
        )
    except (TooManyLabels, InvalidShipmentTransition) as e:
        return await _shipment_page(
            request, seller, uow, shipment_id, status_code=422, error=sentence(str(e))
        )
    pdf = await asyncio.to_thread(render_labels, content.item_labels, content.boxes)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="labels-{content.shipment.shipment_id}.pdf"'
        },
    )


async def _act_on_shipment(
    request: Request,
    seller: Seller,
    uow: RegistrationUnitOfWork,
    shipment_id: str,
    act: Callable[[], Awaitable[object]],
    notice: str,
) -> Response:
    """Ship or cancel: back to the shipment with a notice, or its page with why not."""
    try:
        await act()
    except ShipmentNotFound:
        return not_found(
            request, seller, f"Inbound shipment {clean_id(shipment_id)} does not exist."
        )
    except InvalidShipmentTransition as e:
        return await _shipment_page(
            request, seller, uow, shipment_id, error=sentence(str(e)), status_code=409
        )
    return RedirectResponse(
        f"/console/shipments/{clean_id(shipment_id)}?notice={notice}", status_code=303
    )


@router.post("/shipments/{shipment_id}/ship", response_class=HTMLResponse)
async def ship(request: Request, shipment_id: str, seller: CurrentSeller, uow: UoW) -> Response:
    form = await checked_form(request)
    try:
        body = ShipIn(
            carrier=str(form.get("carrier", "")),
            tracking_number=str(form.get("tracking_number", "")),
        )
    except ValidationError as e:
        fields = {str(err["loc"][-1]) for err in e.errors()}
        message = "Enter the carrier and the tracking number the carrier gave you (letters, digits, spaces, . _ / -)."
        if fields == {"carrier"}:
            message = "Choose the carrier that picked up the boxes."
        return await _shipment_page(
            request, seller, uow, shipment_id, error=message, status_code=422
        )
    command = ShipInboundShipment(
        seller.seller_id, clean_id(shipment_id), body.carrier, body.tracking_number
    )
    return await _act_on_shipment(
        request,
        seller,
        uow,
        shipment_id,
        lambda: handlers.ship_inbound_shipment(command, uow),
        "shipped",
    )


@router.post("/shipments/{shipment_id}/cancel", response_class=HTMLResponse)
async def cancel(request: Request, shipment_id: str, seller: CurrentSeller, uow: UoW) -> Response:
    await checked_form(request)
    command = CancelInboundShipment(
        seller.seller_id, clean_id(shipment_id), "cancelled in the seller console"
    )
    return await _act_on_shipment(
        request,
        seller,
        uow,
        shipment_id,
        lambda: handlers.cancel_inbound_shipment(command, uow),
        "cancelled",
    )
