"""Seller notifications' pure rules: the signature receivers verify, the retry schedule, which
destinations may be called, and which seller each consumed event tells what."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from registration.domain import notification_rules as rules
from registration.domain.commands import (
    FulfillmentLineOf,
    NoteFulfillmentCancelled,
    NoteFulfillmentOrder,
    NoteInboundDiscrepancy,
    NoteInventoryLevel,
    NoteRemovalOrder,
    NoteRemovalShipped,
    NoteReturnReceived,
    NoteShipmentShipped,
    NoteStatementReady,
    RemovedUnits,
    ReturnedUnits,
)
from registration.domain.notifications import (
    DestinationRefused,
    Kind,
    Subscription,
    check_address,
    check_url,
    crossed_below,
    signature,
)
from registration.settings import NotificationSettings
from stockpath_events import Cause
from stockpath_runtime.retry import backoff_delay

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
CAUSE = Cause("evt-1", "corr-1")


def test_the_signature_is_the_hmac_sha256_of_timestamp_dot_body_under_the_secret():
    body = b'{"id":"evt-1:order.shipped"}'
    expected = hmac.new(b"whsec_k", b"1765000000." + body, hashlib.sha256).hexdigest()
    assert signature("whsec_k", 1765000000, body) == f"v1={expected}"
    # Another timestamp, body or secret signs differently: a replayed body with a new time fails.
    assert signature("whsec_k", 1765000001, body) != signature("whsec_k", 1765000000, body)
    assert signature("whsec_other", 1765000000, body) != signature("whsec_k", 1765000000, body)


def test_retries_back_off_exponentially_from_the_default_settings_up_to_their_cap():
    options = NotificationSettings()
    delays = [
        backoff_delay(n, initial_s=options.initial_backoff_s, max_s=options.max_backoff_s)
        for n in range(1, options.max_attempts)
    ]
    assert delays == [30, 60, 120, 240, 480, 960, 1920]
    assert backoff_delay(9, initial_s=30, max_s=3600) == 3600


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/in",  # not https
        "ftp://hooks.example.com/in",
        "https://user:pw@hooks.example.com/in",  # credentials in the URL
        "https://10.1.2.3/in",  # private
        "https://169.254.169.254/latest/meta-data",  # link-local: the cloud metadata service
        "https://127.0.0.1:8443/in",  # loopback
        "https://[::1]/in",
        "https://[::ffff:192.168.0.1]/in",  # a private IPv4 address written as IPv6
        "http://127.0.0.1:9000/in",
    ],
)
def test_a_destination_must_be_https_on_a_public_address(url):
    with pytest.raises(DestinationRefused):
        check_url(url, allow_local=False)


def test_https_to_a_public_host_is_allowed_and_its_resolved_addresses_are_checked():
    assert check_url("https://hooks.example.com/in", allow_local=False) == "hooks.example.com"
    check_address("https://hooks.example.com/in", "93.184.216.34", allow_local=False)
    with pytest.raises(DestinationRefused):
        check_address("https://rebinds.example.com/in", "192.168.1.10", allow_local=False)


def test_the_dev_setting_allows_local_addresses_and_plain_http_only_to_loopback():
    assert check_url("http://127.0.0.1:9000/in", allow_local=True) == "127.0.0.1"
    assert check_url("http://localhost:9000/in", allow_local=True) == "localhost"
    check_url("https://10.1.2.3/in", allow_local=True)
    with pytest.raises(DestinationRefused):
        check_url("http://10.1.2.3/in", allow_local=True)
    with pytest.raises(DestinationRefused):
        check_url("http://hooks.example.com/in", allow_local=True)


@pytest.mark.parametrize(
    ("previous", "current", "crossed"),
    [(10, 4, True), (5, 4, True), (5, 5, False), (4, 3, False), (None, 0, False), (3, 8, False)],
)
def test_a_level_crosses_below_its_threshold_only_going_down_through_it(previous, current, crossed):
    assert crossed_below(previous, current, 5) is crossed


def instructed() -> NoteFulfillmentOrder:
    return NoteFulfillmentOrder(
        "FO-1",
        "ORD-1",
        "SEA1",
        (
            FulfillmentLineOf("1", "X00A", "A-1", "S-A", 2),
            FulfillmentLineOf("2", "X00B", "B-1", "S-B", 1),
            FulfillmentLineOf("3", "X00A2", "A-2", "S-A", 1),
        ),
        NOW,
        CAUSE,
    )


def test_an_order_routed_tells_each_seller_of_its_own_lines_only():
    told = {n.seller_id: n for n in rules.order_routed(instructed())}
    assert set(told) == {"S-A", "S-B"}
    assert [line["fnsku"] for line in told["S-A"].data["lines"]] == ["X00A", "X00A2"]
    assert [line["fnsku"] for line in told["S-B"].data["lines"]] == ["X00B"]
    assert told["S-A"].kind is Kind.ORDER_ROUTED
    assert told["S-A"].notification_id == "evt-1:order.routed"
    assert told["S-A"].payload()["data"]["fulfillment_center_id"] == "SEA1"


def test_a_shipment_tells_the_sellers_of_the_fulfillment_orders_lines():
    shipped = NoteShipmentShipped("FO-1", "ORD-1", "SEA1", "UPS", "1Z9", NOW, Cause("evt-2", "c"))
    told = rules.order_shipped(shipped, rules.lines_by_seller(instructed()))
    assert {(n.seller_id, n.kind, n.data["tracking_number"]) for n in told} == {
        ("S-A", Kind.ORDER_SHIPPED, "1Z9"),
        ("S-B", Kind.ORDER_SHIPPED, "1Z9"),
    }


def test_a_return_tells_each_fnskus_seller_and_no_one_of_an_unknown_fnsku():
    received = NoteReturnReceived(
        "RET-1",
        "ORD-1",
        "SEA1",
        (
            ReturnedUnits("X00A", 1, "sellable"),
            ReturnedUnits("X00B", 1, "damaged"),
            ReturnedUnits("X00NOBODY", 1, "sellable"),
        ),
        NOW,
        CAUSE,
    )
    told = rules.return_received(received, {"X00A": "S-A", "X00B": "S-B"})
    assert {n.seller_id: n.data["lines"] for n in told} == {
        "S-A": [{"fnsku": "X00A", "quantity": 1, "condition": "sellable"}],
        "S-B": [{"fnsku": "X00B", "quantity": 1, "condition": "damaged"}],
    }


def test_low_stock_uses_the_fnskus_own_threshold_before_the_default():
    subscription = Subscription(
        "NS1", "S-A", "https://h.example.com", (Kind.INVENTORY_LOW,), 5, {"X00A": 20}
    )
    level = NoteInventoryLevel("SEA1", "X00A", "S-A", "A-1", 15, NOW, CAUSE)
    told = rules.low_stock(level, subscription, previous=25)
    assert told is not None and told.data["threshold"] == 20 and told.data["fulfillable"] == 15
    other = NoteInventoryLevel("SEA1", "X00C", "S-A", "C-1", 15, NOW, CAUSE)
    assert rules.low_stock(other, subscription, previous=25) is None  # 15 is not below 5
    assert rules.low_stock(level, subscription, previous=18) is None  # was below already


def test_a_cancellation_tells_the_sellers_of_the_fulfillment_orders_lines():
    cancelled = NoteFulfillmentCancelled("FO-1", "ORD-1", "SEA1", "buyer", NOW, CAUSE)
    told = rules.order_cancelled(cancelled, rules.lines_by_seller(instructed()))
    assert {(n.seller_id, n.kind, n.data["reason"]) for n in told} == {
        ("S-A", Kind.ORDER_CANCELLED, "buyer"),
        ("S-B", Kind.ORDER_CANCELLED, "buyer"),
    }
    assert rules.order_cancelled(cancelled, {}) == []  # an order no instruction named


def test_a_discrepancy_tells_the_shipments_seller_and_a_reservation_shortfall_no_one():
    short = NoteInboundDiscrepancy("FBA1", "SEA1", "X00A", "S-A", "shortage", 3, NOW, CAUSE)
    told = rules.inbound_discrepancy(short)
    assert told is not None and (told.seller_id, told.kind) == (
        "S-A",
        Kind.INBOUND_SHIPMENT_DISCREPANCY,
    )
    assert (told.data["kind"], told.data["quantity"]) == ("shortage", 3)
    shortfall = NoteInboundDiscrepancy(
        None, "SEA1", "X00A", "S-A", "reservation-shortfall", 1, NOW, CAUSE
    )
    assert rules.inbound_discrepancy(shortfall) is None


def test_a_removal_shipment_tells_the_seller_the_removal_order_named():
    created = NoteRemovalOrder(
        "RMV-1", "S-A", "SEA1", "return", (RemovedUnits("X00A", "A-1", 2),), CAUSE
    )
    shipped = NoteRemovalShipped("RMV-1", "SEA1", "UPS", "1Z7", NOW, Cause("evt-3", "c"))
    told = rules.removal_shipped(shipped, rules.removal_order(created))
    assert (told.seller_id, told.kind, told.notification_id) == (
        "S-A",
        Kind.REMOVAL_SHIPPED,
        "evt-3:removal.shipped",
    )
    assert told.data["lines"] == [{"fnsku": "X00A", "seller_sku": "A-1", "quantity": 2}]
    assert told.data["tracking_number"] == "1Z7"


def test_a_statement_ready_tells_its_seller_the_month_total_and_where_to_read_it():
    ready = NoteStatementReady(
        "S-A", "2026-10", "USD", Decimal("12.30"), 4, NOW, Cause("evt-4", "c")
    )
    told = rules.statement_ready(ready)
    assert (told.seller_id, told.kind, told.notification_id) == (
        "S-A",
        Kind.STATEMENT_READY,
        "evt-4:statement.ready",
    )
    assert told.data == {
        "month": "2026-10",
        "currency": "USD",
        "total": "12.30",
        "line_count": 4,
        "statement": "/v1/statements/2026-10",
        "console": "/console/statement?month=2026-10",
    }
