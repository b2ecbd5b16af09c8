"""Registration's item handlers against an in-memory unit of work and catalog: who gets
registered, what is rejected and why, idempotent requests, previews, price and channel changes,
and deregistration — with the events each commits."""

from __future__ import annotations

from decimal import Decimal

import pytest
from registration_testkit import RESTRICTED, FakeCatalog, FakeRegistrationUnitOfWork, item, offer

from registration.adapters.catalog import CatalogUnavailable
from registration.domain.commands import (
    ChangeRegistration,
    DeregisterItem,
    PreviewItems,
    RegisterItems,
)
from registration.domain.errors import RegistrationNotFound, RequestIdReused
from registration.domain.identifiers import FNSKU, REGISTRATION_ID
from registration.domain.model import Dimensions, RegistrationNotActive, RegistrationStatus
from registration.service_layer.registrations import (
    change_registration,
    deregister_item,
    preview_items,
    register_items,
)
from stockpath_events import Condition
from stockpath_events.types.registration import (
    ItemDeregistered,
    ItemRegistered,
    ItemRegistrationRejected,
    ItemRegistrationUpdated,
)

SELLER = "S0000000001"


async def register(uow, *offers, catalog=None, request_id=None, seller_id=SELLER):
    catalog = catalog or FakeCatalog(item("NOTEBOOK"), item("POT", category="Kitchen"))
    command = RegisterItems(seller_id, tuple(offers), request_id)
    return await register_items(command, uow, catalog=catalog, restricted_categories=RESTRICTED)


async def registered_fnsku(uow, seller_sku="SKU-1", catalog_item_id="NOTEBOOK") -> str:
    outcome = await register(uow, offer(catalog_item_id, seller_sku))
    (registration,) = outcome.registrations
    assert registration.status is RegistrationStatus.REGISTERED
    return registration.fnsku


# --- registering items ----------------------------------------------------------------------------


async def test_an_eligible_item_is_registered_with_an_fnsku_and_announced_with_its_catalog_snapshot():
    uow = FakeRegistrationUnitOfWork()

    outcome = await register(uow, offer("NOTEBOOK", "SKU-1", channels=("storefront", "webhook")))

    (registration,) = outcome.registrations
    assert not outcome.replayed
    assert registration.status is RegistrationStatus.REGISTERED and FNSKU.match(registration.fnsku)
    assert (
        REGISTRATION_ID.match(registration.registration_id)
        and registration.size_tier == "small_standard"
    )
    (event,) = uow.emitted()
    assert isinstance(event, ItemRegistered)
    assert (event.fnsku, event.seller_id, event.seller_sku, event.catalog_item_id) == (
        registration.fnsku,
        SELLER,
        "SKU-1",
        "NOTEBOOK",
    )
    assert (event.price, event.channels, event.condition, event.size_tier) == (
        Decimal("19.99"),
        ["storefront", "webhook"],
        Condition.NEW,
        "small_standard",
    )
    snapshot = event.item
    assert (snapshot.title, snapshot.brand, snapshot.category, snapshot.identifiers.upc) == (
        "Item NOTEBOOK",
        "Acme",
        "Office",
        "036000291452",
    )
    assert (snapshot.dimensions.length_cm, snapshot.dimensions.height_cm, snapshot.weight_g) == (
        20,
        1.5,
        300,
    )
    assert uow.sellers.locked == [SELLER], "registrations of one seller are serialised"
    assert uow.commits == 1


async def test_items_fulfillment_cannot_take_are_rejected_with_the_first_rule_they_break():
    uow = FakeRegistrationUnitOfWork()
    catalog = FakeCatalog(
        item("NOTEBOOK"),
        item("POT"),
        item("KNIFE", category="weapons"),
        item("LIGHTER", hazmat=True),
        item("KAYAK", dimensions=Dimensions(300, 60, 40), weight_g=20_000),
        item("MYSTERY", dimensions=None),
    )

    outcome = await register(
        uow,
        offer("NOTEBOOK", "SKU-1"),
        offer("KNIFE", "SKU-2"),
        offer("LIGHTER", "SKU-3"),
        offer("KAYAK", "SKU-4"),
        offer("MYSTERY", "SKU-5"),
        offer("NOPE", "SKU-6"),
        offer("POT", "SKU-1"),  # the SKU the first offer just took
        offer("NOTEBOOK", "SKU-7"),  # the item and condition the first offer just registered
        catalog=catalog,
    )

    codes = [r.reason_code for r in outcome.registrations]
    assert codes == [
        None,
        "RESTRICTED_CATEGORY",
        "HAZMAT_REVIEW_REQUIRED",
        "OVER_SIZE_LIMIT",
        "MISSING_DIMENSIONS",
        "UNKNOWN_CATALOG_ITEM",
        "DUPLICATE_SELLER_SKU",
        "ALREADY_REGISTERED",
    ]
    assert all(r.fnsku is None for r in outcome.registrations[1:])
    assert [r.position for r in outcome.registrations] == list(range(8))
    rejected = uow.emitted(ItemRegistrationRejected)
    assert [e.reason_code for e in rejected] == codes[1:]
    assert all(e.reason for e in rejected)
    assert len(uow.emitted(ItemRegistered)) == 1 and uow.commits == 1


async def test_a_repeated_request_id_answers_the_first_outcome_without_asking_the_catalog_again():
    uow = FakeRegistrationUnitOfWork()
    catalog = FakeCatalog(item("NOTEBOOK"))
    first = await register(uow, offer(), catalog=catalog, request_id="req-1")

    again = await register(uow, offer(), catalog=catalog, request_id="req-1")

    assert again.replayed and again.registrations == first.registrations
    assert len(catalog.asked) == 1
    assert len(uow.events) == 1 and uow.commits == 1, "nothing registered or announced twice"


