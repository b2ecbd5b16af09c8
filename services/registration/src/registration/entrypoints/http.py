"""Registration's HTTP API: item registrations and inbound shipment plans (sellers and
credentials: ``credentials.py``).

Every write acts for the seller whose credential came with the request (`CurrentSeller`). Every
read is the seller's own (another seller's ids answer 404, exactly like ids that do not exist, so
nothing leaks about who else uses the platform) or the operator's, who reads anyone's by id and
names the seller whose list it reads (``?seller_id=``). A refusal of the service layer answers as
`ERRORS` says.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query, Response

from registration.adapters import labels
from registration.adapters.catalog import CatalogUnavailable
from registration.domain.commands import (
    CancelInboundShipment,
    ChangeRegistration,
    DeregisterItem,
    PlanInbound,
    PlanInboundShipment,
    PreviewItems,
    PrintShipmentLabels,
    RegisterItems,
    ShipInboundShipment,
)
from registration.domain.errors import (
    NothingToChange,
    PlanNotFound,
    RegistrationNotFound,
    RequestIdReused,
    ShipmentNotFound,
    TooManyLabels,
    UnknownSellerSkus,
)
from registration.domain.model import (
    InvalidShipmentTransition,
    RegistrationNotActive,
    RegistrationStatus,
    ShipmentStatus,
)
from registration.domain.planning import NoFulfillmentCenterCanTake
from registration.entrypoints.auth import BEARER, CurrentSeller, ListedSeller, ReadScope
from registration.entrypoints.dependencies import Catalog, Deps, UoW
from registration.entrypoints.schemas import (
    NO_CONTROL_CHARACTERS,
    CancelIn,
    Fnsku,
    InboundPlanIn,
    InboundPlanOut,
    PlanId,
    PreviewIn,
    PreviewOut,
    PreviewResult,
    RegistrationChangeIn,
    RegistrationIn,
    RegistrationOut,
    RegistrationPage,
    RegistrationResult,
    RegistrationsOut,
    ShipIn,
    ShipmentId,
    ShipmentIn,
    ShipmentOut,
    ShipmentPage,
)
from registration.service_layer import labels as shipment_labels
from registration.service_layer import registrations, shipments, views
from stockpath_runtime.http import Answer
from stockpath_runtime.paging import Limit, Offset

#: How each refusal of the service layer answers: status, code, and the details a client can act on.
ERRORS = {
    CatalogUnavailable: Answer(
        503, "catalog_unavailable", advice="nothing was registered, try again shortly"
    ),
    RequestIdReused: Answer(409, "request_id_reused", ("request_id",)),
    UnknownSellerSkus: Answer(422, "unknown_seller_sku", ("seller_skus",)),
    NoFulfillmentCenterCanTake: Answer(422, "over_inbound_capacity", ("units", "largest")),
    NothingToChange: Answer(422, "nothing_to_change"),
    ShipmentNotFound: Answer(404, "not_found", ("shipment_id",)),
    PlanNotFound: Answer(404, "not_found", ("plan_id",)),
    RegistrationNotFound: Answer(404, "not_found", ("fnsku",)),
    TooManyLabels: Answer(422, "too_many_labels", ("units",)),
    RegistrationNotActive: Answer(409, "registration_not_active", {"current_status": "status"}),
    InvalidShipmentTransition: Answer(409, "invalid_shipment_status", {"current_status": "status"}),
}

router = APIRouter(prefix="/v1", tags=["registration"], dependencies=[BEARER])

#: Sent on a response that repeats the stored outcome of an earlier request with the same request_id.
REPLAYED_HEADER = "Idempotent-Replayed"


@router.post(
    "/registrations",
    response_model=RegistrationsOut,
    summary="Register catalog items for fulfillment and listing; one result per item",
)
async def register_items(
    body: RegistrationIn,
    seller: CurrentSeller,
    uow: UoW,
    deps: Deps,
    catalog: Catalog,
    response: Response,
) -> RegistrationsOut:
    command = RegisterItems(
        seller.seller_id, tuple(i.to_offer() for i in body.items), body.request_id
    )
    async with catalog:
        outcome = await registrations.register_items(
            command, uow, catalog=catalog, restricted_categories=deps.restricted_categories
        )
    if outcome.replayed:
        response.headers[REPLAYED_HEADER] = "true"
    return RegistrationsOut(
        request_id=body.request_id,
        results=[RegistrationResult.of(r) for r in outcome.registrations],
    )


@router.post(
    "/registrations/preview",
    response_model=PreviewOut,
    summary="Check eligibility and size tier before registering; changes nothing",
)
async def preview_registrations(
    body: PreviewIn, seller: CurrentSeller, uow: UoW, deps: Deps, catalog: Catalog
) -> PreviewOut:
    command = PreviewItems(seller.seller_id, tuple(i.to_offer() for i in body.items))
    async with catalog:
        outcomes = await registrations.preview_items(
            command, uow, catalog=catalog, restricted_categories=deps.restricted_categories
        )
    return PreviewOut(results=[PreviewResult.of(o) for o in outcomes])


@router.get(
    "/registrations/{fnsku}",
    response_model=RegistrationOut,
    summary="One registered item, by its FNSKU",
)
async def get_registration(fnsku: Fnsku, scope: ReadScope, uow: UoW) -> RegistrationOut:
    registration = await views.registration(uow, scope, fnsku)
    if registration is None:
        raise RegistrationNotFound(fnsku)
    return RegistrationOut.of(registration)


@router.patch(
    "/registrations/{fnsku}",
    response_model=RegistrationOut,
    summary="Change a registered item's price or channels (emits ItemRegistrationUpdated)",
)
async def change_registration(
    fnsku: Fnsku, body: RegistrationChangeIn, seller: CurrentSeller, uow: UoW
) -> RegistrationOut:
    if body.price is None and body.channels is None:
        raise NothingToChange()
    command = ChangeRegistration(
        seller.seller_id,
        fnsku,
        body.price,
        tuple(body.channels) if body.channels is not None else None,
    )
    return RegistrationOut.of(await registrations.change_registration(command, uow))


@router.delete(
    "/registrations/{fnsku}",
    response_model=RegistrationOut,
    summary="Deregister an item: its listings close and its seller SKU is free again (emits ItemDeregistered)",
)
async def deregister(
    fnsku: Fnsku,
    seller: CurrentSeller,
    uow: UoW,
    reason: Annotated[str | None, Query(max_length=500, pattern=NO_CONTROL_CHARACTERS)] = None,
) -> RegistrationOut:
    return RegistrationOut.of(
        await registrations.deregister_item(DeregisterItem(seller.seller_id, fnsku, reason), uow)
    )


@router.get(
    "/registrations",
    response_model=RegistrationPage,
    summary="The seller's registrations, oldest first",
)
async def list_registrations(
    seller_id: ListedSeller,
    uow: UoW,
    status: Annotated[RegistrationStatus | None, Query()] = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> RegistrationPage:
    page = await views.registrations(uow, seller_id, status=status, limit=limit, offset=offset)
    return RegistrationPage(
        items=[RegistrationOut.of(r) for r in page.items],
        total=page.total,
        limit=limit,
        offset=offset,
    )


@router.post(
    "/inbound-shipments",
    response_model=ShipmentOut,
    status_code=201,
    summary="Plan an inbound shipment: which FC to send the units to, and its address",
)
async def plan_shipment(
    body: ShipmentIn, seller: CurrentSeller, uow: UoW, deps: Deps
) -> ShipmentOut:
    command = PlanInboundShipment(seller.seller_id, body.to_lines())
    shipment = await shipments.plan_inbound_shipment(
        command, uow, centers=deps.fulfillment_centers()
    )
    return ShipmentOut.of(shipment)


@router.post(
    "/inbound-plans",
    response_model=InboundPlanOut,
    status_code=201,
    summary="Plan inbound stock: the nearest FC(s) with room, one shipment per FC, before any sale",
)
async def plan_inbound(
    body: InboundPlanIn, seller: CurrentSeller, uow: UoW, deps: Deps
) -> InboundPlanOut:
    command = PlanInbound(seller.seller_id, body.to_lines(), body.ship_from_postal_code)
    plan = await shipments.plan_inbound(command, uow, centers=deps.fulfillment_centers())
    return InboundPlanOut(
        plan_id=plan.plan_id, shipments=[ShipmentOut.of(s) for s in plan.shipments]
    )


@router.get(
    "/inbound-plans/{plan_id}",
    response_model=InboundPlanOut,
    summary="An inbound plan and its shipments",
)
async def get_plan(plan_id: PlanId, scope: ReadScope, uow: UoW) -> InboundPlanOut:
    found = await views.inbound_plan(uow, scope, plan_id)
    if not found:
        raise PlanNotFound(plan_id)
    return InboundPlanOut(plan_id=plan_id, shipments=[ShipmentOut.of(s) for s in found])


@router.get(
    "/inbound-shipments/{shipment_id}/labels.pdf",
    response_class=Response,
    responses={
        200: {
            "content": {"application/pdf": {}},
            "description": "Item labels (Code 128 FNSKU) and box labels",
        }
    },
    summary="Printable labels: an FNSKU barcode per unit (or per line) and a label per box",
)
async def print_labels(
    shipment_id: ShipmentId,
    scope: ReadScope,
    uow: UoW,
    boxes: Annotated[int, Query(ge=1, le=200, description="How many boxes the seller packs")] = 1,
    item_labels: Annotated[
        str,
        Query(
            pattern="^(per_unit|per_line)$",
            description="per_unit (one sticker per unit) or per_line",
        ),
    ] = "per_unit",
) -> Response:
    command = PrintShipmentLabels(scope, shipment_id, boxes, per_unit=item_labels == "per_unit")
    content = await shipment_labels.print_shipment_labels(command, uow)
    # Drawing thousands of barcodes is CPU work: off the event loop, so other requests keep flowing.
    pdf = await asyncio.to_thread(labels.render, content.item_labels, content.boxes)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="labels-{shipment_id}.pdf"'},
    )


@router.get(
    "/inbound-shipments",
    response_model=ShipmentPage,
    summary="The seller's inbound shipments, oldest first",
)
async def list_shipments(
    seller_id: ListedSeller,
    uow: UoW,
    status: Annotated[ShipmentStatus | None, Query()] = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> ShipmentPage:
    page = await views.shipments(uow, seller_id, status=status, limit=limit, offset=offset)
    return ShipmentPage(
        items=[ShipmentOut.of(s) for s in page.items], total=page.total, limit=limit, offset=offset
    )


@router.get(
    "/inbound-shipments/{shipment_id}",
    response_model=ShipmentOut,
    summary="One inbound shipment and its status",
)
async def get_shipment(shipment_id: ShipmentId, scope: ReadScope, uow: UoW) -> ShipmentOut:
    shipment = await views.shipment(uow, scope, shipment_id)
    if shipment is None:
        raise ShipmentNotFound(shipment_id)
    return ShipmentOut.of(shipment)


@router.post(
    "/inbound-shipments/{shipment_id}/ship",
    response_model=ShipmentOut,
    summary="Record that the seller handed the shipment to a carrier (only while WORKING)",
)
async def ship_shipment(
    shipment_id: ShipmentId, body: ShipIn, seller: CurrentSeller, uow: UoW
) -> ShipmentOut:
    command = ShipInboundShipment(seller.seller_id, shipment_id, body.carrier, body.tracking_number)
    return ShipmentOut.of(await shipments.ship_inbound_shipment(command, uow))


@router.post(
    "/inbound-shipments/{shipment_id}/cancel",
    response_model=ShipmentOut,
    summary="Cancel a shipment that has not been shipped (only while WORKING)",
)
async def cancel_shipment(
    shipment_id: ShipmentId, seller: CurrentSeller, uow: UoW, body: CancelIn | None = None
) -> ShipmentOut:
    command = CancelInboundShipment(seller.seller_id, shipment_id, body.reason if body else None)
    return ShipmentOut.of(await shipments.cancel_inbound_shipment(command, uow))
