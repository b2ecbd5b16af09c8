"""Customer returns over HTTP, against the real PostgreSQL: the order's channel or the seller of
its lines authorizes a return of shipped units (ReturnAuthorized to the FC that shipped them);
more than shipped and not yet returned, units not shipped, and another seller's order are refused;
a seller (or the console, for the seller it names) lists its returns."""

from __future__ import annotations

import asyncio
import re

import pytest
from order_router_testkit import (
    apply,
    level,
    line,
    listed_item,
    outbox_events,
    placed,
    shipped,
    unique,
)

from order_router.domain.returns import ReturnReportRefused
from stockpath_events import new_event
from stockpath_events.types.fulfillment import ReturnedLine, ReturnReceived
from stockpath_testing.authorization import SUBJECTS, issue_token

pytestmark = pytest.mark.integration

SELLER, CHANNEL = SUBJECTS["seller"], SUBJECTS["channel"]


@pytest.fixture
def shipped_order(with_engine) -> tuple[str, str]:
    """An order of the channel for 3 units of the seller's SKU, shipped from SEA1; (order id, fnsku)."""
    sku, fnsku, order_id = unique("SKU"), unique("X00"), unique("RO")

    async def setup(engine):
        await listed_item(engine, SELLER, sku, fnsku, channels=(CHANNEL,))
        await apply(engine, level(fnsku, "SEA1", 10, seller_id=SELLER))
        await apply(
            engine,
            placed(
                order_id, line("1", seller_id=SELLER, seller_sku=sku, quantity=3), channel=CHANNEL
            ),
        )
        [instructed] = await outbox_events(engine, order_id, "FulfillmentInstructed")
        await apply(engine, shipped(instructed.data))

    with_engine(setup)
    return order_id, fnsku


def returns_published(with_engine, order_id: str):
    async def read(engine):
        return await outbox_events(engine, order_id, "ReturnAuthorized")

    return with_engine(read)


def test_the_channel_and_the_seller_return_shipped_units_up_to_what_shipped(
    client, as_, with_engine, shipped_order
):
    order_id, fnsku = shipped_order
    url = f"/v1/orders/{order_id}/returns"

    by_channel = client.post(
        url,
        json={"lines": [{"line_id": "1", "quantity": 2}], "reason": "too small"},
        headers=as_("channel"),
    )
    assert by_channel.status_code == 201, by_channel.text
    first = by_channel.json()
    assert (
        first["fulfillment_center_id"],
        first["lines"][0]["fnsku"],
        first["lines"][0]["quantity"],
    ) == ("SEA1", fnsku, 2)

    by_seller = client.post(
        url, json={"lines": [{"line_id": "1", "quantity": 1}]}, headers=as_("seller")
    )
    assert by_seller.status_code == 201, by_seller.text
    assert by_seller.json()["return_id"] != first["return_id"]

    too_many = client.post(
        url, json={"lines": [{"line_id": "1", "quantity": 1}]}, headers=as_("channel")
    )
    assert too_many.status_code == 422
    assert (
        "1 unit(s) asked, 0 returnable (3 shipped, 3 already authorized for return)"
        in too_many.text
    )

    published = returns_published(with_engine, order_id)
    assert [
        (e.data.return_id, e.data.fulfillment_center_id, e.data.lines[0].quantity)
        for e in published
    ] == [(first["return_id"], "SEA1", 2), (by_seller.json()["return_id"], "SEA1", 1)]
    assert published[0].data.reason == "too small"


