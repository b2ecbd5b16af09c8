"""Registration's use cases (commands from sellers) and its reactions to inventory events.

Command handlers open and commit their own unit of work, so a state change and the events it
causes commit together. Event handlers run inside the unit of work the runtime opened (it has
already claimed the event in the inbox) and must not commit.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog

from registration.adapters import labels
from registration.adapters.catalog import CatalogClient
from registration.adapters.repository import (
    RegistrationRepository,
    SellerRepository,
    ShipmentRepository,
)
from registration.domain import identifiers
from registration.domain.commands import (
    CancelInboundShipment,
    ChangeRegistration,
    DeregisterItem,
    PlanInbound,
    PlanInboundShipment,
    RegisterItems,
    RegisterSeller,
    ShipInboundShipment,
)
from registration.domain.eligibility import Rejection, SellerCatalogue, SizeTier, assess, size_tier
from registration.domain.model import (
    CatalogItem,
    InboundShipment,
    InvalidShipmentTransition,
    Offer,
    Registration,
    RegistrationStatus,
    ShipmentLine,
    ShipmentStatus,
)
from registration.domain.planning import choose_fulfillment_center, split_across_centers
from stockpath_events import Address, CatalogItemSnapshot, Envelope, Identifiers
from stockpath_events import Dimensions as DimensionsData
from stockpath_events.types.inventory import InboundShipmentClosed, InventoryReceived
from stockpath_events.types.registration import (
    InboundShipmentCancelled,
    InboundShipmentLine,
    InboundShipmentPlanned,
    InboundShipmentShipped,
    ItemDeregistered,
    ItemRegistered,
    ItemRegistrationRejected,
    ItemRegistrationUpdated,
)
from stockpath_network import FulfillmentCenter, distance_to
from stockpath_runtime.unit_of_work import UnitOfWork

log = structlog.get_logger("registration")


class RequestIdReused(Exception):
    def __init__(self, request_id: str) -> None:
        super().__init__(
            f"request_id {request_id!r} was already used for a different set of items; "
            "use a new request_id for a new request"
        )
        self.request_id = request_id


class UnknownSellerSkus(Exception):
    def __init__(self, seller_skus: list[str]) -> None:
        super().__init__(
            f"seller SKU(s) {', '.join(seller_skus)} are not registered items of this seller; "
            "register them before planning an inbound shipment"
        )
        self.seller_skus = seller_skus


class RegistrationNotFound(Exception):
    def __init__(self, fnsku: str) -> None:
        super().__init__(f"registration {fnsku} does not exist")
        self.fnsku = fnsku


class ShipmentNotFound(Exception):
    def __init__(self, shipment_id: str) -> None:
        super().__init__(f"inbound shipment {shipment_id} does not exist")
        self.shipment_id = shipment_id


@dataclass(frozen=True)
class NewSeller:
    seller_id: str
    name: str
    #: The only time the token exists outside the seller's hands.
    token: str


async def register_seller(command: RegisterSeller, uow: UnitOfWork) -> NewSeller:
    token = identifiers.new_token()
    async with uow:
        seller = await SellerRepository(uow.connection).add(
            command.name, identifiers.token_digest(token), identifiers.new_seller_id
        )
        await uow.commit()
    return NewSeller(seller.seller_id, seller.name, token)


@dataclass(frozen=True)
class RegistrationOutcome:
    registrations: list[Registration]
    #: True when these are the stored results of an earlier request with the same request_id.
    replayed: bool


async def _earlier_outcome(repo: RegistrationRepository, command: RegisterItems) -> RegistrationOutcome | None:
    if command.request_id is None:
        return None
    fingerprint = await repo.request_fingerprint(command.seller_id, command.request_id)
    if fingerprint is None:
        return None
    if fingerprint != command.fingerprint():
        raise RequestIdReused(command.request_id)
    return RegistrationOutcome(await repo.of_request(command.seller_id, command.request_id), replayed=True)


def _snapshot(item: CatalogItem) -> CatalogItemSnapshot:
    d = item.dimensions
    return CatalogItemSnapshot(
        catalog_item_id=item.catalog_item_id,
        title=item.title,
        brand=item.brand,
        category=item.category,
        identifiers=Identifiers(**item.identifiers),
        dimensions=DimensionsData(length_cm=d.length_cm, width_cm=d.width_cm, height_cm=d.height_cm) if d else None,
        weight_g=item.weight_g,
        hazmat=item.hazmat,
        attributes=item.attributes,
    )


async def register_items(
    command: RegisterItems,
    uow: UnitOfWork,
    catalog: CatalogClient,
    *,
    restricted_categories: Iterable[str],
) -> RegistrationOutcome:
    """Register each offer or reject it with a reason; all of them commit together, with their events.

    The catalog is read before the transaction opens, so no lock is held while another service
    answers; a repeated request_id is answered from the database without asking the catalog.
    """
    async with uow:
        earlier = await _earlier_outcome(RegistrationRepository(uow.connection), command)
    if earlier is not None:
        return earlier

    items = await catalog.get_many(o.catalog_item_id for o in command.offers)

    async with uow:
        # One registration at a time per seller: the SKU checks below read what the seller has,
        # and a concurrent request must see this one's SKUs, not race past them.
        await SellerRepository(uow.connection).lock(command.seller_id)
        repo = RegistrationRepository(uow.connection)
        earlier = await _earlier_outcome(repo, command)  # the same key may have won the lock first
        if earlier is not None:
            return earlier
        if command.request_id is not None:
            await repo.add_request(command.seller_id, command.request_id, command.fingerprint())
        catalogue = await repo.catalogue(command.seller_id)
        results: list[Registration] = []
        for position, offer in enumerate(command.offers):
            item = items[offer.catalog_item_id]
            rejection = assess(offer, item, catalogue, restricted_categories=restricted_categories)
            tier = size_tier(item.dimensions, item.weight_g) if item else None
            registration = Registration(
                registration_id=identifiers.new_registration_id(),
                seller_id=command.seller_id,
                offer=offer,
                status=RegistrationStatus.REGISTERED if rejection is None else RegistrationStatus.REJECTED,
                item=item,
                size_tier=tier.value if tier else None,
                reason_code=rejection.code.value if rejection else None,
                reason=rejection.reason if rejection else None,
                request_id=command.request_id,
                position=position,
            )
            if rejection is None:
                assert item is not None
                registration = await repo.add_registered(registration, identifiers.new_fnsku)
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
                        item=_snapshot(item),
                        size_tier=registration.size_tier,
                    )
                )
            else:
                await repo.add_rejected(registration)
                uow.emit(
                    ItemRegistrationRejected(
                        registration_id=registration.registration_id,
                        seller_id=command.seller_id,
                        seller_sku=offer.seller_sku,
                        catalog_item_id=offer.catalog_item_id,
                        reason_code=rejection.code.value,
                        reason=rejection.reason,
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
    seller_id: str,
    offers: Iterable[Offer],
    uow: UnitOfWork,
    catalog: CatalogClient,
    *,
    restricted_categories: Iterable[str],
) -> list[Eligibility]:
    """The eligibility of each offer exactly as registering them together would decide it
    (same rules, same order; earlier offers in the list count for the SKU rules), changing nothing.
    An offer without a seller SKU (the seller has not chosen one yet) skips the SKU rule."""
    offers = list(offers)
    items = await catalog.get_many(o.catalog_item_id for o in offers)
    async with uow:
        catalogue: SellerCatalogue = await RegistrationRepository(uow.connection).catalogue(seller_id)
    results = []
    for offer in offers:
        item = items[offer.catalog_item_id]
        rejection = assess(offer, item, catalogue, restricted_categories=restricted_categories)
        if rejection is None and offer.seller_sku:
            catalogue.add(offer)
        results.append(Eligibility(offer, item, size_tier(item.dimensions, item.weight_g) if item else None, rejection))
    return results


async def _seller_registration(repo: RegistrationRepository, seller_id: str, fnsku: str) -> Registration:
    registration = await repo.by_fnsku(seller_id, fnsku, for_update=True)
    if registration is None:
        raise RegistrationNotFound(fnsku)
    return registration


async def change_registration(command: ChangeRegistration, uow: UnitOfWork) -> Registration:
    """A new price or channels for a registered item; listings follow ItemRegistrationUpdated."""
    async with uow:
        repo = RegistrationRepository(uow.connection)
        current = await _seller_registration(repo, command.seller_id, command.fnsku)
        changed = current.change_offer(command.price, command.channels)
        if changed.offer == current.offer:
            return current  # nothing changed: no event, so listings are not touched
        stored = await repo.save_change(changed)
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


async def deregister_item(command: DeregisterItem, uow: UnitOfWork) -> Registration:
    """Withdraw a registered item: its listings close (ItemDeregistered) and its SKU is free again."""
    async with uow:
        repo = RegistrationRepository(uow.connection)
        current = await _seller_registration(repo, command.seller_id, command.fnsku)
        stored = await repo.save_change(current.deregister())
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


async def _registered_fnskus(uow: UnitOfWork, seller_id: str, skus: list[str]) -> dict[str, str]:
    fnskus = await RegistrationRepository(uow.connection).fnskus_by_sku(seller_id, skus)
    unknown = [sku for sku in skus if sku not in fnskus]
    if unknown:
        raise UnknownSellerSkus(unknown)
    return fnskus


async def _store_shipment(uow: UnitOfWork, plan: InboundShipment) -> InboundShipment:
    shipment = await ShipmentRepository(uow.connection).add(plan, identifiers.new_shipment_id)
    uow.emit(
        InboundShipmentPlanned(
            shipment_id=shipment.shipment_id,
            seller_id=shipment.seller_id,
            fulfillment_center_id=shipment.fulfillment_center_id,
            ship_to=Address.model_validate(shipment.ship_to),
            lines=[InboundShipmentLine(**dataclasses.asdict(line)) for line in shipment.lines],
        )
    )
    return shipment


@dataclass(frozen=True)
class InboundPlan:
    plan_id: str
    shipments: list[InboundShipment]


async def plan_inbound(command: PlanInbound, uow: UnitOfWork, centers: Iterable[FulfillmentCenter]) -> InboundPlan:
    """An inbound plan: one shipment per FC the units go to (usually one, several when the nearest
    FC cannot take them all). Every shipment and its InboundShipmentPlanned commit together."""
    centers = list(centers)
    distance = (lambda fc: distance_to(fc, command.ship_from_postal_code)) if command.ship_from_postal_code else None
    allocations = split_across_centers(centers, command.lines, distance=distance)
    by_id = {fc.fulfillment_center_id: fc for fc in centers}
    plan_id = identifiers.new_plan_id()
    async with uow:
        fnskus = await _registered_fnskus(uow, command.seller_id, [sku for sku, _ in command.lines])
        shipments = []
        for fc_id in dict.fromkeys(a.fulfillment_center_id for a in allocations):
            fc = by_id[fc_id]
            lines = tuple(
                ShipmentLine(fnskus[a.seller_sku], a.seller_sku, a.quantity)
                for a in allocations
                if a.fulfillment_center_id == fc_id
            )
            plan = InboundShipment(
                shipment_id="",  # drawn when stored
                seller_id=command.seller_id,
                fulfillment_center_id=fc_id,
                ship_to=fc.address.model_dump(mode="json"),
                lines=lines,
                plan_id=plan_id,
            )
            shipments.append(await _store_shipment(uow, plan))
        await uow.commit()
    return InboundPlan(plan_id, shipments)


async def plan_inbound_shipment(
    command: PlanInboundShipment, uow: UnitOfWork, centers: Iterable[FulfillmentCenter]
) -> InboundShipment:
    """Tell the seller which FC to send these units to, before any of them sells."""
    skus = [sku for sku, _ in command.lines]
    units = sum(quantity for _, quantity in command.lines)
    async with uow:
        fnskus = await _registered_fnskus(uow, command.seller_id, skus)
        fc = choose_fulfillment_center(centers, units)
        plan = InboundShipment(
            shipment_id="",  # drawn when stored
            seller_id=command.seller_id,
            fulfillment_center_id=fc.fulfillment_center_id,
            ship_to=fc.address.model_dump(mode="json"),
            lines=tuple(ShipmentLine(fnskus[sku], sku, quantity) for sku, quantity in command.lines),
        )
        shipment = await _store_shipment(uow, plan)
        await uow.commit()
    return shipment


async def _seller_shipment(repo: ShipmentRepository, seller_id: str, shipment_id: str) -> InboundShipment:
    # Locked: a ship and a cancel racing on one shipment must see each other's outcome.
    shipment = await repo.get(shipment_id, seller_id=seller_id, for_update=True)
    if shipment is None:
        raise ShipmentNotFound(shipment_id)
    return shipment


async def ship_inbound_shipment(command: ShipInboundShipment, uow: UnitOfWork) -> InboundShipment:
    async with uow:
        repo = ShipmentRepository(uow.connection)
        shipment = await _seller_shipment(repo, command.seller_id, command.shipment_id)
        shipped = shipment.ship(command.carrier, command.tracking_number, datetime.now(UTC))
        await repo.save_status(shipped)
        uow.emit(
            InboundShipmentShipped(
                shipment_id=shipped.shipment_id,
                seller_id=shipped.seller_id,
                fulfillment_center_id=shipped.fulfillment_center_id,
                carrier=command.carrier,
                tracking_number=command.tracking_number,
                shipped_at=shipped.shipped_at,
            )
        )
        stored = await repo.get(command.shipment_id)
        await uow.commit()
    assert stored is not None
    return stored


async def cancel_inbound_shipment(command: CancelInboundShipment, uow: UnitOfWork) -> InboundShipment:
    async with uow:
        repo = ShipmentRepository(uow.connection)
        shipment = await _seller_shipment(repo, command.seller_id, command.shipment_id)
        cancelled = shipment.cancel(command.reason)
        await repo.save_status(cancelled)
        stored = await repo.get(command.shipment_id)
        uow.emit(
            InboundShipmentCancelled(
                shipment_id=cancelled.shipment_id,
                seller_id=cancelled.seller_id,
                fulfillment_center_id=cancelled.fulfillment_center_id,
                reason=command.reason,
            )
        )
        await uow.commit()
    assert stored is not None
    return stored


async def _advance_shipment(
    event: Envelope, uow: UnitOfWork, step: Callable[[InboundShipment], InboundShipment]
) -> None:
    repo = ShipmentRepository(uow.connection)
    shipment = await repo.get(event.data.shipment_id, for_update=True)
    if shipment is None:
        # Stock the FC received against a shipment registration never planned: the FC's problem to
        # reconcile, not a reason to block the partition or dead-letter the event.
        log.warning("inventory event for an unknown inbound shipment ignored", shipment_id=event.data.shipment_id)
        return
    advanced = step(shipment)
    if advanced.status is not shipment.status:
        await repo.save_status(advanced)
        log.info(
            "inbound shipment status changed",
            shipment_id=shipment.shipment_id,
            before=shipment.status.value,
            after=advanced.status.value,
        )


async def on_inventory_received(event: Envelope[InventoryReceived], uow: UnitOfWork) -> None:
    """The FC is counting the shipment's units: the seller sees it RECEIVING."""
    await _advance_shipment(event, uow, InboundShipment.receiving)


