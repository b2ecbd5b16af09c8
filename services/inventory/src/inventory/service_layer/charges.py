"""Charges: what sellers pay for the units the inventory moves, written into the ledger of charges
by the handlers that move them, in the same unit of work (so a re-delivered event, claimed in the
inbox already, charges nothing; a replayed one writes the same keys, which the ledger keeps once).

- `record_billed_items` (ItemRegistered): the facts that price an FNSKU;
- `charge` (called by `fulfillment`, `returns`, `removals`): prices the units each event moved
  (`domain.charges.price`; an MCF order's units by the fee it was quoted, which
  `fulfillment.reserve_stock` keeps from FulfillmentInstructed) and adds the charges not in the
  ledger yet. Units whose item pricing cannot price (no registration seen, no size tier or
  weight, no schedule that day) move anyway and are logged, not charged: a stock movement never
  waits for a price.
- `month_statement`: a seller's statement of a month.
"""

from __future__ import annotations

from collections.abc import Sequence

import structlog

from inventory.domain.charges import ChargedEvent, ChargedUnits, price
from inventory.domain.commands import RecordBilledItem
from inventory.domain.statements import Month, Statement, statement
from inventory.service_layer.unit_of_work import InventoryUnitOfWork
from stockpath_network.fees import FeeSchedule, Unpriceable

log = structlog.get_logger("inventory")


async def record_billed_items(commands: list[RecordBilledItem], uow: InventoryUnitOfWork) -> None:
    await uow.charges.record_items([c.item for c in commands])


async def charge(
    uow: InventoryUnitOfWork,
    moved: Sequence[tuple[ChargedEvent, ChargedUnits]],
    fees: FeeSchedule,
) -> None:
    """Charge the units each event moved (nothing for none), once per charge key."""
    moved = [(event, units) for event, units in moved if units.quantity > 0]
    items = await uow.charges.items(units.fnsku for _, units in moved)
    quotes = await uow.charges.quotes(units.order_id for _, units in moved if units.order_id)
    priced = []
    for event, units in moved:
        item = items.get(units.fnsku)
        quote = quotes.get((units.order_id, units.fnsku)) if units.order_id else None
        try:
            if item is None:
                raise Unpriceable(f"no registration of {units.fnsku} was seen")
            priced.append(price(units, item, event, fees, quote))
        except Unpriceable as why:
            log.error(
                "units moved but not charged",
                reason=str(why),
                kind=units.kind.value,
                fnsku=units.fnsku,
                event_id=event.event_id,
            )
    await uow.charges.add_all(priced)


async def month_statement(
    seller_id: str, month: Month, uow: InventoryUnitOfWork, *, fees: FeeSchedule
) -> Statement:
    async with uow:
        return await statement_in(uow, seller_id, month, fees=fees)


async def statement_in(
    uow: InventoryUnitOfWork, seller_id: str, month: Month, *, fees: FeeSchedule
) -> Statement:
    """The seller's statement of the month as the open unit of work sees it."""
    found = await uow.charges.of_month(seller_id, month)
    stored = await uow.storage.of_month(seller_id, month)
    return statement(seller_id, month, fees.currency, found, stored)
