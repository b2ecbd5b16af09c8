"""Where a postal code is: US ZIP codes resolved to coordinates from the dataset the `zipcodes`
package ships compiled into its extension (GeoNames coordinates, CC BY 4.0; nothing is downloaded
at run time), and great-circle distances between places.

The dataset is read once per process, on the first look-up (about a second), into a table of
ZIP → (latitude, longitude); every look-up after that is a dictionary read.
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass
from enum import StrEnum

import zipcodes

#: A US ZIP code, optionally ZIP+4.
_ZIP = re.compile(r"^(\d{5})(?:-\d{4})?$")
_EARTH_RADIUS_KM = 6371.0

_lock = threading.Lock()
_table: dict[str, tuple[float, float]] | None = None


def _coordinates() -> dict[str, tuple[float, float]]:
    global _table
    if _table is None:
        with _lock:
            if _table is None:
                _table = {
                    z["zip_code"]: (float(z["lat"]), float(z["long"]))
                    for z in zipcodes.list_all()
                    if z.get("lat") and z.get("long")
                }
    return _table


def locate(postal_code: str, country: str = "US") -> tuple[float, float] | None:
    """Coordinates (latitude, longitude) of a US ZIP code, or None when it is not a real one
    (or the address is in another country: a foreign postcode may look like a ZIP)."""
    if country.strip().upper() != "US":
        return None
    match = _ZIP.match(postal_code.strip())
    if match is None:
        return None
    return _coordinates().get(match.group(1))


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * _EARTH_RADIUS_KM * math.asin(math.sqrt(h))


class Unservable(StrEnum):
    """Why the network cannot deliver to an address at all."""

    #: The address is in a country no FC of the network is in.
    OUTSIDE_NETWORK = "SHIP_TO_OUTSIDE_NETWORK"
    #: The address is in the network's country, but its postal code is not a real one there.
    UNKNOWN_POSTAL_CODE = "SHIP_TO_UNKNOWN_POSTAL_CODE"


@dataclass(frozen=True)
class Destination:
    """Where an order goes, located: its coordinates, or why the network cannot deliver there."""

    postal_code: str
    country: str
    coordinates: tuple[float, float] | None
    unservable: Unservable | None = None

    @property
    def reason(self) -> str:
        """What to tell whoever sent the address, when it is unservable."""
        if self.unservable is Unservable.OUTSIDE_NETWORK:
            return f"the network delivers only in the US; the ship-to address is in {self.country}"
        if self.unservable is Unservable.UNKNOWN_POSTAL_CODE:
            return f"{self.postal_code!r} is not a US ZIP code"
        return ""


def abroad(
    postal_code: str, country: str, *, countries: frozenset[str] = frozenset({"US"})
) -> Destination | None:
    """The address refused `OUTSIDE_NETWORK` when its country is none of `countries`, else None:
    judged on the country alone, without reading the ZIP dataset (an HTTP ingress refuses at once)."""
    country = (country or "US").strip().upper()
    if country in countries:
        return None
    return Destination(postal_code, country, None, Unservable.OUTSIDE_NETWORK)


def destination(
    postal_code: str, country: str, *, countries: frozenset[str] = frozenset({"US"})
) -> Destination:
    """Locate a ship-to address in a network whose FCs are in `countries`."""
    refused = abroad(postal_code, country, countries=countries)
    if refused is not None:
        return refused
    country = (country or "US").strip().upper()
    where = locate(postal_code, country)
    if where is None:
        return Destination(postal_code, country, None, Unservable.UNKNOWN_POSTAL_CODE)
    return Destination(postal_code, country, where)
