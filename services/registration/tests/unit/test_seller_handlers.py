"""Sellers and credentials, registration's authority handlers against an in-memory unit of work: a
seller is created with its credential in one commit, credentials are issued only to sellers and
FCs that exist, rotated (the old one revoked) and revoked, each announced on identity.events, and a
seller reaches only its own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from registration_testkit import FakeRegistrationUnitOfWork

from registration.domain.commands import (
    IssueCredential,
    RegisterSeller,
    RevokeCredential,
    RotateCredential,
)
from registration.domain.errors import CredentialAlreadyRevoked, CredentialNotFound, UnknownSubject
from registration.domain.identifiers import SELLER_ID
from registration.service_layer.sellers import issue, register_seller, revoke, rotate
from stockpath_events.types.identity import CredentialIssued, CredentialRevoked
from stockpath_events.types.registration import SellerOnboarded
from stockpath_network import DEFAULT_NETWORK
from stockpath_runtime.credentials import ActorKind, parse_token, secret_sha256


def near(moment: datetime, expected: datetime) -> bool:
    return abs(moment - expected) < timedelta(minutes=1)


async def test_a_new_seller_gets_its_credential_in_the_same_commit_and_only_its_digest_is_kept():
    uow = FakeRegistrationUnitOfWork()

    new = await register_seller(RegisterSeller("Acme Goods"), uow)

    assert SELLER_ID.match(new.seller.seller_id) and new.seller.name == "Acme Goods"
    assert uow.sellers.sellers[new.seller.seller_id] == new.seller
    credential_id, secret = parse_token(new.issued.token)
    stored = uow.credentials.credentials[credential_id]
    assert (stored.kind, stored.subject) == (ActorKind.SELLER, new.seller.seller_id)
    assert stored.secret_sha256 == secret_sha256(secret) and secret not in repr(
        uow.credentials.credentials
    )
    assert near(stored.expires_at, datetime.now(UTC) + timedelta(days=90))
    assert uow.commits == 1
    onboarded, announced = uow.emitted()
    assert onboarded == SellerOnboarded(seller_id=new.seller.seller_id, name="Acme Goods")
    assert isinstance(announced, CredentialIssued) and announced.credential_id == credential_id
    assert (
        announced.secret_sha256 == stored.secret_sha256
        and secret not in announced.model_dump_json()
    )


async def test_a_seller_credential_may_expire_sooner():
    uow = FakeRegistrationUnitOfWork()
    new = await register_seller(RegisterSeller("Brief", expires_in_days=1), uow)
    assert near(new.issued.credential.expires_at, datetime.now(UTC) + timedelta(days=1))


@pytest.mark.parametrize(
    "kind, subject",
    [("seller", "S0000000000"), ("fulfillment-center", "NOWHERE1")],
)
async def test_no_credential_for_a_seller_or_an_fc_that_does_not_exist(kind, subject):
    uow = FakeRegistrationUnitOfWork()
    with pytest.raises(UnknownSubject) as refused:
        await issue(IssueCredential(kind, subject), uow, centers=DEFAULT_NETWORK)
    assert (refused.value.kind, refused.value.subject) == (kind, subject)
    assert uow.credentials.credentials == {} and uow.events == []


@pytest.mark.parametrize(
    "kind, subject",
    [
        ("fulfillment-center", DEFAULT_NETWORK[0].fulfillment_center_id),
        ("channel", "storefront"),
        ("operator", "ops"),
        ("service", "registration"),
    ],
)
async def test_credentials_for_fcs_of_the_network_channels_operators_and_services(kind, subject):
    uow = FakeRegistrationUnitOfWork()
    issued = await issue(IssueCredential(kind, subject, 30), uow, centers=DEFAULT_NETWORK)
    assert (issued.credential.kind.value, issued.credential.subject) == (kind, subject)
    assert [type(e) for e in uow.emitted()] == [CredentialIssued]


async def test_a_credential_for_an_existing_seller():
    uow = FakeRegistrationUnitOfWork()
    seller = (await register_seller(RegisterSeller("Acme"), uow)).seller
    second = await issue(IssueCredential("seller", seller.seller_id), uow, centers=DEFAULT_NETWORK)
    assert second.credential.subject == seller.seller_id and len(uow.credentials.credentials) == 2


async def test_rotation_issues_a_new_credential_and_revokes_the_old_one():
    uow = FakeRegistrationUnitOfWork()
    new = await register_seller(RegisterSeller("Acme"), uow)
    old_id = new.issued.credential.credential_id

    rotated = await rotate(RotateCredential(old_id, 30, seller_id=new.seller.seller_id), uow)

    assert (
        rotated.credential.credential_id != old_id
        and rotated.credential.subject == new.seller.seller_id
    )
    assert uow.credentials.credentials[old_id].revoked_at is not None
    assert uow.credentials.credentials[rotated.credential.credential_id].revoked_at is None
    issued, revoked = uow.emitted()[2:]
    assert (
        isinstance(issued, CredentialIssued)
        and issued.credential_id == rotated.credential.credential_id
    )
    assert isinstance(revoked, CredentialRevoked) and revoked.credential_id == old_id
    with pytest.raises(CredentialAlreadyRevoked):
        await rotate(RotateCredential(old_id), uow)


async def test_revoking_is_announced_once():
    uow = FakeRegistrationUnitOfWork()
    new = await register_seller(RegisterSeller("Acme"), uow)
    credential_id = new.issued.credential.credential_id

    first = await revoke(RevokeCredential(credential_id, "leaked"), uow)
    again = await revoke(RevokeCredential(credential_id), uow)

    assert first.revoked_at is not None and again.revoked_at == first.revoked_at
    (revoked,) = uow.emitted(CredentialRevoked)
    assert (revoked.credential_id, revoked.reason) == (credential_id, "leaked")


async def test_a_seller_reaches_only_its_own_credentials():
    uow = FakeRegistrationUnitOfWork()
    mine = await register_seller(RegisterSeller("Mine"), uow)
    theirs = await register_seller(RegisterSeller("Theirs"), uow)
    fc = await issue(IssueCredential("fulfillment-center", "SEA1"), uow, centers=DEFAULT_NETWORK)
    before = len(uow.events)

    for other in (
        theirs.issued.credential.credential_id,
        fc.credential.credential_id,
        "CNOSUCHTHING1",
    ):
        with pytest.raises(CredentialNotFound):
            await rotate(RotateCredential(other, seller_id=mine.seller.seller_id), uow)
        with pytest.raises(CredentialNotFound):
            await revoke(RevokeCredential(other, seller_id=mine.seller.seller_id), uow)

    assert len(uow.events) == before
    assert all(c.revoked_at is None for c in uow.credentials.credentials.values())
