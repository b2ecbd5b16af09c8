"""The fulfillment fee recorded with each MCF order placed with a quote (`mcf_fees`)."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from order_router.adapters.tables import mcf_fees
from stockpath_events.types.orders import FeeLine, FulfillmentFee
from stockpath_runtime.db import any_of, insert_rows


class McfFeeRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def add(self, order_id: str, fee: FulfillmentFee) -> None:
        await insert_rows(
            self._conn,
            mcf_fees,
            [
                {
                    "order_id": order_id,
                    "currency": fee.currency,
                    "effective_from": fee.effective_from,
                    "total": fee.total,
                    "lines": [line.model_dump(mode="json") for line in fee.lines],
                }
            ],
        )

    async def of_orders(self, order_ids: Iterable[str]) -> dict[str, FulfillmentFee]:
        """The fees recorded with these orders (an order placed without a quote has none), in one read."""
        ids = sorted(set(order_ids))
        if not ids:
            return {}
        rows = await self._conn.execute(
            sa.select(mcf_fees).where(mcf_fees.c.order_id == any_of(ids))
        )
        return {
            r.order_id: FulfillmentFee(
                currency=r.currency,
                effective_from=r.effective_from,
                total=r.total,
                lines=[FeeLine.model_validate(line) for line in r.lines],
            )
            for r in rows
        }
