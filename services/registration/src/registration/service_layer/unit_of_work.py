"""Registration's unit of work: one transaction on registration's database, with its repositories.

Handlers and views reach sellers, registrations, inbound shipments and credentials only through
it (``uow.sellers``, ``uow.registrations``, ``uow.shipments``, ``uow.credentials``), never
through its connection.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from registration.adapters.credentials import CredentialRegistry
from registration.adapters.notifications import (
    DeliveryRepository,
    NotificationMemory,
    SubscriptionRepository,
)
from registration.adapters.registrations import RegistrationRepository
from registration.adapters.sellers import SellerRepository
from registration.adapters.shipments import ShipmentRepository
from stockpath_runtime.unit_of_work import UnitOfWork


class RegistrationUnitOfWork(UnitOfWork):
    sellers: SellerRepository
    registrations: RegistrationRepository
    #: Inbound shipments, and the inbound plans they belong to.
    shipments: ShipmentRepository
    #: Every credential of the platform: registration is their authority (it issues and revokes them).
    credentials: CredentialRegistry
    #: Sellers' notification endpoints, the deliveries queued for them, and what the consumer
    #: remembers to tell the right seller.
    subscriptions: SubscriptionRepository
    deliveries: DeliveryRepository
    notification_memory: NotificationMemory

    def _bind(self, connection: AsyncConnection) -> None:
        self.sellers = SellerRepository(connection)
        self.registrations = RegistrationRepository(connection)
        self.shipments = ShipmentRepository(connection)
        self.credentials = CredentialRegistry(connection)
        self.subscriptions = SubscriptionRepository(connection)
        self.deliveries = DeliveryRepository(connection)
        self.notification_memory = NotificationMemory(connection)
