"""Adjustments by FC staff: the only code that knows their SQL."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from inventory.adapters.tables import adjustments
from inventory.domain.adjustments import Adjustment


class AdjustmentRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def claim(self, adjustment: Adjustment) -> str | None:
        """Reserve the adjustment id for this adjustment; returns the fingerprint already stored
        under that id instead, if there is one (then nothing was written)."""
        claimed = (
            await self._conn.execute(
                pg_insert(adjustments)
                .values(
                    adjustment_id=adjustment.adjustment_id,
                    kind=adjustment.kind.value,
                    fulfillment_center_id=adjustment.fulfillment_center_id,
                    to_fulfillment_center_id=adjustment.to_fulfillment_center_id,
                    fnsku=adjustment.fnsku,
                    seller_id=adjustment.seller_id,
                    quantity=adjustment.quantity,
                    reason=adjustment.reason,
                    fingerprint=adjustment.fingerprint,
                )
                .on_conflict_do_nothing()
                .returning(adjustments.c.adjustment_id)
            )
        ).first()
        if claimed is not None:
            return None
        return (
            await self._conn.execute(
                sa.select(adjustments.c.fingerprint).where(
                    adjustments.c.adjustment_id == adjustment.adjustment_id
                )
            )
        ).scalar_one()
