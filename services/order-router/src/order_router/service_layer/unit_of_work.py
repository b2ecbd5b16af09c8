"""The order router's unit of work: the runtime's transaction (outbox, inbox) with the router's
repositories on its connection. Handlers reach the database only through these."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from order_router.adapters.fulfillment_orders import FulfillmentOrderRepository
from order_router.adapters.mcf_fees import McfFeeRepository
from order_router.adapters.orders import OrderRepository
from order_router.adapters.returns import ReturnRepository
from order_router.adapters.skus import SkuRepository
from order_router.adapters.stock import StockRepository
from stockpath_runtime.unit_of_work import UnitOfWork


class OrderRouterUnitOfWork(UnitOfWork):
    #: Orders as placed, their status and what became of each line.
    orders: OrderRepository
    #: What each FC was instructed to ship, and what became of it.
    fulfillment_orders: FulfillmentOrderRepository
    #: Per FNSKU and FC: the basis inventory reported and the units reserved there.
    stock: StockRepository
    #: The seller SKUs and listings order lines may name.
    skus: SkuRepository
    #: Customer returns authorized, per order.
    returns: ReturnRepository
    #: The fulfillment fee quoted with each MCF order.
    mcf_fees: McfFeeRepository

    def _bind(self, connection: AsyncConnection) -> None:
        self.orders = OrderRepository(connection)
        self.fulfillment_orders = FulfillmentOrderRepository(connection)
        self.stock = StockRepository(connection)
        self.skus = SkuRepository(connection)
        self.returns = ReturnRepository(connection)
        self.mcf_fees = McfFeeRepository(connection)
