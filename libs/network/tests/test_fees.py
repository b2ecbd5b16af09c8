"""The fee schedule: versions by effective date, fulfillment fees by size tier and weight band,
storage with its peak rate, removal and return processing; the shipped file and a replacement."""

import json
from datetime import date
from decimal import Decimal

import pytest

from stockpath_network.fees import (
    DEFAULT_FEE_SCHEDULE,
    SIZE_TIERS,
    Unpriceable,
    _load,
    cubic_feet,
    fee_schedule,
    read_fee_schedule,
)

TIERS = {"small_standard": "1.00", "large_standard": "2.00", "oversize": "3.00"}


def version(effective_from: str, small_fee: str, **changes) -> dict:
    return {
        "effective_from": effective_from,
        "fulfillment": {
            "small_standard": [{"up_to_g": 100, "fee": small_fee}, {"up_to_g": 454, "fee": "4.00"}],
            "large_standard": [{"up_to_g": 9072, "fee": "6.00"}],
            "oversize": [{"up_to_g": 68000, "fee": "20.00"}],
        },
        "storage_per_cubic_foot_month": {"off_peak": "0.90", "peak": "2.79"},
        "removal_per_unit": TIERS,
        "return_processing_per_unit": TIERS,
        **changes,
    }


@pytest.fixture
def schedule():
    """Two versions: the small-standard light band costs 3.00 until 2026-03-01, then 3.50."""
    return read_fee_schedule(
        json.dumps(
            {
                "currency": "USD",
                "schedules": [
                    version(
                        "2026-03-01",
                        "3.50",
                        return_processing_per_unit=TIERS | {"oversize": "7.00"},
                    ),
                    version("2026-01-01", "3.00"),
                ],
            }
        )
    )


def test_a_unit_is_priced_by_its_tier_and_the_first_weight_band_it_fits(schedule):
    day = date(2026, 2, 1)
    light = schedule.fulfillment_fee("small_standard", 100, 3, day)
    assert (light.unit_fee, light.fee, light.effective_from) == (
        Decimal("3.00"),
        Decimal("9.00"),
        date(2026, 1, 1),
    )
    assert schedule.fulfillment_fee("small_standard", 100.5, 1, day).unit_fee == Decimal("4.00")
    assert schedule.fulfillment_fee("large_standard", 100, 1, day).unit_fee == Decimal("6.00")


def test_the_schedule_in_force_changes_on_its_effective_date(schedule):
    before = schedule.fulfillment_fee("small_standard", 80, 2, date(2026, 2, 28))
    on = schedule.fulfillment_fee("small_standard", 80, 2, date(2026, 3, 1))
    assert (before.fee, before.effective_from) == (Decimal("6.00"), date(2026, 1, 1))
    assert (on.fee, on.effective_from) == (Decimal("7.00"), date(2026, 3, 1))
    assert schedule.return_processing_fee("oversize", 2, date(2026, 2, 28)) == Decimal("6.00")
    assert schedule.return_processing_fee("oversize", 2, date(2026, 3, 1)) == Decimal("14.00")


def test_what_the_schedule_does_not_price_is_refused_with_the_reason(schedule):
    with pytest.raises(Unpriceable, match="no fee schedule is in force on 2025-12-31"):
        schedule.fulfillment_fee("small_standard", 80, 1, date(2025, 12, 31))
    with pytest.raises(Unpriceable, match="no size tier 'envelope'"):
        schedule.fulfillment_fee("envelope", 80, 1, date(2026, 2, 1))
    with pytest.raises(Unpriceable, match="beyond the fee schedule's heaviest small_standard band"):
        schedule.fulfillment_fee("small_standard", 455, 1, date(2026, 2, 1))
    with pytest.raises(Unpriceable, match="no removal of size tier"):
        schedule.removal_fee("envelope", 1, date(2026, 2, 1))


def test_storage_costs_the_peak_rate_from_october_to_december(schedule):
    two_cubic_feet = Decimal(2)
    # A whole month at one rate costs exactly its monthly rate.
    assert schedule.storage_fee(two_cubic_feet, date(2026, 9, 1), date(2026, 9, 30)) == Decimal(
        "1.80"
    )
    assert schedule.storage_fee(two_cubic_feet, date(2026, 10, 1), date(2026, 10, 31)) == Decimal(
        "5.58"
    )
    # 20-30 September off-peak (11 of 30 days), 1-10 October at peak (10 of 31 days).
    expected = Decimal("0.90") * 2 * 11 / 30 + Decimal("2.79") * 2 * 10 / 31
    assert schedule.storage_fee(two_cubic_feet, date(2026, 9, 20), date(2026, 10, 10)) == (
        expected.quantize(Decimal("0.01"))
    )
    assert schedule.daily_storage_fee(two_cubic_feet, date(2026, 12, 31)) == Decimal("0.18")


def test_removal_and_return_processing_are_per_unit_by_tier(schedule):
    assert schedule.removal_fee("large_standard", 4, date(2026, 5, 1)) == Decimal("8.00")
    assert schedule.return_processing_fee("small_standard", 3, date(2026, 5, 1)) == Decimal("3.00")


def test_a_package_volume_is_in_cubic_feet():
    assert cubic_feet(30.48, 30.48, 30.48).quantize(Decimal("0.0001")) == Decimal("1.0000")


@pytest.mark.parametrize(
    "change, message",
    [
        (
            {"removal_per_unit": {"small_standard": "1.00"}},
            "removal_per_unit prices the size tiers",
        ),
        (
            {
                "fulfillment": {
                    tier: [{"up_to_g": 454, "fee": "1"}, {"up_to_g": 100, "fee": "2"}]
                    for tier in SIZE_TIERS
                }
            },
            "weight bands are not ascending",
        ),
        ({"peak_months": [13]}, "peak months are 1-12"),
    ],
)
def test_a_schedule_that_does_not_price_everything_is_refused(change, message):
    with pytest.raises(ValueError, match=message):
        read_fee_schedule(json.dumps({"schedules": [version("2026-01-01", "3.00", **change)]}))


def test_two_versions_taking_effect_the_same_day_are_refused():
    twice = [version("2026-01-01", "3.00"), version("2026-01-01", "3.10")]
    with pytest.raises(ValueError, match="same day"):
        read_fee_schedule(json.dumps({"schedules": twice}))


def test_the_shipped_schedule_prices_every_tier_up_to_the_registration_limit():
    day = date(2026, 6, 1)
    for tier, heaviest in (("small_standard", 454), ("large_standard", 9072), ("oversize", 68000)):
        assert DEFAULT_FEE_SCHEDULE.fulfillment_fee(tier, heaviest, 1, day).unit_fee > 0
    assert DEFAULT_FEE_SCHEDULE.in_force(day).effective_from == date(2026, 1, 15)
    assert DEFAULT_FEE_SCHEDULE.in_force(date(2026, 1, 14)).effective_from == date(2025, 1, 15)


def test_a_schedule_file_replaces_the_default(tmp_path, monkeypatch):
    path = tmp_path / "fees.json"
    path.write_text(json.dumps({"currency": "EUR", "schedules": [version("2026-01-01", "3.00")]}))
    _load.cache_clear()
    monkeypatch.setenv("STOCKPATH_FEE_SCHEDULE", str(path))
    try:
        assert fee_schedule().currency == "EUR"
    finally:
        _load.cache_clear()
