"""The listing handlers against an in-memory unit of work: registrations become listings per
channel, seller changes reach every channel, stock reports keep what buyers can order current.
Events go through the service's own consumer table (translators, handlers, channels)."""

from __future__ import annotations

from decimal import Decimal

from listing_testkit import IMAGE, FakeListingUnitOfWork, consume

from listing.domain.builder import build_listings
from listing.domain.channels import channel_directory
from listing.domain.model import ListingStatus
from listing.entrypoints import consumers
from stockpath_events import Identifiers
from stockpath_events.types.listing import (
    ListingAvailabilityChanged,
    ListingClosed,
    ListingPublished,
    ListingUpdated,
)

CHANNELS = channel_directory(webhook_url="https://partner.example.com/listings")
ALL = ("storefront", "marketplace-feed", "webhook")


def announced(uow: FakeListingUnitOfWork) -> list[tuple[str, str]]:
    """(event name, listing id) of every listing event committed, in order."""
    return [(type(e.data).__name__, e.data.listing_id) for e in uow.events]


async def test_a_registered_item_gets_a_listing_per_channel_and_only_the_live_ones_are_published(
    item_registered,
):
    uow = FakeListingUnitOfWork()
    event = item_registered(channels=("storefront", "ebay", "marketplace-feed"))
    fnsku = event.data.fnsku

    await consume(uow, event, channels=CHANNELS)

    storefront = uow.listings[f"L-{fnsku}-storefront"]
    assert storefront.status is ListingStatus.ACTIVE and storefront.price == Decimal("24.99")
    assert uow.listings[f"L-{fnsku}-ebay"].issues == ("unknown channel: ebay",)
    feed = uow.listings[f"L-{fnsku}-marketplace-feed"]
    assert feed.status is ListingStatus.HELD and any(
        "image_link is required" in i for i in feed.issues
    )
    [published] = uow.events
    assert (
        isinstance(published.data, ListingPublished)
        and published.data.listing_id == storefront.listing_id
    )
    assert (published.causation_id, published.correlation_id) == (event.id, event.correlation_id)
    assert published.data.item == event.data.item and published.data.sellable_quantity == 0
    assert uow.commits == 1


async def test_a_listing_starts_with_the_stock_reported_before_it_existed(
    item_registered, inventory_level
):
    uow = FakeListingUnitOfWork()
    registration = item_registered()
    fnsku = registration.data.fnsku

    await consume(
        uow, inventory_level(fnsku, "SEA1", 5), inventory_level(fnsku, "PHX1", 2), channels=CHANNELS
    )
    await consume(uow, registration, channels=CHANNELS)

    assert uow.listings[f"L-{fnsku}-storefront"].sellable_quantity == 7
    assert [e.sellable_quantity for e in uow.emitted(ListingPublished)] == [7]
    assert uow.emitted(ListingAvailabilityChanged) == [], (
        "no listing existed to announce a change of"
    )


async def test_listings_that_exist_are_left_as_they_are_when_the_item_is_registered_again(
    item_registered,
):
    uow = FakeListingUnitOfWork()
    first = item_registered()
    fnsku = first.data.fnsku
    await consume(uow, first, channels=CHANNELS)

    await consume(
        uow,
        item_registered(fnsku, channels=("storefront", "ebay"), price="99.00"),
        channels=CHANNELS,
    )

    assert uow.listings[f"L-{fnsku}-storefront"].price == Decimal("24.99")
    assert f"L-{fnsku}-ebay" in uow.listings, "a newly asked channel is added"
    assert announced(uow) == [("ListingPublished", f"L-{fnsku}-storefront")]


async def test_a_change_of_a_webhook_listing_is_queued_under_the_id_of_the_event_announcing_it(
    item_registered,
):
    uow = FakeListingUnitOfWork()
    event = item_registered(channels=ALL, attributes=IMAGE)

    await consume(uow, event, channels=CHANNELS)

    webhook_id = f"L-{event.data.fnsku}-webhook"
    [announcing] = [e for e in uow.events if e.data.listing_id == webhook_id]
    assert uow.webhook_deliveries.queued == [(webhook_id, "published", announcing.id)]


