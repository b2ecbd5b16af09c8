"""Delivery dates the storefront may show a buyer: a speed is offered only when, for every line of
the cart, an FC holding enough of it can meet that speed to the buyer's ZIP code, and the date
shown is the latest of the lines' earliest promises (the parcel that arrives last).

It uses the same network and promise rules as the order router (`stockpath_network`), on the
fulfillable stock per FC that inventory reports; the router decides the real shipment and may
split an order, so this is an estimate made honestly from the same facts, not a reservation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from stockpath_events import ShippingSpeed
from stockpath_network import FulfillmentCenter, countries, destination, distance_km, promise


@dataclass(frozen=True)
class Wanted:
    """One line of what the buyer wants: units of an FNSKU, and where they are (units per FC)."""

    fnsku: str
    quantity: int
    stock: Mapping[str, int]


@dataclass(frozen=True)
class DeliveryOptions:
    """The speeds the buyer may choose for a ZIP code and the date each one arrives by; or why
    the storefront cannot deliver there at all (`refused`)."""

    offered: dict[ShippingSpeed, date]
    refused: str | None = None


def delivery_options(
    wanted: Sequence[Wanted],
    postal_code: str,
    country: str,
    now: datetime,
    centers: Sequence[FulfillmentCenter],
) -> DeliveryOptions:
    where = destination(postal_code, country, countries=countries(centers))
    if where.coordinates is None:
        return DeliveryOptions({}, where.reason)
    by_id = {fc.fulfillment_center_id: fc for fc in centers}
    offered: dict[ShippingSpeed, date] = {}
    for speed in ShippingSpeed:
        latest: date | None = None
        for line in wanted:
            dates = [
                p.deliver_by
                for fc_id, units in line.stock.items()
                if units >= line.quantity and fc_id in by_id
                for p in [
                    promise(
                        by_id[fc_id],
                        distance_km(by_id[fc_id].coordinates, where.coordinates),
                        speed,
                        now,
                    )
                ]
                if p is not None
            ]
            if not dates:
                latest = None
                break
            latest = max(latest or min(dates), min(dates))
        if latest is not None and wanted:
            offered[speed] = latest
    return DeliveryOptions(offered)
