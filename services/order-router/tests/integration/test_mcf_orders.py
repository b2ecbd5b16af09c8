"""Multi-channel fulfillment over HTTP against a real PostgreSQL: a seller previews an order of its
own SKUs (FCs and promised dates per speed from routing's own planning, the fee from the schedule),
places it (idempotently, the fee recorded and carried in OrderPlaced), the worker routes it like any
order, and the seller lists, reads and cancels it; another seller finds none of it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from order_router_testkit import (
    NEW_YORK,
    SOURCE,
    apply,
    level,
    line,
    order_status,
    outbox_events,
    placed,
    registered,
    seller_with_stock,
    shipped,
    unique,
)

from order_router.domain.model import Order, OrderLine
from order_router.service_layer.unit_of_work import OrderRouterUnitOfWork
from stockpath_events import ShippingSpeed
from stockpath_network import distance_to, get, promise
from stockpath_network.fees import fee_schedule
from stockpath_testing.authorization import SUBJECTS

pytestmark = pytest.mark.integration

SELLER, OTHER_SELLER = SUBJECTS["seller"], SUBJECTS["other seller"]
SEATTLE = {
    "name": "Ada Buyer",
    "line1": "400 Pine St",
    "city": "Seattle",
    "region": "WA",
    "postal_code": "98101",
}


def sku(with_engine, seller_id: str = SELLER, *, stock=(("SEA1", 10),), **registration) -> dict:
    """A registered SKU of `seller_id` (small standard, 200 g unless told), with stock at FCs."""
    seller_sku, fnsku = unique("SKU"), unique("X00")
    fee_basis = {"size_tier": "small_standard", "weight_g": 200.0} | registration

    async def setup(engine):
        await apply(engine, registered(seller_id, seller_sku, fnsku, **fee_basis))
        for fc, units in stock:
            await apply(engine, level(fnsku, fc, units, seller_id=seller_id))

    with_engine(setup)
    return {"seller_sku": seller_sku, "fnsku": fnsku, **fee_basis}


def unit_fee(item: dict) -> Decimal:
    today = datetime.now(UTC).date()
    return fee_schedule().fulfillment_fee(item["size_tier"], item["weight_g"], 1, today).unit_fee


def body(*lines: dict, ship_to: dict = SEATTLE, **fields) -> dict:
    return {"lines": list(lines), "ship_to": ship_to, **fields}


def preview(client, as_, *lines, actor: str = "seller", **fields):
    return client.post("/v1/mcf-orders/preview", json=body(*lines, **fields), headers=as_(actor))


def test_a_preview_names_the_fc_the_promise_per_speed_and_the_fee(client, as_, with_engine):
    kettle, mug = sku(with_engine), sku(with_engine, weight_g=400.0)
    before = datetime.now(UTC)
    r = preview(
        client,
        as_,
        {"line_id": "1", "fnsku": kettle["fnsku"], "quantity": 2},
        {"line_id": "2", "seller_sku": mug["seller_sku"], "quantity": 1},
    )
    after = datetime.now(UTC)
    assert r.status_code == 200, r.text
    answer = r.json()
    sea1, distance = get("SEA1"), distance_to(get("SEA1"), "98101")
    assert [o["shipping_speed"] for o in answer["options"]] == [s.value for s in ShippingSpeed]
    for option in answer["options"]:
        speed = ShippingSpeed(option["shipping_speed"])
        promised = {promise(sea1, distance, speed, now) for now in (before, after)}
        assert option["available"] is True
        [shipment] = option["shipments"]
        assert shipment["fulfillment_center_id"] == "SEA1"
        assert [(x["line_id"], x["fnsku"], x["quantity"]) for x in shipment["lines"]] == [
            ("1", kettle["fnsku"], 2),
            ("2", mug["fnsku"], 1),
        ]
        assert any(
            (option["ship_by"], option["deliver_by"])
            == (p.ship_by.isoformat(), p.deliver_by.isoformat())
            for p in promised
            if p
        )
    fee = answer["fulfillment_fee"]
    kettle_fee, mug_fee = unit_fee(kettle), unit_fee(mug)
    assert kettle_fee != mug_fee  # two weight bands of one tier
    assert [(x["line_id"], Decimal(x["unit_fee"]), Decimal(x["fee"])) for x in fee["lines"]] == [
        ("1", kettle_fee, kettle_fee * 2),
        ("2", mug_fee, mug_fee),
    ]
    assert Decimal(fee["total"]) == kettle_fee * 2 + mug_fee
    assert fee["lines"][0]["size_tier"] == "small_standard"


def test_a_speed_no_fc_holding_the_stock_can_meet_is_unavailable_with_the_reason(
    client, as_, with_engine
):
    far = sku(with_engine, stock=(("EWR4", 5),))  # New Jersey: priority cannot reach Seattle
    r = preview(client, as_, {"line_id": "1", "fnsku": far["fnsku"], "quantity": 1})
    options = {o["shipping_speed"]: o for o in r.json()["options"]}
    assert options["standard"]["available"] is True
    assert options["standard"]["shipments"][0]["fulfillment_center_id"] == "EWR4"
    assert options["priority"]["available"] is False
    assert options["priority"]["shipments"] == [] and options["priority"]["deliver_by"] is None
    assert options["priority"]["unavailable"][0]["reason_code"] == "INSUFFICIENT_INVENTORY"


def test_another_sellers_fnsku_or_an_unknown_one_is_refused_like_one_that_does_not_exist(
    client, as_, with_engine
):
    theirs = sku(with_engine, OTHER_SELLER)
    for fnsku in (theirs["fnsku"], unique("X00")):
        r = preview(client, as_, {"line_id": "1", "fnsku": fnsku, "quantity": 1})
        assert r.status_code == 422
        error = r.json()
        assert error["error"]["code"] == "mcf_order_refused", error
        assert error["error"]["details"]["reason_code"] == "UNKNOWN_SKU"
        assert error["error"]["details"]["lines"][0]["reason"] == (
            f"seller {SELLER} has no FNSKU {fnsku} registered for fulfillment"
        )
    by_sku = preview(
        client, as_, {"line_id": "1", "seller_sku": theirs["seller_sku"], "quantity": 1}
    )
    assert by_sku.json()["error"]["details"]["reason_code"] == "UNKNOWN_SKU"


def test_an_address_the_network_does_not_deliver_to_is_refused_with_its_reason_code(
    client, as_, with_engine
):
    kettle = sku(with_engine)
    line = {"line_id": "1", "fnsku": kettle["fnsku"], "quantity": 1}
    berlin = SEATTLE | {"city": "Berlin", "region": "BE", "postal_code": "10115", "country": "DE"}
    nowhere = SEATTLE | {"postal_code": "00000"}
    for address, code in (
        (berlin, "SHIP_TO_OUTSIDE_NETWORK"),
        (nowhere, "SHIP_TO_UNKNOWN_POSTAL_CODE"),
    ):
        r = preview(client, as_, line, ship_to=address)
        assert r.status_code == 422 and r.json()["error"]["details"]["reason_code"] == code


def test_an_item_whose_size_is_unknown_cannot_be_priced(client, as_, with_engine):
    unsized = sku(with_engine, size_tier=None, weight_g=None)
    r = preview(client, as_, {"line_id": "1", "fnsku": unsized["fnsku"], "quantity": 1})
    assert r.status_code == 422
    assert r.json()["error"]["details"]["reason_code"] == "UNPRICEABLE"


def test_bad_lines_are_a_clear_4xx(client, as_):
    for lines in (
        [{"line_id": "1", "quantity": 1}],
        [],
        [{"line_id": "1", "fnsku": "X", "quantity": 0}],
    ):
        r = client.post(
            "/v1/mcf-orders/preview",
            json={"lines": lines, "ship_to": SEATTLE},
            headers=as_("seller"),
        )
        assert r.status_code == 422


def place(client, as_, order_id: str, *lines, actor: str = "seller", **fields):
    return client.post(
        "/v1/mcf-orders", json=body(*lines, order_id=order_id, **fields), headers=as_(actor)
    )


def test_an_order_placed_is_recorded_with_the_fee_previewed_and_published_once(
    client, as_, with_engine
):
    kettle = sku(with_engine)
    line = {"line_id": "1", "fnsku": kettle["fnsku"], "quantity": 3}
    previewed = preview(client, as_, line).json()["fulfillment_fee"]
    order_id = unique("MCF")
    r = place(client, as_, order_id, line, shipping_speed="expedited")
    assert r.status_code == 202, r.text
    accepted = r.json()
    namespaced = f"mcf:{SELLER}:{order_id}"
    assert accepted["order_id"] == namespaced and accepted["status"] == "PENDING"
    assert accepted["fulfillment_fee"] == previewed
    [event] = with_engine(lambda engine: outbox_events(engine, namespaced, "OrderPlaced"))
    assert event.data.channel == "mcf" and event.data.shipping_speed == "expedited"
    assert event.data.fulfillment_fee.model_dump(mode="json") == previewed
    assert event.data.lines[0].seller_sku == kettle["seller_sku"]

    again = place(client, as_, order_id, line, shipping_speed="expedited")
    assert again.status_code == 200 and again.json() == accepted
    by_sku = {"line_id": "1", "seller_sku": kettle["seller_sku"], "quantity": 3}
    assert place(client, as_, order_id, by_sku, shipping_speed="expedited").status_code == 200
    other = place(client, as_, order_id, line | {"quantity": 4}, shipping_speed="expedited")
    assert other.status_code == 409 and other.json()["error"]["code"] == "order_id_in_use"
    assert len(with_engine(lambda engine: outbox_events(engine, namespaced, "OrderPlaced"))) == 1


def test_an_order_to_a_foreign_address_is_refused_and_writes_nothing(client, as_, with_engine):
    kettle = sku(with_engine)
    order_id = unique("MCF")
    toronto = SEATTLE | {
        "city": "Toronto",
        "region": "ON",
        "postal_code": "M5V 2T6",
        "country": "CA",
    }
    r = place(
        client,
        as_,
        order_id,
        {"line_id": "1", "fnsku": kettle["fnsku"], "quantity": 1},
        ship_to=toronto,
    )
    assert r.status_code == 422
    assert r.json()["error"]["details"]["reason_code"] == "SHIP_TO_OUTSIDE_NETWORK"
    namespaced = f"mcf:{SELLER}:{order_id}"
    assert with_engine(lambda engine: order_status(engine, namespaced)) is None
    assert with_engine(lambda engine: outbox_events(engine, namespaced)) == []


def route(with_engine, order_id: str) -> list:
    """Consume the OrderPlaced the ingress wrote, as the worker does; the FulfillmentInstructed."""
    [event] = with_engine(lambda engine: outbox_events(engine, order_id, "OrderPlaced"))
    with_engine(lambda engine: apply(engine, event))
    return with_engine(lambda engine: outbox_events(engine, order_id, "FulfillmentInstructed"))


def test_the_seller_lists_and_reads_its_orders_with_status_fcs_tracking_and_fee(
    client, as_, with_engine
):
    kettle = sku(with_engine)
    order_id = unique("MCF")
    accepted = place(
        client, as_, order_id, {"line_id": "1", "fnsku": kettle["fnsku"], "quantity": 2}
    )
    namespaced = accepted.json()["order_id"]
    [instructed] = route(with_engine, namespaced)
    assert instructed.data.fulfillment_center_id == "SEA1"
    with_engine(lambda engine: apply(engine, shipped(instructed.data)))

    shown = client.get(f"/v1/mcf-orders/{order_id}", headers=as_("seller"))
    assert shown.status_code == 200, shown.text
    order = shown.json()
    assert order["order_id"] == namespaced and order["status"] == "SHIPPED"
    [fo] = order["fulfillment_orders"]
    assert (fo["fulfillment_center_id"], fo["carrier"], fo["tracking_number"]) == (
        "SEA1",
        "UPS",
        "1Z999",
    )
    assert order["fulfillment_fee"] == accepted.json()["fulfillment_fee"]
    assert client.get(f"/v1/mcf-orders/{namespaced}", headers=as_("seller")).json() == order

    listed = client.get("/v1/mcf-orders", headers=as_("seller")).json()["orders"]
    mine = next(x for x in listed if x["order_id"] == namespaced)
    assert mine["status"] == "SHIPPED" and mine["fulfillment_fee"] == order["fulfillment_fee"]
    assert mine["fulfillment_orders"][0]["tracking_number"] == "1Z999"
    assert (
        client.get("/v1/mcf-orders", params={"limit": 1}, headers=as_("seller")).json()["orders"][
            0
        ]["placed_at"]
        >= mine["placed_at"]
    )

    theirs = client.get("/v1/mcf-orders", headers=as_("other seller")).json()["orders"]
    assert namespaced not in {x["order_id"] for x in theirs}
    for path in (order_id, namespaced):
        assert client.get(f"/v1/mcf-orders/{path}", headers=as_("other seller")).status_code == 404
        assert (
            client.post(
                f"/v1/mcf-orders/{path}/cancellation", headers=as_("other seller")
            ).status_code
            == 404
        )
    # Shipped: nothing left to cancel.
    late = client.post(f"/v1/mcf-orders/{order_id}/cancellation", headers=as_("seller"))
    assert late.status_code == 409 and late.json()["error"]["details"]["status"] == "SHIPPED"


def test_each_fulfillment_order_of_a_split_order_carries_its_share_of_the_quote(
    client, as_, with_engine
):
    """Inventory charges an MCF order's units by the quote their FulfillmentInstructed carries:
    split over two FCs, each carries its own lines' share, and the shares add up to the quote."""
    kettle = sku(with_engine, stock=(("SEA1", 2), ("PHX3", 2)))
    mug = sku(with_engine, weight_g=400.0, stock=(("SEA1", 1),))
    order_id = unique("MCF")
    accepted = place(
        client,
        as_,
        order_id,
        {"line_id": "1", "fnsku": kettle["fnsku"], "quantity": 3},
        {"line_id": "2", "fnsku": mug["fnsku"], "quantity": 1},
    )
    assert accepted.status_code == 202, accepted.text
    quote = accepted.json()["fulfillment_fee"]

    instructed = route(with_engine, accepted.json()["order_id"])

    assert len(instructed) == 2  # no FC holds three kettles: the order is split
    quoted = {line["line_id"]: line for line in quote["lines"]}
    for event in instructed:
        share = event.data.fulfillment_fee
        assert (share.currency, share.effective_from.isoformat()) == (
            quote["currency"],
            quote["effective_from"],
        )
        assert [(x.line_id, x.quantity) for x in share.lines] == [
            (x.line_id, x.quantity) for x in event.data.lines
        ]
        for x in share.lines:
            assert x.unit_fee == Decimal(quoted[x.line_id]["unit_fee"])
            assert x.fee == x.unit_fee * x.quantity
        assert share.total == sum(x.fee for x in share.lines)
    shares = [x for event in instructed for x in event.data.fulfillment_fee.lines]
    for line_id, quoted_line in quoted.items():
        assert sum(x.fee for x in shares if x.line_id == line_id) == Decimal(quoted_line["fee"])
    assert sum(e.data.fulfillment_fee.total for e in instructed) == Decimal(quote["total"])