async def test_a_new_price_updates_every_live_listing(item_registered, registration_updated):
    uow = FakeListingUnitOfWork()
    registration = item_registered(channels=ALL, attributes=IMAGE)
    fnsku = registration.data.fnsku
    await consume(uow, registration, channels=CHANNELS)
    update = registration_updated(registration, price="19.50", channels=ALL)

    await consume(uow, update, channels=CHANNELS)

    updated = uow.emitted(ListingUpdated)
    assert sorted(e.listing_id for e in updated) == sorted(f"L-{fnsku}-{c}" for c in ALL)
    assert {e.price for e in updated} == {Decimal("19.50")}
    assert all(e.causation_id == update.id for e in uow.events[3:])
    assert [change for _, change, _ in uow.webhook_deliveries.queued] == ["published", "updated"]

    await consume(
        uow, registration_updated(registration, price="19.50", channels=ALL), channels=CHANNELS
    )
    assert len(uow.events) == 6, "the same state again announces nothing"


async def test_a_removed_channel_closes_and_an_added_one_is_published_with_the_stored_snapshot(
    item_registered, registration_updated
):
    uow = FakeListingUnitOfWork()
    registration = item_registered(channels=("storefront", "webhook"), attributes=IMAGE)
    fnsku = registration.data.fnsku
    await consume(uow, registration, channels=CHANNELS)

    await consume(
        uow,
        registration_updated(
            registration, price="24.99", channels=("storefront", "marketplace-feed")
        ),
        channels=CHANNELS,
    )

    assert announced(uow)[2:] == [
        ("ListingClosed", f"L-{fnsku}-webhook"),
        ("ListingPublished", f"L-{fnsku}-marketplace-feed"),
    ]
    closed, published = uow.emitted()[2:]
    assert closed.reason == "channel removed by the seller"
    assert published.item == registration.data.item
    assert uow.listings[f"L-{fnsku}-webhook"].status is ListingStatus.CLOSED

    await consume(
        uow,
        registration_updated(registration, price="24.99", channels=("webhook",)),
        channels=CHANNELS,
    )
    assert uow.listings[f"L-{fnsku}-webhook"].live, "asked for again, a closed listing reopens"
    assert announced(uow)[-1] == ("ListingPublished", f"L-{fnsku}-webhook")


async def test_a_price_a_channel_refuses_holds_the_listing_and_takes_it_out_of_the_shop(
    item_registered, registration_updated
):
    uow = FakeListingUnitOfWork()
    registration = item_registered(brand=None, identifiers=Identifiers())
    await consume(uow, registration, channels=CHANNELS)

    await consume(
        uow,
        registration_updated(registration, price="0", channels=("storefront",)),
        channels=CHANNELS,
    )

    listing = uow.listings[f"L-{registration.data.fnsku}-storefront"]
    assert listing.status is ListingStatus.HELD and listing.price == Decimal("0")
    [closed] = uow.emitted(ListingClosed)
    assert closed.reason == "held: storefront: price must be greater than zero"


async def test_an_update_of_an_item_never_listed_changes_nothing(
    item_registered, registration_updated
):
    uow = FakeListingUnitOfWork()
    never_listed = item_registered()

    await consume(
        uow, registration_updated(never_listed, price="1.00", channels=ALL), channels=CHANNELS
    )

    assert uow.events == [] and uow.commits == 1


