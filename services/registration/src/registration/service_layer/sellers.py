"""Sellers and the platform's credentials, as their authority (registration) keeps them.

Creating a seller issues its seller credential in the same unit of work, so a seller never exists
without a way in, and its token is shown once. The seller is announced (SellerOnboarded on
`registration.events`) and registration stores an announced seller it does not have yet
(`record_announced_sellers`): live never, in `stockpath replay` the seller the request created.
Every credential issued or revoked here is announced on `identity.events` (the runtime's
`issue_credential` / `revoke_credential`), so each service learns it within moments. A seller acts only on its own credentials: anyone else's read as
not found.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

import structlog

from registration.domain import identifiers
from registration.domain.commands import (
    IssueCredential,
    RecordAnnouncedSeller,
    RegisterSeller,
    RevokeCredential,
    RotateCredential,
)
from registration.domain.errors import CredentialAlreadyRevoked, CredentialNotFound, UnknownSubject
from registration.domain.model import Seller
from registration.service_layer.unit_of_work import RegistrationUnitOfWork
from stockpath_events.types.registration import SellerOnboarded
from stockpath_network import FulfillmentCenter
from stockpath_runtime.credentials import (
    ActorKind,
    Credential,
    issue_credential,
    revoke_credential,
    rotate_credential,
)

log = structlog.get_logger("registration")


@dataclass(frozen=True)
class IssuedCredential:
    credential: Credential
    #: The only time the token exists outside its holder's hands.
    token: str


@dataclass(frozen=True)
class NewSeller:
    seller: Seller
    issued: IssuedCredential


async def register_seller(command: RegisterSeller, uow: RegistrationUnitOfWork) -> NewSeller:
    async with uow:
        seller = await uow.sellers.add(command.name, identifiers.new_seller_id)
        uow.emit(SellerOnboarded(seller_id=seller.seller_id, name=seller.name))
        token, credential = await issue_credential(
            uow, ActorKind.SELLER, seller.seller_id, ttl=timedelta(days=command.expires_in_days)
        )
        await uow.commit()
    return NewSeller(seller, IssuedCredential(credential, token))


async def record_announced_sellers(
    commands: list[RecordAnnouncedSeller], uow: RegistrationUnitOfWork
) -> None:
    """Sellers as SellerOnboarded announced them, stored unless they are already (see the module's
    docstring); inside the runtime's unit of work, which commits."""
    for command in commands:
        if await uow.sellers.record(command.seller):
            log.info("seller rebuilt from its announcement", seller_id=command.seller.seller_id)


async def issue(
    command: IssueCredential, uow: RegistrationUnitOfWork, *, centers: Iterable[FulfillmentCenter]
) -> IssuedCredential:
    """A credential for an actor: a seller or an FC must exist (a channel, an operator or a
    service is whoever its name says)."""
    kind = ActorKind(command.kind)
    async with uow:
        if kind is ActorKind.SELLER and await uow.sellers.get(command.subject) is None:
            raise UnknownSubject(
                kind.value, command.subject, "create the seller first (POST /v1/sellers)"
            )
        if kind is ActorKind.FULFILLMENT_CENTER:
            known = sorted(fc.fulfillment_center_id for fc in centers)
            if command.subject not in known:
                raise UnknownSubject(
                    kind.value, command.subject, f"the network's FCs are {', '.join(known)}"
                )
        token, credential = await issue_credential(
            uow, kind, command.subject, ttl=timedelta(days=command.expires_in_days)
        )
        await uow.commit()
    return IssuedCredential(credential, token)


async def _credential(
    uow: RegistrationUnitOfWork, credential_id: str, seller_id: str | None
) -> Credential:
    credential = await uow.credentials.get(credential_id)
    if credential is None or (
        seller_id is not None
        and (credential.kind, credential.subject) != (ActorKind.SELLER, seller_id)
    ):
        raise CredentialNotFound(credential_id)
    return credential


async def rotate(command: RotateCredential, uow: RegistrationUnitOfWork) -> IssuedCredential:
    """A new credential for the same actor, the old one revoked, in one unit of work."""
    async with uow:
        old = await _credential(uow, command.credential_id, command.seller_id)
        if old.revoked_at is not None:
            raise CredentialAlreadyRevoked(old.credential_id)
        token, credential = await rotate_credential(
            uow, old.credential_id, ttl=timedelta(days=command.expires_in_days)
        )
        await uow.commit()
    return IssuedCredential(credential, token)


async def revoke(command: RevokeCredential, uow: RegistrationUnitOfWork) -> Credential:
    """Revoke a credential everywhere; revoking it again changes nothing."""
    async with uow:
        await _credential(uow, command.credential_id, command.seller_id)
        credential = await revoke_credential(uow, command.credential_id, reason=command.reason)
        await uow.commit()
    return credential
