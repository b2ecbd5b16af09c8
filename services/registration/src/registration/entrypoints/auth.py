"""Who is calling, and whose data they may see. Every route declares its rule through one of these
(the runtime's `allow`, which answers 401 without a valid credential and 403 to an actor the route
does not serve):

- `CurrentSeller`: a seller acting on its own behalf (writes, and everything under ``/sellers/me``);
  its credential must name a seller that exists.
- `ReadScope`: a read of one thing by its id — a seller reads only its own (another seller's ids
  read as not found), the operator reads anyone's.
- `ListedSeller`: a list — a seller lists its own (naming another seller's ``seller_id`` reads as
  not found), the operator names the seller whose list it reads (``?seller_id=``, required).
- `Operator`: the operator's administration (sellers, credentials).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Security
from fastapi.security import HTTPBearer

from registration.domain.errors import SellerNotFound
from registration.domain.model import Seller
from registration.entrypoints.dependencies import UoW
from registration.service_layer import views
from stockpath_runtime.auth import OPERATOR, SELLER, Actor, allow
from stockpath_runtime.http import ClientError, Unauthorized, identifier


@dataclass(frozen=True)
class SignedInSeller(Seller):
    """The calling seller, and the credential it called with."""

    credential_id: str


async def current_seller(actor: Annotated[Actor, allow(SELLER)], uow: UoW) -> SignedInSeller:
    seller = await views.seller(uow, actor.subject)
    if seller is None:
        raise Unauthorized(
            f"credential {actor.credential_id} is for seller {actor.subject}, which does not exist"
        )
    return SignedInSeller(seller.seller_id, seller.name, actor.credential_id)


async def read_scope(actor: Annotated[Actor, allow(SELLER, OPERATOR)]) -> str | None:
    return None if actor.is_operator else actor.subject


async def listed_seller(
    actor: Annotated[Actor, allow(SELLER, OPERATOR)],
    uow: UoW,
    seller_id: Annotated[
        identifier(40) | None,
        Query(
            description="Whose list: the operator must name a seller; a seller may name only itself"
        ),
    ] = None,
) -> str:
    if not actor.is_operator:
        if seller_id not in (None, actor.subject):
            raise SellerNotFound(seller_id)
        return actor.subject
    if seller_id is None:
        raise ClientError(
            "name the seller whose list to read: ?seller_id=...",
            code="seller_id_required",
            status_code=422,
        )
    if await views.seller(uow, seller_id) is None:
        raise SellerNotFound(seller_id)
    return seller_id


#: The API's routers carry it so the OpenAPI description says how to authenticate (the rules above
#: enforce it; this only documents the scheme).
BEARER = Security(
    HTTPBearer(
        auto_error=False,
        description="A credential's token, sp_<credential_id>_<secret>, issued by registration",
    )
)
CurrentSeller = Annotated[SignedInSeller, Depends(current_seller)]
#: Whose data a read by id may see: the seller's own (its id), or anyone's (None) for the operator.
ReadScope = Annotated[str | None, Depends(read_scope)]
#: The seller whose list a route reads.
ListedSeller = Annotated[str, Depends(listed_seller)]
Operator = Annotated[Actor, allow(OPERATOR)]
