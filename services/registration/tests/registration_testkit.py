"""In-memory stand-ins for registration's repositories, unit of work and catalog, and builders for
the handler unit tests (a unique module name, so it never shadows another package's test helpers
on sys.path). Each fake repository has the methods of the real one in ``adapters/``."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal

from registration.adapters.catalog import CatalogUnavailable
from registration.domain.eligibility import SellerCatalogue
from registration.domain.model import (
    CatalogItem,
    Dimensions,
    InboundShipment,
    Offer,
    Registration,
    RegistrationStatus,
    Seller,
    ShipmentStatus,
)
from registration.domain.notifications import Notification
from stockpath_events import Cause, Condition
from stockpath_runtime.credentials import ActorKind, Credential
from stockpath_runtime.paging import Page
from stockpath_testing import FakeUnitOfWork

SOURCE = "/services/registration"
RESTRICTED = ("Weapons",)
CAUSE = Cause("event-1", "correlation-1")


def _now() -> datetime:
    return datetime.now(UTC)


class FakeSellerRepository:
    def __init__(self) -> None:
        self.sellers: dict[str, Seller] = {}
        self.locked: list[str] = []

    async def add(self, name: str, new_id: Callable[[], str]) -> Seller:
        seller = Seller(new_id(), name)
        self.sellers[seller.seller_id] = seller
        return seller

    async def record(self, seller: Seller) -> bool:
        if seller.seller_id in self.sellers:
            return False
        self.sellers[seller.seller_id] = seller
        return True

    async def get(self, seller_id: str) -> Seller | None:
        return self.sellers.get(seller_id)

    async def lock(self, seller_id: str) -> None:
        self.locked.append(seller_id)


class FakeCredentialRepository:
    """The credentials table (the runtime's repository plus registration's pages), in memory."""

    def __init__(self) -> None:
        self.credentials: dict[str, Credential] = {}

    async def get(self, credential_id: str) -> Credential | None:
        return self.credentials.get(credential_id)

    async def save(self, credential: Credential) -> None:
        self.credentials.setdefault(credential.credential_id, credential)

    async def revoke(self, credential_ids: Sequence[str], at: datetime) -> None:
        for credential_id in credential_ids:
            found = self.credentials.get(credential_id)
            if found is not None and found.revoked_at is None:
                self.credentials[credential_id] = dataclasses.replace(found, revoked_at=at)

    async def page(
        self, *, kind: ActorKind | None = None, subject: str | None = None, limit: int, offset: int
    ) -> Page[Credential]:
        found = [
            c
            for c in self.credentials.values()
            if kind in (None, c.kind) and subject in (None, c.subject)
        ]
        return Page(found[offset : offset + limit], len(found))


class FakeRegistrationRepository:
    def __init__(self) -> None:
        self.registrations: list[Registration] = []
        self.requests: dict[tuple[str, str], str] = {}

    async def request_fingerprint(self, seller_id: str, request_id: str) -> str | None:
        return self.requests.get((seller_id, request_id))

    async def add_request(self, seller_id: str, request_id: str, fingerprint: str) -> None:
        assert (seller_id, request_id) not in self.requests, (
            "the table's primary key would refuse it"
        )
        self.requests[seller_id, request_id] = fingerprint

    async def of_request(self, seller_id: str, request_id: str) -> list[Registration]:
        found = [
            r for r in self.registrations if (r.seller_id, r.request_id) == (seller_id, request_id)
        ]
        return sorted(found, key=lambda r: r.position)

    async def catalogue(self, seller_id: str) -> SellerCatalogue:
        return SellerCatalogue.of(
            (r.offer.seller_sku, r.offer.catalog_item_id, r.offer.condition)
            for r in self.registrations
            if r.seller_id == seller_id and r.status is RegistrationStatus.REGISTERED
        )

    async def add_rejected(self, registration: Registration) -> None:
        self.registrations.append(dataclasses.replace(registration, fnsku=None, created_at=_now()))

    async def add_registered(
        self, registration: Registration, new_fnsku: Callable[[], str]
    ) -> Registration:
        stored = dataclasses.replace(registration, fnsku=new_fnsku(), created_at=_now())
        self.registrations.append(stored)
        return stored

    async def record(self, registration: Registration, request_fingerprint: str | None) -> bool:
        if any(r.registration_id == registration.registration_id for r in self.registrations):
            return False
        self.registrations.append(dataclasses.replace(registration, created_at=_now()))
        if registration.request_id is not None and request_fingerprint is not None:
            self.requests.setdefault(
                (registration.seller_id, registration.request_id), request_fingerprint
            )
        return True

    async def by_id(self, registration_id: str, *, for_update: bool = False) -> Registration | None:
        return next((r for r in self.registrations if r.registration_id == registration_id), None)

    async def page(
        self, seller_id: str, *, status: RegistrationStatus | None, limit: int, offset: int
    ) -> Page[Registration]:
        found = [
            r for r in self.registrations if r.seller_id == seller_id and status in (None, r.status)
        ]
        return Page(found[offset : offset + limit], len(found))

    async def by_fnsku(
        self, seller_id: str | None, fnsku: str, *, for_update: bool = False
    ) -> Registration | None:
        return next(
            (
                r
                for r in self.registrations
                if r.fnsku == fnsku and seller_id in (None, r.seller_id)
            ),
            None,
        )

    async def save_change(
        self, registration: Registration, *, at: datetime | None = None
    ) -> Registration:
        stored = dataclasses.replace(registration, updated_at=at or _now())
        self.registrations = [
            stored if r.registration_id == registration.registration_id else r
            for r in self.registrations
        ]
        return stored

    async def label_texts(self, seller_id: str, fnskus: list[str]) -> dict[str, tuple[str, str]]:
        return {
            r.fnsku: (r.item.title if r.item else "", r.offer.condition.value)
            for r in self.registrations
            if r.seller_id == seller_id and r.fnsku in fnskus
        }

    async def fnskus_by_sku(self, seller_id: str, seller_skus: list[str]) -> dict[str, str]:
        return {
            r.offer.seller_sku: r.fnsku
            for r in self.registrations
            if r.seller_id == seller_id
            and r.status is RegistrationStatus.REGISTERED
            and r.offer.seller_sku in seller_skus
        }


class FakeShipmentRepository:
    def __init__(self) -> None:
        self.shipments: dict[str, InboundShipment] = {}

    async def add(self, shipment: InboundShipment, new_id: Callable[[], str]) -> InboundShipment:
        stored = dataclasses.replace(
            shipment, shipment_id=new_id(), created_at=_now(), updated_at=_now()
        )
        self.shipments[stored.shipment_id] = stored
        return stored

    async def record(self, shipment: InboundShipment) -> bool:
        if shipment.shipment_id in self.shipments:
            return False
        self.shipments[shipment.shipment_id] = dataclasses.replace(
            shipment, created_at=_now(), updated_at=_now()
        )
        return True

    async def get(
        self, shipment_id: str, *, seller_id: str | None = None, for_update: bool = False
    ) -> InboundShipment | None:
        shipment = self.shipments.get(shipment_id)
        if shipment is None or seller_id not in (None, shipment.seller_id):
            return None
        return shipment

    async def save_status(self, shipment: InboundShipment) -> None:
        self.shipments[shipment.shipment_id] = dataclasses.replace(shipment, updated_at=_now())

    async def page(
        self,
        seller_id: str | None,
        *,
        status: ShipmentStatus | None,
        limit: int,
        offset: int,
        plan_id: str | None = None,
    ) -> Page[InboundShipment]:
        found = [
            s
            for s in self.shipments.values()
            if seller_id in (None, s.seller_id)
            and status in (None, s.status)
            and plan_id in (None, s.plan_id)
        ]
        return Page(found[offset : offset + limit], len(found))


class FakeDeliveryRepository:
    """The notification outbox: what was queued, for whom (the subscriptions are not faked)."""

    def __init__(self) -> None:
        self.queued: list[Notification] = []

    async def enqueue(self, notification: Notification) -> None:
        await self.enqueue_all([notification])

    async def enqueue_all(self, notifications: Sequence[Notification]) -> None:
        self.queued += notifications


class FakeRegistrationUnitOfWork(FakeUnitOfWork):
    def __init__(self) -> None:
        super().__init__(source=SOURCE)
        self.sellers = FakeSellerRepository()
        self.registrations = FakeRegistrationRepository()
        self.shipments = FakeShipmentRepository()
        self.credentials = FakeCredentialRepository()
        self.deliveries = FakeDeliveryRepository()


class FakeCatalog:
    """The catalog's items by id; an id it does not hold reads as unknown (None)."""

    def __init__(self, *items: CatalogItem, unavailable: bool = False) -> None:
        self.items = {i.catalog_item_id: i for i in items}
        self.unavailable = unavailable
        self.asked: list[list[str]] = []

    async def get_many(self, catalog_item_ids: Iterable[str]) -> dict[str, CatalogItem | None]:
        ids = list(dict.fromkeys(catalog_item_ids))
        self.asked.append(ids)
        if self.unavailable:
            raise CatalogUnavailable(
                "the catalog service at http://catalog could not be reached (ConnectError)"
            )
        return {i: self.items.get(i) for i in ids}


def item(catalog_item_id: str = "NOTEBOOK", **changes) -> CatalogItem:
    """A catalog item fulfillment takes (small standard) unless `changes` say otherwise."""
    base = CatalogItem(
        catalog_item_id=catalog_item_id,
        title=f"Item {catalog_item_id}",
        category="Office",
        brand="Acme",
        identifiers={"upc": "036000291452"},
        dimensions=Dimensions(20, 15, 1.5),
        weight_g=300,
    )
    return dataclasses.replace(base, **changes)


def offer(catalog_item_id: str = "NOTEBOOK", seller_sku: str = "SKU-1", **changes) -> Offer:
    base = Offer(catalog_item_id, seller_sku, Condition.NEW, Decimal("19.99"), ("storefront",))
    return dataclasses.replace(base, **changes)
