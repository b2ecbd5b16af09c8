"""`cancel_orders` and `record_shipments` against an in-memory unit of work: a cancellation before
shipment gives the stock back and tells each FC, after shipment it is refused; shipments mark
fulfillment orders, then the order, SHIPPED."""

from __future__ import annotations

from order_router_fakes import FakeOrderRouterUnitOfWork, carry_out
from order_router_testkit import NEW_YORK, cancel, level, line, placed, shipped

from order_router.domain.fulfillment import FulfillmentOrderStatus
from order_router.domain.model import OrderStatus
from order_router.domain.routing import FewestShipmentsPolicy
from order_router.entrypoints.consumers import (
    cancel_order,
    record_inventory_level,
    record_shipment,
    route_order,
)
from order_router.service_layer.fulfillment import cancel_orders, record_shipments
from order_router.service_layer.routing import record_inventory_levels, route_orders
from stockpath_events.types.order_router import (
    FulfillmentCancelled,
    FulfillmentInstructed,
    OrderCancellationRefused,
    OrderCancelled,
)
from stockpath_network import DEFAULT_NETWORK

POLICY = FewestShipmentsPolicy(DEFAULT_NETWORK)


async def routed(
    uow: FakeOrderRouterUnitOfWork, order_id: str, quantity: int, **options
) -> list[FulfillmentInstructed]:
    """An order for KETTLE units routed as the worker would; its instructions."""
    event = placed(
        order_id, line("1", seller_id="S1", seller_sku="KETTLE", quantity=quantity), **options
    )
    await carry_out(route_orders, [route_order(event)], uow, policy=POLICY)
    return [i for i in uow.emitted(FulfillmentInstructed) if i.order_id == order_id]


def kettles(**units_at: int) -> FakeOrderRouterUnitOfWork:
    uow = FakeOrderRouterUnitOfWork()
    uow.register("S1", "KETTLE", "X00KETTLE")
    for fc, units in units_at.items():
        uow.stock.put("X00KETTLE", fc, units)
    return uow


async def cancelling(uow: FakeOrderRouterUnitOfWork, *requests) -> None:
    await carry_out(cancel_orders, [cancel_order(r) for r in requests], uow)


async def shipping(uow: FakeOrderRouterUnitOfWork, *confirmations) -> None:
    await carry_out(record_shipments, [record_shipment(c) for c in confirmations], uow)


def refusals(uow: FakeOrderRouterUnitOfWork) -> list[str]:
    return [r.reason_code for r in uow.emitted(OrderCancellationRefused)]


async def test_a_cancellation_before_shipment_releases_the_stock_and_tells_each_fc():
    uow = kettles(SEA1=2, EWR4=2)
    instructions = await routed(uow, "O-1", 4)
    request = cancel("O-1")

    await cancelling(uow, request)

    cancelled = [e for e in uow.events if isinstance(e.data, FulfillmentCancelled)]
    assert sorted(
        (c.data.fulfillment_order_id, c.data.fulfillment_center_id) for c in cancelled
    ) == sorted((i.fulfillment_order_id, i.fulfillment_center_id) for i in instructions)
    assert all(
        c.causation_id == request.id and c.data.reason == "buyer changed their mind"
        for c in cancelled
    )
    [done] = uow.emitted(OrderCancelled)
    assert done.reason == "buyer changed their mind" and uow.events[-1].causation_id == request.id
    assert uow.orders.status["O-1"] is OrderStatus.CANCELLED
    assert uow.orders.cancellations == {"O-1": "buyer changed their mind"}
    assert [fo.status for fo in await uow.fulfillment_orders.of_order("O-1")] == [
        FulfillmentOrderStatus.CANCELLED
    ] * 2
    assert [uow.stock.at("X00KETTLE", fc) for fc in ("SEA1", "EWR4")] == [(2, 0), (2, 0)]


async def test_a_second_cancellation_changes_nothing():
    uow = kettles(SEA1=2)
    await routed(uow, "O-1", 1)
    await cancelling(uow, cancel("O-1"))
    before = len(uow.events)

    await cancelling(uow, cancel("O-1"))

    assert uow.events[before:] == [] and uow.stock.at("X00KETTLE", "SEA1") == (2, 0)


async def test_a_cancelled_backorder_stops_waiting_and_arriving_stock_passes_it_by():
    uow = kettles(SEA1=0)
    await routed(uow, "O-1", 2, policy="fill-all")
    assert uow.orders.backordered == {"O-1": {"1": 2}}

    await cancelling(uow, cancel("O-1"))
    await carry_out(
        record_inventory_levels,
        [record_inventory_level(level("X00KETTLE", "SEA1", 5))],
        uow,
        policy=POLICY,
    )

    assert uow.orders.status["O-1"] is OrderStatus.CANCELLED and uow.orders.backordered == {
        "O-1": {"1": 0}
    }
    assert uow.emitted(FulfillmentInstructed) == []


