"""The return rules (domain/returns.py): who may return which shipped units, how many, to which FC."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from order_router.domain.fulfillment import FulfillmentOrder, FulfillmentOrderStatus
from order_router.domain.model import ResolvedLine
from order_router.domain.ownership import Party, PartyKind
from order_router.domain.returns import (
    ReturnRefused,
    ReturnReportRefused,
    ReturnRequestLine,
    authorize,
    check_report,
    every_shipped_unit_back,
    return_id,
)

CHANNEL = Party(PartyKind.CHANNEL, "storefront")
SELLER_A, SELLER_B = Party(PartyKind.SELLER, "S-A"), Party(PartyKind.SELLER, "S-B")
SHIPPED, INSTRUCTED = FulfillmentOrderStatus.SHIPPED, FulfillmentOrderStatus.INSTRUCTED


def fo(fc: str, *lines: tuple[str, str, int], status=SHIPPED) -> FulfillmentOrder:
    return FulfillmentOrder(
        f"FO-{fc}",
        "O-1",
        fc,
        tuple(ResolvedLine(lid, f"X-{lid}", seller, f"SKU-{lid}", q) for lid, seller, q in lines),
        status,
    )


ORDER = [
    fo("SEA1", ("1", "S-A", 2), ("2", "S-B", 1)),
    fo("EWR4", ("1", "S-A", 1)),
    fo("PHX3", ("3", "S-A", 4), status=INSTRUCTED),
]


def test_the_channel_returns_any_shipped_units_to_the_fc_that_shipped_them_first():
    authorized = authorize(
        CHANNEL, "O-1", [ReturnRequestLine("1", 3), ReturnRequestLine("2", 1)], ORDER, []
    )
    assert authorized.fulfillment_center_id == "SEA1"
    assert [(x.line_id, x.fnsku, x.quantity) for x in authorized.lines] == [
        ("1", "X-1", 3),
        ("2", "X-2", 1),
    ]
    assert authorized.return_id == return_id("O-1", 1) != return_id("O-1", 2)


def test_no_more_than_shipped_less_already_authorized_and_only_shipped_lines():
    earlier = authorize(CHANNEL, "O-1", [ReturnRequestLine("1", 2)], ORDER, [])
    with pytest.raises(
        ReturnRefused, match=r"2 unit\(s\) asked, 1 returnable \(3 shipped, 2 already"
    ):
        authorize(CHANNEL, "O-1", [ReturnRequestLine("1", 2)], ORDER, [earlier])
    with pytest.raises(
        ReturnRefused, match="line 3 has no shipped units"
    ):  # instructed, not shipped
        authorize(CHANNEL, "O-1", [ReturnRequestLine("3", 1)], ORDER, [])
    assert authorize(
        CHANNEL, "O-1", [ReturnRequestLine("1", 1)], ORDER, [earlier]
    ).return_id == return_id("O-1", 2)


def test_a_seller_returns_only_its_own_lines_and_names_an_fc_that_shipped_them():
    with pytest.raises(ReturnRefused, match="line 2 has no shipped units"):
        authorize(SELLER_A, "O-1", [ReturnRequestLine("2", 1)], ORDER, [])
    assert (
        authorize(SELLER_B, "O-1", [ReturnRequestLine("2", 1)], ORDER, []).authorized_by
        == "seller:S-B"
    )
    assert (
        authorize(
            SELLER_A, "O-1", [ReturnRequestLine("1", 1)], ORDER, [], fulfillment_center_id="EWR4"
        ).fulfillment_center_id
        == "EWR4"
    )
    with pytest.raises(ReturnRefused, match="PHX3 shipped none of these lines"):
        authorize(
            SELLER_A, "O-1", [ReturnRequestLine("1", 1)], ORDER, [], fulfillment_center_id="PHX3"
        )


def test_the_order_is_returned_once_every_shipped_unit_came_back():
    first = authorize(CHANNEL, "O-1", [ReturnRequestLine("1", 3)], ORDER, [])
    second = authorize(CHANNEL, "O-1", [ReturnRequestLine("2", 1)], ORDER, [first])
    got_first = type(first)(**{**first.__dict__, "received": (("X-1", 3, "sellable"),)})
    assert not every_shipped_unit_back(ORDER, [got_first, second])
    got_second = type(second)(**{**second.__dict__, "received": (("X-2", 1, "defective"),)})
    assert every_shipped_unit_back(ORDER, [got_first, got_second])


# --- its own ReturnAuthorized read back (issue 17) ------------------------------------------------


def authorized(authorized_by: str | None = "storefront"):
    from stockpath_events import new_event
    from stockpath_events.types.order_router import ReturnAuthorized, ReturnLine

    return new_event(
        ReturnAuthorized(
            return_id=return_id("O-1", 1),
            order_id="O-1",
            fulfillment_center_id="SEA1",
            lines=[
                ReturnLine(
                    line_id="1", fnsku="X-1", seller_id="S-A", seller_sku="SKU-1", quantity=2
                )
            ],
            reason="too small",
            authorized_by=authorized_by,
        ),
        source="/services/order-router",
    )


async def read_back(event, uow) -> None:
    from order_router.bootstrap import subscriptions
    from stockpath_events import Topics

    [own] = [s for s in subscriptions(None) if s.topic == Topics.FULFILLMENT_INSTRUCTIONS]
    await own.handlers[type(event.data)]([event], uow)


async def test_a_return_read_back_is_recorded_once_as_authorized_and_an_older_one_not_at_all():
    from order_router_fakes import FakeOrderRouterUnitOfWork

    from order_router.domain.returns import CustomerReturn

    rebuilt, event = FakeOrderRouterUnitOfWork(), authorized()

    await read_back(event, rebuilt)
    await read_back(event, rebuilt)  # live: the request recorded it already; nothing changes

    assert rebuilt.returns.stored == {
        event.data.return_id: CustomerReturn(
            event.data.return_id,
            "O-1",
            "SEA1",
            (ResolvedLine("1", "X-1", "S-A", "SKU-1", 2),),
            "too small",
            "storefront",
        )
    }
    older = FakeOrderRouterUnitOfWork()
    await read_back(authorized(authorized_by=None), older)
    assert older.returns.stored == {}


def test_a_seller_sees_only_its_own_lines_of_a_return_and_what_came_back_of_them():
    both = authorize(
        CHANNEL, "O-1", [ReturnRequestLine("1", 2), ReturnRequestLine("2", 1)], ORDER, []
    )
    received = replace(both, received=(("X-1", 2, "sellable"), ("X-2", 1, "defective")))

    mine = received.seen_by("S-B")

    assert [(x.line_id, x.quantity) for x in mine.lines] == [("2", 1)]
    assert mine.received == (("X-2", 1, "defective"),) and mine.status == "RECEIVED"
    assert both.seen_by("S-A").received is None and both.seen_by("S-A").status == "AUTHORIZED"


def test_an_fcs_report_is_accepted_only_for_an_authorized_return_its_fc_and_no_more_units():
    authorized = authorize(CHANNEL, "O-1", [ReturnRequestLine("1", 2)], ORDER, [])
    rid = authorized.return_id
    check_report(authorized, rid, "SEA1", [("X-1", 2, "sellable")])
    check_report(authorized, rid, "SEA1", [("X-1", 1, "defective")])  # the rest never came back

    refusals = {
        "never authorized": (None, "SEA1", [("X-1", 1, "sellable")]),
        "goes to SEA1, not EWR4": (authorized, "EWR4", [("X-1", 1, "sellable")]),
        "3 unit(s) of X-1 reported, 2 authorized": (
            authorized,
            "SEA1",
            [("X-1", 2, "sellable"), ("X-1", 1, "defective")],
        ),
        "1 unit(s) of X-2 reported, 0 authorized": (authorized, "SEA1", [("X-2", 1, "sellable")]),
    }
    for why, (found, fc, received) in refusals.items():
        with pytest.raises(ReturnReportRefused, match=re.escape(why)):
            check_report(found, rid, fc, received)