async def test_a_channels_order_is_instructed_with_no_fee(engine):
    seller_id, seller_sku, _ = await seller_with_stock(engine, ("SEA1", 5))
    order_id = unique("O")
    await apply(engine, placed(order_id, line("1", seller_id=seller_id, seller_sku=seller_sku)))

    [instructed] = await outbox_events(engine, order_id, "FulfillmentInstructed")
    assert instructed.data.fulfillment_fee is None


def test_the_seller_cancels_an_order_while_it_can(client, as_, with_engine):
    kettle = sku(with_engine)
    order_id = unique("MCF")
    namespaced = place(
        client, as_, order_id, {"line_id": "1", "fnsku": kettle["fnsku"], "quantity": 1}
    ).json()["order_id"]
    route(with_engine, namespaced)
    r = client.post(
        f"/v1/mcf-orders/{order_id}/cancellation",
        json={"reason": "buyer cancelled"},
        headers=as_("seller"),
    )
    assert r.status_code == 202 and r.json() == {"order_id": namespaced, "status": "ROUTED"}
    [request] = with_engine(
        lambda engine: outbox_events(engine, namespaced, "OrderCancellationRequested")
    )
    with_engine(lambda engine: apply(engine, request))
    assert with_engine(lambda engine: order_status(engine, namespaced)) == "CANCELLED"
    again = client.post(f"/v1/mcf-orders/{order_id}/cancellation", headers=as_("seller"))
    assert again.status_code == 409 and again.json()["error"]["code"] == "not_cancellable"


