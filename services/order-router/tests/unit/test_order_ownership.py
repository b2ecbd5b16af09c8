"""Whose an order is, against an in-memory unit of work: who may place it over HTTP and under
which id, who reads and cancels it (over HTTP and on Kafka), and that no channel takes another's
order id, nor an `mcf` order comes from anywhere but the HTTP ingress."""

from __future__ import annotations

import dataclasses

import pytest
from order_router_fakes import FakeOrderRouterUnitOfWork, carry_out
from order_router_testkit import cancel, line, placed

from order_router.domain.commands import PlaceOrder, RequestCancellation
from order_router.domain.model import MCF, Order, OrderIdInUse, OrderStatus, UnknownOrder
from order_router.domain.ownership import InvalidPlacement, Party, PartyKind, PlacementRefused
from order_router.domain.routing import FewestShipmentsPolicy
from order_router.entrypoints.consumers import cancel_order, order_of, route_order
from order_router.service_layer import views
from order_router.service_layer.fulfillment import cancel_orders
from order_router.service_layer.handlers import place_order, request_cancellation
from order_router.service_layer.routing import route_orders
from stockpath_events.types.order_router import (
    OrderCancellationRefused,
    OrderCancelled,
    OrderRejected,
)
from stockpath_network import DEFAULT_NETWORK

POLICY = FewestShipmentsPolicy(DEFAULT_NETWORK)
WEB, APP = Party(PartyKind.CHANNEL, "web"), Party(PartyKind.CHANNEL, "app")
S1, S2 = Party(PartyKind.SELLER, "S1"), Party(PartyKind.SELLER, "S2")
OPS = Party(PartyKind.OPERATOR, "ops")
INGRESS = "/services/order-router"


def request(order_id: str = "O-1", *, channel: str = "", **names) -> Order:
    """An order of a KETTLE (or what `names` names) as a request names it: channel "" when none."""
    event = placed(order_id, line("1", **{"seller_id": "S1", "seller_sku": "KETTLE", **names}))
    return dataclasses.replace(order_of(event.data), channel=channel)


async def place(party: Party, uow: FakeOrderRouterUnitOfWork, order_id: str = "O-1", **options):
    order, _, _ = await place_order(PlaceOrder(request(order_id, **options), party), uow)
    return order


def stocked() -> FakeOrderRouterUnitOfWork:
    uow = FakeOrderRouterUnitOfWork()
    uow.register("S1", "KETTLE", "X00KETTLE", listed_in=("web", "app"))
    uow.stock.put("X00KETTLE", "SEA1", 10)
    return uow


async def route(uow: FakeOrderRouterUnitOfWork, *events) -> None:
    await carry_out(route_orders, [route_order(e) for e in events], uow, policy=POLICY)


def rejections(uow: FakeOrderRouterUnitOfWork) -> list[tuple[str, str]]:
    return [(r.order_id, r.reason_code) for r in uow.emitted(OrderRejected)]


# -- placing over HTTP --------------------------------------------------------------------------


async def test_a_channel_places_in_its_own_channel_under_its_namespace():
    uow = FakeOrderRouterUnitOfWork()

    order = await place(WEB, uow)
    again = await place(WEB, uow, "web:O-2", channel="web")

    assert (order.order_id, order.channel) == ("web:O-1", "web")
    assert (again.order_id, again.channel) == ("web:O-2", "web"), (
        "an id already in its namespace stays as it is"
    )
    with pytest.raises(PlacementRefused, match="channel web may not place orders for channel app"):
        await place(WEB, uow, channel="app")
    with pytest.raises(PlacementRefused):
        await place(Party(PartyKind.CHANNEL, MCF), uow)
    assert set(uow.orders.placed) == {"web:O-1", "web:O-2"}


async def test_two_channels_placing_one_order_id_get_two_orders():
    uow = FakeOrderRouterUnitOfWork()

    assert (await place(WEB, uow, "1003")).order_id == "web:1003"
    assert (await place(APP, uow, "1003")).order_id == "app:1003"
    assert (await place(APP, uow, "web:1003")).order_id == "app:web:1003", (
        "never the other channel's"
    )