async def test_deregistration_closes_every_open_listing_once(item_registered, item_deregistered):
    uow = FakeListingUnitOfWork()
    registration = item_registered(channels=("storefront", "ebay"))
    fnsku = registration.data.fnsku
    await consume(uow, registration, channels=CHANNELS)

    await consume(
        uow, item_deregistered(registration), item_deregistered(registration), channels=CHANNELS
    )

    assert {uow.listings[f"L-{fnsku}-{c}"].status for c in ("storefront", "ebay")} == {
        ListingStatus.CLOSED
    }
    # A held listing was never shown, but it is closed too, and said so.
    assert sorted(e.listing_id for e in uow.emitted(ListingClosed)) == [
        f"L-{fnsku}-ebay",
        f"L-{fnsku}-storefront",
    ]
    assert {e.reason for e in uow.emitted(ListingClosed)} == {"deregistered: discontinued"}


async def test_stock_reports_announce_only_the_changes_buyers_can_see(
    item_registered, inventory_level
):
    uow = FakeListingUnitOfWork()
    registration = item_registered()
    fnsku = registration.data.fnsku
    await consume(uow, registration, channels=CHANNELS)
    steps = [
        (inventory_level(fnsku, "SEA1", 5), (True, 5)),
        (inventory_level(fnsku, "SEA1", 5, reserved=2, inbound=10), None),
        (inventory_level(fnsku, "PHX1", 3), (True, 8)),
        (inventory_level(fnsku, "SEA1", 0, unfulfillable=1), (True, 3)),
        (inventory_level(fnsku, "PHX1", 0), (False, 0)),
        (inventory_level(fnsku, "PHX1", 0, inbound=4), None),
    ]

    await consume(uow, *[level for level, _ in steps], channels=CHANNELS)

    changes = [e for e in uow.events if isinstance(e.data, ListingAvailabilityChanged)]
    assert [(e.causation_id, (e.data.in_stock, e.data.sellable_quantity)) for e in changes] == [
        (level.id, change) for level, change in steps if change is not None
    ]
    assert uow.listings[f"L-{fnsku}-storefront"].sellable_quantity == 0
    assert uow.availability.fulfillable == {(fnsku, "SEA1"): 0, (fnsku, "PHX1"): 0}


async def test_a_run_of_stock_reports_locks_each_fnsku_once_and_held_listings_follow_silently(
    item_registered, inventory_level
):
    uow = FakeListingUnitOfWork()
    held, live = item_registered(channels=("ebay",)), item_registered()
    await consume(uow, held, live, channels=CHANNELS)
    uow.listings.locked.clear()
    a, b = held.data.fnsku, live.data.fnsku

    await consume(
        uow,
        inventory_level(a, "SEA1", 4),
        inventory_level(b, "SEA1", 2),
        inventory_level(a, "PHX1", 1),
        channels=CHANNELS,
    )

    assert uow.listings.locked == sorted([a, b])
    assert uow.listings[f"L-{a}-ebay"].sellable_quantity == 5
    assert [
        (e.listing_id, e.sellable_quantity) for e in uow.emitted(ListingAvailabilityChanged)
    ] == [(f"L-{b}-storefront", 2)]


async def test_a_channel_added_to_an_item_listed_before_snapshots_were_kept_publishes_one_made_from_the_listing(
    item_registered, registration_updated
):
    uow = FakeListingUnitOfWork()
    registration = item_registered(channels=("storefront",))
    fnsku = registration.data.fnsku
    [old] = build_listings(consumers.list_item(registration).item, CHANNELS, sellable_quantity=0)
    await uow.listings.add_new([old], registration_id=registration.data.registration_id, item=None)

    await consume(
        uow,
        registration_updated(registration, price="24.99", channels=("storefront", "webhook")),
        channels=CHANNELS,
    )

    [published] = uow.emitted(ListingPublished)
    assert published.listing_id == f"L-{fnsku}-webhook"
    assert (published.item.catalog_item_id, published.item.title, published.item.brand) == (
        "B000000042",
        "Lodge 10-inch Cast Iron Skillet",
        "Lodge",
    )
    assert (
        published.item.identifiers == Identifiers(upc="036000291452")
        and published.item.weight_g is None
    )
