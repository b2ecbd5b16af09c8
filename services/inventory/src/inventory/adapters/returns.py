"""The customer returns inventory received: the only code that knows their SQL."""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from inventory.domain.returns import CustomerReturn

_ADD_RETURNS = sa.text(
    """
    INSERT INTO customer_returns (return_id, order_id, fulfillment_center_id, lines, received_event_id)
    SELECT * FROM unnest(CAST(:ids AS text[]), CAST(:orders AS text[]), CAST(:fcs AS text[]),
                         CAST(:lines AS jsonb[]), CAST(:events AS text[]))
    ON CONFLICT (return_id) DO NOTHING
    RETURNING return_id
    """
)


class ReturnRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def add_new(self, returns: Sequence[CustomerReturn]) -> set[str]:
        """Record returns not recorded yet, in one statement; the ids of those that were new."""
        if not returns:
            return set()
        rows = await self._conn.execute(
            _ADD_RETURNS,
            {
                "ids": [r.return_id for r in returns],
                "orders": [r.order_id for r in returns],
                "fcs": [r.fulfillment_center_id for r in returns],
                "lines": [
                    json.dumps(
                        [
                            {
                                "fnsku": u.fnsku,
                                "quantity": u.quantity,
                                "condition": u.condition.value,
                            }
                            for u in r.lines
                        ]
                    )
                    for r in returns
                ],
                "events": [r.received_event_id for r in returns],
            },
        )
        return {row.return_id for row in rows}