async def test_a_seller_places_mcf_orders_of_its_own_skus_only():
    uow = FakeOrderRouterUnitOfWork()

    order = await place(S1, uow)

    assert (order.order_id, order.channel) == ("mcf:S1:O-1", MCF)
    with pytest.raises(PlacementRefused, match="line\\(s\\) 1 name another seller's"):
        await place(S2, uow, "O-2")
    with pytest.raises(PlacementRefused, match="channel mcf"):
        await place(S1, uow, "O-3", channel="web")
    with pytest.raises(InvalidPlacement, match="no listing_id"):
        await place(S1, uow, "O-4", listing_id="L-1")
    with pytest.raises(InvalidPlacement, match="seller_id and seller_sku on every line"):
        await place(S1, uow, "O-5", seller_id=None, seller_sku=None, listing_id="L-1")
    assert set(uow.orders.placed) == {"mcf:S1:O-1"}


async def test_the_operator_names_the_channel_and_keeps_its_order_id():
    uow = FakeOrderRouterUnitOfWork()

    assert (await place(OPS, uow, channel="web")).order_id == "O-1"
    assert (await place(OPS, uow, "O-2", channel=MCF)).order_id == "mcf:S1:O-2", (
        "an mcf order is its seller's"
    )
    with pytest.raises(InvalidPlacement, match="names the order's channel"):
        await place(OPS, uow, "O-3")
    with pytest.raises(OrderIdInUse, match="channel app's namespace"):
        await place(OPS, uow, "app:O-4", channel="web")


async def test_an_order_id_another_channel_has_is_a_conflict_for_the_operator_too():
    uow = FakeOrderRouterUnitOfWork()
    await place(OPS, uow, "O-1", channel="web")

    with pytest.raises(OrderIdInUse):
        await place(OPS, uow, "O-1", channel="app")

    assert uow.orders.placed["O-1"].channel == "web" and len(uow.events) == 1


# -- reading and cancelling over HTTP ------------------------------------------------------------


async def test_an_order_reads_for_its_channel_by_either_id_its_seller_and_the_operator_only():
    uow = FakeOrderRouterUnitOfWork()
    await place(WEB, uow)
    await place(S1, uow)

    async def sees(party: Party, order_id: str) -> str | None:
        details = await views.order_details(party, order_id, uow)
        return details.record.order.order_id if details else None

    assert [await sees(WEB, i) for i in ("O-1", "web:O-1")] == ["web:O-1", "web:O-1"]
    assert [await sees(S1, i) for i in ("O-1", "mcf:S1:O-1")] == ["mcf:S1:O-1", "mcf:S1:O-1"]
    assert [await sees(OPS, i) for i in ("web:O-1", "mcf:S1:O-1", "O-1")] == [
        "web:O-1",
        "mcf:S1:O-1",
        None,
    ]
    assert [await sees(APP, i) for i in ("O-1", "web:O-1", "mcf:S1:O-1")] == [None, None, None]
    assert [await sees(S2, i) for i in ("O-1", "mcf:S1:O-1", "web:O-1")] == [None, None, None]
    assert [await sees(S1, "web:O-1"), await sees(WEB, "mcf:S1:O-1")] == [None, None]


async def test_a_channel_reads_its_orders_from_kafka_by_their_own_id():
    uow = stocked()
    await route(uow, placed("1003", line("1", seller_id="S1", seller_sku="KETTLE")))

    assert (await views.order_details(WEB, "1003", uow)).record.status is OrderStatus.ROUTED
    assert await views.order_details(APP, "1003", uow) is None


async def test_only_an_orders_owners_may_ask_to_cancel_it():
    uow = FakeOrderRouterUnitOfWork()
    await place(WEB, uow)

    for stranger in (APP, S1):
        with pytest.raises(UnknownOrder):
            await request_cancellation(RequestCancellation("web:O-1", stranger), uow)
    assert await request_cancellation(RequestCancellation("O-1", WEB), uow) == (
        "web:O-1",
        OrderStatus.PENDING,
    )
    assert await request_cancellation(RequestCancellation("web:O-1", OPS), uow) == (
        "web:O-1",
        OrderStatus.PENDING,
    )
    assert len(uow.events) == 3, "one OrderPlaced, two requests"


# -- on Kafka ------------------------------------------------------------------------------------


