"""The fulfillment-center (FC) network: which FCs exist, where they are, what they can do.

Registration plans inbound shipments to these FCs, inventory counts stock in them, order-router
ships from them and the storefront promises delivery dates from them, so all of them read the same
network: the built-in one (`network.json` beside this module: 18 FCs across the continental US),
or the JSON file named by ``STOCKPATH_FC_NETWORK`` (a list of objects shaped like
`FulfillmentCenter`).

Places are located by `stockpath_network.geo` (US ZIP codes from a dataset a package ships) and
delivery dates promised by `stockpath_network.promise` (cut-offs, working days, transit days).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from datetime import time
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from stockpath_events import Address, ShippingSpeed
from stockpath_network.geo import (
    Destination,
    Unservable,
    abroad,
    destination,
    distance_km,
    locate,
)
from stockpath_network.promise import Promise, promise, ship_date, transit_days

__all__ = [
    "DEFAULT_NETWORK",
    "Destination",
    "FulfillmentCenter",
    "Promise",
    "Unservable",
    "abroad",
    "countries",
    "destination",
    "distance_km",
    "distance_to",
    "get",
    "locate",
    "network",
    "promise",
    "ship_date",
    "transit_days",
]

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class FulfillmentCenter(BaseModel):
    model_config = ConfigDict(frozen=True)

    fulfillment_center_id: str = Field(pattern=r"^[A-Z0-9]{3,8}$")
    name: str
    address: Address
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    #: The speeds the FC ships at (its carriers' services); distance may rule some out for a buyer.
    speeds: tuple[ShippingSpeed, ...] = (
        ShippingSpeed.STANDARD,
        ShippingSpeed.EXPEDITED,
        ShippingSpeed.PRIORITY,
    )
    #: Units of inbound stock the FC accepts per shipment plan before a plan is split.
    inbound_capacity_units: int = Field(default=50_000, gt=0)
    #: The IANA time zone its cut-off is in.
    time_zone: str = "America/New_York"
    #: Orders that reach it before this local time ship the same working day.
    cut_off: time = time(14, 0)
    #: The days it picks and ships.
    working_days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("working_days")
    @classmethod
    def _weekdays(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        days = tuple(day.strip().lower()[:3] for day in value)
        unknown = [day for day in days if day not in _WEEKDAYS]
        if unknown or not days:
            raise ValueError(f"working days are some of {', '.join(_WEEKDAYS)}; got {list(value)}")
        return days

    @property
    def working_weekdays(self) -> frozenset[int]:
        """Its working days as `date.weekday()` numbers (Monday = 0)."""
        return frozenset(_WEEKDAYS.index(day) for day in self.working_days)

    @property
    def coordinates(self) -> tuple[float, float]:
        return (self.latitude, self.longitude)


def _read(text: str) -> tuple[FulfillmentCenter, ...]:
    centers = tuple(FulfillmentCenter.model_validate(fc) for fc in json.loads(text))
    ids = [fc.fulfillment_center_id for fc in centers]
    if len(set(ids)) != len(ids):
        raise ValueError(
            f"an FC network names an FC twice: {sorted({i for i in ids if ids.count(i) > 1})}"
        )
    return centers


#: The built-in network (read from the package's network.json).
DEFAULT_NETWORK: tuple[FulfillmentCenter, ...] = _read(
    files(__package__).joinpath("network.json").read_text()
)


@lru_cache(maxsize=4)
def _load(path: str | None) -> tuple[FulfillmentCenter, ...]:
    if not path:
        return DEFAULT_NETWORK
    return _read(Path(path).read_text())


def network() -> tuple[FulfillmentCenter, ...]:
    """The configured FC network."""
    return _load(os.environ.get("STOCKPATH_FC_NETWORK"))


def countries(centers: Sequence[FulfillmentCenter]) -> frozenset[str]:
    """The countries a network delivers in: those its FCs stand in (the US for an empty one)."""
    return frozenset(fc.address.country.upper() for fc in centers) or frozenset({"US"})


def get(fulfillment_center_id: str) -> FulfillmentCenter | None:
    return next((fc for fc in network() if fc.fulfillment_center_id == fulfillment_center_id), None)


def distance_to(fc: FulfillmentCenter, postal_code: str, country: str = "US") -> float:
    """Kilometres from an FC to a postal code; codes that cannot be located rank last."""
    where = locate(postal_code, country)
    return distance_km(fc.coordinates, where) if where else float("inf")
