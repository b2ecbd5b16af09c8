"""The inventory's unit of work: the runtime's transaction (outbox, inbox) with the inventory's
repositories on its connection. Handlers reach the store only through these attributes."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from inventory.adapters.adjustments import AdjustmentRepository
from inventory.adapters.charges import ChargeRepository
from inventory.adapters.discrepancies import DiscrepancyRepository
from inventory.adapters.fulfillment_orders import FulfillmentOrderRepository
from inventory.adapters.receipts import ReceiptRepository
from inventory.adapters.removals import RemovalOrderRepository
from inventory.adapters.returns import ReturnRepository
from inventory.adapters.shipments import ShipmentRepository
from inventory.adapters.stock import StockRepository
from inventory.adapters.storage import StorageRepository
from stockpath_runtime.unit_of_work import UnitOfWork


class InventoryUnitOfWork(UnitOfWork):
    #: Inbound shipments and their lines.
    shipments: ShipmentRepository
    #: Receipts recorded by FC staff and the answer each got.
    receipts: ReceiptRepository
    #: The buckets per FNSKU and FC, and the ledger of every movement.
    stock: StockRepository
    discrepancies: DiscrepancyRepository
    adjustments: AdjustmentRepository
    #: The fulfillment orders instructed (or confirmed shipped) and the stock each holds.
    fulfillment_orders: FulfillmentOrderRepository
    #: Customer returns the FCs received (one per return id).
    returns: ReturnRepository
    #: Sellers' removal orders.
    removal_orders: RemovalOrderRepository
    #: What sellers are charged for the units moved, and the item facts that price it.
    charges: ChargeRepository
    #: The daily storage snapshots and the storage fees charged from them.
    storage: StorageRepository

    def _bind(self, connection: AsyncConnection) -> None:
        self.shipments = ShipmentRepository(connection)
        self.receipts = ReceiptRepository(connection)
        self.stock = StockRepository(connection)
        self.discrepancies = DiscrepancyRepository(connection)
        self.adjustments = AdjustmentRepository(connection)
        self.fulfillment_orders = FulfillmentOrderRepository(connection)
        self.returns = ReturnRepository(connection)
        self.removal_orders = RemovalOrderRepository(connection)
        self.charges = ChargeRepository(connection)
        self.storage = StorageRepository(connection)
