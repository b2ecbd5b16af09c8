"""The return rules (domain/returns.py): who may return which shipped units, how many, to which FC."""

from __future__ import annotations

import pytest

from order_router.domain.fulfillment import FulfillmentOrder, FulfillmentOrderStatus
from order_router.domain.model import ResolvedLine
from order_router.domain.ownership import Party, PartyKind
from order_router.domain.returns import (
    ReturnRefused,
    ReturnRequestLine,
    authorize,
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
