"""Listing use cases, driven by consumed events: items listed, revised and delisted as sellers
register, change and withdraw them, and the stock buyers can order kept current.

Each handler takes the commands of a run of events and runs in the unit of work the runtime
opened for it (inbox claim, state change and emitted events commit together; the runtime commits).
"""

from __future__ import annotations

import structlog

from listing.domain.builder import (
    build_listings,
    distinct_channel_names,
    relisted,
    reviewed,
    snapshot_of,
)
from listing.domain.channels import ChannelDirectory
from listing.domain.commands import DelistItem, ListItem, RecordInventoryLevel, ReviseItem
from listing.domain.model import (
    Listing,
    ListingChange,
    ListingStatus,
    sellable_quantity,
    transition,
)
from listing.service_layer.announcements import announce
from listing.service_layer.unit_of_work import ListingUnitOfWork

log = structlog.get_logger("stockpath.listing")


async def list_items(
    commands: list[ListItem], uow: ListingUnitOfWork, *, channels: ChannelDirectory
) -> None:
    """Create each item's listings (one per requested channel) and publish the live ones.

    Listings that already exist are left alone and not published again, whatever the event id:
    the inbox catches redeliveries, this catches a re-registration or a replayed topic.
    """
    for command in commands:
        item = command.item
        await uow.listings.lock_fnskus([item.fnsku])
        quantity = await uow.availability.sellable_quantity(item.fnsku)
        built = build_listings(item, channels, sellable_quantity=quantity)
        created = await uow.listings.add_new(
            built, registration_id=item.registration_id, item=command.snapshot
        )
        for listing in created:
            if not listing.live:
                log.warning(
                    "listing held", listing_id=listing.listing_id, issues=list(listing.issues)
                )
                continue
            await announce(
                uow,
                channels,
                listing,
                ListingChange.PUBLISHED,
                caused_by=command.cause,
                item=command.snapshot,
            )
        skipped = len(built) - len(created)
        if skipped:
            log.info("listings already exist; left as they are", fnsku=item.fnsku, existing=skipped)


async def revise_items(
    commands: list[ReviseItem], uow: ListingUnitOfWork, *, channels: ChannelDirectory
) -> None:
    """The seller changed the price or the channels: every listing of the item follows.

    Kept channels take the new price (ListingUpdated when live); removed channels close
    (ListingClosed); added channels get a listing built from the stored catalog snapshot, or
    a closed one reopens (ListingPublished). Each is reviewed again by its channel, so a price
    change can hold or free a listing. The command is the registration's state, not a delta,
    so applying it twice (a replay) changes nothing the second time.
    """
    for command in commands:
        await _revise(command, uow, channels)


async def _revise(command: ReviseItem, uow: ListingUnitOfWork, channels: ChannelDirectory) -> None:
    await uow.listings.lock_fnskus([command.fnsku])
    registration = await uow.listings.registration_of(command.fnsku)
    existing = (await uow.listings.for_fnskus([command.fnsku], for_update=True))[command.fnsku]
    if registration is None:
        log.warning("update of an item with no listings; nothing to change", fnsku=command.fnsku)
        return
    wanted = distinct_channel_names(command.channels)
    for before in existing:
        if before.channel in wanted:
            after = reviewed(before.with_price(command.price, command.currency), channels)
        elif before.status is ListingStatus.CLOSED:
            continue
        else:
            after = before.closed()
        if after == before:
            continue
        await uow.listings.save(after)
        change = transition(before, after)
        if change is not None:
            item = (
                snapshot_of(after, registration.item) if change is ListingChange.PUBLISHED else None
            )
            reason = (
                "channel removed by the seller"
                if after.status is ListingStatus.CLOSED
                else "held: " + "; ".join(after.issues)
            )
            await announce(
                uow, channels, after, change, caused_by=command.cause, item=item, reason=reason
            )
    have = {listing.channel for listing in existing}
    added = [name for name in wanted if name not in have]
    if not added:
        return
    template = existing[0]
    item = snapshot_of(template, registration.item)
    quantity = await uow.availability.sellable_quantity(command.fnsku)
    relisting = relisted(
        template,
        registration_id=registration.registration_id,
        price=command.price,
        currency=command.currency,
        channels=added,
    )
    built = build_listings(relisting, channels, sellable_quantity=quantity)
    for listing in await uow.listings.add_new(
        built, registration_id=registration.registration_id, item=registration.item
    ):
        if listing.live:
            await announce(
                uow, channels, listing, ListingChange.PUBLISHED, caused_by=command.cause, item=item
            )


async def delist_items(
    commands: list[DelistItem], uow: ListingUnitOfWork, *, channels: ChannelDirectory
) -> None:
    """The seller withdrew the item: every listing of it closes (ListingClosed for each)."""
    for command in commands:
        await uow.listings.lock_fnskus([command.fnsku])
        reason = "deregistered" + (f": {command.reason}" if command.reason else "")
        for before in (await uow.listings.for_fnskus([command.fnsku], for_update=True))[
            command.fnsku
        ]:
            if before.status is ListingStatus.CLOSED:
                continue
            after = before.closed()
            await uow.listings.save(after)
            await announce(
                uow, channels, after, ListingChange.CLOSED, caused_by=command.cause, reason=reason
            )


async def record_inventory_levels(
    commands: list[RecordInventoryLevel], uow: ListingUnitOfWork, *, channels: ChannelDirectory
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
    fnskus = {c.fnsku for c in commands}
    await uow.listings.lock_fnskus(fnskus)
    stock = await uow.availability.fulfillable_by_center(fnskus)
    current = await uow.listings.for_fnskus(fnskus, for_update=True)
    reported: dict[tuple[str, str], int] = {}
    changed: dict[str, Listing] = {}
    for command in commands:
        reported[(command.fnsku, command.fulfillment_center_id)] = command.fulfillable
        stock[command.fnsku][command.fulfillment_center_id] = command.fulfillable
        quantity = sellable_quantity(stock[command.fnsku].values())
        listings = current[command.fnsku]
        for n, listing in enumerate(listings):
            after = listing.with_sellable_quantity(quantity)
            if after is None:
                continue
            listings[n] = changed[after.listing_id] = after
            if after.live:
                await announce(
                    uow, channels, after, ListingChange.AVAILABILITY, caused_by=command.cause
                )
    await uow.availability.record_fulfillable(reported)
    await uow.listings.save_sellable_quantities(changed.values())