def test_a_return_of_more_than_shipped_or_of_a_line_not_shipped_is_refused(
    client, as_, with_engine, shipped_order
):
    order_id, _ = shipped_order
    url = f"/v1/orders/{order_id}/returns"

    more = client.post(
        url, json={"lines": [{"line_id": "1", "quantity": 4}]}, headers=as_("channel")
    )
    unknown_line = client.post(
        url, json={"lines": [{"line_id": "9", "quantity": 1}]}, headers=as_("channel")
    )
    other_fc = client.post(
        url,
        json={"lines": [{"line_id": "1", "quantity": 1}], "fulfillment_center_id": "PHX3"},
        headers=as_("channel"),
    )
    not_a_number = client.post(
        url, json={"lines": [{"line_id": "1", "quantity": 0}]}, headers=as_("channel")
    )

    assert (
        more.status_code,
        unknown_line.status_code,
        other_fc.status_code,
        not_a_number.status_code,
    ) == (422, 422, 422, 422)
    assert "4 unit(s) asked, 3 returnable" in more.text
    assert "line 9 has no shipped units to return" in unknown_line.text
    assert "PHX3 shipped none of these lines" in other_fc.text
    assert returns_published(with_engine, order_id) == []


def test_another_seller_or_channel_cannot_return_units_of_an_order_that_is_not_theirs(
    client, as_, with_engine, shipped_order
):
    order_id, _ = shipped_order
    url = f"/v1/orders/{order_id}/returns"
    body = {"lines": [{"line_id": "1", "quantity": 1}]}

    assert client.post(url, json=body, headers=as_("other seller")).status_code == 404
    assert client.post(url, json=body, headers=as_("other channel")).status_code == 404
    assert returns_published(with_engine, order_id) == []


def received(order_id: str, return_id: str, fnsku: str, quantity: int, condition: str = "sellable"):
    return new_event(
        ReturnReceived(
            return_id=return_id,
            order_id=order_id,
            fulfillment_center_id="SEA1",
            lines=[ReturnedLine(fnsku=fnsku, quantity=quantity, condition=condition)],
        ),
        source="/fulfillment-centers/SEA1",
    )


def test_the_order_shows_its_returns_and_is_returned_once_every_shipped_unit_came_back(
    client, as_, with_engine, shipped_order
):
    order_id, fnsku = shipped_order
    url = f"/v1/orders/{order_id}/returns"
    two = client.post(
        url, json={"lines": [{"line_id": "1", "quantity": 2}]}, headers=as_("channel")
    ).json()
    one = client.post(
        url, json={"lines": [{"line_id": "1", "quantity": 1}]}, headers=as_("channel")
    ).json()

    async def report(engine, *events):
        for event in events:
            await apply(engine, event)

    first = received(order_id, two["return_id"], fnsku, 2)
    with_engine(
        lambda engine: report(engine, first, first, received(order_id, two["return_id"], fnsku, 2))
    )
    # Checked against the authorization and accepted once (inventory moves stock from this).
    [accepted] = with_engine(
        lambda engine: outbox_events(engine, order_id, "ReturnReceiptAccepted")
    )
    assert (accepted.data.return_id, accepted.causation_id) == (two["return_id"], first.id)
    assert [(x.fnsku, x.quantity, x.condition.value) for x in accepted.data.lines] == [
        (fnsku, 2, "sellable")
    ]
    body = client.get(f"/v1/orders/{order_id}", headers=as_("channel")).json()
    assert body["status"] == "SHIPPED"  # one unit is still out
    assert [(r["return_id"], r["status"], r["received"]) for r in body["returns"]] == [
        (two["return_id"], "RECEIVED", [{"fnsku": fnsku, "quantity": 2, "condition": "sellable"}]),
        (one["return_id"], "AUTHORIZED", []),
    ]

    with_engine(
        lambda engine: report(engine, received(order_id, one["return_id"], fnsku, 1, "defective"))
    )
    body = client.get(f"/v1/orders/{order_id}", headers=as_("channel")).json()
    assert body["status"] == "RETURNED"
    assert body["returns"][1]["received"] == [
        {"fnsku": fnsku, "quantity": 1, "condition": "defective"}
    ]


