"""The customer returns order-router authorized: the only code that knows their SQL."""

from __future__ import annotations

import json

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from order_router.domain.model import ResolvedLine
from order_router.domain.returns import CustomerReturn

_OF_ORDER = sa.text("SELECT * FROM order_returns WHERE order_id = :order_id ORDER BY created_at, return_id")
_ADD = sa.text(
    """
    INSERT INTO order_returns (return_id, order_id, fulfillment_center_id, lines, reason, authorized_by)
    VALUES (:return_id, :order_id, :fulfillment_center_id, CAST(:lines AS jsonb), :reason, :authorized_by)
    """
)


class ReturnRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def of_order(self, order_id: str) -> list[CustomerReturn]:
        rows = await self._conn.execute(_OF_ORDER, {"order_id": order_id})
        return [
            CustomerReturn(
                r.return_id, r.order_id, r.fulfillment_center_id,
                tuple(ResolvedLine(**line) for line in r.lines), r.reason, r.authorized_by,
            )
            for r in rows
        ]

    async def add(self, customer_return: CustomerReturn) -> None:
        await self._conn.execute(
            _ADD,
            {
                "return_id": customer_return.return_id,
                "order_id": customer_return.order_id,
                "fulfillment_center_id": customer_return.fulfillment_center_id,
                "lines": json.dumps([
                    {"line_id": x.line_id, "fnsku": x.fnsku, "seller_id": x.seller_id,
                     "seller_sku": x.seller_sku, "quantity": x.quantity}
                    for x in customer_return.lines
                ]),
                "reason": customer_return.reason,
                "authorized_by": customer_return.authorized_by,
            },
        )
