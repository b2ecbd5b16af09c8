"""Registration's unit of work: one transaction on registration's database, with its repositories.

Handlers and views reach sellers, registrations and inbound shipments only through it
(``uow.sellers``, ``uow.registrations``, ``uow.shipments``), never through its connection.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from registration.adapters.registrations import RegistrationRepository
from registration.adapters.sellers import SellerRepository
from registration.adapters.shipments import ShipmentRepository
from stockpath_runtime.unit_of_work import UnitOfWork


class RegistrationUnitOfWork(UnitOfWork):
    sellers: SellerRepository
    registrations: RegistrationRepository
    #: Inbound shipments, and the inbound plans they belong to.
    shipments: ShipmentRepository

    def _bind(self, connection: AsyncConnection) -> None:
        self.sellers = SellerRepository(connection)
        self.registrations = RegistrationRepository(connection)
        self.shipments = ShipmentRepository(connection)
