"""Registration's HTTP API: sellers, item registrations and inbound shipment plans.

Every route but seller creation acts for the seller whose bearer token came with the request,
and reads only that seller's data: another seller's ids answer 404, exactly like ids that do
not exist, so nothing leaks about who else uses the platform.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer, field_validator

from registration.adapters import labels
from registration.adapters.catalog import CatalogUnavailable
from registration.adapters.repository import RegistrationRepository, ShipmentRepository
from registration.domain.commands import (
    CancelInboundShipment,
    ChangeRegistration,
    DeregisterItem,
    PlanInbound,
    PlanInboundShipment,
    RegisterItems,
    RegisterSeller,
    ShipInboundShipment,
)
from registration.domain.model import (
    InboundShipment,
    InvalidShipmentTransition,
    Offer,
    Registration,
    RegistrationNotActive,
    RegistrationStatus,
    ShipmentStatus,
)
from registration.domain.planning import NoFulfillmentCenterCanTake
from registration.entrypoints.auth import CurrentSeller
from registration.service_layer import handlers
from stockpath_events import Address, Condition
from stockpath_runtime.http import ClientError, Conflict, NotFound, unit_of_work
from stockpath_runtime.unit_of_work import UnitOfWork

router = APIRouter(prefix="/v1", tags=["registration"])

#: Sent on a response that repeats the stored outcome of an earlier request with the same request_id.
REPLAYED_HEADER = "Idempotent-Replayed"


UoW = Annotated[UnitOfWork, Depends(unit_of_work)]


@contextlib.contextmanager
def client_errors() -> Iterator[None]:
    """Business refusals from the service layer, as 4xx/503 answers with a clear message."""
    try:
        yield
    except CatalogUnavailable as e:
        raise ClientError(
            f"{e}; nothing was registered, try again shortly", code="catalog_unavailable", status_code=503
        ) from None
    except handlers.RequestIdReused as e:
        raise Conflict(str(e), code="request_id_reused", request_id=e.request_id) from None
    except handlers.UnknownSellerSkus as e:
        raise ClientError(str(e), code="unknown_seller_sku", status_code=422, seller_skus=e.seller_skus) from None
    except NoFulfillmentCenterCanTake as e:
        raise ClientError(
            str(e), code="over_inbound_capacity", status_code=422, units=e.units, largest=e.largest
        ) from None
    except handlers.ShipmentNotFound as e:
        raise NotFound(str(e), shipment_id=e.shipment_id) from None
    except handlers.RegistrationNotFound as e:
        raise NotFound(str(e), fnsku=e.fnsku) from None
    except handlers.TooManyLabels as e:
        raise ClientError(str(e), code="too_many_labels", status_code=422, units=e.units) from None
    except RegistrationNotActive as e:
        raise Conflict(str(e), code="registration_not_active", current_status=e.status.value) from None
    except InvalidShipmentTransition as e:
        # Not `status=`: the runtime's error renderer takes `status` positionally and would crash on it.
        raise Conflict(str(e), code="invalid_shipment_status", current_status=e.status.value) from None


#: Prices travel as strings ("19.99") so no client rounds them through a float.
PriceOut = Annotated[Decimal, PlainSerializer(lambda v: format(v, "f"), return_type=str, when_used="json")]
SellerSku = Annotated[
    str,
    Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9._-]+$", description="The seller's own SKU"),
]
CatalogItemId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,40}$")]
Channel = Annotated[str, Field(pattern=r"^[a-z0-9-]{1,30}$", description="A sales channel, e.g. storefront")]
Price = Annotated[
    Decimal,
    Field(gt=0, le=1_000_000, decimal_places=2, allow_inf_nan=False),
    # 10 and 10.00 are one price: the same request_id fingerprint, the same stored value.
    AfterValidator(lambda v: v.quantize(Decimal("0.01"))),
]
Limit = Annotated[int, Query(ge=1, le=100)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]


class SellerIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str = Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")


class SellerOut(BaseModel):
    seller_id: str
    name: str


class NewSellerOut(SellerOut):
    token: str = Field(description="The seller's bearer token. Shown only this once; store it safely.")


class ItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    catalog_item_id: CatalogItemId
    seller_sku: SellerSku
    condition: Condition = Condition.NEW
    price: Price
    channels: list[Channel] = Field(default_factory=lambda: ["storefront"], min_length=1, max_length=5)

    @field_validator("channels")
    @classmethod
    def _unique_channels(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("each channel may appear only once")
        return v

    def to_offer(self) -> Offer:
        return Offer(self.catalog_item_id, self.seller_sku, self.condition, self.price, tuple(self.channels))


class RegistrationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    request_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        pattern=r"^[A-Za-z0-9._:-]+$",
        description="Idempotency key: sending the same request_id again returns the first answer",
    )
    items: list[ItemIn] = Field(min_length=1, max_length=100)


class RegistrationResult(BaseModel):
    catalog_item_id: str
    seller_sku: str
    status: RegistrationStatus
    registration_id: str
    fnsku: str | None = Field(description="The fulfillment SKU to label every unit with (when registered)")
    size_tier: str | None
    reason_code: str | None = Field(description="Why it was rejected (when rejected)")
    reason: str | None

    @classmethod
    def of(cls, r: Registration) -> RegistrationResult:
        return cls(
            catalog_item_id=r.offer.catalog_item_id,
            seller_sku=r.offer.seller_sku,
            status=r.status,
            registration_id=r.registration_id,
            fnsku=r.fnsku,
            size_tier=r.size_tier,
            reason_code=r.reason_code,
            reason=r.reason,
        )


class RegistrationsOut(BaseModel):
    request_id: str | None
    results: list[RegistrationResult]


class RegistrationOut(RegistrationResult):
    title: str | None = Field(description="The catalog item's title when it was registered")
    condition: Condition
    price: PriceOut
    currency: str = "USD"
    channels: list[str]
    created_at: datetime

    @classmethod
    def of(cls, r: Registration) -> RegistrationOut:
        return cls(
            **RegistrationResult.of(r).model_dump(),
            title=r.item.title if r.item else None,
            condition=r.offer.condition,
            price=r.offer.price,
            channels=list(r.offer.channels),
            created_at=r.created_at,
        )


class RegistrationPage(BaseModel):
    items: list[RegistrationOut]
    total: int
    limit: int
    offset: int


class ShipmentLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seller_sku: SellerSku
    #: strict: "12", 12.0 and true are not quantities a seller meant; a typo must not ship units.
    quantity: int = Field(ge=1, le=10_000, strict=True)


class ShipmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lines: list[ShipmentLineIn] = Field(min_length=1, max_length=200)

    @field_validator("lines")
    @classmethod
    def _unique_skus(cls, v: list[ShipmentLineIn]) -> list[ShipmentLineIn]:
        seen: set[str] = set()
        repeated = sorted({line.seller_sku for line in v if line.seller_sku in seen or seen.add(line.seller_sku)})
        if repeated:
            raise ValueError(f"each seller_sku may appear on one line only; repeated: {', '.join(repeated)}")
        return v


class ShipIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    carrier: str = Field(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$")
    tracking_number: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._/-]*$")


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    reason: str | None = Field(default=None, max_length=500, pattern=r"^[^\x00-\x1f\x7f]*$")


class ShipmentLineOut(BaseModel):
    fnsku: str
    seller_sku: str
    quantity: int


class ShipmentOut(BaseModel):
    shipment_id: str
    plan_id: str | None = Field(default=None, description="The inbound plan this shipment is part of")
    status: ShipmentStatus
    fulfillment_center_id: str
    ship_to: Address = Field(description="Where to send the boxes")
    lines: list[ShipmentLineOut]
    carrier: str | None
    tracking_number: str | None
    cancel_reason: str | None
    created_at: datetime
    updated_at: datetime
    shipped_at: datetime | None

    @classmethod
    def of(cls, s: InboundShipment) -> ShipmentOut:
        return cls(
            shipment_id=s.shipment_id,
            plan_id=s.plan_id,
            status=s.status,
            fulfillment_center_id=s.fulfillment_center_id,
            ship_to=Address.model_validate(s.ship_to),
            lines=[ShipmentLineOut(fnsku=ln.fnsku, seller_sku=ln.seller_sku, quantity=ln.quantity) for ln in s.lines],
            carrier=s.carrier,
            tracking_number=s.tracking_number,
            cancel_reason=s.cancel_reason,
            created_at=s.created_at,
            updated_at=s.updated_at,
            shipped_at=s.shipped_at,
        )


class ShipmentPage(BaseModel):
    items: list[ShipmentOut]
    total: int
    limit: int
    offset: int


#: Ids we hand out are letters and digits; anything else cannot name a stored row (and a NUL byte
#: would not even reach the database), so it is refused with a 422 before any lookup.
ID_PATTERN = r"^[A-Za-z0-9_-]{1,40}$"
ShipmentId = Annotated[str, Path(pattern=ID_PATTERN)]
Fnsku = Annotated[str, Path(pattern=ID_PATTERN, description="The item's fulfillment SKU")]
PlanId = Annotated[str, Path(pattern=ID_PATTERN)]


class PreviewItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    catalog_item_id: CatalogItemId
    seller_sku: SellerSku | None = Field(default=None, description="Checked against the seller's SKUs when given")
    condition: Condition = Condition.NEW

    def to_offer(self) -> Offer:
        # Price and channels do not decide eligibility; placeholders keep one Offer type.
        return Offer(self.catalog_item_id, self.seller_sku or "", self.condition, Decimal("0.01"), ("storefront",))


class PreviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: list[PreviewItemIn] = Field(min_length=1, max_length=100)


class PreviewDimensions(BaseModel):
    length_cm: float
    width_cm: float
    height_cm: float


class PreviewResult(BaseModel):
    catalog_item_id: str
    seller_sku: str | None
    condition: Condition
    eligible: bool
    size_tier: str | None = Field(description="small_standard, large_standard or oversize (when measured)")
    reason_code: str | None = Field(description="Why it would be refused (when not eligible)")
    reason: str | None
    title: str | None
    brand: str | None
    category: str | None
    dimensions: PreviewDimensions | None
    weight_g: float | None
    hazmat: bool | None


class PreviewOut(BaseModel):
    results: list[PreviewResult]


class RegistrationChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    price: Price | None = None
    channels: list[Channel] | None = Field(default=None, min_length=1, max_length=5)

    @field_validator("channels")
    @classmethod
    def _unique_channels(cls, v: list[str] | None) -> list[str] | None:
        if v is not None and len(set(v)) != len(v):
            raise ValueError("each channel may appear only once")
        return v


class InboundPlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lines: list[ShipmentLineIn] = Field(min_length=1, max_length=200)
    ship_from_postal_code: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9 -]{2,9}$",
        description="Where the seller ships from: the nearest fulfillment centers are preferred",
    )

    _unique_skus = field_validator("lines")(ShipmentIn._unique_skus.__func__)


class InboundPlanOut(BaseModel):
    plan_id: str
    shipments: list[ShipmentOut] = Field(description="One shipment per fulfillment center the units go to")


@router.post(
    "/sellers",
    response_model=NewSellerOut,
    status_code=201,
    summary="Register a seller and issue its bearer token (an operator action)",
)
async def create_seller(body: SellerIn, uow: UoW) -> NewSellerOut:
    seller = await handlers.register_seller(RegisterSeller(body.name), uow)
    return NewSellerOut(seller_id=seller.seller_id, name=seller.name, token=seller.token)


@router.get("/sellers/me", response_model=SellerOut, summary="The seller the bearer token belongs to")
async def who_am_i(seller: CurrentSeller) -> SellerOut:
    return SellerOut(seller_id=seller.seller_id, name=seller.name)


@router.post(
    "/registrations",
    response_model=RegistrationsOut,
    summary="Register catalog items for fulfillment and listing; one result per item",
)
async def register_items(body: RegistrationIn, seller: CurrentSeller, uow: UoW, request: Request, response: Response) -> RegistrationsOut:
    settings = request.app.state.settings
    command = RegisterItems(seller.seller_id, tuple(i.to_offer() for i in body.items), body.request_id)
    with client_errors():
        async with request.app.state.catalog() as catalog:
            outcome = await handlers.register_items(
                command, uow, catalog, restricted_categories=settings.restricted_categories
            )
    if outcome.replayed:
        response.headers[REPLAYED_HEADER] = "true"
    return RegistrationsOut(request_id=body.request_id, results=[RegistrationResult.of(r) for r in outcome.registrations])


@router.post(
    "/registrations/preview",
    response_model=PreviewOut,
    summary="Check eligibility and size tier before registering; changes nothing",
)
async def preview_registrations(body: PreviewIn, seller: CurrentSeller, uow: UoW, request: Request) -> PreviewOut:
    settings = request.app.state.settings
    with client_errors():
        async with request.app.state.catalog() as catalog:
            outcomes = await handlers.preview_items(
                seller.seller_id,
                [i.to_offer() for i in body.items],
                uow,
                catalog,
                restricted_categories=settings.restricted_categories,
            )
    results = []
    for o in outcomes:
        item, d = o.item, o.item.dimensions if o.item else None
        results.append(
            PreviewResult(
                catalog_item_id=o.offer.catalog_item_id,
                seller_sku=o.offer.seller_sku or None,
                condition=o.offer.condition,
                eligible=o.rejection is None,
                size_tier=o.size_tier.value if o.size_tier else None,
                reason_code=o.rejection.code.value if o.rejection else None,
                reason=o.rejection.reason if o.rejection else None,
                title=item.title if item else None,
                brand=item.brand if item else None,
                category=item.category if item else None,
                dimensions=PreviewDimensions(length_cm=d.length_cm, width_cm=d.width_cm, height_cm=d.height_cm)
                if d
                else None,
                weight_g=item.weight_g if item else None,
                hazmat=item.hazmat if item else None,
            )
        )
    return PreviewOut(results=results)


@router.get("/registrations/{fnsku}", response_model=RegistrationOut, summary="One registered item, by its FNSKU")
async def get_registration(fnsku: Fnsku, seller: CurrentSeller, request: Request) -> RegistrationOut:
    async with request.app.state.engine.connect() as conn:
        registration = await RegistrationRepository(conn).by_fnsku(seller.seller_id, fnsku)
    if registration is None:
        raise NotFound(f"registration {fnsku} does not exist", fnsku=fnsku)
    return RegistrationOut.of(registration)


@router.patch(
    "/registrations/{fnsku}",
    response_model=RegistrationOut,
    summary="Change a registered item's price or channels (emits ItemRegistrationUpdated)",
)
async def change_registration(fnsku: Fnsku, body: RegistrationChangeIn, seller: CurrentSeller, uow: UoW) -> RegistrationOut:
    if body.price is None and body.channels is None:
        raise ClientError("send a new price, new channels or both", code="nothing_to_change", status_code=422)
    command = ChangeRegistration(
        seller.seller_id, fnsku, body.price, tuple(body.channels) if body.channels is not None else None
    )
    with client_errors():
        registration = await handlers.change_registration(command, uow)
    return RegistrationOut.of(registration)


@router.delete(
    "/registrations/{fnsku}",
    response_model=RegistrationOut,
    summary="Deregister an item: its listings close and its seller SKU is free again (emits ItemDeregistered)",
)
async def deregister(
    fnsku: Fnsku,
    seller: CurrentSeller,
    uow: UoW,
    reason: Annotated[str | None, Query(max_length=500, pattern=r"^[^\x00-\x1f\x7f]*$")] = None,
) -> RegistrationOut:
    with client_errors():
        registration = await handlers.deregister_item(DeregisterItem(seller.seller_id, fnsku, reason), uow)
    return RegistrationOut.of(registration)


@router.get("/registrations", response_model=RegistrationPage, summary="The seller's registrations, oldest first")
async def list_registrations(
    seller: CurrentSeller,
    request: Request,
    status: Annotated[RegistrationStatus | None, Query()] = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> RegistrationPage:
    async with request.app.state.engine.connect() as conn:
        page = await RegistrationRepository(conn).page(seller.seller_id, status=status, limit=limit, offset=offset)
    return RegistrationPage(
        items=[RegistrationOut.of(r) for r in page.items], total=page.total, limit=limit, offset=offset
    )


@router.post(
    "/inbound-shipments",
    response_model=ShipmentOut,
    status_code=201,
    summary="Plan an inbound shipment: which FC to send the units to, and its address",
)
async def plan_shipment(body: ShipmentIn, seller: CurrentSeller, uow: UoW, request: Request) -> ShipmentOut:
    command = PlanInboundShipment(seller.seller_id, tuple((line.seller_sku, line.quantity) for line in body.lines))
    with client_errors():
        shipment = await handlers.plan_inbound_shipment(command, uow, request.app.state.fulfillment_centers())
    return ShipmentOut.of(shipment)


@router.post(
    "/inbound-plans",
    response_model=InboundPlanOut,
    status_code=201,
    summary="Plan inbound stock: the nearest FC(s) with room, one shipment per FC, before any sale",
)
async def plan_inbound(body: InboundPlanIn, seller: CurrentSeller, uow: UoW, request: Request) -> InboundPlanOut:
    command = PlanInbound(
        seller.seller_id,
        tuple((line.seller_sku, line.quantity) for line in body.lines),
        body.ship_from_postal_code,
    )
    with client_errors():
        plan = await handlers.plan_inbound(command, uow, request.app.state.fulfillment_centers())
    return InboundPlanOut(plan_id=plan.plan_id, shipments=[ShipmentOut.of(s) for s in plan.shipments])


@router.get("/inbound-plans/{plan_id}", response_model=InboundPlanOut, summary="An inbound plan and its shipments")
async def get_plan(plan_id: PlanId, seller: CurrentSeller, request: Request) -> InboundPlanOut:
    async with request.app.state.engine.connect() as conn:
        page = await ShipmentRepository(conn).page(seller.seller_id, status=None, limit=100, offset=0, plan_id=plan_id)
    if not page.items:
        raise NotFound(f"inbound plan {plan_id} does not exist", plan_id=plan_id)
    return InboundPlanOut(plan_id=plan_id, shipments=[ShipmentOut.of(s) for s in page.items])


@router.get(
    "/inbound-shipments/{shipment_id}/labels.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "Item labels (Code 128 FNSKU) and box labels"}},
    summary="Printable labels: an FNSKU barcode per unit (or per line) and a label per box",
)
async def shipment_labels(
    shipment_id: ShipmentId,
    seller: CurrentSeller,
    uow: UoW,
    boxes: Annotated[int, Query(ge=1, le=200, description="How many boxes the seller packs")] = 1,
    item_labels: Annotated[
        str, Query(pattern="^(per_unit|per_line)$", description="per_unit (one sticker per unit) or per_line")
    ] = "per_unit",
) -> Response:
    with client_errors():
        content = await handlers.shipment_labels(
            seller.seller_id, seller.name, shipment_id, uow, boxes=boxes, per_unit=item_labels == "per_unit"
        )
    # Drawing thousands of barcodes is CPU work: off the event loop, so other requests keep flowing.
    pdf = await asyncio.to_thread(labels.render, content.item_labels, content.boxes)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="labels-{shipment_id}.pdf"'},
    )


@router.get("/inbound-shipments", response_model=ShipmentPage, summary="The seller's inbound shipments, oldest first")
async def list_shipments(
    seller: CurrentSeller,
    request: Request,
    status: Annotated[ShipmentStatus | None, Query()] = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> ShipmentPage:
    async with request.app.state.engine.connect() as conn:
        page = await ShipmentRepository(conn).page(seller.seller_id, status=status, limit=limit, offset=offset)
    return ShipmentPage(items=[ShipmentOut.of(s) for s in page.items], total=page.total, limit=limit, offset=offset)


@router.get("/inbound-shipments/{shipment_id}", response_model=ShipmentOut, summary="One inbound shipment and its status")
async def get_shipment(shipment_id: ShipmentId, seller: CurrentSeller, request: Request) -> ShipmentOut:
    async with request.app.state.engine.connect() as conn:
        shipment = await ShipmentRepository(conn).get(shipment_id, seller_id=seller.seller_id)
    if shipment is None:
        raise NotFound(f"inbound shipment {shipment_id} does not exist", shipment_id=shipment_id)
    return ShipmentOut.of(shipment)


@router.post(
    "/inbound-shipments/{shipment_id}/ship",
    response_model=ShipmentOut,
    summary="Record that the seller handed the shipment to a carrier (only while WORKING)",
)
async def ship_shipment(shipment_id: ShipmentId, body: ShipIn, seller: CurrentSeller, uow: UoW) -> ShipmentOut:
    command = ShipInboundShipment(seller.seller_id, shipment_id, body.carrier, body.tracking_number)
    with client_errors():
        shipment = await handlers.ship_inbound_shipment(command, uow)
    return ShipmentOut.of(shipment)


@router.post(
    "/inbound-shipments/{shipment_id}/cancel",
    response_model=ShipmentOut,
    summary="Cancel a shipment that has not been shipped (only while WORKING)",
)
async def cancel_shipment(
    shipment_id: ShipmentId, seller: CurrentSeller, uow: UoW, body: CancelIn | None = None
) -> ShipmentOut:
    command = CancelInboundShipment(seller.seller_id, shipment_id, body.reason if body else None)
    with client_errors():
        shipment = await handlers.cancel_inbound_shipment(command, uow)
    return ShipmentOut.of(shipment)