async def on_inbound_shipment_closed(event: Envelope[InboundShipmentClosed], uow: UnitOfWork) -> None:
    """The FC finished with the shipment: the seller sees it CLOSED."""
    await _advance_shipment(event, uow, InboundShipment.closed)


@dataclass(frozen=True)
class ShipmentLabels:
    shipment: InboundShipment
    item_labels: list[labels.ItemLabel]
    boxes: labels.BoxLabels


class TooManyLabels(Exception):
    def __init__(self, units: int) -> None:
        super().__init__(
            f"this shipment has {units} units; one PDF prints at most {labels.MAX_ITEM_LABELS} unit labels: "
            "ask for item_labels=per_line and print each line's label as many times as its count"
        )
        self.units = units


async def shipment_labels(
    seller_id: str, seller_name: str, shipment_id: str, uow: UnitOfWork, *, boxes: int, per_unit: bool
) -> ShipmentLabels:
    """What the labels PDF shows: an FNSKU label per unit (or per line) and a label per box."""
    async with uow:
        shipment = await ShipmentRepository(uow.connection).get(shipment_id, seller_id=seller_id)
        if shipment is None:
            raise ShipmentNotFound(shipment_id)
        if shipment.status is ShipmentStatus.CANCELLED:
            raise InvalidShipmentTransition(shipment_id, "labelled", shipment.status)
        texts = await RegistrationRepository(uow.connection).label_texts(seller_id, [ln.fnsku for ln in shipment.lines])
    units = sum(ln.quantity for ln in shipment.lines)
    if per_unit and units > labels.MAX_ITEM_LABELS:
        raise TooManyLabels(units)
    item_labels = []
    for line in shipment.lines:
        title, condition = texts.get(line.fnsku, ("", "new"))
        if per_unit:
            item_labels += [labels.ItemLabel(line.fnsku, title, condition)] * line.quantity
        else:
            item_labels.append(labels.ItemLabel(line.fnsku, title, condition, count=line.quantity))
    box_labels = labels.BoxLabels(
        shipment_id=shipment.shipment_id,
        fulfillment_center_id=shipment.fulfillment_center_id,
        ship_to=shipment.ship_to,
        seller_name=seller_name,
        boxes=boxes,
        contents=[(ln.seller_sku, ln.fnsku, ln.quantity) for ln in shipment.lines],
    )
    return ShipmentLabels(shipment, item_labels, box_labels)
