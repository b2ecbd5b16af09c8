"""Discrepancies: the only code that knows their SQL."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from inventory.adapters.pages import equal, read_page
from inventory.adapters.tables import discrepancies
from inventory.domain.discrepancies import Discrepancy, DiscrepancyKind
from stockpath_runtime.paging import Page

_ADD_DISCREPANCIES = sa.text(
    """
    INSERT INTO discrepancies
           (discrepancy_id, kind, fulfillment_center_id, fnsku, seller_id, quantity, quantity_expected,
            quantity_counted, shipment_id, fulfillment_order_id, receipt_id)
    SELECT discrepancy_id, kind, fc, fnsku, seller_id, quantity, quantity_expected,
           quantity_counted, shipment_id, fulfillment_order_id, receipt_id
      FROM unnest(CAST(:discrepancy_ids AS text[]), CAST(:kinds AS text[]), CAST(:fcs AS text[]),
                  CAST(:fnskus AS text[]), CAST(:seller_ids AS text[]), CAST(:quantities AS bigint[]),
                  CAST(:quantities_expected AS bigint[]), CAST(:quantities_counted AS bigint[]),
                  CAST(:shipment_ids AS text[]), CAST(:fulfillment_order_ids AS text[]), CAST(:receipt_ids AS text[]))
           WITH ORDINALITY AS d(discrepancy_id, kind, fc, fnsku, seller_id, quantity, quantity_expected,
                                quantity_counted, shipment_id, fulfillment_order_id, receipt_id, n)
     ORDER BY n
    """
)


class DiscrepancyRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def add_all(self, new: Sequence[Discrepancy]) -> None:
        """Store the discrepancies in one statement, in the order given."""
        if not new:
            return
        await self._conn.execute(
            _ADD_DISCREPANCIES,
            {
                "discrepancy_ids": [d.discrepancy_id for d in new],
                "kinds": [d.kind.value for d in new],
                "fcs": [d.fulfillment_center_id for d in new],
                "fnskus": [d.fnsku for d in new],
                "seller_ids": [d.seller_id for d in new],
                "quantities": [d.quantity for d in new],
                "quantities_expected": [d.quantity_expected for d in new],
                "quantities_counted": [d.quantity_counted for d in new],
                "shipment_ids": [d.shipment_id for d in new],
                "fulfillment_order_ids": [d.fulfillment_order_id for d in new],
                "receipt_ids": [d.receipt_id for d in new],
            },
        )

    async def list(
        self,
        *,
        shipment_id: str | None = None,
        fnsku: str | None = None,
        fulfillment_center_id: str | None = None,
        seller_id: str | None = None,
        kind: DiscrepancyKind | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> Page[Discrepancy]:
        """The discrepancies that match every filter given, oldest first."""
        filters = equal(
            (discrepancies.c.shipment_id, shipment_id),
            (discrepancies.c.fnsku, fnsku),
            (discrepancies.c.fulfillment_center_id, fulfillment_center_id),
            (discrepancies.c.seller_id, seller_id),
            (discrepancies.c.kind, kind.value if kind else None),
        )
        return await read_page(
            self._conn,
            discrepancies,
            filters,
            (discrepancies.c.recorded_at, discrepancies.c.discrepancy_id),
            limit,
            offset,
            lambda r: Discrepancy(**{**r._asdict(), "kind": DiscrepancyKind(r.kind)}),
        )
