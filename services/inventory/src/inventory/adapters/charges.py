"""The ledger of charges and the item facts that price them: the only code that knows their SQL."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, time

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from inventory.adapters.tables import (
    billed_items,
    charges,
    fee_quotes,
    statements_ready,
    storage_charges,
)
from inventory.domain.charges import BilledItem, Charge, ChargedEvent, ChargeKind, FeeQuote
from inventory.domain.statements import Month
from stockpath_runtime.db import any_of


class ChargeRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def record_items(self, items: Sequence[BilledItem]) -> None:
        """Keep each item's facts, the latest registration's winning (one statement)."""
        latest = {item.fnsku: item for item in items}
        if not latest:
            return
        statement = insert(billed_items).values(
            [
                {
                    "fnsku": i.fnsku,
                    "seller_id": i.seller_id,
                    "size_tier": i.size_tier,
                    "shipping_weight_g": i.shipping_weight_g,
                    "cubic_feet": i.cubic_feet,
                }
                for i in latest.values()
            ]
        )
        await self._conn.execute(
            statement.on_conflict_do_update(
                index_elements=[billed_items.c.fnsku],
                set_={
                    "seller_id": statement.excluded.seller_id,
                    "size_tier": statement.excluded.size_tier,
                    "shipping_weight_g": statement.excluded.shipping_weight_g,
                    "cubic_feet": statement.excluded.cubic_feet,
                },
            )
        )

    async def items(self, fnskus: Iterable[str]) -> dict[str, BilledItem]:
        wanted = sorted(set(fnskus))
        if not wanted:
            return {}
        rows = await self._conn.execute(
            sa.select(billed_items).where(billed_items.c.fnsku == any_of(wanted))
        )
        return {
            row.fnsku: BilledItem(
                row.fnsku, row.seller_id, row.size_tier, row.shipping_weight_g, row.cubic_feet
            )
            for row in rows
        }

    async def record_quotes(self, quotes: Sequence[FeeQuote]) -> None:
        """Keep the fees orders were quoted; an order's quote, once kept, is never changed."""
        if not quotes:
            return
        await self._conn.execute(
            insert(fee_quotes)
            .values(
                [
                    {
                        "order_id": q.order_id,
                        "fnsku": q.fnsku,
                        "unit_fee": q.unit_fee,
                        "schedule_effective_from": q.schedule_effective_from,
                    }
                    for q in quotes
                ]
            )
            .on_conflict_do_nothing()
        )

    async def quotes(self, order_ids: Iterable[str]) -> dict[tuple[str, str], FeeQuote]:
        """The quoted fees of these orders, by (order id, FNSKU)."""
        wanted = sorted(set(order_ids))
        if not wanted:
            return {}
        rows = await self._conn.execute(
            sa.select(fee_quotes).where(fee_quotes.c.order_id == any_of(wanted))
        )
        return {
            (row.order_id, row.fnsku): FeeQuote(
                row.order_id, row.fnsku, row.unit_fee, row.schedule_effective_from
            )
            for row in rows
        }

    async def add_all(self, new: Sequence[Charge]) -> int:
        """Write the charges whose key is not in the ledger yet (one statement); how many were new."""
        if not new:
            return 0
        rows = await self._conn.execute(
            insert(charges)
            .values([_row(c) for c in new])
            .on_conflict_do_nothing(index_elements=[charges.c.charge_id])
            .returning(charges.c.charge_id)
        )
        return len(rows.all())

    async def of_month(self, seller_id: str, month: Month) -> list[Charge]:
        """The seller's charges whose causing event happened in the month (UTC)."""
        start = datetime.combine(month.first_day, time(), UTC)
        end = datetime.combine(month.next_first_day, time(), UTC)
        rows = await self._conn.execute(
            sa.select(charges)
            .where(
                charges.c.seller_id == seller_id,
                charges.c.occurred_at >= start,
                charges.c.occurred_at < end,
            )
            .order_by(charges.c.occurred_at, charges.c.charge_id)
        )
        return [_charge(row) for row in rows]

    async def sellers_charged_in(self, month: Month) -> list[str]:
        """Every seller with a charge (storage included) in the month, sorted."""
        start = datetime.combine(month.first_day, time(), UTC)
        end = datetime.combine(month.next_first_day, time(), UTC)
        moved = sa.select(charges.c.seller_id).where(
            charges.c.occurred_at >= start, charges.c.occurred_at < end
        )
        stored = sa.select(storage_charges.c.seller_id).where(
            storage_charges.c.day >= month.first_day, storage_charges.c.day < month.next_first_day
        )
        rows = await self._conn.execute(sa.union(moved, stored))
        return sorted(row.seller_id for row in rows)

    async def claim_statements_ready(self, month: Month, sellers: Iterable[str]) -> set[str]:
        """Record these sellers' statements of the month as announced; those that were not before."""
        wanted = sorted(set(sellers))
        if not wanted:
            return set()
        rows = await self._conn.execute(
            insert(statements_ready)
            .values([{"seller_id": seller, "month": str(month)} for seller in wanted])
            .on_conflict_do_nothing()
            .returning(statements_ready.c.seller_id)
        )
        return {row.seller_id for row in rows}


def _row(charge: Charge) -> dict:
    return {
        "charge_id": charge.charge_id,
        "seller_id": charge.seller_id,
        "kind": charge.kind.value,
        "reference": charge.reference,
        "fnsku": charge.fnsku,
        "fulfillment_center_id": charge.fulfillment_center_id,
        "quantity": charge.quantity,
        "unit_fee": charge.unit_fee,
        "amount": charge.amount,
        "currency": charge.currency,
        "schedule_effective_from": charge.schedule_effective_from,
        "event_id": charge.event.event_id,
        "event_type": charge.event.event_type,
        "occurred_at": charge.event.occurred_at,
    }


def _charge(row) -> Charge:
    return Charge(
        charge_id=row.charge_id,
        seller_id=row.seller_id,
        kind=ChargeKind(row.kind),
        reference=row.reference,
        fnsku=row.fnsku,
        fulfillment_center_id=row.fulfillment_center_id,
        quantity=row.quantity,
        unit_fee=row.unit_fee,
        amount=row.amount,
        currency=row.currency,
        schedule_effective_from=row.schedule_effective_from,
        event=ChargedEvent(row.event_id, row.event_type, row.occurred_at),
    )
