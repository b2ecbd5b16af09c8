"""Registration reads its own announcements back (issue 17): into an empty store they write what
the requests wrote (sellers, registrations and rejections with their request, changes,
shipments planned, shipped and cancelled), live they change nothing, and an older change never
overwrites a newer one. Each event goes through the consumer table as the worker wires it."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from registration_testkit import RESTRICTED, FakeCatalog, FakeRegistrationUnitOfWork, item, offer

from registration.domain.commands import (
    CancelInboundShipment,
    ChangeRegistration,
    DeregisterItem,
    PlanInbound,
    RegisterItems,
    RegisterSeller,
    ShipInboundShipment,
)
from registration.domain.model import RegistrationStatus, ShipmentStatus
from registration.entrypoints import consumers
from registration.service_layer.registrations import (
    change_registration,
    deregister_item,
    register_items,
)
from registration.service_layer.sellers import register_seller
from registration.service_layer.shipments import (
    cancel_inbound_shipment,
    plan_inbound,
    ship_inbound_shipment,
)
from stockpath_events import Envelope, Topics
from stockpath_events.types.registration import ItemRegistered
from stockpath_network import DEFAULT_NETWORK
from stockpath_runtime.consumer import subscribe

#: Two FCs of 10 units each: a plan of more than 10 units splits into two shipments.
SMALL = tuple(fc.model_copy(update={"inbound_capacity_units": 10}) for fc in DEFAULT_NETWORK[:2])


async def read_back(events: list[Envelope], uow: FakeRegistrationUnitOfWork) -> None:
    """Each event of `registration.events` through registration's handler for it, one at a time,
    in the order written (credentials are on `identity.events`, the runtime's business)."""
    [own] = [s for s in subscribe(consumers.CONSUMES) if s.topic == Topics.REGISTRATION]
    for event in events:
        if type(event.data) in own.handlers:
            await own.handlers[type(event.data)]([event], uow)


def stored(uow: FakeRegistrationUnitOfWork) -> dict:
    """What the store holds, but the times rows were written."""
    return {
        "sellers": uow.sellers.sellers,
        "requests": uow.registrations.requests,
        "registrations": [
            dataclasses.replace(r, created_at=None, updated_at=None)
            for r in uow.registrations.registrations
        ],
        "shipments": {
            k: dataclasses.replace(s, created_at=None, updated_at=None)
            for k, s in uow.shipments.shipments.items()
        },
    }


async def history() -> FakeRegistrationUnitOfWork:
    """A seller, a request registering one item and rejecting two (restricted, unknown to the
    catalog) under an idempotency key, one without a key; a price change, a withdrawal; a plan
    split across two FCs, one shipment shipped and one cancelled."""
    uow = FakeRegistrationUnitOfWork()
    seller = (await register_seller(RegisterSeller("Acme Goods"), uow)).seller.seller_id
    catalog = FakeCatalog(item("NOTEBOOK"), item("POT"), item("KNIFE", category="Weapons"))
    first = await register_items(
        RegisterItems(
            seller,
            (offer("NOTEBOOK", "SKU-1"), offer("KNIFE", "SKU-2"), offer("NOWHERE", "SKU-3")),
            "req-1",
        ),
        uow,
        catalog=catalog,
        restricted_categories=RESTRICTED,
    )
    second = await register_items(
        RegisterItems(seller, (offer("POT", "SKU-4"),)),
        uow,
        catalog=catalog,
        restricted_categories=RESTRICTED,
    )
    notebook, pot = first.registrations[0].fnsku, second.registrations[0].fnsku
    assert notebook and pot
    await change_registration(ChangeRegistration(seller, notebook, price=Decimal("12.50")), uow)
    await change_registration(ChangeRegistration(seller, notebook, channels=("webhook",)), uow)
    await deregister_item(DeregisterItem(seller, pot, reason="discontinued"), uow)
    plan = await plan_inbound(PlanInbound(seller, (("SKU-1", 15),)), uow, centers=SMALL)
    shipped, cancelled = plan.shipments
    await ship_inbound_shipment(
        ShipInboundShipment(seller, shipped.shipment_id, "UPS", "1Z999"), uow
    )
    await cancel_inbound_shipment(
        CancelInboundShipment(seller, cancelled.shipment_id, reason="sent the other way"), uow
    )
    return uow


async def test_announcements_read_into_an_empty_store_write_what_the_requests_wrote():
    live = await history()
    rebuilt = FakeRegistrationUnitOfWork()

    await read_back(live.events, rebuilt)

    assert stored(rebuilt) == stored(live)
    statuses = [r.status for r in live.registrations.registrations]
    assert statuses == [
        RegistrationStatus.REGISTERED,
        RegistrationStatus.REJECTED,
        RegistrationStatus.REJECTED,
        RegistrationStatus.DEREGISTERED,
    ]
    assert sorted(s.status for s in live.shipments.shipments.values()) == [
        ShipmentStatus.CANCELLED,
        ShipmentStatus.SHIPPED,
    ]
    assert rebuilt.events == [], "a rebuild announces nothing again"


async def test_announcements_read_back_live_change_nothing():
    live = await history()
    before = stored(live)
    written = list(live.events)

    await read_back(written, live)

    assert stored(live) == before and live.events == written


async def test_an_older_change_read_back_late_never_overwrites_a_newer_one():
    live = await history()
    changes = [e for e in live.events if type(e.data).__name__ == "ItemRegistrationUpdated"]
    before = stored(live)
    rebuilt = FakeRegistrationUnitOfWork()
    await read_back(live.events, rebuilt)

    # The price change read again after the channels change: the channels stay, the price too.
    await read_back(changes[:1], live)
    await read_back(changes[:1], rebuilt)

    assert stored(live) == before and stored(rebuilt) == before
    [notebook] = [r for r in live.registrations.registrations if r.offer.seller_sku == "SKU-1"]
    assert notebook.offer.price == Decimal("12.50") and notebook.offer.channels == ("webhook",)


async def test_a_registration_announced_before_events_carried_its_request_is_not_rebuilt():
    live = await history()
    registered = next(e for e in live.events if isinstance(e.data, ItemRegistered))
    older = dataclasses.replace(
        registered, data=registered.data.model_copy(update={"position": None})
    )
    rebuilt = FakeRegistrationUnitOfWork()

    await read_back([older], rebuilt)

    assert rebuilt.registrations.registrations == []
