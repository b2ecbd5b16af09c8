"""The reads the API, the console and the bearer-token check need, each in its own unit of work.

Every read but the token lookup is for one seller: another seller's ids read as absent (None, or
an empty page), exactly like ids that do not exist.
"""

from __future__ import annotations

from registration.domain.identifiers import token_digest
from registration.domain.model import (
    InboundShipment,
    Registration,
    RegistrationStatus,
    Seller,
    ShipmentStatus,
)
from registration.service_layer.unit_of_work import RegistrationUnitOfWork
from stockpath_runtime.paging import Page

#: The most shipments one inbound plan shows (a plan splits across a handful of FCs at most).
PLAN_SHIPMENTS = 100


async def seller_with_token(uow: RegistrationUnitOfWork, token: str) -> Seller | None:
    """The seller a bearer token belongs to (only its digest is stored)."""
    async with uow:
        return await uow.sellers.by_token(token_digest(token))


async def registration(uow: RegistrationUnitOfWork, seller_id: str, fnsku: str) -> Registration | None:
    async with uow:
        return await uow.registrations.by_fnsku(seller_id, fnsku)


async def registrations(
    uow: RegistrationUnitOfWork, seller_id: str, *, status: RegistrationStatus | None, limit: int, offset: int
) -> Page[Registration]:
    """The seller's registrations, oldest first."""
    async with uow:
        return await uow.registrations.page(seller_id, status=status, limit=limit, offset=offset)


async def label_texts(uow: RegistrationUnitOfWork, seller_id: str, fnskus: list[str]) -> dict[str, tuple[str, str]]:
    """The title and condition each of the seller's FNSKUs was registered with."""
    async with uow:
        return await uow.registrations.label_texts(seller_id, fnskus)


async def shipment(uow: RegistrationUnitOfWork, seller_id: str, shipment_id: str) -> InboundShipment | None:
    async with uow:
        return await uow.shipments.get(shipment_id, seller_id=seller_id)


async def shipments(
    uow: RegistrationUnitOfWork, seller_id: str, *, status: ShipmentStatus | None, limit: int, offset: int
) -> Page[InboundShipment]:
    """The seller's inbound shipments, oldest first."""
    async with uow:
        return await uow.shipments.page(seller_id, status=status, limit=limit, offset=offset)


async def inbound_plan(uow: RegistrationUnitOfWork, seller_id: str, plan_id: str) -> list[InboundShipment]:
    """The shipments of one of the seller's inbound plans (none: no such plan of this seller)."""
    async with uow:
        found = await uow.shipments.page(seller_id, status=None, limit=PLAN_SHIPMENTS, offset=0, plan_id=plan_id)
    return found.items
