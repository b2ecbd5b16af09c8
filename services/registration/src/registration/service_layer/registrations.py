"""Registering items for fulfillment and listing, previewing that, changing and withdrawing them.

Each seller's handler opens and commits its own unit of work, so a registration and the event it
causes (ItemRegistered, ItemRegistrationRejected, ItemRegistrationUpdated, ItemDeregistered)
commit together.

Registration also consumes those announcements back, in the runtime's unit of work:
`record_announced_registrations` stores a registration or rejection not stored yet (with its
FNSKU, its place in its request and the request's idempotency key), `record_announced_changes` a
change not applied yet. Live that is never (the request wrote it with its announcement); in
`stockpath replay` into an empty store it writes what the requests wrote.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

import structlog

from registration.domain import identifiers
from registration.domain.commands import (
    ChangeRegistration,
    DeregisterItem,
    PreviewItems,
    RecordAnnouncedChange,
    RecordAnnouncedRegistration,
    RegisterItems,
)
from registration.domain.eligibility import Rejection, SizeTier, assess, size_tier
from registration.domain.errors import RegistrationNotFound, RequestIdReused
from registration.domain.model import CatalogItem, Offer, Registration, RegistrationStatus
from registration.service_layer.unit_of_work import RegistrationUnitOfWork
from stockpath_events import CatalogItemSnapshot
from stockpath_events.types.registration import (
    ItemDeregistered,
    ItemRegistered,
    ItemRegistrationRejected,
    ItemRegistrationUpdated,
)

log = structlog.get_logger("registration")


class Catalog(Protocol):
    """The catalog as registration reads it (``adapters/catalog.py`` over the catalog's HTTP API)."""

    async def get_many(self, catalog_item_ids: Iterable[str]) -> dict[str, CatalogItem | None]: ...


@dataclass(frozen=True)
class RegistrationOutcome:
    registrations: list[Registration]
    #: True when these are the stored results of an earlier request with the same request_id.
    replayed: bool


async def _earlier_outcome(
    uow: RegistrationUnitOfWork, command: RegisterItems
) -> RegistrationOutcome | None:
    if command.request_id is None:
        return None
    fingerprint = await uow.registrations.request_fingerprint(command.seller_id, command.request_id)
    if fingerprint is None:
        return None
    if fingerprint != command.fingerprint():
        raise RequestIdReused(command.request_id)
    return RegistrationOutcome(
        await uow.registrations.of_request(command.seller_id, command.request_id), replayed=True
    )


async def register_items(
    command: RegisterItems,
    uow: RegistrationUnitOfWork,
    *,
    catalog: Catalog,
    restricted_categories: Iterable[str],
) -> RegistrationOutcome:
    """Register each offer or reject it with a reason; all of them commit together, with their events.

    The catalog is read before the transaction opens, so no lock is held while another service
    answers; a repeated request_id is answered from the database without asking the catalog.
    """
    async with uow:
        earlier = await _earlier_outcome(uow, command)
    if earlier is not None:
        return earlier

    items = await catalog.get_many(o.catalog_item_id for o in command.offers)

    async with uow:
        # One registration at a time per seller: the SKU checks below read what the seller has,
        # and a concurrent request must see this one's SKUs, not race past them.
        await uow.sellers.lock(command.seller_id)
        earlier = await _earlier_outcome(uow, command)  # the same key may have won the lock first
        if earlier is not None:
            return earlier
        if command.request_id is not None:
            await uow.registrations.add_request(
                command.seller_id, command.request_id, command.fingerprint()
            )
        catalogue = await uow.registrations.catalogue(command.seller_id)
        # What each announcement carries of its request, so registration can rebuild it from them.
        request = {
            "request_id": command.request_id,
            "request_fingerprint": command.fingerprint() if command.request_id else None,
        }
        results: list[Registration] = []
        for position, offer in enumerate(command.offers):
            item = items[offer.catalog_item_id]
            rejection = assess(offer, item, catalogue, restricted_categories=restricted_categories)
            tier = size_tier(item.dimensions, item.weight_g) if item else None
            registration = Registration(
                registration_id=identifiers.new_registration_id(),
                seller_id=command.seller_id,
                offer=offer,
                status=RegistrationStatus.REGISTERED
                if rejection is None
                else RegistrationStatus.REJECTED,
                item=item,
                size_tier=tier.value if tier else None,
                reason_code=rejection.code.value if rejection else None,
                reason=rejection.reason if rejection else None,
                request_id=command.request_id,
                position=position,
            )
            if rejection is None:
                assert item is not None
                registration = await uow.registrations.add_registered(
                    registration, identifiers.new_fnsku
                )
                catalogue.add(offer)
                uow.emit(
                    ItemRegistered(
                        registration_id=registration.registration_id,
                        seller_id=command.seller_id,
                        seller_sku=offer.seller_sku,
                        catalog_item_id=offer.catalog_item_id,
                        fnsku=registration.fnsku,
                        condition=offer.condition,
                        price=offer.price,
                        channels=list(offer.channels),
                        item=CatalogItemSnapshot.model_validate(dataclasses.asdict(item)),
                        size_tier=registration.size_tier,
                        **request,
                        position=position,
                    )
                )
            else:
                await uow.registrations.add_rejected(registration)
                uow.emit(
                    ItemRegistrationRejected(
                        registration_id=registration.registration_id,
                        seller_id=command.seller_id,
                        seller_sku=offer.seller_sku,
                        catalog_item_id=offer.catalog_item_id,
                        reason_code=rejection.code.value,
                        reason=rejection.reason,
                        condition=offer.condition,
                        price=offer.price,
                        channels=list(offer.channels),
                        item=CatalogItemSnapshot.model_validate(dataclasses.asdict(item))
                        if item
                        else None,
                        size_tier=registration.size_tier,
                        **request,
                        position=position,
                    )
                )
            results.append(registration)
        await uow.commit()
    return RegistrationOutcome(results, replayed=False)


@dataclass(frozen=True)
class Eligibility:
    """What registering an offer would give, without registering it."""

    offer: Offer
    item: CatalogItem | None
    size_tier: SizeTier | None
    rejection: Rejection | None


async def preview_items(
    command: PreviewItems,
    uow: RegistrationUnitOfWork,
    *,
    catalog: Catalog,
    restricted_categories: Iterable[str],
) -> list[Eligibility]:
    """The eligibility of each offer exactly as registering them together would decide it
    (same rules, same order; earlier offers in the list count for the SKU rules), changing nothing.
    An offer without a seller SKU (the seller has not chosen one yet) skips the SKU rule."""
    items = await catalog.get_many(o.catalog_item_id for o in command.offers)
    async with uow:
        catalogue = await uow.registrations.catalogue(command.seller_id)
    results = []
    for offer in command.offers:
        item = items[offer.catalog_item_id]
        rejection = assess(offer, item, catalogue, restricted_categories=restricted_categories)
        if rejection is None and offer.seller_sku:
            catalogue.add(offer)
        results.append(
            Eligibility(
                offer, item, size_tier(item.dimensions, item.weight_g) if item else None, rejection
            )
        )
    return results


async def _seller_registration(
    uow: RegistrationUnitOfWork, seller_id: str, fnsku: str
) -> Registration:
    registration = await uow.registrations.by_fnsku(seller_id, fnsku, for_update=True)
    if registration is None:
        raise RegistrationNotFound(fnsku)
    return registration


async def change_registration(
    command: ChangeRegistration, uow: RegistrationUnitOfWork
) -> Registration:
    """A new price or channels for a registered item; listings follow ItemRegistrationUpdated."""
    async with uow:
        current = await _seller_registration(uow, command.seller_id, command.fnsku)
        changed = current.change_offer(command.price, command.channels)
        if changed.offer == current.offer:
            return current  # nothing changed: no event, so listings are not touched
        stored = await uow.registrations.save_change(changed)
        uow.emit(
            ItemRegistrationUpdated(
                registration_id=stored.registration_id,
                seller_id=stored.seller_id,
                seller_sku=stored.offer.seller_sku,
                fnsku=command.fnsku,
                price=stored.offer.price,
                channels=list(stored.offer.channels),
            )
        )
        await uow.commit()
    return stored


async def deregister_item(command: DeregisterItem, uow: RegistrationUnitOfWork) -> Registration:
    """Withdraw a registered item: its listings close (ItemDeregistered) and its SKU is free again."""
    async with uow:
        current = await _seller_registration(uow, command.seller_id, command.fnsku)
        stored = await uow.registrations.save_change(current.deregister())
        uow.emit(
            ItemDeregistered(
                registration_id=stored.registration_id,
                seller_id=stored.seller_id,
                seller_sku=stored.offer.seller_sku,
                fnsku=command.fnsku,
                reason=command.reason,
            )
        )
        await uow.commit()
    return stored


async def record_announced_registrations(
    commands: list[RecordAnnouncedRegistration], uow: RegistrationUnitOfWork
) -> None:
    """Registrations and rejections as announced, stored unless they are already (see the module's
    docstring); one announced before events carried its request has nothing to store."""
    for command in commands:
        registration = command.registration
        if registration is None:
            continue
        if await uow.registrations.record(registration, command.request_fingerprint):
            log.info(
                "registration rebuilt from its announcement",
                registration_id=registration.registration_id,
                status=registration.status.value,
            )


async def record_announced_changes(
    commands: list[RecordAnnouncedChange], uow: RegistrationUnitOfWork
) -> None:
    """Changes and withdrawals as announced, applied unless the registration holds them already or
    a later change (see the module's docstring)."""
    for command in commands:
        current = await uow.registrations.by_id(command.registration_id, for_update=True)
        if current is None or current.status is not RegistrationStatus.REGISTERED:
            continue  # withdrawn (for good) or rejected: nothing announced later applies to it
        if current.updated_at is not None and current.updated_at >= command.at:
            continue  # a change announced after this one is stored already
        changed = (
            current.deregister()
            if command.deregistered
            else current.change_offer(command.price, command.channels)
        )
        if changed != current:
            await uow.registrations.save_change(changed, at=command.at)
