"""Registration's HTTP API: sellers, item registrations and inbound shipment plans.

Every route but seller creation acts for the seller whose bearer token came with the request,
and reads only that seller's data: another seller's ids answer 404, exactly like ids that do
not exist, so nothing leaks about who else uses the platform.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer, field_validator

from registration.adapters.catalog import CatalogUnavailable
from registration.adapters.repository import RegistrationRepository, ShipmentRepository
from registration.domain.commands import (
    CancelInboundShipment,
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
    name: str = Field(min_length=1, max_length=200)


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
    quantity: int = Field(ge=1, le=10_000)


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
    reason: str | None = Field(default=None, max_length=500)


class ShipmentLineOut(BaseModel):
    fnsku: str
    seller_sku: str
    quantity: int


class ShipmentOut(BaseModel):
    shipment_id: str
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


ShipmentId = Annotated[str, Path(min_length=1, max_length=40)]


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
