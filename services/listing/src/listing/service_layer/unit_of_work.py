"""The listing service's unit of work: one transaction, with a typed repository per aggregate."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from listing.adapters.availability import AvailabilityRepository
from listing.adapters.buyer_orders import BuyerOrderRepository
from listing.adapters.listings import ListingRepository
from listing.adapters.webhook_deliveries import WebhookDeliveryRepository
from stockpath_runtime.unit_of_work import UnitOfWork


class ListingUnitOfWork(UnitOfWork):
    #: Listings per channel, and the per-FNSKU lock that serialises their changes.
    listings: ListingRepository
    #: Fulfillable stock per FNSKU and fulfillment center, as inventory reports it.
    availability: AvailabilityRepository
    #: Orders placed in the storefront and the status their buyers see.
    buyer_orders: BuyerOrderRepository
    #: Listing changes queued for the webhook channel.
    webhook_deliveries: WebhookDeliveryRepository

    def _bind(self, connection: AsyncConnection) -> None:
        self.listings = ListingRepository(connection)
        self.availability = AvailabilityRepository(connection)
        self.buyer_orders = BuyerOrderRepository(connection)
        self.webhook_deliveries = WebhookDeliveryRepository(connection)