async def test_a_sellers_namespace_is_matched_literally(engine):
    """`_` and `%` in a seller id are not wildcards: S_1's list holds none of SX1's orders."""

    tag = unique("T")
    line = OrderLine("1", 1, Decimal(0), seller_id="S", seller_sku="SKU")
    order = Order(f"mcf:S_1:{tag}", "mcf", (line,), NEW_YORK)
    async with OrderRouterUnitOfWork(engine, source="/services/order-router") as uow:
        await uow.orders.add([order, replace(order, order_id=f"mcf:SX1:{tag}")])
        await uow.commit()
    async with OrderRouterUnitOfWork(engine, source="/services/order-router") as uow:
        listed = await uow.orders.in_namespace("mcf", "mcf:S_1:", limit=10)
        assert [o.order_id for o in listed if tag in o.order_id] == [f"mcf:S_1:{tag}"]
        assert await uow.orders.in_namespace("mcf", "mcf:S%", limit=10) == []


def test_an_mcf_order_read_from_the_log_into_an_empty_store_keeps_the_fee_it_was_quoted(
    client, as_, with_engine, fresh_database
):
    """`stockpath replay order-router` rebuilds mcf_fees: routing records the fee an OrderPlaced
    carries when it records the order first (live the request did; nothing is recorded twice)."""
    from stockpath_runtime.db import create_engine

    kettle = sku(with_engine)
    order_id = unique("MCF")
    r = place(client, as_, order_id, {"line_id": "1", "fnsku": kettle["fnsku"], "quantity": 2})
    assert r.status_code == 202, r.text
    namespaced = r.json()["order_id"]
    [placed] = with_engine(lambda engine: outbox_events(engine, namespaced, "OrderPlaced"))
    rebuilt_url = fresh_database("order-router")

    async def read_back(engine):
        assert await apply(engine, placed)
        async with OrderRouterUnitOfWork(engine, source=SOURCE) as uow:
            return await uow.mcf_fees.of_orders([namespaced])

    async def rebuilt(_):
        engine = create_engine(rebuilt_url, pool_size=2)
        try:
            return await read_back(engine)
        finally:
            await engine.dispose()

    live = with_engine(read_back)  # the live worker's read: the fee recorded once, unchanged
    assert live[namespaced].model_dump(mode="json") == r.json()["fulfillment_fee"]
    assert with_engine(rebuilt) == live
