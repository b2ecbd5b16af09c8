"""An order as one seller sees it (`as_seen_by`): its own lines, whether named on the line or
resolved from a listing, and only the fulfillment orders — and their lines — that ship them."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from order_router.domain.fulfillment import FulfillmentOrder, FulfillmentOrderStatus, Shipment
from order_router.domain.model import (
    LineOutcome,
    Order,
    OrderLine,
    OrderRecord,
    OrderStatus,
    ResolvedLine,
)
from order_router.domain.sellers_orders import as_seen_by
from stockpath_events import Address

PLACED = datetime(2026, 12, 1, tzinfo=UTC)
ADDRESS = Address(name="Ada", line1="1 Pine St", city="Seattle", region="WA", postal_code="98101")


def test_a_seller_sees_its_own_lines_and_the_fulfillment_orders_shipping_them():
    named = OrderLine("1", 2, Decimal("5"), seller_id="S-A", seller_sku="A-1")
    listed = OrderLine("2", 1, Decimal("5"), listing_id="L-XA2-web")  # resolved to S-A
    theirs = OrderLine("3", 1, Decimal("5"), seller_id="S-B", seller_sku="B-1")
    record = OrderRecord(
        order=Order("web:O-1", "web", (named, listed, theirs), ADDRESS),
        status=OrderStatus.ROUTED,
        lines=(
            LineOutcome(named, fnsku="XA1", resolved_seller_id="S-A"),
            LineOutcome(listed, fnsku="XA2", resolved_seller_id="S-A"),
            LineOutcome(theirs, fnsku="XB1", resolved_seller_id="S-B"),
        ),
    )
    sea1 = FulfillmentOrder(
        "FO-1",
        "web:O-1",
        "SEA1",
        (ResolvedLine("1", "XA1", "S-A", "A-1", 2), ResolvedLine("3", "XB1", "S-B", "B-1", 1)),
        FulfillmentOrderStatus.SHIPPED,
        Shipment("UPS", "1Z1", PLACED),
    )
    phx3 = FulfillmentOrder("FO-2", "web:O-1", "PHX3", (ResolvedLine("3", "XB1", "S-B", "B-1", 1),))

    seen = as_seen_by("S-A", record, [sea1, phx3], PLACED)

    assert [outcome.line.line_id for outcome in seen.lines] == ["1", "2"]
    [shipping] = seen.fulfillment_orders
    assert shipping.fulfillment_order_id == "FO-1" and shipping.shipment == sea1.shipment
    assert [line.line_id for line in shipping.lines] == ["1"]
    assert (seen.order_id, seen.channel, seen.status, seen.placed_at) == (
        "web:O-1",
        "web",
        OrderStatus.ROUTED,
        PLACED,
    )
    other = as_seen_by("S-B", record, [sea1, phx3], PLACED)
    assert [o.line.line_id for o in other.lines] == ["3"]
    assert [fo.fulfillment_order_id for fo in other.fulfillment_orders] == ["FO-1", "FO-2"]
