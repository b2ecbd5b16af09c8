"""Listing use cases, driven by events. Each runs in the unit of work the runtime opened for the
event (inbox claim, state change and emitted events commit together; the runtime commits)."""

from __future__ import annotations

import structlog

from listing.adapters import webhook
from listing.adapters.repository import ListingRepository
from listing.domain.builder import build_listings, distinct_channel_names, reviewed
from listing.domain.channels import ChannelDirectory
from listing.domain.model import (
    Listing,
    ListingChange,
    ListingStatus,
    RegisteredItem,
    sellable_quantity,
    transition,
)
from stockpath_events import CatalogItemSnapshot, Envelope
from stockpath_events.types.inventory import InventoryLevelChanged
from stockpath_events.types.listing import (
    ListingAvailabilityChanged,
    ListingClosed,
    ListingPublished,
    ListingUpdated,
)
from stockpath_events.types.registration import (
    ItemDeregistered,
    ItemRegistered,
    ItemRegistrationUpdated,
)
from stockpath_runtime.unit_of_work import UnitOfWork

log = structlog.get_logger("stockpath.listing")


def registered_item(data: ItemRegistered) -> RegisteredItem:
    """Translate the wire event into the domain's input, so wire names stay at the edge."""
    snapshot = data.item
    return RegisteredItem(
        registration_id=data.registration_id,
        seller_id=data.seller_id,
        seller_sku=data.seller_sku,
        fnsku=data.fnsku,
        catalog_item_id=data.catalog_item_id,
        condition=data.condition.value,
        price=data.price,
        currency=data.currency,
        channels=tuple(data.channels),
        title=snapshot.title,
        category=snapshot.category,
        brand=snapshot.brand,
        identifiers=snapshot.identifiers.model_dump(exclude_none=True),
        attributes=dict(snapshot.attributes),
    )


def snapshot_of(listing: Listing, stored: dict | None) -> CatalogItemSnapshot:
    """The catalog snapshot the listing was built from; rebuilt from the listing's own fields for
    listings stored before snapshots were kept."""
    if stored:
        return CatalogItemSnapshot.model_validate(stored)
    return CatalogItemSnapshot(
        catalog_item_id=listing.catalog_item_id,
        title=listing.title,
        brand=listing.brand,
        category=listing.category,
        identifiers=listing.identifiers,
        attributes=listing.attributes,
    )


async def announce(
    uow: UnitOfWork,
    channels: ChannelDirectory,
    listing: Listing,
    change: ListingChange,
    *,
    caused_by: Envelope,
    item: CatalogItemSnapshot | None = None,
    reason: str = "",
) -> None:
    """Tell the platform (listing.events) and, for channels that must be told, the channel itself."""
    if change is ListingChange.PUBLISHED:
        data = ListingPublished(
            listing_id=listing.listing_id,
            channel=listing.channel,
            seller_id=listing.seller_id,
            seller_sku=listing.seller_sku,
            fnsku=listing.fnsku,
            title=listing.title,
            price=listing.price,
            currency=listing.currency,
            condition=listing.condition,
            item=item,
            sellable_quantity=listing.sellable_quantity,
        )
    elif change is ListingChange.UPDATED:
        data = ListingUpdated(
            listing_id=listing.listing_id,
            channel=listing.channel,
            seller_id=listing.seller_id,
            fnsku=listing.fnsku,
            title=listing.title,
            price=listing.price,
            currency=listing.currency,
        )
    elif change is ListingChange.AVAILABILITY:
        data = ListingAvailabilityChanged(
            listing_id=listing.listing_id,
            channel=listing.channel,
            fnsku=listing.fnsku,
            in_stock=listing.in_stock,
            sellable_quantity=listing.sellable_quantity,
        )
    else:
        data = ListingClosed(listing_id=listing.listing_id, channel=listing.channel, fnsku=listing.fnsku, reason=reason)
    envelope = uow.emit(data, caused_by=caused_by)
    if channels.pushes_changes(listing.channel):
        # Queued in this transaction, keyed by the announcing event's id: it commits with the change.
        await webhook.enqueue(uow.connection, listing, change, idempotency_key=envelope.id)


async def publish_registered_item(
    event: Envelope[ItemRegistered], uow: UnitOfWork, *, channels: ChannelDirectory
) -> None:
    """Create the item's listings (one per requested channel) and publish the live ones.

    Listings that already exist are left alone and not published again, whatever the event id:
    the inbox catches redeliveries, this catches a re-registration or a replayed topic.
    """
    item = registered_item(event.data)
    repo = ListingRepository(uow.connection)
    await repo.lock_fnsku(item.fnsku)
    quantity = await repo.sellable_quantity(item.fnsku)
    built = build_listings(item, channels, sellable_quantity=quantity)
    created = await repo.add_new(
        built, registration_id=item.registration_id, item=event.data.item.model_dump(mode="json")
    )
    for listing in created:
        if not listing.live:
            log.warning("listing held", listing_id=listing.listing_id, issues=list(listing.issues))
            continue
        await announce(uow, channels, listing, ListingChange.PUBLISHED, caused_by=event, item=event.data.item)
    skipped = len(built) - len(created)
    if skipped:
        log.info("listings already exist; left as they are", fnsku=item.fnsku, existing=skipped)


