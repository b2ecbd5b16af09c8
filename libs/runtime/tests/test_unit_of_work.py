"""Guarantee A: a state change and the events it causes commit in one transaction, or not at all."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from probe.service import ProbeUnitOfWork, effects

from stockpath_events import Address, Envelope, decode, new_event
from stockpath_events.types.orders import OrderPlaced
from stockpath_runtime.db import inbox, outbox
from stockpath_runtime.unit_of_work import UnitOfWork, headers_from_row

pytestmark = pytest.mark.integration


def order(order_id: str, channel: str = "web") -> OrderPlaced:
    return OrderPlaced(
        order_id=order_id,
        channel=channel,
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
    )


def placed(order_id: str, channel: str = "web") -> Envelope[OrderPlaced]:
    """An order as its sales channel publishes it (a channel may publish only its own orders)."""
    return new_event(order(order_id, channel), source=f"/channels/{channel}")


async def count(engine, table, *where) -> int:
    async with engine.connect() as conn:
        return (
            await conn.execute(sa.select(sa.func.count()).select_from(table).where(*where))
        ).scalar_one()


async def test_a_committed_change_stores_its_event_in_the_outbox(engine):
    order_id = uuid.uuid4().hex
    async with ProbeUnitOfWork(engine, source="/services/probe") as uow:
        await uow.effects.add(order_id, order_id)
        envelope = uow.emit(order(order_id))
        await uow.commit()
    assert await count(engine, effects, effects.c.order_id == order_id) == 1
    async with engine.connect() as conn:
        row = (await conn.execute(sa.select(outbox).where(outbox.c.event_id == envelope.id))).one()
    decoded = decode(row.value, headers_from_row(row.headers))
    assert decoded.data == envelope.data
    assert row.key == order_id.encode() and row.topic == "orders" and row.published_at is None


async def test_a_failed_change_stores_neither_state_nor_event(engine):
    order_id = uuid.uuid4().hex
    with pytest.raises(RuntimeError):
        async with ProbeUnitOfWork(engine, source="/services/probe") as uow:
            await uow.effects.add(order_id, order_id)
            uow.emit(order(order_id))
            raise RuntimeError("the handler failed after writing")
    assert await count(engine, effects, effects.c.order_id == order_id) == 0
    assert await count(engine, outbox, outbox.c.key == order_id.encode()) == 0


async def test_leaving_without_commit_rolls_back_both(engine):
    order_id = uuid.uuid4().hex
    async with ProbeUnitOfWork(engine, source="/services/probe") as uow:
        await uow.effects.add(order_id, order_id)
        uow.emit(order(order_id))
    assert await count(engine, effects, effects.c.order_id == order_id) == 0
    assert await count(engine, outbox, outbox.c.key == order_id.encode()) == 0


async def test_the_inbox_claims_an_event_once_per_consumer(engine):
    envelope = placed(uuid.uuid4().hex)
    for expected in (True, False):
        async with UnitOfWork(engine, source="/services/probe") as uow:
            assert (await uow.claim("probe", [envelope]) == {envelope.id}) is expected
            await uow.commit()
    async with UnitOfWork(engine, source="/services/probe") as uow:
        assert await uow.claim("another-consumer", [envelope]) == {envelope.id}
        await uow.commit()
    assert await count(engine, inbox, inbox.c.event_id == envelope.id) == 2


async def test_an_unclaimed_inbox_row_is_rolled_back_with_its_effect(engine):
    envelope = placed(uuid.uuid4().hex)
    async with UnitOfWork(engine, source="/services/probe") as uow:
        assert await uow.claim("probe", [envelope])
    async with UnitOfWork(engine, source="/services/probe") as uow:
        assert await uow.claim("probe", [envelope]), (
            "a claim that never committed must not block the retry"
        )
