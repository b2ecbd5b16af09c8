"""Reading and writing sellers, registrations and inbound shipments: the only module with registration's SQL."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from registration.adapters.tables import (
    inbound_shipment_lines,
    inbound_shipments,
    registration_requests,
    registrations,
    sellers,
)
from registration.domain.eligibility import SellerCatalogue
from registration.domain.model import (
    CatalogItem,
    Dimensions,
    InboundShipment,
    Offer,
    Registration,
    RegistrationStatus,
    Seller,
    ShipmentLine,
    ShipmentStatus,
)
from stockpath_events import Condition

T = TypeVar("T")

#: Random ids are at least 36^7 apart; a few tries only matter in theory, and never loop forever.
MAX_ID_ATTEMPTS = 5


class IdSpaceExhausted(RuntimeError):
    """Several freshly drawn random ids were all taken: the generator, not the caller, is at fault."""


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int


async def insert_with_fresh_id(
    conn: AsyncConnection, table: sa.Table, id_column: str, new_id: Callable[[], str], values: dict
) -> str:
    """Insert a row under a newly drawn random id, drawing again if that id is already taken."""
    for _ in range(MAX_ID_ATTEMPTS):
        candidate = new_id()
        inserted = await conn.execute(
            pg_insert(table)
            .values(**values, **{id_column: candidate})
            .on_conflict_do_nothing(index_elements=[table.c[id_column]])
            .returning(table.c[id_column])
        )
        if inserted.first() is not None:
            return candidate
    raise IdSpaceExhausted(f"{MAX_ID_ATTEMPTS} random {id_column} values in a row were taken")


class SellerRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def add(self, name: str, token_sha256: str, new_id: Callable[[], str]) -> Seller:
        seller_id = await insert_with_fresh_id(
            self._conn, sellers, "seller_id", new_id, {"name": name, "token_sha256": token_sha256}
        )
        return Seller(seller_id, name)

    async def by_token(self, token_sha256: str) -> Seller | None:
        row = (
            await self._conn.execute(
                sa.select(sellers.c.seller_id, sellers.c.name).where(sellers.c.token_sha256 == token_sha256)
            )
        ).first()
        return Seller(row.seller_id, row.name) if row else None

    async def lock(self, seller_id: str) -> None:
        """Serialise a seller's registrations: eligibility reads the seller's SKUs, then writes one."""
        await self._conn.execute(
            sa.select(sellers.c.seller_id).where(sellers.c.seller_id == seller_id).with_for_update()
        )


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


class RegistrationRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def request_fingerprint(self, seller_id: str, request_id: str) -> str | None:
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
            sa.insert(registration_requests).values(seller_id=seller_id, request_id=request_id, fingerprint=fingerprint)
        )

    async def of_request(self, seller_id: str, request_id: str) -> list[Registration]:
        rows = await self._conn.execute(
            sa.select(registrations)
            .where(registrations.c.seller_id == seller_id, registrations.c.request_id == request_id)
            .order_by(registrations.c.position)
        )
        return [_registration_from_row(r) for r in rows]

    async def catalogue(self, seller_id: str) -> SellerCatalogue:
        rows = await self._conn.execute(
            sa.select(registrations.c.seller_sku, registrations.c.catalog_item_id, registrations.c.condition).where(
                registrations.c.seller_id == seller_id,
                registrations.c.status == RegistrationStatus.REGISTERED.value,
            )
        )
        return SellerCatalogue.of((r.seller_sku, r.catalog_item_id, Condition(r.condition)) for r in rows)

    def _values(self, registration: Registration) -> dict:
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

    async def add_rejected(self, registration: Registration) -> None:
        await self._conn.execute(sa.insert(registrations).values(**self._values(registration), fnsku=None))

    async def add_registered(self, registration: Registration, new_fnsku: Callable[[], str]) -> Registration:
        """Store a registered item under a fresh FNSKU (unique across every seller)."""
        fnsku = await insert_with_fresh_id(self._conn, registrations, "fnsku", new_fnsku, self._values(registration))
        return dataclasses.replace(registration, fnsku=fnsku)

    async def page(self, seller_id: str, *, status: RegistrationStatus | None, limit: int, offset: int) -> Page[Registration]:
        filters = [registrations.c.seller_id == seller_id]
        if status is not None:
            filters.append(registrations.c.status == status.value)
        total = (
            await self._conn.execute(sa.select(sa.func.count()).select_from(registrations).where(*filters))
        ).scalar_one()
        rows = await self._conn.execute(
            sa.select(registrations).where(*filters).order_by(registrations.c.seq).limit(limit).offset(offset)
        )
        return Page([_registration_from_row(r) for r in rows], total)

    async def by_fnsku(self, seller_id: str, fnsku: str, *, for_update: bool = False) -> Registration | None:
        """The seller's registration with this FNSKU; another seller's reads as absent."""
        query = sa.select(registrations).where(registrations.c.seller_id == seller_id, registrations.c.fnsku == fnsku)
        if for_update:
            query = query.with_for_update()
        row = (await self._conn.execute(query)).first()
        return _registration_from_row(row) if row else None

    async def save_change(self, registration: Registration) -> Registration:
        """Store a changed price, channels or status; returns it as stored."""
        row = (
            await self._conn.execute(
                sa.update(registrations)
                .where(registrations.c.registration_id == registration.registration_id)
                .values(
                    price=registration.offer.price,
                    channels=list(registration.offer.channels),
                    status=registration.status.value,
                    updated_at=sa.func.now(),
                )
                .returning(registrations)
            )
        ).first()
        return _registration_from_row(row)

    async def label_texts(self, seller_id: str, fnskus: list[str]) -> dict[str, tuple[str, str]]:
        """The catalog title and the condition each FNSKU was registered with (printed on its label)."""
        rows = await self._conn.execute(
            sa.select(
                registrations.c.fnsku, registrations.c.condition, registrations.c.item["title"].astext.label("title")
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


_SHIPMENT_COLUMNS = [c for c in inbound_shipments.c if c.name != "seq"]


class ShipmentRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def add(self, shipment: InboundShipment, new_id: Callable[[], str]) -> InboundShipment:
        values = {
            "seller_id": shipment.seller_id,
            "fulfillment_center_id": shipment.fulfillment_center_id,
            "ship_to": shipment.ship_to,
            "status": shipment.status.value,
            "plan_id": shipment.plan_id,
        }
        shipment_id = await insert_with_fresh_id(self._conn, inbound_shipments, "shipment_id", new_id, values)
        await self._conn.execute(
            sa.insert(inbound_shipment_lines),
            [
                {"shipment_id": shipment_id, "line_number": n, **dataclasses.asdict(line)}
                for n, line in enumerate(shipment.lines, start=1)
            ],
        )
        stored = await self.get(shipment_id)
        assert stored is not None
        return stored

    async def get(
        self, shipment_id: str, *, seller_id: str | None = None, for_update: bool = False
    ) -> InboundShipment | None:
        """One shipment; with `seller_id`, only if it is that seller's (anyone else's reads as absent)."""
        query = sa.select(*_SHIPMENT_COLUMNS).where(inbound_shipments.c.shipment_id == shipment_id)
        if seller_id is not None:
            query = query.where(inbound_shipments.c.seller_id == seller_id)
        if for_update:
            query = query.with_for_update()
        row = (await self._conn.execute(query)).first()
        if row is None:
            return None
        return (await self._with_lines([row]))[0]

    async def save_status(self, shipment: InboundShipment) -> None:
        await self._conn.execute(
            sa.update(inbound_shipments)
            .where(inbound_shipments.c.shipment_id == shipment.shipment_id)
            .values(
                status=shipment.status.value,
                carrier=shipment.carrier,
                tracking_number=shipment.tracking_number,
                cancel_reason=shipment.cancel_reason,
                shipped_at=shipment.shipped_at,
                updated_at=sa.func.now(),
            )
        )

    async def page(
        self,
        seller_id: str,
        *,
        status: ShipmentStatus | None,
        limit: int,
        offset: int,
        plan_id: str | None = None,
    ) -> Page[InboundShipment]:
        filters = [inbound_shipments.c.seller_id == seller_id]
        if plan_id is not None:
            filters.append(inbound_shipments.c.plan_id == plan_id)
        if status is not None:
            filters.append(inbound_shipments.c.status == status.value)
        total = (
            await self._conn.execute(sa.select(sa.func.count()).select_from(inbound_shipments).where(*filters))
        ).scalar_one()
        rows = list(
            await self._conn.execute(
                sa.select(*_SHIPMENT_COLUMNS)
                .where(*filters)
                .order_by(inbound_shipments.c.seq)
                .limit(limit)
                .offset(offset)
            )
        )
        return Page(await self._with_lines(rows), total)

    async def _with_lines(self, rows) -> list[InboundShipment]:
        ids = [r.shipment_id for r in rows]
        lines: dict[str, list[ShipmentLine]] = {i: [] for i in ids}
        if ids:
            for line in await self._conn.execute(
                sa.select(inbound_shipment_lines)
                .where(inbound_shipment_lines.c.shipment_id.in_(ids))
                .order_by(inbound_shipment_lines.c.shipment_id, inbound_shipment_lines.c.line_number)
            ):
                lines[line.shipment_id].append(ShipmentLine(line.fnsku, line.seller_sku, line.quantity))
        return [
            InboundShipment(
                shipment_id=r.shipment_id,
                seller_id=r.seller_id,
                fulfillment_center_id=r.fulfillment_center_id,
                ship_to=dict(r.ship_to),
                lines=tuple(lines[r.shipment_id]),
                status=ShipmentStatus(r.status),
                carrier=r.carrier,
                tracking_number=r.tracking_number,
                cancel_reason=r.cancel_reason,
                created_at=r.created_at,
                updated_at=r.updated_at,
                shipped_at=r.shipped_at,
                plan_id=r.plan_id,
            )
            for r in rows
        ]