async def test_a_cancellation_after_a_shipment_left_is_refused_and_changes_nothing():
    uow = kettles(SEA1=3, EWR4=3)
    first, second = await routed(uow, "O-1", 5, ship_to=NEW_YORK)
    await shipping(uow, shipped(first))

    await cancelling(uow, cancel("O-1"))

    assert refusals(uow) == ["ALREADY_SHIPPED"]
    [refused] = uow.emitted(OrderCancellationRefused)
    assert f"{first.fulfillment_order_id} from {first.fulfillment_center_id}" in refused.reason
    assert (
        uow.emitted(FulfillmentCancelled) == [] and uow.orders.status["O-1"] is OrderStatus.ROUTED
    )
    assert (
        await uow.fulfillment_orders.get(second.fulfillment_order_id)
    ).status is FulfillmentOrderStatus.INSTRUCTED
    assert [uow.stock.at("X00KETTLE", fc) for fc in ("EWR4", "SEA1")] == [(3, 3), (3, 2)]


async def test_cancelling_an_unknown_or_a_rejected_order_is_refused_with_a_reason():
    uow = kettles(SEA1=0)
    await routed(uow, "O-REJECTED", 1)
    assert uow.orders.status["O-REJECTED"] is OrderStatus.REJECTED

    await cancelling(uow, cancel("O-UNKNOWN"), cancel("O-REJECTED"))

    assert refusals(uow) == ["UNKNOWN_ORDER", "ORDER_REJECTED"]
    assert [r.order_id for r in uow.emitted(OrderCancellationRefused)] == [
        "O-UNKNOWN",
        "O-REJECTED",
    ]
    assert (
        uow.orders.status["O-REJECTED"] is OrderStatus.REJECTED
        and uow.emitted(OrderCancelled) == []
    )


async def test_a_shipment_is_recorded_and_the_order_is_shipped_once_every_fc_shipped():
    uow = kettles(SEA1=3, EWR4=3)
    first, second = await routed(uow, "O-1", 5, ship_to=NEW_YORK)
    confirmation = shipped(first)

    await shipping(uow, confirmation)

    fo = await uow.fulfillment_orders.get(first.fulfillment_order_id)
    assert fo.status is FulfillmentOrderStatus.SHIPPED
    assert (fo.shipment.carrier, fo.shipment.tracking_number) == ("UPS", "1Z999")
    assert fo.shipment.shipped_at == confirmation.time, (
        "an FC that does not say when, shipped when it said so"
    )
    assert uow.orders.status["O-1"] is OrderStatus.ROUTED, (
        "one fulfillment order is still on its way"
    )

    await shipping(uow, shipped(second), shipped(second))

    assert uow.orders.status["O-1"] is OrderStatus.SHIPPED
    # Shipped units stay reserved: inventory's basis still counts them.
    assert [uow.stock.at("X00KETTLE", fc) for fc in ("EWR4", "SEA1")] == [(3, 3), (3, 2)]


async def test_a_backordered_order_is_not_shipped_while_units_still_wait():
    uow = kettles(SEA1=1)
    [instruction] = await routed(uow, "O-1", 3, policy="fill-all")

    await shipping(uow, shipped(instruction))

    assert (
        await uow.fulfillment_orders.get(instruction.fulfillment_order_id)
    ).status is FulfillmentOrderStatus.SHIPPED
    assert uow.orders.status["O-1"] is OrderStatus.BACKORDERED


async def test_a_cancelled_fulfillment_order_shipped_anyway_takes_its_units_back_out():
    uow = kettles(SEA1=3)
    [instruction] = await routed(uow, "O-1", 2)
    await cancelling(uow, cancel("O-1"))
    assert uow.stock.at("X00KETTLE", "SEA1") == (3, 0)

    await shipping(uow, shipped(instruction))

    assert uow.stock.at("X00KETTLE", "SEA1") == (3, 2)
    assert (
        await uow.fulfillment_orders.get(instruction.fulfillment_order_id)
    ).status is FulfillmentOrderStatus.SHIPPED
    assert uow.orders.status["O-1"] is OrderStatus.CANCELLED


async def test_a_shipment_of_an_unknown_fulfillment_order_is_ignored():
    uow = kettles(SEA1=3)
    [instruction] = await routed(uow, "O-1", 1)
    stranger = FulfillmentInstructed.model_validate(
        {**instruction.model_dump(), "fulfillment_order_id": "FO-NOBODY"}
    )
    before = len(uow.events)

    await shipping(uow, shipped(stranger))

    assert uow.events[before:] == [] and uow.orders.status["O-1"] is OrderStatus.ROUTED
    assert (
        await uow.fulfillment_orders.get(instruction.fulfillment_order_id)
    ).status is FulfillmentOrderStatus.INSTRUCTED
