"""`reroute_missing_units` against an in-memory unit of work: the units an FC reports it cannot
ship go to another FC (never the reporting one) once, whatever is redelivered; the fulfillment
order keeps the rest; lost units leave the FC's basis."""

from __future__ import annotations

from order_router_fakes import FakeOrderRouterUnitOfWork, carry_out
from order_router_testkit import NEW_YORK, center_exception, line, placed

from order_router.domain.fulfillment import FulfillmentOrderStatus
from order_router.domain.identifiers import fulfillment_order_id
from order_router.domain.routing import FewestShipmentsPolicy
from order_router.entrypoints.consumers import reroute_missing_units, route_order
from order_router.service_layer.center_exceptions import reroute_missing_units as reroute
from order_router.service_layer.routing import route_orders
from stockpath_events.types.order_router import FulfillmentInstructed, OrderRejected, OrderRouted
from stockpath_network import DEFAULT_NETWORK

POLICY = FewestShipmentsPolicy(DEFAULT_NETWORK)


def kettles(**units_at: int) -> FakeOrderRouterUnitOfWork:
    uow = FakeOrderRouterUnitOfWork()
    uow.register("S1", "KETTLE", "X00KETTLE")
    for fc, units in units_at.items():
        uow.stock.put("X00KETTLE", fc, units)
    return uow


async def test_a_short_pick_is_re_routed_elsewhere_once_and_the_fc_keeps_the_rest():
    uow = kettles(EWR4=3, SEA1=5)
    event = placed(
        "O-1", line("1", seller_id="S1", seller_sku="KETTLE", quantity=3), ship_to=NEW_YORK
    )
    await carry_out(route_orders, [route_order(event)], uow, policy=POLICY)
    [ewr4] = uow.emitted(FulfillmentInstructed)
    assert ewr4.fulfillment_center_id == "EWR4"

    report = center_exception(ewr4, [("1", 2, "SHORT_PICK")])
    again = center_exception(ewr4, [("1", 2, "SHORT_PICK")])  # the FC re-sends it under a new id
    await carry_out(
        reroute, [reroute_missing_units(report), reroute_missing_units(again)], uow, policy=POLICY
    )

    new = [i for i in uow.emitted(FulfillmentInstructed) if i is not ewr4]
    assert [(i.fulfillment_center_id, [ln.quantity for ln in i.lines]) for i in new] == [
        ("SEA1", [2])
    ]
    assert new[0].fulfillment_order_id == fulfillment_order_id(report.id, "O-1", "SEA1")
    assert len(uow.emitted(OrderRouted)) == 2
    kept = await uow.fulfillment_orders.get(ewr4.fulfillment_order_id)
    assert kept is not None and kept.status is FulfillmentOrderStatus.INSTRUCTED
    assert [ln.quantity for ln in kept.lines] == [1]
    assert uow.stock.at("X00KETTLE", "EWR4") == (1, 1)  # two written off, one still reserved
    assert uow.stock.at("X00KETTLE", "SEA1") == (5, 2)


async def test_nothing_elsewhere_under_fill_or_kill_refuses_the_units_and_the_order():
    uow = kettles(SEA1=2)
    event = placed("O-2", line("1", seller_id="S1", seller_sku="KETTLE", quantity=2))
    await carry_out(route_orders, [route_order(event)], uow, policy=POLICY)
    [sea1] = uow.emitted(FulfillmentInstructed)
    await carry_out(
        reroute,
        [reroute_missing_units(center_exception(sea1, [("1", 2, "DAMAGED")]))],
        uow,
        policy=POLICY,
    )
    [rejected] = uow.emitted(OrderRejected)
    assert rejected.reason_code == "INSUFFICIENT_INVENTORY"
    failed = await uow.fulfillment_orders.get(sea1.fulfillment_order_id)
    assert failed is not None and failed.status is FulfillmentOrderStatus.FAILED
    assert uow.stock.at("X00KETTLE", "SEA1") == (0, 0)
