"""Registrations, and the requests that made them (idempotency keys): the only module with their SQL.

A registration keeps the catalog item as registration read it (a JSON snapshot), so what a
seller registered stays readable whatever the catalog says later.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from registration.adapters.fresh_ids import insert_with_fresh_id
from registration.adapters.tables import registration_requests, registrations
from registration.domain.eligibility import SellerCatalogue
from registration.domain.model import (
    CatalogItem,
    Dimensions,
    Offer,
    Registration,
    RegistrationStatus,
)
from stockpath_events import Condition
from stockpath_runtime.paging import Page


def _item_to_json(item: CatalogItem | None) -> dict | None:
    return dataclasses.asdict(item) if item is not None else None


def _item_from_json(raw: dict | None) -> CatalogItem | None:
    if raw is None:
        return None
    dims = raw.get("dimensions")
    return CatalogItem(**{**raw, "dimensions": Dimensions(**dims) if dims else None})


def _registration_from_row(row) -> Registration:
    return Registration(
        registration_id=row.registration_id,
        seller_id=row.seller_id,
        offer=Offer(
            catalog_item_id=row.catalog_item_id,
            seller_sku=row.seller_sku,
            condition=Condition(row.condition),
            price=row.price,
            channels=tuple(row.channels),
        ),
        status=RegistrationStatus(row.status),
        item=_item_from_json(row.item),
        fnsku=row.fnsku,
        size_tier=row.size_tier,
        reason_code=row.reason_code,
        reason=row.reason,
        request_id=row.request_id,
        position=row.position,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _values(registration: Registration) -> dict:
    offer = registration.offer
    return {
        "registration_id": registration.registration_id,
        "seller_id": registration.seller_id,
        "request_id": registration.request_id,
        "position": registration.position,
        "catalog_item_id": offer.catalog_item_id,
        "seller_sku": offer.seller_sku,
        "condition": offer.condition.value,
        "price": offer.price,
        "channels": list(offer.channels),
        "status": registration.status.value,
        "size_tier": registration.size_tier,
        "reason_code": registration.reason_code,
        "reason": registration.reason,
        "item": _item_to_json(registration.item),
    }


class RegistrationRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def request_fingerprint(self, seller_id: str, request_id: str) -> str | None:
        """The fingerprint of the items first sent under this idempotency key (None: a new key)."""
        return (
            await self._conn.execute(
                sa.select(registration_requests.c.fingerprint).where(
                    registration_requests.c.seller_id == seller_id,
                    registration_requests.c.request_id == request_id,
                )
            )
        ).scalar_one_or_none()

    async def add_request(self, seller_id: str, request_id: str, fingerprint: str) -> None:
        await self._conn.execute(
            sa.insert(registration_requests).values(
                seller_id=seller_id, request_id=request_id, fingerprint=fingerprint
            )
        )

    async def of_request(self, seller_id: str, request_id: str) -> list[Registration]:
        """What a request registered or rejected, in the order its items were sent."""
        rows = await self._conn.execute(
            sa.select(registrations)
            .where(registrations.c.seller_id == seller_id, registrations.c.request_id == request_id)
            .order_by(registrations.c.position)
        )
        return [_registration_from_row(r) for r in rows]

    async def catalogue(self, seller_id: str) -> SellerCatalogue:
        rows = await self._conn.execute(
            sa.select(
                registrations.c.seller_sku,
                registrations.c.catalog_item_id,
                registrations.c.condition,
            ).where(
                registrations.c.seller_id == seller_id,
                registrations.c.status == RegistrationStatus.REGISTERED.value,
            )
        )
        return SellerCatalogue.of(
            (r.seller_sku, r.catalog_item_id, Condition(r.condition)) for r in rows
        )

    async def add_rejected(self, registration: Registration) -> None:
        await self._conn.execute(
            sa.insert(registrations).values(**_values(registration), fnsku=None)
        )

    async def add_registered(
        self, registration: Registration, new_fnsku: Callable[[], str]
    ) -> Registration:
        """Store a registered item under a fresh FNSKU (unique across every seller)."""
        fnsku = await insert_with_fresh_id(
            self._conn, registrations, "fnsku", new_fnsku, _values(registration)
        )
        return dataclasses.replace(registration, fnsku=fnsku)

    async def record(self, registration: Registration, request_fingerprint: str | None) -> bool:
        """Store a registration as announced (its FNSKU included) unless it is stored already, with
        its request's idempotency key the first time one of its items is; whether it was stored now.

        Looked up first, not inserted on conflict: an insert draws the next `seq` even when it
        conflicts, and the rows a rebuild numbers must be numbered as the requests numbered them."""
        if await self.by_id(registration.registration_id) is not None:
            return False
        await self._conn.execute(
            sa.insert(registrations).values(**_values(registration), fnsku=registration.fnsku)
        )
        if registration.request_id is not None and request_fingerprint is not None:
            await self._conn.execute(
                pg_insert(registration_requests)
                .values(
                    seller_id=registration.seller_id,
                    request_id=registration.request_id,
                    fingerprint=request_fingerprint,
                )
                .on_conflict_do_nothing()
            )
        return True

    async def by_id(self, registration_id: str, *, for_update: bool = False) -> Registration | None:
        query = sa.select(registrations).where(registrations.c.registration_id == registration_id)
        if for_update:
            query = query.with_for_update()
        row = (await self._conn.execute(query)).first()
        return _registration_from_row(row) if row else None

    async def page(
        self, seller_id: str, *, status: RegistrationStatus | None, limit: int, offset: int
    ) -> Page[Registration]:
        filters = [registrations.c.seller_id == seller_id]
        if status is not None:
            filters.append(registrations.c.status == status.value)
        total = (
            await self._conn.execute(
                sa.select(sa.func.count()).select_from(registrations).where(*filters)
            )
        ).scalar_one()
        rows = await self._conn.execute(
            sa.select(registrations)
            .where(*filters)
            .order_by(registrations.c.seq)
            .limit(limit)
            .offset(offset)
        )
        return Page([_registration_from_row(r) for r in rows], total)

    async def by_fnsku(
        self, seller_id: str | None, fnsku: str, *, for_update: bool = False
    ) -> Registration | None:
        """The seller's registration with this FNSKU; another seller's reads as absent (with no
        `seller_id`, the operator's read: anyone's)."""
        query = sa.select(registrations).where(registrations.c.fnsku == fnsku)
        if seller_id is not None:
            query = query.where(registrations.c.seller_id == seller_id)
        if for_update:
            query = query.with_for_update()
        row = (await self._conn.execute(query)).first()
        return _registration_from_row(row) if row else None

    async def save_change(
        self, registration: Registration, *, at: datetime | None = None
    ) -> Registration:
        """Store a changed price, channels or status (changed `at`, or now); returns it as stored."""
        row = (
            await self._conn.execute(
                sa.update(registrations)
                .where(registrations.c.registration_id == registration.registration_id)
                .values(
                    price=registration.offer.price,
                    channels=list(registration.offer.channels),
                    status=registration.status.value,
                    updated_at=at if at is not None else sa.func.now(),
                )
                .returning(registrations)
            )
        ).first()
        return _registration_from_row(row)

    async def label_texts(self, seller_id: str, fnskus: list[str]) -> dict[str, tuple[str, str]]:
        """The catalog title and the condition each FNSKU was registered with (printed on its label)."""
        rows = await self._conn.execute(
            sa.select(
                registrations.c.fnsku,
                registrations.c.condition,
                registrations.c.item["title"].astext.label("title"),
            ).where(registrations.c.seller_id == seller_id, registrations.c.fnsku.in_(fnskus))
        )
        return {r.fnsku: (r.title or "", r.condition) for r in rows}

    async def fnskus_by_sku(self, seller_id: str, seller_skus: list[str]) -> dict[str, str]:
        """The FNSKU of each of these SKUs the seller has registered (unknown SKUs are absent)."""
        rows = await self._conn.execute(
            sa.select(registrations.c.seller_sku, registrations.c.fnsku).where(
                registrations.c.seller_id == seller_id,
                registrations.c.status == RegistrationStatus.REGISTERED.value,
                registrations.c.seller_sku.in_(seller_skus),
            )
        )
        return {r.seller_sku: r.fnsku for r in rows}

    async def sellers_of(self, fnskus: list[str]) -> dict[str, str]:
        """Whose each of these FNSKUs is (an FNSKU is one seller's for good, registered or not)."""
        rows = await self._conn.execute(
            sa.select(registrations.c.fnsku, registrations.c.seller_id).where(
                registrations.c.fnsku.in_(fnskus)
            )
        )
        return {r.fnsku: r.seller_id for r in rows}
