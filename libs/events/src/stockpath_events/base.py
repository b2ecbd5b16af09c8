"""The base class of every event payload, and the value types payloads share.

Payloads are frozen pydantic models. They ignore fields they do not know, so a consumer
built against v1 keeps working when a producer adds an optional field (docs/event-contract.md: a
contract changes only additively within a version).
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

#: Money travels as a JSON string ("19.99") so no consumer rounds it through a float.
Money = Annotated[
    Decimal,
    Field(ge=0, max_digits=12, decimal_places=2),
    PlainSerializer(lambda v: format(v, "f"), return_type=str, when_used="json"),
]


class EventData(BaseModel):
    """The JSON value of one event. Subclasses are registered in `stockpath_events.registry`."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    #: Set by the registry: the CloudEvents type, e.g. ``stockpath.catalog.CatalogItemCreated.v1``.
    ce_type: ClassVar[str] = ""


class Value(BaseModel):
    """A value nested inside an event payload."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)


class ShippingSpeed(StrEnum):
    STANDARD = "standard"
    EXPEDITED = "expedited"
    PRIORITY = "priority"


class FulfillmentPolicy(StrEnum):
    FILL_OR_KILL = "fill-or-kill"
    FILL_ALL = "fill-all"
    FILL_ALL_AVAILABLE = "fill-all-available"


class Condition(StrEnum):
    NEW = "new"
    USED_LIKE_NEW = "used-like-new"
    USED_GOOD = "used-good"
    USED_ACCEPTABLE = "used-acceptable"
    REFURBISHED = "refurbished"


class Address(Value):
    """A postal address: an FC's ship-to address or a buyer's."""

    name: str
    line1: str
    line2: str | None = None
    city: str
    region: str = Field(description="State or province code, e.g. WA")
    postal_code: str
    country: str = Field(default="US", description="ISO 3166-1 alpha-2")


class Dimensions(Value):
    """Package dimensions in centimetres."""

    length_cm: float = Field(gt=0)
    width_cm: float = Field(gt=0)
    height_cm: float = Field(gt=0)


class Identifiers(Value):
    """Product identifiers; each is optional, a catalog item has at least one in practice."""

    upc: str | None = None
    ean: str | None = None
    isbn: str | None = None
    gtin: str | None = None
    asin: str | None = None


class CatalogItem(Value):
    """An item as the catalog describes it: the payload of the catalog's events, and what
    registration keeps of it (`CatalogItemSnapshot`). One field list, so the two cannot drift."""

    catalog_item_id: str
    title: str
    brand: str | None = None
    category: str
    identifiers: Identifiers = Identifiers()
    dimensions: Dimensions | None = None
    weight_g: float | None = Field(default=None, gt=0)
    hazmat: bool = False
    attributes: dict[str, str] = Field(default_factory=dict)


class CatalogItemSnapshot(CatalogItem):
    """What registration read from the catalog when it registered an item."""
