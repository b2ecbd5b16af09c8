"""The fulfillment-center (FC) network: which FCs exist, where they are, what they can do.

Registration plans inbound shipments to these FCs, inventory counts stock in them and
order-router ships from them, so all three read the same network: the built-in default, or
the JSON file named by ``STOCKPATH_FC_NETWORK`` (a list of objects shaped like `FulfillmentCenter`).
"""

from __future__ import annotations

import json
import math
import os
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from stockpath_events import Address, ShippingSpeed


class FulfillmentCenter(BaseModel):
    model_config = ConfigDict(frozen=True)

    fulfillment_center_id: str = Field(pattern=r"^[A-Z0-9]{3,8}$")
    name: str
    address: Address
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    speeds: tuple[ShippingSpeed, ...] = (ShippingSpeed.STANDARD, ShippingSpeed.EXPEDITED, ShippingSpeed.PRIORITY)
    #: Units of inbound stock the FC accepts per shipment plan before a plan is split.
    inbound_capacity_units: int = Field(default=50_000, gt=0)


def _fc(fc_id, name, line1, city, region, postal_code, lat, lon, speeds=None, capacity=50_000) -> FulfillmentCenter:
    return FulfillmentCenter(
        fulfillment_center_id=fc_id,
        name=name,
        address=Address(name=f"Stockpath {fc_id}", line1=line1, city=city, region=region, postal_code=postal_code),
        latitude=lat,
        longitude=lon,
        speeds=speeds or (ShippingSpeed.STANDARD, ShippingSpeed.EXPEDITED, ShippingSpeed.PRIORITY),
        inbound_capacity_units=capacity,
    )


DEFAULT_NETWORK: tuple[FulfillmentCenter, ...] = (
    _fc("SEA1", "Kent, Washington", "20529 59th Pl S", "Kent", "WA", "98032", 47.41, -122.26),
    _fc("PHX3", "Phoenix, Arizona", "6835 W Buckeye Rd", "Phoenix", "AZ", "85043", 33.44, -112.20,
        (ShippingSpeed.STANDARD, ShippingSpeed.EXPEDITED)),
    _fc("DFW7", "Fort Worth, Texas", "944 W Sandy Lake Rd", "Coppell", "TX", "75019", 32.97, -97.01),
    _fc("CMH2", "Etna, Ohio", "6050 Gateway Ct", "Groveport", "OH", "43125", 39.86, -82.91,
        (ShippingSpeed.STANDARD,), 80_000),
    _fc("EWR4", "Robbinsville, New Jersey", "50 New Canton Way", "Robbinsville", "NJ", "08691", 40.21, -74.60),
)


@lru_cache(maxsize=4)
def _load(path: str | None) -> tuple[FulfillmentCenter, ...]:
    if not path:
        return DEFAULT_NETWORK
    raw = json.loads(Path(path).read_text())
    return tuple(FulfillmentCenter.model_validate(fc) for fc in raw)


def network() -> tuple[FulfillmentCenter, ...]:
    """The configured FC network."""
    return _load(os.environ.get("STOCKPATH_FC_NETWORK"))


def get(fulfillment_center_id: str) -> FulfillmentCenter | None:
    return next((fc for fc in network() if fc.fulfillment_center_id == fulfillment_center_id), None)


#: Rough centre of each US ZIP region (first digit), enough to rank FCs by distance.
_ZIP_REGION_CENTRES = {
    "0": (42.4, -72.0), "1": (41.5, -75.5), "2": (37.5, -78.5), "3": (32.5, -84.5), "4": (40.0, -85.0),
    "5": (44.5, -93.0), "6": (39.0, -94.5), "7": (32.0, -96.5), "8": (39.5, -108.0), "9": (38.5, -121.0),
}


def locate(postal_code: str) -> tuple[float, float] | None:
    """Approximate coordinates of a US postal code, or None when it is not one."""
    digits = postal_code.strip()[:1]
    return _ZIP_REGION_CENTRES.get(digits)


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(h))


def distance_to(fc: FulfillmentCenter, postal_code: str) -> float:
    """Kilometres from an FC to a ship-to postal code; unknown codes rank last."""
    where = locate(postal_code)
    return distance_km((fc.latitude, fc.longitude), where) if where else float("inf")
