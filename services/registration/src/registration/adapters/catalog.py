"""Reading catalog items from the catalog service's HTTP API.

Registration asks the catalog at the moment a seller registers, so eligibility is decided on
the item as it is now; the answer is kept as a snapshot with the registration. A catalog
that cannot answer is a `CatalogUnavailable` (the caller retries later), never a rejection:
a seller's item must not be refused because another service was briefly down.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from registration.domain.model import CatalogItem, Dimensions
from stockpath_events import Identifiers
from stockpath_runtime.http import CORRELATION_HEADER

#: The identifier kinds a snapshot holds (the event contract's): any other the catalog sends is not kept.
IDENTIFIER_KINDS = frozenset(Identifiers.model_fields)


class CatalogUnavailable(Exception):
    """The catalog could not be asked, or gave an answer that is not a catalog item."""


class CatalogRefused(Exception):
    """The catalog refused a search the seller typed (its message says why)."""


class _DimensionsOut(BaseModel):
    model_config = ConfigDict(extra="ignore")
    length_cm: float = Field(gt=0)
    width_cm: float = Field(gt=0)
    height_cm: float = Field(gt=0)


#: What registration copies of a catalog item into its snapshot (and so into ItemRegistered) is
#: bounded whatever the catalog answers, so no catalog item can make an event too large to publish:
#: at most this many attributes (the first, by name)...
SNAPSHOT_ATTRIBUTES = 50
#: ...names of at most this many characters, values cut to this many...
SNAPSHOT_ATTRIBUTE_NAME = 64
SNAPSHOT_ATTRIBUTE_VALUE = 1_000
#: ...and titles, brands, categories and identifiers cut too. The largest snapshot is ~60 KB.
SNAPSHOT_TITLE = 500
SNAPSHOT_NAME = 200
SNAPSHOT_IDENTIFIER = 32


def _bounded_attributes(attributes: dict[str, str]) -> dict[str, str]:
    named = sorted(name for name in attributes if 0 < len(name) <= SNAPSHOT_ATTRIBUTE_NAME)
    return {
        name: attributes[name][:SNAPSHOT_ATTRIBUTE_VALUE] for name in named[:SNAPSHOT_ATTRIBUTES]
    }


class _CatalogItemOut(BaseModel):
    """The part of the catalog's item representation registration relies on."""

    model_config = ConfigDict(extra="ignore")
    catalog_item_id: str
    title: str
    brand: str | None = None
    category: str
    identifiers: dict[str, str] = Field(default_factory=dict)
    dimensions: _DimensionsOut | None = None
    weight_g: float | None = Field(default=None, gt=0)
    hazmat: bool = False
    attributes: dict[str, str] = Field(default_factory=dict)

    def to_domain(self) -> CatalogItem:
        d = self.dimensions
        return CatalogItem(
            catalog_item_id=self.catalog_item_id,
            title=self.title[:SNAPSHOT_TITLE],
            brand=self.brand[:SNAPSHOT_NAME] if self.brand is not None else None,
            category=self.category[:SNAPSHOT_NAME],
            identifiers={
                kind: value[:SNAPSHOT_IDENTIFIER]
                for kind, value in self.identifiers.items()
                if kind in IDENTIFIER_KINDS
            },
            dimensions=Dimensions(d.length_cm, d.width_cm, d.height_cm) if d else None,
            weight_g=self.weight_g,
            hazmat=self.hazmat,
            attributes=_bounded_attributes(self.attributes),
        )


class CatalogClient:
    """``async with CatalogClient(url) as catalog: items = await catalog.get_many(ids)``."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout_s: float = 5.0,
        concurrency: int = 8,
        transport: httpx.AsyncBaseTransport | None = None,
        correlation_id: str | None = None,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._timeout = timeout_s
        self._limit = asyncio.Semaphore(concurrency)
        self._transport = transport
        #: The request's correlation id, forwarded so the catalog's logs tell the same story.
        self._headers = {CORRELATION_HEADER: correlation_id} if correlation_id else {}
        self._client: httpx.AsyncClient | None = None

    async def __aenter__(self) -> CatalogClient:
        self._client = httpx.AsyncClient(
            base_url=self._base_url,
            timeout=self._timeout,
            transport=self._transport,
            headers=self._headers,
        )
        return self

    async def __aexit__(self, *exc) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def get(self, catalog_item_id: str) -> CatalogItem | None:
        """The item, or None when the catalog says it does not exist."""
        assert self._client is not None, "use CatalogClient inside 'async with'"
        path = f"/v1/catalog/items/{quote(catalog_item_id, safe='')}"
        async with self._limit:
            try:
                response = await self._client.get(path)
            except httpx.HTTPError as e:
                raise CatalogUnavailable(
                    f"the catalog service at {self._base_url} could not be reached ({type(e).__name__})"
                ) from e
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise CatalogUnavailable(
                f"the catalog service answered {response.status_code} for catalog item {catalog_item_id}"
            )
        try:
            return _CatalogItemOut.model_validate_json(response.content).to_domain()
        except ValidationError as e:
            raise CatalogUnavailable(
                f"the catalog service sent an unreadable answer for catalog item {catalog_item_id}"
            ) from e

    async def search(self, **params: str | int | None) -> dict:
        """One page of catalog search results, as the catalog's API gives it (for the seller console).

        A 4xx from the catalog (say, a malformed identifier) is the seller's to fix: it comes back
        as `CatalogRefused` with the catalog's own message.
        """
        assert self._client is not None, "use CatalogClient inside 'async with'"
        query = {k: v for k, v in params.items() if v not in (None, "")}
        async with self._limit:
            try:
                response = await self._client.get("/v1/catalog/items", params=query)
            except httpx.HTTPError as e:
                raise CatalogUnavailable(
                    f"the catalog service at {self._base_url} could not be reached ({type(e).__name__})"
                ) from e
        if 400 <= response.status_code < 500:
            try:
                message = response.json()["error"]["message"]
            except (ValueError, KeyError, TypeError):
                message = f"the catalog refused the search ({response.status_code})"
            raise CatalogRefused(message)
        if response.status_code != 200:
            raise CatalogUnavailable(
                f"the catalog service answered {response.status_code} to a search"
            )
        return response.json()

    async def get_many(self, catalog_item_ids: Iterable[str]) -> dict[str, CatalogItem | None]:
        ids = list(dict.fromkeys(catalog_item_ids))
        # Every lookup finishes (each is bounded by the timeout) before an error is raised, so
        # none outlives the client.
        found = await asyncio.gather(*(self.get(i) for i in ids), return_exceptions=True)
        for outcome in found:
            if isinstance(outcome, BaseException):
                raise outcome
        return dict(zip(ids, found, strict=True))
