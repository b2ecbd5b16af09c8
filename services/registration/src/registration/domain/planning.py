"""Which fulfillment center an inbound shipment goes to.

The skeleton sends a whole shipment to one FC: the one with the most inbound capacity that
can take every unit, ties broken by FC id so the same request always gets the same plan.
A later version splits a shipment across FCs; it only replaces this function.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, TypeVar


class InboundCapacity(Protocol):
    fulfillment_center_id: str
    inbound_capacity_units: int


class NoFulfillmentCenterCanTake(Exception):
    """No single FC accepts this many units in one shipment."""

    def __init__(self, units: int, largest: int) -> None:
        super().__init__(
            f"no fulfillment center accepts {units} units in one inbound shipment; "
            f"the largest takes {largest}: split the stock into several shipments"
        )
        self.units = units
        self.largest = largest


FC = TypeVar("FC", bound=InboundCapacity)


def choose_fulfillment_center(centers: Iterable[FC], units: int) -> FC:
    candidates = list(centers)
    able = [fc for fc in candidates if fc.inbound_capacity_units >= units]
    if not able:
        raise NoFulfillmentCenterCanTake(units, max((fc.inbound_capacity_units for fc in candidates), default=0))
    return min(able, key=lambda fc: (-fc.inbound_capacity_units, fc.fulfillment_center_id))
