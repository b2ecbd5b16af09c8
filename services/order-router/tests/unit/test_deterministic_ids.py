"""A replay must name what it creates as the live run did: the fulfillment orders an event routes
get ids derived from that event, so routing the same event again (into a rebuilt store) gives the
same ids, and a ShipmentShipped or cancellation replayed after it finds its fulfillment order."""

from __future__ import annotations

from order_router_fakes import FakeOrderRouterUnitOfWork, carry_out
from order_router_testkit import NEW_YORK, line, placed

from order_router.domain.identifiers import fulfillment_order_id
from order_router.domain.routing import FewestShipmentsPolicy
from order_router.entrypoints.consumers import route_order
from order_router.service_layer.routing import route_orders
from stockpath_events.types.order_router import FulfillmentInstructed
from stockpath_network import DEFAULT_NETWORK

POLICY = FewestShipmentsPolicy(DEFAULT_NETWORK)


async def instructed_ids(event) -> list[str]:
    """Route `event` in a store of its own holding a kettle at two FCs; the fulfillment order ids."""
    uow = FakeOrderRouterUnitOfWork()
    uow.register("S1", "KETTLE", "X00KETTLE")
    uow.stock.put("X00KETTLE", "SEA1", 2)
    uow.stock.put("X00KETTLE", "EWR4", 2)
    await carry_out(route_orders, [route_order(event)], uow, policy=POLICY)
    return [i.fulfillment_order_id for i in uow.emitted(FulfillmentInstructed)]


async def test_routing_the_same_event_twice_names_the_same_fulfillment_orders():
    event = placed(
        "O-1", line("1", seller_id="S1", seller_sku="KETTLE", quantity=3), ship_to=NEW_YORK
    )

    live, rebuilt = await instructed_ids(event), await instructed_ids(event)

    assert len(live) == 2 and len(set(live)) == 2  # split over two FCs: one id each
    assert live == rebuilt


async def test_another_event_for_the_same_order_and_fc_names_another_fulfillment_order():
    # A backorder released later to the same FC is a second fulfillment order, not the first again.
    assert fulfillment_order_id("E-1", "O-1", "SEA1") == fulfillment_order_id("E-1", "O-1", "SEA1")
    assert fulfillment_order_id("E-1", "O-1", "SEA1") != fulfillment_order_id("E-2", "O-1", "SEA1")
    assert fulfillment_order_id("E-1", "O-1", "SEA1") != fulfillment_order_id("E-1", "O-1", "EWR4")
    assert fulfillment_order_id("E-1", "O-1", "SEA1").startswith("FO-")
