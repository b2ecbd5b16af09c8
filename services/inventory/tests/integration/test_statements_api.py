"""A seller's monthly statement over HTTP, against the real PostgreSQL: the charges the worker's
path wrote (an FC's confirmation delivered three times charges once), JSON and CSV whose totals
are the sums of their lines, and who may read whose."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from stockpath_runtime.consumer import Outcome

pytestmark = pytest.mark.integration

OCT_2 = datetime(2026, 10, 2, 9, 30, tzinfo=UTC)
OCT_9 = datetime(2026, 10, 9, 16, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def charged(stocked, deliver, events):
    """S-ACME's October: 3 units of a small standard 200 g FNSKU shipped on Oct 2 (its confirmation
    delivered three times), 1 of them returned on Oct 9."""
    fnsku = stocked(10)
    assert deliver(events.registered(fnsku)) == [Outcome.PROCESSED]
    shipped = events.shipped(f"FO-{fnsku}", shipped_at=OCT_2)
    returned = events.return_accepted(f"RET-{fnsku}", [(fnsku, 1, "sellable")], received_at=OCT_9)
    outcomes = deliver(events.instructed(f"FO-{fnsku}", [(fnsku, 3)]), shipped, shipped, shipped)
    assert outcomes == [Outcome.PROCESSED] + [Outcome.PROCESSED] + [Outcome.DUPLICATE] * 2
    assert deliver(returned) == [Outcome.PROCESSED]
    return fnsku, shipped, returned


def test_the_statement_lists_each_charge_with_its_event_and_totals_its_lines(seller, charged):
    fnsku, shipped, returned = charged

    body = seller.get("/v1/statements/2026-10").json()

    assert [
        (c["kind"], c["reference"], c["quantity"], c["unit_fee"], c["amount"], c["event_id"])
        for c in body["lines"]
    ] == [
        # The 2026-01-15 schedule: 3.31 per 200 g small standard unit; 2.12 per unit returned.
        ("fulfillment", f"FO-{fnsku}", 3, "3.31", "9.93", shipped.id),
        ("return_processing", f"RET-{fnsku}", 1, "2.12", "2.12", returned.id),
    ]
    assert body["lines"][0]["event_type"] == "stockpath.fulfillment.ShipmentShipped.v1"
    assert body["lines"][0]["occurred_at"].startswith("2026-10-02T09:30:00")
    assert body["totals"] == {
        "fulfillment": "9.93",
        "return_processing": "2.12",
        "removal": "0.00",
        "storage": "0.00",
    }
    assert (
        Decimal(body["total"])
        == Decimal("12.05")
        == sum(Decimal(c["amount"]) for c in body["lines"])
    )
    assert (body["seller_id"], body["month"], body["currency"]) == ("S-ACME", "2026-10", "USD")


def test_the_csv_statement_has_the_same_lines_and_totals(seller, charged):
    fnsku, shipped, _ = charged

    r = seller.get("/v1/statements/2026-10", params={"format": "csv"})

    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.text)))
    header, lines, totals = rows[0], rows[1:3], {row[0]: row[7] for row in rows[3:]}
    assert header[:2] == ["charge_id", "kind"]
    assert [dict(zip(header, row, strict=True))["amount"] for row in lines] == ["9.93", "2.12"]
    assert dict(zip(header, lines[0], strict=True))["event_id"] == shipped.id
    assert totals == {
        "total:fulfillment": "9.93",
        "total:return_processing": "2.12",
        "total:removal": "0.00",
        "total:storage": "0.00",
        "total": "12.05",
    }


def test_another_month_holds_none_of_it(seller, charged):
    body = seller.get("/v1/statements/2026-11").json()

    assert (body["lines"], body["total"]) == ([], "0.00")


def test_a_statement_is_its_sellers_only(caller, operator, charged):
    other = caller("other seller")
    assert other.get("/v1/statements/2026-10").json()["lines"] == []
    assert other.get("/v1/statements/2026-10", params={"seller_id": "S-ACME"}).status_code == 404

    named = operator.get("/v1/statements/2026-10", params={"seller_id": "S-ACME"})
    assert named.status_code == 200 and named.json()["total"] == "12.05"
    unnamed = operator.get("/v1/statements/2026-10")
    assert (unnamed.status_code, unnamed.json()["error"]["code"]) == (422, "seller_id_required")


@pytest.mark.parametrize("month", ["2026-13", "2026-1x", "october"])
def test_a_month_that_is_not_yyyy_mm_is_refused(seller, month):
    r = seller.get(f"/v1/statements/{month}")

    assert r.status_code == 422
    if len(month) == 7:
        assert r.json()["error"]["code"] == "bad_month"


def test_a_confirmation_that_overtook_its_instruction_is_charged_in_the_month_it_shipped(
    stocked, deliver, events, operator
):
    seller = "S-OVERTAKEN"
    fnsku = stocked(5, seller_id=seller)
    shipped = events.shipped(f"FO-{fnsku}", shipped_at=OCT_2)
    # The confirmation is read before its instruction (another topic), which comes today, months later.
    instructed = events.instructed(f"FO-{fnsku}", [(fnsku, 2)], seller_id=seller)
    assert deliver(events.registered(fnsku, seller_id=seller), shipped) == [Outcome.PROCESSED] * 2
    assert deliver(instructed) == [Outcome.PROCESSED]

    october = operator.get("/v1/statements/2026-10", params={"seller_id": seller}).json()

    [line] = october["lines"]
    assert (line["kind"], line["quantity"], line["amount"], line["event_id"]) == (
        "fulfillment",
        2,
        "6.62",
        shipped.id,
    )
    assert line["event_type"] == "stockpath.fulfillment.ShipmentShipped.v1"
    assert line["occurred_at"].startswith("2026-10-02T09:30:00")


def test_an_unknown_format_is_refused(seller):
    assert seller.get("/v1/statements/2026-10", params={"format": "pdf"}).status_code == 422


def test_an_mcf_order_is_charged_exactly_the_fee_it_was_quoted(stocked, deliver, events, operator):
    seller = "S-MCF-STATEMENT"
    fnsku = stocked(5, seller_id=seller)
    # Quoted under the 2025 schedule (3.15 a unit), shipped under the 2026 one (3.31).
    instructed = events.mcf_instructed(
        f"FO-{fnsku}",
        [(fnsku, 2, "3.15")],
        order_id=f"O-{fnsku}",
        seller_id=seller,
        effective_from="2025-01-15",
    )
    shipped = events.shipped(f"FO-{fnsku}", shipped_at=OCT_2)
    assert (
        deliver(events.registered(fnsku, seller_id=seller), instructed, shipped)
        == [Outcome.PROCESSED] * 3
    )

    body = operator.get("/v1/statements/2026-10", params={"seller_id": seller}).json()

    [line] = body["lines"]
    assert (line["unit_fee"], line["amount"], line["schedule_effective_from"]) == (
        "3.15",
        "6.30",
        "2025-01-15",
    )
    assert body["total"] == "6.30"
