"""The customer returns order-router authorized: the only code that knows their SQL."""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from order_router.domain.model import ResolvedLine
from order_router.domain.returns import CustomerReturn

_ONE = sa.text("SELECT * FROM order_returns WHERE return_id = :return_id")
_OF_ORDER = sa.text(
    "SELECT * FROM order_returns WHERE order_id = :order_id ORDER BY created_at, return_id"
)
#: Newest first; a seller's: those with a line of its (the GIN index on `lines` answers `@>`).
_LATEST = "SELECT * FROM order_returns {where} ORDER BY created_at DESC, return_id LIMIT :limit OFFSET :offset"
_LATEST_ALL = sa.text(_LATEST.format(where=""))
_LATEST_OF_SELLER = sa.text(_LATEST.format(where="WHERE lines @> CAST(:seller AS jsonb)"))
_ADD = sa.text(
    """
    INSERT INTO order_returns (return_id, order_id, fulfillment_center_id, lines, reason, authorized_by)
    VALUES (:return_id, :order_id, :fulfillment_center_id, CAST(:lines AS jsonb), :reason, :authorized_by)
    ON CONFLICT (return_id) DO NOTHING
    RETURNING return_id
    """
)


_MARK_RECEIVED = sa.text(
    """
    UPDATE order_returns SET status = 'RECEIVED', received = CAST(:received AS jsonb), received_event_id = :event_id
     WHERE return_id = :return_id AND status = 'AUTHORIZED'
    RETURNING order_id
    """
)


class ReturnRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def get(self, return_id: str) -> CustomerReturn | None:
        row = (await self._conn.execute(_ONE, {"return_id": return_id})).first()
        return _customer_return(row) if row else None

    async def of_order(self, order_id: str) -> list[CustomerReturn]:
        rows = await self._conn.execute(_OF_ORDER, {"order_id": order_id})
        return [_customer_return(r) for r in rows]

    async def latest(
        self, seller_id: str | None, *, limit: int, offset: int = 0
    ) -> list[CustomerReturn]:
        """Returns newest first: every one, or those with a line of `seller_id`'s."""
        page = {"limit": limit, "offset": offset}
        if seller_id is None:
            rows = await self._conn.execute(_LATEST_ALL, page)
        else:
            seller = json.dumps([{"seller_id": seller_id}])
            rows = await self._conn.execute(_LATEST_OF_SELLER, {**page, "seller": seller})
        return [_customer_return(r) for r in rows]

    async def add(self, customer_return: CustomerReturn) -> bool:
        """Record an authorized return unless it is recorded already; whether it was recorded now."""
        added = await self._conn.execute(
            _ADD,
            {
                "return_id": customer_return.return_id,
                "order_id": customer_return.order_id,
                "fulfillment_center_id": customer_return.fulfillment_center_id,
                "lines": json.dumps(
                    [
                        {
                            "line_id": x.line_id,
                            "fnsku": x.fnsku,
                            "seller_id": x.seller_id,
                            "seller_sku": x.seller_sku,
                            "quantity": x.quantity,
                        }
                        for x in customer_return.lines
                    ]
                ),
                "reason": customer_return.reason,
                "authorized_by": customer_return.authorized_by,
            },
        )
        return added.first() is not None

    async def mark_received(
        self, return_id: str, received: Sequence[tuple[str, int, str]], event_id: str
    ) -> str | None:
        """Record the FC's report on an authorized return; its order id, or None when the return is
        unknown or was reported already."""
        row = (
            await self._conn.execute(
                _MARK_RECEIVED,
                {
                    "return_id": return_id,
                    "event_id": event_id,
                    "received": json.dumps(
                        [{"fnsku": f, "quantity": q, "condition": c} for f, q, c in received]
                    ),
                },
            )
        ).first()
        return row.order_id if row else None


def _customer_return(r: sa.Row) -> CustomerReturn:
    return CustomerReturn(
        r.return_id,
        r.order_id,
        r.fulfillment_center_id,
        tuple(ResolvedLine(**line) for line in r.lines),
        r.reason,
        r.authorized_by,
        tuple((x["fnsku"], x["quantity"], x["condition"]) for x in r.received)
        if r.received
        else None,
    )
