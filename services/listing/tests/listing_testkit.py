"""In-memory stand-ins for the listing service's repositories, a fake unit of work holding them,
and a way to feed events through the service's own consumer table into it (translators,
handlers, injected channels) without a database: what the handler unit tests drive."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal

from listing.domain.channels import ChannelDirectory
from listing.domain.model import (
    Listing,
    RegisteredItem,
    Registration,
    StoredListing,
    sellable_quantity,
)
from listing.domain.orders import BuyerOrder, BuyerOrderStatus, PlacedOrder
from listing.entrypoints import consumers
from stockpath_events import CatalogItemSnapshot, Envelope
from stockpath_runtime.consumer import subscribe
from stockpath_testing import FakeUnitOfWork

#: A catalog image, which the marketplace feed requires (see listing.domain.product_feed).
IMAGE = {"color": "Black", "image_url": "https://images.example.com/skillet.jpg"}
#: A registered item as the domain sees it, for tests of how listings are built.
SALAD_SPINNER = RegisteredItem(
    registration_id="R-1",
    seller_id="S-1",
    seller_sku="SKU-1",
    fnsku="X00FNSKU01",
    catalog_item_id="B000000001",
    condition="new",
    price=Decimal("19.99"),
    currency="USD",
    channels=("storefront",),
    title="OXO Salad Spinner",
    category="Kitchen",
    brand="OXO",
    identifiers={"upc": "036000291452"},
    attributes={"color": "White"},
)
#: When the fakes say a row last changed.
NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class _Row:
    listing: Listing
    registration_id: str
    item: CatalogItemSnapshot | None


class FakeListingRepository:
    """Listings in a dict; each write changes only what the real one's statement writes."""

    def __init__(self) -> None:
        self._rows: dict[str, _Row] = {}
        #: Every FNSKU locked, in the order the locks were asked for.
        self.locked: list[str] = []

    def __getitem__(self, listing_id: str) -> Listing:
        return self._rows[listing_id].listing

    def __contains__(self, listing_id: str) -> bool:
        return listing_id in self._rows

    async def lock_fnskus(self, fnskus: Iterable[str]) -> None:
        self.locked.extend(sorted(set(fnskus)))

    async def add_new(
        self, new: list[Listing], *, registration_id: str, item: CatalogItemSnapshot | None = None
    ) -> list[Listing]:
        created = [listing for listing in new if listing.listing_id not in self._rows]
        for listing in created:
            self._rows[listing.listing_id] = _Row(listing, registration_id, item)
        return created

    async def for_fnskus(
        self, fnskus: Iterable[str], *, for_update: bool = False
    ) -> dict[str, list[Listing]]:
        found: dict[str, list[Listing]] = {fnsku: [] for fnsku in sorted(set(fnskus))}
        for listing_id in sorted(self._rows):
            listing = self._rows[listing_id].listing
            if listing.fnsku in found:
                found[listing.fnsku].append(listing)
        return found

    async def save_sellable_quantities(self, changed: Iterable[Listing]) -> None:
        for listing in changed:
            self._change(listing.listing_id, sellable_quantity=listing.sellable_quantity)

    async def save(self, listing: Listing) -> None:
        self._change(
            listing.listing_id,
            price=listing.price,
            currency=listing.currency,
            status=listing.status,
            issues=listing.issues,
        )

    async def registration_of(self, fnsku: str) -> Registration | None:
        rows = sorted(
            (row for row in self._rows.values() if row.listing.fnsku == fnsku),
            key=lambda row: (row.item is None, row.listing.listing_id),
        )
        return Registration(rows[0].registration_id, rows[0].item) if rows else None

    async def get(self, listing_id: str) -> StoredListing | None:
        row = self._rows.get(listing_id)
        return StoredListing(row.listing, NOW) if row else None

    def _change(self, listing_id: str, **values) -> None:
        row = self._rows[listing_id]
        self._rows[listing_id] = replace(row, listing=replace(row.listing, **values))


class FakeAvailabilityRepository:
    def __init__(self) -> None:
        #: The latest fulfillable quantity per (fnsku, FC).
        self.fulfillable: dict[tuple[str, str], int] = {}

    async def record_fulfillable(self, fulfillable: dict[tuple[str, str], int]) -> None:
        self.fulfillable.update(fulfillable)

    async def fulfillable_by_center(self, fnskus: Iterable[str]) -> dict[str, dict[str, int]]:
        found: dict[str, dict[str, int]] = {fnsku: {} for fnsku in sorted(set(fnskus))}
        for (fnsku, fc), quantity in self.fulfillable.items():
            if fnsku in found:
                found[fnsku][fc] = quantity
        return found

    async def sellable_quantity(self, fnsku: str) -> int:
        return sellable_quantity(q for (f, _), q in self.fulfillable.items() if f == fnsku)


class FakeBuyerOrderRepository:
    def __init__(self) -> None:
        self.orders: dict[str, BuyerOrder] = {}
        self._checkouts: dict[str, str] = {}

    async def add(self, order: PlacedOrder) -> str | None:
        if order.checkout_token in self._checkouts:
            return None
        self._checkouts[order.checkout_token] = order.order_id
        self.orders[order.order_id] = BuyerOrder(
            order_id=order.order_id,
            lines=order.lines,
            ship_to=order.ship_to,
            shipping_speed=order.shipping_speed,
            total=order.total,
            currency=order.currency,
            status=BuyerOrderStatus.PLACED,
            status_detail=None,
            fulfillment_orders=0,
            shipments=(),
            created_at=NOW,
            updated_at=NOW,
            buyer_sha256=order.buyer_sha256,
        )
        return order.order_id

    async def order_id_for_checkout(self, checkout_token: str) -> str | None:
        return self._checkouts.get(checkout_token)

    async def get(self, order_id: str) -> BuyerOrder | None:
        return self.orders.get(order_id)

    async def placed_here(self, order_ids: set[str]) -> dict[str, BuyerOrder]:
        return {
            order_id: self.orders[order_id]
            for order_id in sorted(order_ids)
            if order_id in self.orders
        }

    async def save(self, order: BuyerOrder) -> None:
        self.orders[order.order_id] = order


class FakeWebhookDeliveryRepository:
    def __init__(self) -> None:
        #: (listing id, change, idempotency key) of every change queued, in order.
        self.queued: list[tuple[str, str, str]] = []

    async def enqueue(self, listing: Listing, change, *, idempotency_key: str) -> None:
        if all(key != idempotency_key for *_, key in self.queued):
            self.queued.append((listing.listing_id, change.value, idempotency_key))


class FakeListingUnitOfWork(FakeUnitOfWork):
    def __init__(self) -> None:
        super().__init__(source="/services/listing")
        self.listings = FakeListingRepository()
        self.availability = FakeAvailabilityRepository()
        self.buyer_orders = FakeBuyerOrderRepository()
        self.webhook_deliveries = FakeWebhookDeliveryRepository()


async def consume(
    uow: FakeListingUnitOfWork, *events: Envelope, channels: ChannelDirectory
) -> None:
    """The events through the service's consumer table (translator, handler, channels), in one
    unit of work, consecutive events of one type as one run, committed as the runtime commits."""
    handlers = {
        event_type: handler
        for subscription in subscribe(consumers.CONSUMES, channels=channels)
        for event_type, handler in subscription.handlers.items()
    }
    runs: list[list[Envelope]] = []
    for event in events:
        if runs and type(runs[-1][0].data) is type(event.data):
            runs[-1].append(event)
        else:
            runs.append([event])
    async with uow:
        for run in runs:
            await handlers[type(run[0].data)](run, uow)
        await uow.commit()
