"""Registering a seller: its id and the bearer token it acts with (an operator action)."""

from __future__ import annotations

from dataclasses import dataclass

from registration.domain import identifiers
from registration.domain.commands import RegisterSeller
from registration.service_layer.unit_of_work import RegistrationUnitOfWork


@dataclass(frozen=True)
class NewSeller:
    seller_id: str
    name: str
    #: The only time the token exists outside the seller's hands.
    token: str


async def register_seller(command: RegisterSeller, uow: RegistrationUnitOfWork) -> NewSeller:
    token = identifiers.new_token()
    async with uow:
        seller = await uow.sellers.add(command.name, identifiers.token_digest(token), identifiers.new_seller_id)
        await uow.commit()
    return NewSeller(seller.seller_id, seller.name, token)