async def test_a_request_id_reused_for_other_items_is_refused_and_changes_nothing():
    uow = FakeRegistrationUnitOfWork()
    await register(uow, offer(), request_id="req-1")

    with pytest.raises(RequestIdReused) as refused:
        await register(uow, offer(price=Decimal("5.00")), request_id="req-1")

    assert refused.value.request_id == "req-1"
    assert len(uow.registrations.registrations) == 1 and len(uow.events) == 1


async def test_a_catalog_that_does_not_answer_registers_and_announces_nothing():
    uow = FakeRegistrationUnitOfWork()

    with pytest.raises(CatalogUnavailable):
        await register(uow, offer(), catalog=FakeCatalog(unavailable=True), request_id="req-1")

    assert uow.registrations.registrations == [] and uow.registrations.requests == {}
    assert uow.events == []


# --- preview --------------------------------------------------------------------------------------


async def test_a_preview_decides_like_registering_together_and_changes_nothing():
    uow = FakeRegistrationUnitOfWork()
    await registered_fnsku(uow, "TAKEN", "POT")
    catalog = FakeCatalog(item("NOTEBOOK"), item("POT"), item("LIGHTER", hazmat=True))
    offers = (
        offer("NOTEBOOK", "SKU-1"),
        offer("NOTEBOOK", "SKU-2"),  # the first offer of this preview counts
        offer("LIGHTER", ""),  # no SKU chosen yet: only the item's own rules
        offer("POT", "OTHER"),  # already registered by this seller
        offer("NOTEBOOK", "TAKEN", condition=Condition.USED_GOOD),  # the SKU is another item's
    )
    events_before = len(uow.events)

    results = await preview_items(
        PreviewItems(SELLER, offers), uow, catalog=catalog, restricted_categories=RESTRICTED
    )

    assert [r.rejection.code.value if r.rejection else None for r in results] == [
        None,
        "ALREADY_REGISTERED",
        "HAZMAT_REVIEW_REQUIRED",
        "ALREADY_REGISTERED",
        "DUPLICATE_SELLER_SKU",
    ]
    assert (
        results[0].size_tier.value == "small_standard" and results[0].item.title == "Item NOTEBOOK"
    )
    assert len(uow.registrations.registrations) == 1 and len(uow.events) == events_before


# --- changing and deregistering -------------------------------------------------------------------


async def test_a_new_price_is_stored_and_announced_to_listings():
    uow = FakeRegistrationUnitOfWork()
    fnsku = await registered_fnsku(uow)

    changed = await change_registration(
        ChangeRegistration(SELLER, fnsku, price=Decimal("7.50")), uow
    )

    assert changed.offer.price == Decimal("7.50") and changed.offer.channels == ("storefront",)
    (event,) = uow.emitted(ItemRegistrationUpdated)
    assert (event.fnsku, event.price, event.channels) == (fnsku, Decimal("7.50"), ["storefront"])


async def test_new_channels_keep_the_price_and_are_announced():
    uow = FakeRegistrationUnitOfWork()
    fnsku = await registered_fnsku(uow)

    changed = await change_registration(
        ChangeRegistration(SELLER, fnsku, channels=("webhook",)), uow
    )

    assert changed.offer.channels == ("webhook",) and changed.offer.price == Decimal("19.99")
    (event,) = uow.emitted(ItemRegistrationUpdated)
    assert (event.price, event.channels) == (Decimal("19.99"), ["webhook"])


async def test_a_change_that_changes_nothing_announces_nothing():
    uow = FakeRegistrationUnitOfWork()
    fnsku = await registered_fnsku(uow)
    commits = uow.commits

    same = await change_registration(
        ChangeRegistration(SELLER, fnsku, price=Decimal("19.99"), channels=("storefront",)), uow
    )

    assert same.offer.price == Decimal("19.99")
    assert uow.emitted(ItemRegistrationUpdated) == [] and uow.commits == commits


async def test_another_sellers_or_an_unknown_fnsku_is_not_found():
    uow = FakeRegistrationUnitOfWork()
    fnsku = await registered_fnsku(uow)

    for seller_id, wanted in (("S0000000002", fnsku), (SELLER, "X00NOTHERE")):
        with pytest.raises(RegistrationNotFound):
            await change_registration(
                ChangeRegistration(seller_id, wanted, price=Decimal("1.00")), uow
            )
        with pytest.raises(RegistrationNotFound):
            await deregister_item(DeregisterItem(seller_id, wanted), uow)


async def test_a_deregistered_item_is_announced_frees_its_sku_and_cannot_be_changed():
    uow = FakeRegistrationUnitOfWork()
    fnsku = await registered_fnsku(uow, "SKU-1")

    withdrawn = await deregister_item(DeregisterItem(SELLER, fnsku, "discontinued"), uow)

    assert withdrawn.status is RegistrationStatus.DEREGISTERED
    (event,) = uow.emitted(ItemDeregistered)
    assert (event.fnsku, event.seller_sku, event.reason) == (fnsku, "SKU-1", "discontinued")
    with pytest.raises(RegistrationNotActive):
        await change_registration(ChangeRegistration(SELLER, fnsku, price=Decimal("1.00")), uow)
    with pytest.raises(RegistrationNotActive):
        await deregister_item(DeregisterItem(SELLER, fnsku), uow)
    again = await register(uow, offer("POT", "SKU-1"))
    assert again.registrations[0].status is RegistrationStatus.REGISTERED, "the SKU is free again"
