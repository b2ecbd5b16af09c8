"""The pricing of charges and the statement, with figures computed by hand from the built-in fee
schedule (fees.json): the 2025-01-15 version until 2026-01-14, the 2026-01-15 version from then."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from inventory.domain.charges import (
    BilledItem,
    ChargedEvent,
    ChargedUnits,
    ChargeKind,
    FeeQuote,
    per_fnsku,
    price,
)
from inventory.domain.statements import BadMonth, Month, statement
from stockpath_network.fees import DEFAULT_FEE_SCHEDULE, Unpriceable

KETTLE = BilledItem("XA", "S-ACME", "small_standard", 200)  # 113 g < 200 g <= 227 g
LAMP = BilledItem("XB", "S-ACME", "large_standard", 1000)  # 907 g < 1000 g <= 1361 g
SHIPPED = "stockpath.fulfillment.ShipmentShipped.v1"


def at(day: str) -> ChargedEvent:
    return ChargedEvent(f"E-{day}", SHIPPED, datetime.fromisoformat(f"{day}T12:00:00+00:00"))


def units(kind: ChargeKind, quantity: int, fnsku: str = "XA") -> ChargedUnits:
    return ChargedUnits(kind, "FO-1", fnsku, "SEA1", quantity)


@pytest.mark.parametrize(
    ("day", "unit_fee", "amount", "version"),
    [
        # The day before the 2026 schedule: the 2025 fee of a 200 g small standard unit.
        ("2026-01-14", "3.15", "9.45", date(2025, 1, 15)),
        ("2026-01-15", "3.31", "9.93", date(2026, 1, 15)),
    ],
)
def test_a_fulfillment_fee_is_the_schedule_in_force_on_the_day_the_units_shipped(
    day, unit_fee, amount, version
):
    charge = price(units(ChargeKind.FULFILLMENT, 3), KETTLE, at(day), DEFAULT_FEE_SCHEDULE)

    assert (charge.unit_fee, charge.amount) == (Decimal(unit_fee), Decimal(amount))
    assert charge.schedule_effective_from == version
    assert (charge.seller_id, charge.currency) == ("S-ACME", "USD")
    assert charge.charge_id == f"E-{day}/fulfillment/FO-1/XA"
    assert charge.event == at(day)


def test_return_processing_and_removal_are_per_unit_by_size_tier():
    returned = price(
        units(ChargeKind.RETURN_PROCESSING, 2, "XB"), LAMP, at("2026-03-01"), DEFAULT_FEE_SCHEDULE
    )
    removed = price(
        units(ChargeKind.REMOVAL, 3, "XB"), LAMP, at("2026-03-01"), DEFAULT_FEE_SCHEDULE
    )
    early_return = price(
        units(ChargeKind.RETURN_PROCESSING, 2, "XB"), LAMP, at("2025-12-31"), DEFAULT_FEE_SCHEDULE
    )

    assert (returned.unit_fee, returned.amount) == (Decimal("2.78"), Decimal("5.56"))
    assert (removed.unit_fee, removed.amount) == (Decimal("1.53"), Decimal("4.59"))
    assert (early_return.unit_fee, early_return.amount) == (Decimal("2.61"), Decimal("5.22"))


@pytest.mark.parametrize(
    ("item", "kind", "day"),
    [
        (BilledItem("XA", "S-ACME", None, 200), ChargeKind.RETURN_PROCESSING, "2026-03-01"),
        (BilledItem("XA", "S-ACME", "small_standard", None), ChargeKind.FULFILLMENT, "2026-03-01"),
        (BilledItem("XA", "S-ACME", "small_standard", 500), ChargeKind.FULFILLMENT, "2026-03-01"),
        (KETTLE, ChargeKind.FULFILLMENT, "2024-12-31"),  # before the first schedule
    ],
)
def test_what_the_schedule_cannot_price_is_refused(item, kind, day):
    with pytest.raises(Unpriceable):
        price(units(kind, 1), item, at(day), DEFAULT_FEE_SCHEDULE)


def test_units_of_one_fnsku_in_several_lines_are_one_charge():
    assert per_fnsku(
        ChargeKind.RETURN_PROCESSING, "R-1", "SEA1", [("XB", 1), ("XA", 2), ("XB", 3)]
    ) == [
        ChargedUnits(ChargeKind.RETURN_PROCESSING, "R-1", "XA", "SEA1", 2),
        ChargedUnits(ChargeKind.RETURN_PROCESSING, "R-1", "XB", "SEA1", 4),
    ]


def test_a_statements_totals_are_the_sums_of_its_lines_by_kind_and_overall():
    fees = DEFAULT_FEE_SCHEDULE
    lines = [
        price(units(ChargeKind.FULFILLMENT, 3), KETTLE, at("2026-10-02"), fees),  # 3 × 3.31
        price(units(ChargeKind.FULFILLMENT, 1, "XB"), LAMP, at("2026-10-01"), fees),  # 6.35
        price(units(ChargeKind.RETURN_PROCESSING, 1), KETTLE, at("2026-10-03"), fees),  # 2.12
        price(units(ChargeKind.REMOVAL, 2, "XB"), LAMP, at("2026-10-31"), fees),  # 2 × 1.53
    ]

    made = statement("S-ACME", Month.parse("2026-10"), "USD", lines)

    assert made.totals == {
        ChargeKind.FULFILLMENT: Decimal("16.28"),
        ChargeKind.RETURN_PROCESSING: Decimal("2.12"),
        ChargeKind.REMOVAL: Decimal("3.06"),
        ChargeKind.STORAGE: Decimal("0.00"),
    }
    assert made.total == Decimal("21.46") == sum(line.amount for line in made.lines)
    assert [line.event.occurred_at.day for line in made.lines] == [1, 2, 3, 31]


def test_an_empty_statement_totals_zero():
    made = statement("S-ACME", Month.parse("2026-02"), "USD", [])

    assert made.total == Decimal("0.00") and set(made.totals.values()) == {Decimal("0.00")}


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "26-01", "2026-1", "2026-01-01", "latest"])
def test_a_month_is_yyyy_mm(text):
    with pytest.raises(BadMonth):
        Month.parse(text)


def test_a_month_knows_its_bounds():
    assert (Month.parse("2026-12").first_day, Month.parse("2026-12").next_first_day) == (
        date(2026, 12, 1),
        date(2027, 1, 1),
    )
    assert str(Month.parse("2026-02")) == "2026-02"
    assert datetime(2026, 2, 28, 23, 59, tzinfo=UTC).date() < Month.parse("2026-02").next_first_day


def test_a_quoted_fee_prices_the_fulfillment_of_its_orders_units_whatever_the_day():
    quote = FeeQuote("O-MCF-1", "XA", Decimal("3.15"), date(2025, 1, 15))

    charge = price(
        units(ChargeKind.FULFILLMENT, 2), KETTLE, at("2026-02-01"), DEFAULT_FEE_SCHEDULE, quote
    )

    assert (charge.unit_fee, charge.amount) == (Decimal("3.15"), Decimal("6.30"))
    assert charge.schedule_effective_from == date(2025, 1, 15)
