"""Listing use cases, driven by events. Each runs in the unit of work the runtime opened for the
event (inbox claim, state change and emitted events commit together; the runtime commits)."""

from __future__ import annotations

import structlog

from listing.adapters.repository import ListingRepository
from listing.domain.builder import build_listings
from listing.domain.channels import ChannelDirectory
from listing.domain.model import RegisteredItem
from stockpath_events import Envelope
from stockpath_events.types.inventory import InventoryLevelChanged
from stockpath_events.types.listing import ListingAvailabilityChanged, ListingPublished
from stockpath_events.types.registration import ItemRegistered
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
    created = await repo.add_new(built, registration_id=item.registration_id)
    for listing in created:
        if not listing.live:
            log.warning("listing held", listing_id=listing.listing_id, issues=list(listing.issues))
            continue
        uow.emit(
            ListingPublished(
                listing_id=listing.listing_id,
                channel=listing.channel,
                seller_id=listing.seller_id,
                seller_sku=listing.seller_sku,
                fnsku=listing.fnsku,
                title=listing.title,
                price=listing.price,
                currency=listing.currency,
                condition=listing.condition,
                item=event.data.item,
                sellable_quantity=listing.sellable_quantity,
            ),
            caused_by=event,
        )
    skipped = len(built) - len(created)
    if skipped:
        log.info("listings already exist; left as they are", fnsku=item.fnsku, existing=skipped)


async def apply_inventory_level(event: Envelope[InventoryLevelChanged], uow: UnitOfWork) -> None:
    """Record the FC's fulfillable stock and bring the FNSKU's listings up to date.

    Only a change buyers can see (sellable quantity, hence in/out of stock) is written and
    announced; reports that move only inbound, reserved or unfulfillable stock stay silent.
    Held listings follow the stock too, but are not announced: no channel shows them.
    """
    level = event.data
    repo = ListingRepository(uow.connection)
    await repo.lock_fnsku(level.fnsku)
    await repo.record_fulfillable(level.fnsku, level.fulfillment_center_id, level.fulfillable)
    quantity = await repo.sellable_quantity(level.fnsku)
    for listing in await repo.for_fnsku(level.fnsku, for_update=True):
        changed = listing.with_sellable_quantity(quantity)
        if changed is None:
            continue
        await repo.save_sellable_quantity(changed)
        if changed.live:
            uow.emit(
                ListingAvailabilityChanged(
                    listing_id=changed.listing_id,
                    channel=changed.channel,
                    fnsku=changed.fnsku,
                    in_stock=changed.in_stock,
                    sellable_quantity=changed.sellable_quantity,
                ),
                caused_by=event,
            )
