"""What fulfillment costs a seller: the fee schedule, versioned by effective date, and the price of a
unit or a shipment on a given day under the schedule in force that day.

The schedule is a file: the built-in one (`fees.json` beside this module) or the JSON file named
by ``STOCKPATH_FEE_SCHEDULE``, every service that prices reading the same one. Each version takes
effect on its `effective_from` day (UTC) and stays in force until the next one's; a day before the
first version has no schedule, and nothing can be priced on it.

- **Fulfillment** (per unit shipped): by size tier (registration's `small_standard`,
  `large_standard`, `oversize`) and shipping-weight band: the first band whose `up_to_g` the unit's
  shipping weight does not exceed. The shipping weight is the item's weight as the catalog gives
  it (the packaged unit).
- **Storage** (per cubic foot per month): the peak rate in the peak months (October–December by
  default), the off-peak rate otherwise; a day costs the month's rate divided by the days of that
  month, so a whole month at one rate costs exactly the monthly rate.
- **Removal** and **return processing** (per unit): by size tier.

Amounts are `Decimal` in the schedule's currency; per-unit fees are in cents already, storage is
rounded to the cent only when a period is summed (`storage_fee`).
"""

from __future__ import annotations

import calendar
import os
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

#: The size tiers registration assigns (`registration.domain.eligibility.SizeTier`), smallest first.
SIZE_TIERS = ("small_standard", "large_standard", "oversize")
#: Cubic centimetres in a cubic foot.
CUBIC_CM_PER_CUBIC_FOOT = Decimal("28316.846592")
CENT = Decimal("0.01")

Amount = Annotated[Decimal, Field(ge=0, max_digits=10, decimal_places=2)]


class Unpriceable(ValueError):
    """Nothing in the schedule prices this: no version in force that day, a size tier it does not
    know, or a shipping weight beyond its tier's last band."""