async def apply_registration_update(
    event: Envelope[ItemRegistrationUpdated], uow: UnitOfWork, *, channels: ChannelDirectory
) -> None:
    """The seller changed the price or the channels: every listing of the item follows.

    Kept channels take the new price (ListingUpdated when live); removed channels close
    (ListingClosed); added channels get a listing built from the stored catalog snapshot, or
    a closed one reopens (ListingPublished). Each is reviewed again by its channel, so a price
    change can hold or free a listing. The payload is the registration's state, not a delta,
    so applying it twice (a replay) changes nothing the second time.
    """
    update = event.data
    repo = ListingRepository(uow.connection)
    await repo.lock_fnsku(update.fnsku)
    registration = await repo.registration_of(update.fnsku)
    existing = await repo.for_fnsku(update.fnsku, for_update=True)
    if registration is None:
        log.warning("update of an item with no listings; nothing to change", fnsku=update.fnsku)
        return
    registration_id, stored_item = registration
    wanted = distinct_channel_names(update.channels)
    for before in existing:
        if before.channel in wanted:
            after = reviewed(before.with_price(update.price, update.currency), channels)
        elif before.status is ListingStatus.CLOSED:
            continue
        else:
            after = before.closed()
        if after == before:
            continue
        await repo.save(after)
        change = transition(before, after)
        if change is not None:
            item = snapshot_of(after, stored_item) if change is ListingChange.PUBLISHED else None
            reason = "channel removed by the seller" if after.status is ListingStatus.CLOSED else "held: " + "; ".join(after.issues)
            await announce(uow, channels, after, change, caused_by=event, item=item, reason=reason)
    have = {listing.channel for listing in existing}
    added = [name for name in wanted if name not in have]
    if added:
        template = existing[0]
        item = snapshot_of(template, stored_item)
        quantity = await repo.sellable_quantity(update.fnsku)
        built = build_listings(
            RegisteredItem(
                registration_id=registration_id,
                seller_id=template.seller_id,
                seller_sku=template.seller_sku,
                fnsku=template.fnsku,
                catalog_item_id=template.catalog_item_id,
                condition=template.condition,
                price=update.price,
                currency=update.currency,
                channels=tuple(added),
                title=template.title,
                category=template.category,
                brand=template.brand,
                identifiers=template.identifiers,
                attributes=template.attributes,
            ),
            channels,
            sellable_quantity=quantity,
        )
        for listing in await repo.add_new(built, registration_id=registration_id, item=stored_item):
            if listing.live:
                await announce(uow, channels, listing, ListingChange.PUBLISHED, caused_by=event, item=item)


async def close_deregistered_item(
    event: Envelope[ItemDeregistered], uow: UnitOfWork, *, channels: ChannelDirectory
) -> None:
    """The seller withdrew the item: every listing of it closes (ListingClosed for each)."""
    data = event.data
    repo = ListingRepository(uow.connection)
    await repo.lock_fnsku(data.fnsku)
    reason = "deregistered" + (f": {data.reason}" if data.reason else "")
    for before in await repo.for_fnsku(data.fnsku, for_update=True):
        if before.status is ListingStatus.CLOSED:
            continue
        after = before.closed()
        await repo.save(after)
        await announce(uow, channels, after, ListingChange.CLOSED, caused_by=event, reason=reason)


async def apply_inventory_level(
    event: Envelope[InventoryLevelChanged], uow: UnitOfWork, *, channels: ChannelDirectory | None = None
) -> None:
    """Record the FC's fulfillable stock and bring the FNSKU's listings up to date; see
    `apply_inventory_levels`."""
    await apply_inventory_levels([event], uow, channels=channels)


async def apply_inventory_levels(
    events: list[Envelope[InventoryLevelChanged]], uow: UnitOfWork, *, channels: ChannelDirectory | None = None
) -> None:
    """Record each report's fulfillable stock at its FC and bring the FNSKU's listings up to date,
    in the order the reports came.

    ``fulfillable`` is what listings may sell: inventory moves units to ``reserved`` when an
    order is instructed, so they leave the sellable quantity then. Only a change buyers can
    see (sellable quantity, hence in/out of stock) is written and announced; reports that move
    only inbound, reserved or unfulfillable stock stay silent. Held and closed listings follow
    the stock too, but are not announced: no channel shows them.

    However many reports come at once, the stock and listings are read and written with a fixed
    number of statements; the reports are applied one after the other in memory, so each change
    is announced, caused by its report, exactly as if they had come one by one.
    """
    channels = channels or ChannelDirectory([])
    repo = ListingRepository(uow.connection)
    fnskus = {e.data.fnsku for e in events}
    await repo.lock_fnskus(fnskus)
    stock = await repo.fulfillable_by_center(fnskus)
    current = await repo.for_fnskus(fnskus, for_update=True)
    reported: dict[tuple[str, str], int] = {}
    changed: dict[str, Listing] = {}
    for event in events:
        level = event.data
        reported[(level.fnsku, level.fulfillment_center_id)] = level.fulfillable
        stock[level.fnsku][level.fulfillment_center_id] = level.fulfillable
        quantity = sellable_quantity(stock[level.fnsku].values())
        listings = current[level.fnsku]
        for n, listing in enumerate(listings):
            after = listing.with_sellable_quantity(quantity)
            if after is None:
                continue
            listings[n] = changed[after.listing_id] = after
            if after.live:
                await announce(uow, channels, after, ListingChange.AVAILABILITY, caused_by=event)
    await repo.record_fulfillable_all(reported)
    await repo.save_sellable_quantities(changed.values())
