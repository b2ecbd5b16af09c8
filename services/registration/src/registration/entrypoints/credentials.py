"""Sellers and credentials: registration is the platform's authority for both.

The operator creates sellers (each with its first seller credential, its token shown once) and
issues, lists, rotates and revokes any actor's credentials. A seller sees and rotates or revokes
only its own: another party's credential ids read as not found. No answer ever holds a secret but
the new token of the credential it just issued.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field, model_validator

from registration.domain.commands import (
    CREDENTIAL_DAYS,
    IssueCredential,
    RegisterSeller,
    RevokeCredential,
    RotateCredential,
)
from registration.domain.errors import (
    CredentialAlreadyRevoked,
    CredentialNotFound,
    SellerNotFound,
    UnknownSubject,
)
from registration.entrypoints.auth import BEARER, CurrentSeller, Operator
from registration.entrypoints.dependencies import Deps, UoW
from registration.entrypoints.schemas import NO_CONTROL_CHARACTERS
from registration.service_layer import sellers, views
from registration.service_layer.sellers import IssuedCredential
from stockpath_runtime.credentials import ActorKind, Credential
from stockpath_runtime.http import Answer, identifier
from stockpath_runtime.paging import Limit, Offset, Page, PageOut

ERRORS = {
    SellerNotFound: Answer(404, "not_found", ("seller_id",)),
    CredentialNotFound: Answer(404, "not_found", ("credential_id",)),
    CredentialAlreadyRevoked: Answer(409, "credential_revoked", ("credential_id",)),
    UnknownSubject: Answer(422, "unknown_subject", ("kind", "subject")),
}

router = APIRouter(prefix="/v1", tags=["sellers and credentials"], dependencies=[BEARER])

#: How long a credential is valid, in days (an operator may issue one for up to ten years)...
Days = Annotated[
    int, Field(ge=1, le=3650, strict=True, description="Days until the credential expires")
]
#: ...a seller renews its own for at most the usual term.
SellerDays = Annotated[
    int, Field(ge=1, le=CREDENTIAL_DAYS, strict=True, description="Days until it expires")
]
CredentialId = Annotated[
    identifier(20), Path(description="The credential's id (C...), never its token")
]
Reason = Annotated[
    str | None,
    Query(max_length=500, pattern=NO_CONTROL_CHARACTERS, description="Why, for the record"),
]
_CHANNEL = re.compile(r"^[a-z0-9-]{1,30}$")


class SellerIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str = Field(min_length=1, max_length=200, pattern=NO_CONTROL_CHARACTERS)
    expires_in_days: Days = CREDENTIAL_DAYS


class SellerOut(BaseModel):
    seller_id: str
    name: str


class CredentialOut(BaseModel):
    credential_id: str
    kind: ActorKind
    subject: str = Field(
        description="Who: a seller id, an FC id, a channel name, an operator's or a service's name"
    )
    issued_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    state: Literal["valid", "expired", "revoked"]

    @classmethod
    def of(cls, c: Credential) -> CredentialOut:
        state = (
            "revoked" if c.revoked_at else "valid" if c.valid_at(datetime.now(UTC)) else "expired"
        )
        return cls(
            credential_id=c.credential_id,
            kind=c.kind,
            subject=c.subject,
            issued_at=c.issued_at,
            expires_at=c.expires_at,
            revoked_at=c.revoked_at,
            state=state,
        )


class NewCredentialOut(CredentialOut):
    token: str = Field(description="The bearer token. Shown only this once; store it safely.")

    @classmethod
    def issued(cls, issued: IssuedCredential) -> NewCredentialOut:
        return cls(**CredentialOut.of(issued.credential).model_dump(), token=issued.token)


class NewSellerOut(SellerOut):
    token: str = Field(
        description="The seller's bearer token. Shown only this once; store it safely."
    )
    credential_id: str
    expires_at: datetime | None


CredentialPage = PageOut[CredentialOut]


def _page(page: Page[Credential], limit: int, offset: int) -> CredentialPage:
    return CredentialPage(
        items=[CredentialOut.of(c) for c in page.items],
        total=page.total,
        limit=limit,
        offset=offset,
    )


class CredentialIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    kind: ActorKind
    subject: identifier(64) = Field(
        description="A seller id or an FC id that exists, a channel name, or a name"
    )
    expires_in_days: Days = CREDENTIAL_DAYS

    @model_validator(mode="after")
    def _channel_name(self) -> CredentialIn:
        if self.kind is ActorKind.CHANNEL and not _CHANNEL.match(self.subject):
            raise ValueError(
                "a channel's name is 1-30 lowercase letters, digits and hyphens (e.g. storefront)"
            )
        return self


class RotationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    expires_in_days: Days = CREDENTIAL_DAYS


class SellerRotationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    expires_in_days: SellerDays = CREDENTIAL_DAYS


# --- sellers -------------------------------------------------------------------------------------


@router.post(
    "/sellers",
    response_model=NewSellerOut,
    status_code=201,
    summary="Create a seller and issue its seller credential (the operator's); the token is shown once",
)
async def create_seller(body: SellerIn, operator: Operator, uow: UoW) -> NewSellerOut:
    new = await sellers.register_seller(RegisterSeller(body.name, body.expires_in_days), uow)
    return NewSellerOut(
        seller_id=new.seller.seller_id,
        name=new.seller.name,
        token=new.issued.token,
        credential_id=new.issued.credential.credential_id,
        expires_at=new.issued.credential.expires_at,
    )


@router.get("/sellers/me", response_model=SellerOut, summary="The seller the credential belongs to")
async def who_am_i(seller: CurrentSeller) -> SellerOut:
    return SellerOut(seller_id=seller.seller_id, name=seller.name)


@router.get(
    "/sellers/me/credentials", response_model=CredentialPage, summary="The seller's own credentials"
)
async def my_credentials(
    seller: CurrentSeller, uow: UoW, limit: Limit = 20, offset: Offset = 0
) -> CredentialPage:
    return _page(
        await views.credentials(
            uow, kind=ActorKind.SELLER, subject=seller.seller_id, limit=limit, offset=offset
        ),
        limit,
        offset,
    )


@router.post(
    "/sellers/me/credentials/rotation",
    response_model=NewCredentialOut,
    status_code=201,
    summary="Replace the credential this request was made with: a new token, the old one revoked",
)
async def rotate_my_credential(
    seller: CurrentSeller, uow: UoW, body: SellerRotationIn | None = None
) -> NewCredentialOut:
    days = body.expires_in_days if body else CREDENTIAL_DAYS
    command = RotateCredential(seller.credential_id, days, seller_id=seller.seller_id)
    return NewCredentialOut.issued(await sellers.rotate(command, uow))


@router.delete(
    "/sellers/me/credentials/{credential_id}",
    response_model=CredentialOut,
    summary="Revoke one of the seller's own credentials (the one in use too: that ends its access)",
)
async def revoke_my_credential(
    credential_id: CredentialId, seller: CurrentSeller, uow: UoW, reason: Reason = None
) -> CredentialOut:
    command = RevokeCredential(
        credential_id, reason or "revoked by the seller", seller_id=seller.seller_id
    )
    return CredentialOut.of(await sellers.revoke(command, uow))


# --- credentials (the operator's) ----------------------------------------------------------------


@router.post(
    "/credentials",
    response_model=NewCredentialOut,
    status_code=201,
    summary="Issue a credential to a seller, an FC, a sales channel, an operator or a service",
)
async def issue_credential(
    body: CredentialIn, operator: Operator, uow: UoW, deps: Deps
) -> NewCredentialOut:
    command = IssueCredential(body.kind.value, body.subject, body.expires_in_days)
    return NewCredentialOut.issued(
        await sellers.issue(command, uow, centers=deps.fulfillment_centers())
    )


@router.get(
    "/credentials",
    response_model=CredentialPage,
    summary="Credentials (never their secrets), oldest first",
)
async def list_credentials(
    operator: Operator,
    uow: UoW,
    kind: Annotated[ActorKind | None, Query()] = None,
    subject: Annotated[identifier(64) | None, Query()] = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> CredentialPage:
    return _page(
        await views.credentials(uow, kind=kind, subject=subject, limit=limit, offset=offset),
        limit,
        offset,
    )


@router.post(
    "/credentials/{credential_id}/rotation",
    response_model=NewCredentialOut,
    status_code=201,
    summary="A new credential for the same actor; the old one is revoked",
)
async def rotate_credential(
    credential_id: CredentialId, operator: Operator, uow: UoW, body: RotationIn | None = None
) -> NewCredentialOut:
    command = RotateCredential(credential_id, body.expires_in_days if body else CREDENTIAL_DAYS)
    return NewCredentialOut.issued(await sellers.rotate(command, uow))


@router.delete(
    "/credentials/{credential_id}",
    response_model=CredentialOut,
    summary="Revoke a credential, everywhere",
)
async def revoke_credential(
    credential_id: CredentialId, operator: Operator, uow: UoW, reason: Reason = None
) -> CredentialOut:
    return CredentialOut.of(await sellers.revoke(RevokeCredential(credential_id, reason), uow))