class WeightBand(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    #: The heaviest shipping weight (grams) the band covers; it starts above the previous band's.
    up_to_g: float = Field(gt=0)
    fee: Amount


class StorageRates(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    off_peak: Amount
    peak: Amount


class Schedule(BaseModel):
    """One version of the fees, in force from `effective_from` until the next version's."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    effective_from: date
    #: Per size tier, its weight bands, lightest first.
    fulfillment: dict[str, tuple[WeightBand, ...]]
    storage_per_cubic_foot_month: StorageRates
    peak_months: tuple[int, ...] = (10, 11, 12)
    removal_per_unit: dict[str, Amount]
    return_processing_per_unit: dict[str, Amount]

    @model_validator(mode="after")
    def _prices_every_tier(self) -> Schedule:
        for name in ("fulfillment", "removal_per_unit", "return_processing_per_unit"):
            tiers = set(getattr(self, name))
            if tiers != set(SIZE_TIERS):
                raise ValueError(
                    f"schedule of {self.effective_from}: {name} prices the size tiers "
                    f"{sorted(tiers)}, not {list(SIZE_TIERS)}"
                )
        for tier, bands in self.fulfillment.items():
            limits = [band.up_to_g for band in bands]
            if not limits or limits != sorted(set(limits)):
                raise ValueError(
                    f"schedule of {self.effective_from}: the {tier} weight bands are not ascending"
                )
        return self

    @field_validator("peak_months")
    @classmethod
    def _months(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if any(not 1 <= month <= 12 for month in value):
            raise ValueError(f"peak months are 1-12; got {list(value)}")
        return value

    def fulfillment_band(self, size_tier: str, shipping_weight_g: float) -> WeightBand:
        bands = self.fulfillment.get(size_tier)
        if bands is None:
            raise Unpriceable(f"the fee schedule prices no size tier {size_tier!r}")
        for band in bands:
            if shipping_weight_g <= band.up_to_g:
                return band
        raise Unpriceable(
            f"a {size_tier} unit of {shipping_weight_g:g} g is beyond the fee schedule's "
            f"heaviest {size_tier} band ({bands[-1].up_to_g:g} g)"
        )

    def storage_rate(self, day: date) -> Decimal:
        """The monthly rate per cubic foot in force on `day` (peak or off-peak)."""
        rates = self.storage_per_cubic_foot_month
        return rates.peak if day.month in self.peak_months else rates.off_peak


@dataclass(frozen=True)
class FulfillmentPrice:
    """The fulfillment fee of `quantity` units of one size tier and shipping weight on one day."""

    size_tier: str
    shipping_weight_g: float
    unit_fee: Decimal
    quantity: int
    #: The schedule version that priced it.
    effective_from: date

    @property
    def fee(self) -> Decimal:
        return self.unit_fee * self.quantity


class FeeSchedule(BaseModel):
    """Every version of the fees, oldest first."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    schedules: tuple[Schedule, ...] = Field(min_length=1)

    @field_validator("schedules")
    @classmethod
    def _one_version_per_day(cls, value: tuple[Schedule, ...]) -> tuple[Schedule, ...]:
        days = [s.effective_from for s in value]
        if len(set(days)) != len(days):
            raise ValueError("two fee schedule versions take effect on the same day")
        return tuple(sorted(value, key=lambda s: s.effective_from))

    def in_force(self, day: date) -> Schedule:
        """The version in force on `day`: the latest that took effect on or before it."""
        current = None
        for schedule in self.schedules:
            if schedule.effective_from > day:
                break
            current = schedule
        if current is None:
            raise Unpriceable(
                f"no fee schedule is in force on {day}; the first takes effect on "
                f"{self.schedules[0].effective_from}"
            )
        return current

    def fulfillment_fee(
        self, size_tier: str, shipping_weight_g: float, quantity: int, day: date
    ) -> FulfillmentPrice:
        """The fulfillment fee of `quantity` units shipped on `day`."""
        schedule = self.in_force(day)
        band = schedule.fulfillment_band(size_tier, shipping_weight_g)
        return FulfillmentPrice(
            size_tier, shipping_weight_g, band.fee, quantity, schedule.effective_from
        )

    def daily_storage_fee(self, cubic_feet: Decimal, day: date) -> Decimal:
        """What storing `cubic_feet` costs for `day` (unrounded): the month's rate over its days."""
        days_in_month = calendar.monthrange(day.year, day.month)[1]
        return self.in_force(day).storage_rate(day) * cubic_feet / days_in_month

    def storage_fee(self, cubic_feet: Decimal, first_day: date, last_day: date) -> Decimal:
        """What storing `cubic_feet` costs from `first_day` to `last_day` (both included), to the cent."""
        total, day = Decimal(0), first_day
        while day <= last_day:
            total += self.daily_storage_fee(cubic_feet, day)
            day += timedelta(days=1)
        return cents(total)

    def removal_fee(self, size_tier: str, quantity: int, day: date) -> Decimal:
        return _per_unit(self.in_force(day).removal_per_unit, size_tier, quantity, "removal")

    def return_processing_fee(self, size_tier: str, quantity: int, day: date) -> Decimal:
        return _per_unit(
            self.in_force(day).return_processing_per_unit, size_tier, quantity, "return processing"
        )


def _per_unit(fees: dict[str, Decimal], size_tier: str, quantity: int, what: str) -> Decimal:
    fee = fees.get(size_tier)
    if fee is None:
        raise Unpriceable(f"the fee schedule prices no {what} of size tier {size_tier!r}")
    return fee * quantity


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def cubic_feet(length_cm: float, width_cm: float, height_cm: float) -> Decimal:
    """A package's volume in cubic feet."""
    volume = Decimal(str(length_cm)) * Decimal(str(width_cm)) * Decimal(str(height_cm))
    return volume / CUBIC_CM_PER_CUBIC_FOOT


def read_fee_schedule(text: str) -> FeeSchedule:
    return FeeSchedule.model_validate_json(text)


#: The built-in schedule (read from the package's fees.json).
DEFAULT_FEE_SCHEDULE: FeeSchedule = read_fee_schedule(
    files(__package__).joinpath("fees.json").read_text()
)


@lru_cache(maxsize=4)
def _load(path: str | None) -> FeeSchedule:
    if not path:
        return DEFAULT_FEE_SCHEDULE
    return read_fee_schedule(Path(path).read_text())


def fee_schedule() -> FeeSchedule:
    """The configured fee schedule."""
    return _load(os.environ.get("STOCKPATH_FEE_SCHEDULE"))
