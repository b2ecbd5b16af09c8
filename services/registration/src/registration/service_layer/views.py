"""The reads the API and the console need, each in its own unit of work.

Every read of a seller's data is for one seller: another seller's ids read as absent (None, or
an empty page), exactly like ids that do not exist. Where a read takes ``seller_id: str | None``,
None is the operator's read of anyone's.
"""

from __future__ import annotations

from datetime import UTC, datetime

from registration.domain.model import (
    InboundShipment,
    Registration,
    RegistrationStatus,
    Seller,
    ShipmentStatus,
)
from registration.domain.notifications import Delivery, DeliveryStatus, Subscription
from registration.service_layer.unit_of_work import RegistrationUnitOfWork
from stockpath_runtime.credentials import ActorKind, Credential, parse_token
from stockpath_runtime.paging import Page

#: The most shipments one inbound plan shows (a plan splits across a handful of FCs at most).
PLAN_SHIPMENTS = 100


async def seller(uow: RegistrationUnitOfWork, seller_id: str) -> Seller | None:
    async with uow:
        return await uow.sellers.get(seller_id)


async def credential_of_token(uow: RegistrationUnitOfWork, token: str) -> Credential | None:
    """The credential a token proves, if it is valid now (the console's sign-in)."""
    parsed = parse_token(token)
    if parsed is None:
        return None
    credential_id, secret = parsed
    async with uow:
        credential = await uow.credentials.get(credential_id)
    if (
        credential is None
        or not credential.proves(secret)
        or not credential.valid_at(datetime.now(UTC))
    ):
        return None
    return credential


async def credentials(
    uow: RegistrationUnitOfWork,
    *,
    kind: ActorKind | None,
    subject: str | None,
    limit: int,
    offset: int,
) -> Page[Credential]:
    """Credentials (never their secrets), oldest first."""
    async with uow:
        return await uow.credentials.page(kind=kind, subject=subject, limit=limit, offset=offset)


async def registration(
    uow: RegistrationUnitOfWork, seller_id: str | None, fnsku: str
) -> Registration | None:
    async with uow:
        return await uow.registrations.by_fnsku(seller_id, fnsku)


async def registrations(
    uow: RegistrationUnitOfWork,
    seller_id: str,
    *,
    status: RegistrationStatus | None,
    limit: int,
    offset: int,
) -> Page[Registration]:
    """The seller's registrations, oldest first."""
    async with uow:
        return await uow.registrations.page(seller_id, status=status, limit=limit, offset=offset)


async def label_texts(
    uow: RegistrationUnitOfWork, seller_id: str, fnskus: list[str]
) -> dict[str, tuple[str, str]]:
    """The title and condition each of the seller's FNSKUs was registered with."""
    async with uow:
        return await uow.registrations.label_texts(seller_id, fnskus)


async def shipment(
    uow: RegistrationUnitOfWork, seller_id: str | None, shipment_id: str
) -> InboundShipment | None:
    async with uow:
        return await uow.shipments.get(shipment_id, seller_id=seller_id)


async def shipments(
    uow: RegistrationUnitOfWork,
    seller_id: str,
    *,
    status: ShipmentStatus | None,
    limit: int,
    offset: int,
) -> Page[InboundShipment]:
    """The seller's inbound shipments, oldest first."""
    async with uow:
        return await uow.shipments.page(seller_id, status=status, limit=limit, offset=offset)


async def inbound_plan(
    uow: RegistrationUnitOfWork, seller_id: str | None, plan_id: str
) -> list[InboundShipment]:
    """The shipments of one of the seller's inbound plans (none: no such plan of this seller)."""
    async with uow:
        found = await uow.shipments.page(
            seller_id, status=None, limit=PLAN_SHIPMENTS, offset=0, plan_id=plan_id
        )
    return found.items


async def subscriptions(uow: RegistrationUnitOfWork, seller_id: str) -> list[Subscription]:
    async with uow:
        return await uow.subscriptions.of_seller(seller_id)


async def deliveries(
    uow: RegistrationUnitOfWork, seller_id: str, *, status: DeliveryStatus | None, limit: int
) -> list[Delivery]:
    """The seller's notification deliveries, newest first, with their attempts."""
    async with uow:
        return await uow.deliveries.of_seller(seller_id, status=status, limit=limit)