def test_a_seller_lists_its_returns_and_the_console_lists_them_for_the_seller_it_names(
    client, as_, with_engine, shipped_order, database
):
    order_id, fnsku = shipped_order
    authorized = client.post(
        f"/v1/orders/{order_id}/returns",
        json={"lines": [{"line_id": "1", "quantity": 2}], "reason": "too small"},
        headers=as_("channel"),
    ).json()
    with_engine(lambda engine: apply(engine, received(order_id, authorized["return_id"], fnsku, 2)))

    [mine] = [
        r
        for r in client.get("/v1/returns", headers=as_("seller")).json()
        if r["order_id"] == order_id
    ]
    assert (mine["return_id"], mine["fulfillment_center_id"], mine["status"]) == (
        authorized["return_id"],
        "SEA1",
        "RECEIVED",
    )
    assert mine["received"] == [{"fnsku": fnsku, "quantity": 2, "condition": "sellable"}]

    registration = {
        "Authorization": f"Bearer {asyncio.run(issue_token(database, 'service', 'registration'))}"
    }
    for_seller = client.get("/v1/returns", params={"seller_id": SELLER}, headers=registration)
    assert authorized["return_id"] in [r["return_id"] for r in for_seller.json()]
    assert client.get("/v1/returns", headers=registration).status_code == 403, "names no seller"
    others = client.get("/v1/returns", headers=as_("other seller")).json()
    assert authorized["return_id"] not in [r["return_id"] for r in others]
    assert (
        client.get("/v1/returns", params={"seller_id": SELLER}, headers=as_("other seller"))
    ).status_code == 403


def test_the_seller_console_authorizes_a_return_as_the_seller_it_names(
    client, as_, with_engine, shipped_order, database
):
    order_id, fnsku = shipped_order
    registration = {
        "Authorization": f"Bearer {asyncio.run(issue_token(database, 'service', 'registration'))}"
    }
    url = f"/v1/orders/{order_id}/returns"
    body = {"lines": [{"line_id": "1", "quantity": 1}], "reason": "defective"}

    assert client.post(url, json=body, headers=registration).status_code == 403, "names no seller"
    other = SUBJECTS["other seller"]
    refused = client.post(url, params={"seller_id": other}, json=body, headers=registration)
    assert refused.status_code == 404, "an order with none of that seller's lines"
    made = client.post(url, params={"seller_id": SELLER}, json=body, headers=registration)
    assert made.status_code == 201, made.text
    assert (made.json()["lines"][0]["fnsku"], made.json()["status"]) == (fnsku, "AUTHORIZED")
    [published] = returns_published(with_engine, order_id)
    assert published.data.authorized_by == f"seller:{SELLER}"


def test_an_fcs_report_nobody_authorized_or_of_more_units_is_refused_with_the_reason(
    client, as_, with_engine, shipped_order
):
    order_id, fnsku = shipped_order
    one = client.post(
        f"/v1/orders/{order_id}/returns",
        json={"lines": [{"line_id": "1", "quantity": 1}]},
        headers=as_("channel"),
    ).json()
    other_fc = new_event(
        ReturnReceived(
            return_id=one["return_id"],
            order_id=order_id,
            fulfillment_center_id="EWR4",
            lines=[ReturnedLine(fnsku=fnsku, quantity=1, condition="sellable")],
        ),
        source="/fulfillment-centers/EWR4",
    )
    for report, why in (
        (received(order_id, "RT-NOBODY", fnsku, 1), "never authorized"),
        (received(order_id, one["return_id"], fnsku, 3), "3 unit(s) of"),
        (other_fc, "goes to SEA1, not EWR4"),
    ):
        with pytest.raises(ReturnReportRefused, match=re.escape(why)):
            with_engine(lambda engine, report=report: apply(engine, report))
    assert (
        with_engine(lambda engine: outbox_events(engine, order_id, "ReturnReceiptAccepted")) == []
    )
    body = client.get(f"/v1/orders/{order_id}", headers=as_("channel")).json()
    assert [r["status"] for r in body["returns"]] == ["AUTHORIZED"]
