"""The fulfillable stock inventory reported per FNSKU and fulfillment center; the only module that
knows the availability table's SQL.

It is kept even before any listing of the FNSKU exists, so a listing created later starts right.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from listing.adapters.tables import availability
from listing.domain.model import sellable_quantity
from stockpath_runtime.db import any_of

# Whole columns as arrays: one statement whose text never changes, whatever the batch size.
_RECORD_FULFILLABLE = sa.text(
    """
    INSERT INTO availability (fnsku, fulfillment_center_id, fulfillable)
    SELECT * FROM unnest(CAST(:fnskus AS text[]), CAST(:fcs AS text[]), CAST(:fulfillable AS int[]))
    ON CONFLICT (fnsku, fulfillment_center_id) DO UPDATE SET fulfillable = EXCLUDED.fulfillable, updated_at = now()
    """
)


class AvailabilityRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def record_fulfillable(self, fulfillable: dict[tuple[str, str], int]) -> None:
        """Keep the latest fulfillable quantity of each (fnsku, FC) (reports replace, not add), in one statement."""
        pairs = sorted(fulfillable.items())
        if pairs:
            await self._conn.execute(
                _RECORD_FULFILLABLE,
                {
                    "fnskus": [f for (f, _), _ in pairs],
                    "fcs": [fc for (_, fc), _ in pairs],
                    "fulfillable": [q for _, q in pairs],
                },
            )

    async def fulfillable_by_center(self, fnskus: Iterable[str]) -> dict[str, dict[str, int]]:
        """The fulfillable quantity recorded per FC of each FNSKU, in one statement."""
        wanted = sorted(set(fnskus))
        found: dict[str, dict[str, int]] = {fnsku: {} for fnsku in wanted}
        if wanted:
            rows = await self._conn.execute(
                sa.select(
                    availability.c.fnsku,
                    availability.c.fulfillment_center_id,
                    availability.c.fulfillable,
                ).where(availability.c.fnsku == any_of(wanted))
            )
            for row in rows:
                found[row.fnsku][row.fulfillment_center_id] = row.fulfillable
        return found

    async def sellable_quantity(self, fnsku: str) -> int:
        """What buyers may order of an FNSKU: its fulfillable stock over every FC."""
        rows = await self._conn.execute(
            sa.select(availability.c.fulfillable).where(availability.c.fnsku == fnsku)
        )
        return sellable_quantity(row.fulfillable for row in rows)