async def test_a_channel_cancels_only_its_own_orders_on_kafka():
    uow = stocked()
    await route(uow, placed("O-1", line("1", seller_id="S1", seller_sku="KETTLE")))

    await carry_out(cancel_orders, [cancel_order(cancel("O-1", source="/channels/app"))], uow)

    [refused] = uow.emitted(OrderCancellationRefused)
    assert refused.reason_code == "UNKNOWN_ORDER" and "O-1 is not known" in refused.reason
    assert uow.orders.status["O-1"] is OrderStatus.ROUTED and uow.stock.at("X00KETTLE", "SEA1") == (
        10,
        1,
    )

    await carry_out(cancel_orders, [cancel_order(cancel("O-1", source="/channels/web"))], uow)

    assert (
        uow.orders.status["O-1"] is OrderStatus.CANCELLED and len(uow.emitted(OrderCancelled)) == 1
    )


async def test_the_ingress_and_the_storefront_cancel_any_order_on_kafka():
    uow = stocked()
    await route(
        uow, *(placed(f"O-{n}", line("1", seller_id="S1", seller_sku="KETTLE")) for n in (1, 2))
    )

    await carry_out(
        cancel_orders,
        [
            cancel_order(cancel("O-1", source=INGRESS)),
            cancel_order(cancel("O-2", source="/services/listing")),
        ],
        uow,
    )

    assert [uow.orders.status[o] for o in ("O-1", "O-2")] == [OrderStatus.CANCELLED] * 2


async def test_an_order_id_another_channel_has_is_refused_not_taken_for_a_redelivery():
    uow = stocked()
    mine = placed("1003", line("1", seller_id="S1", seller_sku="KETTLE", quantity=2))
    theirs = placed(
        "1003", line("1", seller_id="S1", seller_sku="KETTLE", quantity=5), channel="app"
    )
    later = placed("1003", line("1", seller_id="S1", seller_sku="KETTLE"), channel="app")

    await route(uow, mine, theirs)
    await route(uow, later)

    assert rejections(uow) == [("1003", "ORDER_ID_IN_USE"), ("1003", "ORDER_ID_IN_USE")]
    assert (
        uow.orders.placed["1003"].channel == "web"
        and uow.orders.status["1003"] is OrderStatus.ROUTED
    )
    assert uow.stock.at("X00KETTLE", "SEA1") == (10, 2), "only the first channel's order was routed"


async def test_an_order_placed_over_http_is_not_taken_by_another_channel_arriving_first_on_kafka():
    uow = stocked()
    order = await place(WEB, uow, "1003")
    squatter = placed("web:1003", line("1", seller_id="S1", seller_sku="KETTLE"), channel="app")

    await route(
        uow,
        squatter,
        placed(order.order_id, line("1", seller_id="S1", seller_sku="KETTLE"), source=INGRESS),
    )

    [refused] = uow.emitted(OrderRejected)
    assert (refused.order_id, refused.reason_code) == ("web:1003", "ORDER_ID_IN_USE")
    assert "channel web's namespace" in refused.lines[0].reason
    assert (
        uow.orders.placed["web:1003"].channel == "web"
        and uow.orders.status["web:1003"] is OrderStatus.ROUTED
    )


async def test_an_mcf_order_routes_from_the_ingress_only():
    uow = stocked()
    uow.register("S1", "MUG", "X00MUG", listed_in=())  # listed nowhere: mcf needs no listing
    uow.stock.put("X00MUG", "SEA1", 3)
    order = await place(S1, uow, seller_sku="MUG")
    elsewhere = [
        placed(
            "mcf:S1:O-9", line("1", seller_id="S1", seller_sku="MUG"), channel=MCF, source=source
        )
        for source in ("/channels/mcf", "/services/listing")
    ]

    await route(
        uow,
        placed(
            order.order_id, line("1", seller_id="S1", seller_sku="MUG"), channel=MCF, source=INGRESS
        ),
    )
    await route(uow, *elsewhere)

    assert uow.orders.status[order.order_id] is OrderStatus.ROUTED
    assert rejections(uow) == [("mcf:S1:O-9", "NOT_LISTED_IN_CHANNEL")] * 2
    assert "mcf:S1:O-9" not in uow.orders.placed, (
        "refused before it was recorded: its id stays free"
    )
