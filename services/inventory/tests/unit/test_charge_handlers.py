"""Charges written by the handlers that move the units, against the in-memory unit of work: the
fulfillment fee of the units shipped, return processing of every unit received back, the removal
fee of a removal carried out; each traced to its event and written once however often the event
that caused it is applied."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from inventory_fakes import FakeInventoryUnitOfWork, consume
from inventory_testkit import (
    instructed_event,
    mcf_instructed_event,
    registered_event,
    removal_shipped_event,
    return_accepted_event,
    shipped_event,
    units_disposed_event,
)

from inventory.domain.charges import ChargeKind
from inventory.domain.commands import CancelRemovalOrder, CreateRemovalOrder
from inventory.domain.removals import RemovalOrder, RemovalUnits
from inventory.service_layer.removals import cancel_removal_order, create_removal_order
from stockpath_events.types.inventory import RemovalDisposition, RemovalSource

JAN_20 = datetime(2026, 1, 20, 15, 0, tzinfo=UTC)


@pytest.fixture
async def uow() -> FakeInventoryUnitOfWork:
    """XA (small standard, 200 g) and XB (large standard, 1 kg) registered, 10 of each at SEA1."""
    uow = FakeInventoryUnitOfWork()
    uow.stock.seed("XA", "SEA1", fulfillable=10)
    uow.stock.seed("XB", "SEA1", fulfillable=10)
    await consume(
        uow,
        registered_event("XA"),
        registered_event("XB", size_tier="large_standard", weight_g=1000),
    )
    return uow


def charges(uow) -> list[tuple]:
    return sorted(
        (c.kind, c.reference, c.fnsku, c.quantity, c.amount, c.event.event_id)
        for c in uow.charges.ledger.values()
    )


async def test_shipped_units_are_charged_their_fulfillment_fee_once(uow):
    shipped = shipped_event("FO-1", shipped_at=JAN_20)
    await consume(uow, instructed_event("FO-1", [("XA", 3), ("XB", 1)]), shipped)
    await consume(uow, shipped)  # the FC reports it again: already shipped, nothing more

    assert charges(uow) == [
        (ChargeKind.FULFILLMENT, "FO-1", "XA", 3, Decimal("9.93"), shipped.id),
        (ChargeKind.FULFILLMENT, "FO-1", "XB", 1, Decimal("6.35"), shipped.id),
    ]
    charge = uow.charges.ledger[f"{shipped.id}/fulfillment/FO-1/XA"]
    assert (charge.event.event_type, charge.event.occurred_at) == (shipped.type, JAN_20)


async def test_a_confirmation_that_overtook_its_instruction_is_charged_as_itself_when_the_lines_come(
    uow,
):
    shipped = shipped_event("FO-2", shipped_at=JAN_20)
    await consume(uow, shipped)
    assert charges(uow) == []  # no lines known yet

    await consume(uow, instructed_event("FO-2", [("XA", 2)]))

    # Traced to the shipment and priced on its day, as if the instruction had come first: the
    # statement does not depend on which of the two topics was read first.
    [(kind, _, fnsku, quantity, _, event_id)] = charges(uow)
    assert (kind, fnsku, quantity, event_id) == (ChargeKind.FULFILLMENT, "XA", 2, shipped.id)
    [charge] = uow.charges.ledger.values()
    assert (charge.event.event_type, charge.event.occurred_at) == (shipped.type, JAN_20)


async def test_reserved_units_are_not_charged(uow):
    await consume(uow, instructed_event("FO-3", [("XA", 2)]))

    assert charges(uow) == []


async def test_a_return_is_charged_per_unit_received_whatever_its_condition(uow):
    await consume(uow, instructed_event("FO-1", [("XB", 3)]), shipped_event("FO-1"))
    returned = return_accepted_event(
        "R-1",
        [("XB", 1, "sellable"), ("XB", 1, "defective")],
        received_at=datetime(2026, 3, 2, tzinfo=UTC),
    )

    await consume(uow, returned)
    await consume(uow, return_accepted_event("R-1", [("XB", 1, "sellable")]))  # told again

    assert [c for c in charges(uow) if c[0] is ChargeKind.RETURN_PROCESSING] == [
        (ChargeKind.RETURN_PROCESSING, "R-1", "XB", 2, Decimal("5.56"), returned.id)
    ]


async def removal(uow, rid: str) -> None:
    units = (
        RemovalUnits("XA", RemovalSource.FULFILLABLE, 2),
        RemovalUnits("XB", RemovalSource.FULFILLABLE, 1),
    )
    order = RemovalOrder(rid, "S-ACME", "SEA1", RemovalDisposition.DISPOSE, units, None)
    await create_removal_order(CreateRemovalOrder(order), uow)


async def test_a_removal_carried_out_is_charged_once(uow):
    await removal(uow, "RMV-1")
    disposed = units_disposed_event("RMV-1")

    await consume(uow, disposed, units_disposed_event("RMV-1"))

    # 2 × 1.04 (small standard) and 1 × 1.53 (large standard)
    assert charges(uow) == [
        (ChargeKind.REMOVAL, "RMV-1", "XA", 2, Decimal("2.08"), disposed.id),
        (ChargeKind.REMOVAL, "RMV-1", "XB", 1, Decimal("1.53"), disposed.id),
    ]


async def test_a_removal_the_seller_cancelled_is_not_charged_when_the_fc_carries_it_out(uow):
    await removal(uow, "RMV-2")
    await cancel_removal_order(CancelRemovalOrder("RMV-2", "S-ACME"), uow)

    await consume(uow, removal_shipped_event("RMV-2"))

    assert charges(uow) == []


async def test_units_of_an_item_never_registered_move_but_are_not_charged(uow):
    uow.stock.seed("XZ", "SEA1", fulfillable=5)

    await consume(uow, instructed_event("FO-9", [("XZ", 2)]), shipped_event("FO-9"))

    assert uow.stock.levels_of("XZ").shipped == 2
    assert charges(uow) == []


async def test_the_latest_registration_of_an_fnsku_prices_it(uow):
    await consume(uow, registered_event("XA", size_tier="large_standard", weight_g=1000))

    await consume(uow, instructed_event("FO-1", [("XA", 1)]), shipped_event("FO-1"))

    assert [c[4] for c in charges(uow)] == [Decimal("6.35")]


async def test_an_mcf_orders_units_are_charged_the_fee_its_instruction_carries(uow):
    # Quoted 2.99 per unit (whatever the schedule says the day they ship: 3.31 for XA).
    instructed = mcf_instructed_event("FO-M1", [("XA", 2, "2.99")], order_id="O-MCF-1")
    shipped = shipped_event("FO-M1", shipped_at=JAN_20)

    await consume(uow, instructed, shipped)

    [charge] = uow.charges.ledger.values()
    assert (charge.unit_fee, charge.amount, charge.event.event_id) == (
        Decimal("2.99"),
        Decimal("5.98"),
        shipped.id,
    )
    assert charge.schedule_effective_from.isoformat() == "2026-01-15"


async def test_units_shipped_before_their_mcf_instruction_came_are_charged_the_quote(uow):
    shipped = shipped_event("FO-M2", shipped_at=JAN_20)
    instructed = mcf_instructed_event("FO-M2", [("XA", 2, "2.99")], order_id="O-FO-M2")

    await consume(uow, shipped, instructed)

    [charge] = uow.charges.ledger.values()
    assert (charge.unit_fee, charge.amount, charge.event.event_id) == (
        Decimal("2.99"),
        Decimal("5.98"),
        shipped.id,
    )


async def test_a_channels_order_carries_no_quote_and_is_charged_by_the_schedule(uow):
    await consume(uow, instructed_event("FO-C1", [("XA", 2)]), shipped_event("FO-C1"))

    assert [c.amount for c in uow.charges.ledger.values()] == [Decimal("6.62")]  # 2 × 3.31
