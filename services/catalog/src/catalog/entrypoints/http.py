"""The catalog's HTTP API: search, identifier lookup, item pages and catalog administration, and
how the catalog's domain errors answer (`ERRORS`).

Who may call what: searching and reading items is public (anyone, anonymous included); adding or
replacing items is the operator's (`allow(OPERATOR)`), so nobody else can flip ``hazmat`` or the
dimensions that decide an item's eligibility.

Every field of an item is bounded (`ATTRIBUTES_MAX`, `ATTRIBUTE_KEY_MAX`, `ATTRIBUTE_VALUE_MAX`,
and the lengths below), so the largest item the API accepts makes a ``CatalogItemCreated`` of
about 220 KB at worst (every character a 4-byte one), well under the runtime's 512 KiB event
limit — and registration, which copies the item into ``ItemRegistered``, stays under it too.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from catalog.domain import identifiers
from catalog.domain.commands import UpsertItems
from catalog.domain.model import CatalogItem, Dimensions, UnknownCatalogItem
from catalog.service_layer import handlers, views
from catalog.service_layer.unit_of_work import CatalogUnitOfWork
from stockpath_runtime.auth import OPERATOR, Actor, allow, public
from stockpath_runtime.http import Answer, ClientError, unit_of_work
from stockpath_runtime.paging import Limit, PageOut

router = APIRouter(prefix="/v1/catalog", tags=["catalog"])

UnitOfWork = Annotated[CatalogUnitOfWork, Depends(unit_of_work)]
Operator = Annotated[Actor, allow(OPERATOR)]

#: An item has at most this many attributes...
ATTRIBUTES_MAX = 50
#: ...each named by at most this many characters...
ATTRIBUTE_KEY_MAX = 64
#: ...and holding at most this many.
ATTRIBUTE_VALUE_MAX = 1_000
#: An identifier as typed (hyphens and spaces allowed; normalised afterwards).
IDENTIFIER_MAX = 32

AttributeKey = Annotated[str, StringConstraints(min_length=1, max_length=ATTRIBUTE_KEY_MAX)]
AttributeValue = Annotated[str, StringConstraints(max_length=ATTRIBUTE_VALUE_MAX)]
IdentifierValue = Annotated[str, StringConstraints(min_length=1, max_length=IDENTIFIER_MAX)]

ERRORS = {
    identifiers.InvalidIdentifier: Answer(400, "invalid_identifier"),
    UnknownCatalogItem: Answer(404, "not_found", ("catalog_item_id",)),
}


class DimensionsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    length_cm: float = Field(gt=0, le=10_000)
    width_cm: float = Field(gt=0, le=10_000)
    height_cm: float = Field(gt=0, le=10_000)


class CatalogItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    catalog_item_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{1,40}$")
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    brand: str | None = Field(default=None, max_length=200)
    category: str = Field(min_length=1, max_length=200)
    identifiers: dict[str, IdentifierValue] = Field(default_factory=dict, max_length=5)
    dimensions: DimensionsIn | None = None
    weight_g: float | None = Field(default=None, gt=0, le=10_000_000)
    hazmat: bool = False
    attributes: dict[AttributeKey, AttributeValue] = Field(
        default_factory=dict,
        max_length=ATTRIBUTES_MAX,
        description=f"At most {ATTRIBUTES_MAX} attributes; names of 1-{ATTRIBUTE_KEY_MAX} characters, values of at most "
        f"{ATTRIBUTE_VALUE_MAX}",
    )

    @field_validator("identifiers")
    @classmethod
    def _known_kinds(cls, v: dict[str, str]) -> dict[str, str]:
        unknown = set(v) - {"upc", "ean", "isbn", "gtin", "asin"}
        if unknown:
            raise ValueError(f"unknown identifier kind(s): {', '.join(sorted(unknown))}")
        return v

    def to_domain(self) -> CatalogItem:
        """The item (`InvalidIdentifier` when an identifier's length or check digit is wrong)."""
        normalised = {
            k: identifiers.normalise(v) for k, v in self.identifiers.items() if k != "asin"
        }
        return CatalogItem(
            catalog_item_id=self.catalog_item_id or f"CI{uuid.uuid4().hex[:12].upper()}",
            title=self.title.strip(),
            brand=self.brand,
            category=self.category,
            identifiers=normalised,
            dimensions=Dimensions(**self.dimensions.model_dump()) if self.dimensions else None,
            weight_g=self.weight_g,
            hazmat=self.hazmat,
            attributes=self.attributes,
        )


class CatalogItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    catalog_item_id: str
    title: str
    brand: str | None
    category: str
    identifiers: dict[str, str]
    dimensions: DimensionsIn | None
    weight_g: float | None
    hazmat: bool
    attributes: dict[str, str]

    @classmethod
    def of(cls, item: CatalogItem) -> CatalogItemOut:
        return cls.model_validate(item, from_attributes=True)


class SearchPage(PageOut[CatalogItemOut]):
    total: int = Field(description="Matching items; a lower bound when total_capped is true")
    total_capped: bool = Field(
        default=False, description="More items match than `total` (counting stops at 10,000)"
    )
    match: str = Field(
        default="all",
        description="all (no keywords), keywords (full-text match), similar (no full-text match: titles resembling "
        "the keywords, for typos), identifier (exact UPC/EAN/ISBN/GTIN lookup)",
    )


class BulkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: list[CatalogItemIn] = Field(min_length=1, max_length=1000)


class BulkOut(BaseModel):
    created: int
    updated: int
    unchanged: int


@router.get(
    "/items",
    response_model=SearchPage,
    summary="Search the catalog by keywords or identifier",
    dependencies=[public()],
)
async def search_items(
    uow: UnitOfWork,
    q: Annotated[
        str | None, Query(max_length=200, description="Keywords (title, brand, category)")
    ] = None,
    identifier: Annotated[
        str | None, Query(max_length=40, description="UPC, EAN, ISBN or GTIN")
    ] = None,
    brand: Annotated[str | None, Query(max_length=200)] = None,
    category: Annotated[str | None, Query(max_length=200)] = None,
    limit: Limit = 20,
    # Deeper than the runtime's usual bound would only page through what nobody reads.
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> SearchPage:
    for name, value in (
        ("q", q),
        ("identifier", identifier),
        ("brand", brand),
        ("category", category),
    ):
        if value is not None and any(ord(ch) < 32 for ch in value):
            raise ClientError(
                f"{name} must not contain control characters", code="invalid_query", parameter=name
            )
    if identifier:
        found = await views.by_identifier(uow, identifier)
        return SearchPage(
            items=[CatalogItemOut.of(i) for i in found],
            total=len(found),
            match="identifier",
            limit=limit,
            offset=0,
        )
    page = await views.search(
        uow, q.strip() if q else None, brand=brand, category=category, limit=limit, offset=offset
    )
    return SearchPage(
        items=[CatalogItemOut.of(i) for i in page.items],
        total=page.total,
        total_capped=page.total_capped,
        match=page.match,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/items/{catalog_item_id}",
    response_model=CatalogItemOut,
    summary="One catalog item",
    dependencies=[public()],
)
async def get_item(
    catalog_item_id: Annotated[str, Path(max_length=200)], uow: UnitOfWork
) -> CatalogItemOut:
    # Any text: an id the catalog cannot have is simply not found (registration reads a 404 so).
    return CatalogItemOut.of(await views.item(uow, catalog_item_id))


@router.post(
    "/items",
    response_model=CatalogItemOut,
    status_code=201,
    summary="Add or replace a catalog item (operator)",
)
async def create_item(body: CatalogItemIn, operator: Operator, uow: UnitOfWork) -> CatalogItemOut:
    item = body.to_domain()
    await handlers.upsert_items(UpsertItems((item,)), uow)
    return CatalogItemOut.of(item)


@router.post(
    "/items/bulk", response_model=BulkOut, summary="Add or replace up to 1,000 items (operator)"
)
async def bulk_upsert(body: BulkIn, operator: Operator, uow: UnitOfWork) -> BulkOut:
    items = tuple(i.to_domain() for i in body.items)
    if len({i.catalog_item_id for i in items}) != len(items):
        raise ClientError(
            "the same catalog_item_id appears twice in one request", code="duplicate_item"
        )
    outcomes = await handlers.upsert_items(UpsertItems(items), uow)
    counts = {
        k: sum(1 for v in outcomes.values() if v == k) for k in ("created", "updated", "unchanged")
    }
    return BulkOut(**counts)
