"""Who is calling: a seller, identified by the bearer token they were given when registered.

Only the token's SHA-256 is stored, so the lookup is by digest; an unknown or missing token
is a 401 that says which of the two it was.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from registration.domain.model import Seller
from registration.entrypoints.dependencies import UoW
from registration.service_layer import views
from stockpath_runtime.http import Unauthorized

#: auto_error=False: our own 401 carries the platform's error shape and a clear message.
bearer = HTTPBearer(auto_error=False, description="The token returned once by POST /v1/sellers")


async def current_seller(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)], uow: UoW
) -> Seller:
    if credentials is None or not credentials.credentials:
        raise Unauthorized("missing bearer token: send 'Authorization: Bearer <token>' with the seller's token")
    seller = await views.seller_with_token(uow, credentials.credentials)
    if seller is None:
        raise Unauthorized("invalid bearer token: it does not belong to any seller")
    return seller


CurrentSeller = Annotated[Seller, Depends(current_seller)]
