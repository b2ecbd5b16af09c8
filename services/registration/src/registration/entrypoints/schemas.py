"""What registration's JSON API takes and answers (pydantic models), shared with the console's forms.

Ids registration hands out are the platform's identifiers (`stockpath_runtime.http.identifier`);
seller SKUs and catalog item ids keep their stricter formats (``domain/identifiers.py``), since
they are printed on labels and typed in forms.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from fastapi import Path
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer, field_validator

from registration.domain.identifiers import CATALOG_ITEM_ID_PATTERN, SELLER_SKU_PATTERN
from registration.domain.model import (
    InboundShipment,
    Offer,
    Registration,
    RegistrationStatus,
    ShipmentStatus,
)
from registration.service_layer.registrations import Eligibility
from stockpath_events import Address, Condition
from stockpath_runtime.http import identifier
from stockpath_runtime.paging import PageOut

#: Free text a person types (names, carriers, reasons): anything but control characters.
NO_CONTROL_CHARACTERS = r"^[^\x00-\x1f\x7f]*$"

#: Prices travel as strings ("19.99") so no client rounds them through a float.
PriceOut = Annotated[
    Decimal, PlainSerializer(lambda v: format(v, "f"), return_type=str, when_used="json")
]
SellerSku = Annotated[
    str,
    Field(
        min_length=1, max_length=40, pattern=SELLER_SKU_PATTERN, description="The seller's own SKU"
    ),
]
CatalogItemId = Annotated[str, Field(pattern=CATALOG_ITEM_ID_PATTERN)]
Channel = Annotated[
    str, Field(pattern=r"^[a-z0-9-]{1,30}$", description="A sales channel, e.g. storefront")
]
Price = Annotated[
    Decimal,
    Field(gt=0, le=1_000_000, decimal_places=2, allow_inf_nan=False),
    # 10 and 10.00 are one price: the same request_id fingerprint, the same stored value.
    AfterValidator(lambda v: v.quantize(Decimal("0.01"))),
]
#: An id registration handed out (shipment, plan, FNSKU), as a client names it in a path.
HandedOutId = identifier(40)
ShipmentId = HandedOutId
PlanId = HandedOutId
Fnsku = Annotated[HandedOutId, Path(description="The item's fulfillment SKU")]
#: The seller's idempotency key for a registration request.
RequestId = identifier(100)


def _each_once(values: list[str], what: str) -> list[str]:
    repeated = sorted({v for i, v in enumerate(values) if v in values[:i]})
    if repeated:
        raise ValueError(
            f"each {what} may appear on one line only; repeated: {', '.join(repeated)}"
        )
    return values


def _channels_once(channels: list[str] | None) -> list[str] | None:
    if channels is not None and len(set(channels)) != len(channels):
        raise ValueError("each channel may appear only once")
    return channels


class ItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    catalog_item_id: CatalogItemId
    seller_sku: SellerSku
    condition: Condition = Condition.NEW
    price: Price
    channels: list[Channel] = Field(
        default_factory=lambda: ["storefront"], min_length=1, max_length=5
    )

    _unique_channels = field_validator("channels")(_channels_once)

    def to_offer(self) -> Offer:
        return Offer(
            self.catalog_item_id, self.seller_sku, self.condition, self.price, tuple(self.channels)
        )


class RegistrationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    request_id: RequestId | None = Field(
        default=None,
        description="Idempotency key: sending the same request_id again returns the first answer",
    )
    items: list[ItemIn] = Field(min_length=1, max_length=100)


class RegistrationResult(BaseModel):
    catalog_item_id: str
    seller_sku: str
    status: RegistrationStatus
    registration_id: str
    fnsku: str | None = Field(
        description="The fulfillment SKU to label every unit with (when registered)"
    )
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


RegistrationPage = PageOut[RegistrationOut]


class RegistrationChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    price: Price | None = None
    channels: list[Channel] | None = Field(default=None, min_length=1, max_length=5)

    _unique_channels = field_validator("channels")(_channels_once)


class PreviewItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    catalog_item_id: CatalogItemId
    seller_sku: SellerSku | None = Field(
        default=None, description="Checked against the seller's SKUs when given"
    )
    condition: Condition = Condition.NEW

    def to_offer(self) -> Offer:
        # Price and channels do not decide eligibility; placeholders keep one Offer type.
        return Offer(
            self.catalog_item_id,
            self.seller_sku or "",
            self.condition,
            Decimal("0.01"),
            ("storefront",),
        )


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
    size_tier: str | None = Field(
        description="small_standard, large_standard or oversize (when measured)"
    )
    reason_code: str | None = Field(description="Why it would be refused (when not eligible)")
    reason: str | None
    title: str | None
    brand: str | None
    category: str | None
    dimensions: PreviewDimensions | None
    weight_g: float | None
    hazmat: bool | None

    @classmethod
    def of(cls, o: Eligibility) -> PreviewResult:
        item, d = o.item, o.item.dimensions if o.item else None
        return cls(
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
            dimensions=PreviewDimensions(
                length_cm=d.length_cm, width_cm=d.width_cm, height_cm=d.height_cm
            )
            if d
            else None,
            weight_g=item.weight_g if item else None,
            hazmat=item.hazmat if item else None,
        )


class PreviewOut(BaseModel):
    results: list[PreviewResult]


class ShipmentLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seller_sku: SellerSku
    #: strict: "12", 12.0 and true are not quantities a seller meant; a typo must not ship units.
    quantity: int = Field(ge=1, le=10_000, strict=True)


def _skus_once(lines: list[ShipmentLineIn]) -> list[ShipmentLineIn]:
    _each_once([line.seller_sku for line in lines], "seller_sku")
    return lines


class ShipmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lines: list[ShipmentLineIn] = Field(min_length=1, max_length=200)

    _unique_skus = field_validator("lines")(_skus_once)

    def to_lines(self) -> tuple[tuple[str, int], ...]:
        return tuple((line.seller_sku, line.quantity) for line in self.lines)


class InboundPlanIn(ShipmentIn):
    ship_from_postal_code: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9 -]{2,9}$",
        description="Where the seller ships from: the nearest fulfillment centers are preferred",
    )


class ShipIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    carrier: str = Field(min_length=1, max_length=100, pattern=NO_CONTROL_CHARACTERS)
    tracking_number: str = Field(
        min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._/-]*$"
    )


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    reason: str | None = Field(default=None, max_length=500, pattern=NO_CONTROL_CHARACTERS)


class ShipmentLineOut(BaseModel):
    fnsku: str
    seller_sku: str
    quantity: int


class ShipmentOut(BaseModel):
    shipment_id: str
    plan_id: str | None = Field(
        default=None, description="The inbound plan this shipment is part of"
    )
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
            lines=[
                ShipmentLineOut(fnsku=ln.fnsku, seller_sku=ln.seller_sku, quantity=ln.quantity)
                for ln in s.lines
            ],
            carrier=s.carrier,
            tracking_number=s.tracking_number,
            cancel_reason=s.cancel_reason,
            created_at=s.created_at,
            updated_at=s.updated_at,
            shipped_at=s.shipped_at,
        )


ShipmentPage = PageOut[ShipmentOut]


class InboundPlanOut(BaseModel):
    plan_id: str
    shipments: list[ShipmentOut] = Field(
        description="One shipment per fulfillment center the units go to"
    )
