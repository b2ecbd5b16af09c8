"""Events caused by a consumed event get ids derived from it: applying the same event again (a
replay into a rebuilt store) emits the same ids, so a repeated effect is recognisable and any
consumer's inbox skips it. Events that start a chain (an HTTP request) keep random ids."""

from __future__ import annotations

from stockpath_events import Address, new_event
from stockpath_events.types.orders import OrderCancellationRequested, OrderPlaced
from stockpath_testing.fakes import FakeUnitOfWork


def placed(order_id: str):
    return new_event(
        OrderPlaced(
            order_id=order_id,
            channel="web",
            lines=[
                {
                    "line_id": "1",
                    "seller_id": "S1",
                    "seller_sku": "SKU-1",
                    "quantity": 1,
                    "unit_price": "10.00",
                }
            ],
            ship_to=Address(
                name="Ada", line1="1 Main St", city="Seattle", region="WA", postal_code="98101"
            ),
        ),
        source="/channels/web",
    )


async def effects_of(cause, source: str = "/services/probe") -> list[str]:
    """What a handler applying `cause` emits: two cancellations of one order, one of another."""
    async with FakeUnitOfWork(source=source) as uow:
        for order_id in ("O-1", "O-1", "O-2"):
            uow.emit(OrderCancellationRequested(order_id=order_id, reason="r"), caused_by=cause)
        await uow.commit()
    return [e.id for e in uow.committed]


async def test_applying_the_same_event_again_emits_the_same_event_ids():
    cause = placed("O-1")
    live, replayed = await effects_of(cause), await effects_of(cause)
    assert live == replayed
    assert len(set(live)) == 3  # the same type and subject twice still gives two ids


async def test_another_cause_or_another_service_gives_other_ids():
    cause = placed("O-1")
    assert set(await effects_of(cause)).isdisjoint(await effects_of(placed("O-1")))
    assert set(await effects_of(cause)).isdisjoint(
        await effects_of(cause, source="/services/other")
    )


async def test_an_event_that_starts_a_chain_keeps_a_random_id():
    ids = set()
    for _ in range(2):
        async with FakeUnitOfWork(source="/services/probe") as uow:
            ids.add(uow.emit(OrderCancellationRequested(order_id="O-1", reason="r")).id)
    assert len(ids) == 2
