"""Which fulfillment center an inbound shipment goes to.

`choose_fulfillment_center` sends a whole shipment to one FC (``POST /v1/inbound-shipments``):
the one with the most inbound capacity that can take every unit, ties broken by FC id so the
same request always gets the same plan. `split_across_centers` makes an inbound *plan*
(``POST /v1/inbound-plans``): the FC nearest the seller first, spilling into the next when
one is full, so a plan too large for any single FC becomes several shipments.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar


class InboundCapacity(Protocol):
    # Read-only: the network's FulfillmentCenter is a frozen model.
    @property
    def fulfillment_center_id(self) -> str: ...

    @property
    def inbound_capacity_units(self) -> int: ...


class NoFulfillmentCenterCanTake(Exception):
    """No single FC (or, for a plan, not the whole network) accepts this many units."""

    def __init__(self, units: int, largest: int, *, whole_network: bool = False) -> None:
        if whole_network:
            message = (
                f"the fulfillment network accepts at most {largest} units in one inbound plan and this plan has "
                f"{units}: send the rest in a later plan"
            )
        else:
            message = (
                f"no fulfillment center accepts {units} units in one inbound shipment; "
                f"the largest takes {largest}: plan it with POST /v1/inbound-plans, which splits it across FCs"
            )
        super().__init__(message)
        self.units = units
        self.largest = largest


FC = TypeVar("FC", bound=InboundCapacity)


def choose_fulfillment_center(centers: Iterable[FC], units: int) -> FC:
    candidates = list(centers)
    able = [fc for fc in candidates if fc.inbound_capacity_units >= units]
    if not able:
        raise NoFulfillmentCenterCanTake(
            units, max((fc.inbound_capacity_units for fc in candidates), default=0)
        )
    return min(able, key=lambda fc: (-fc.inbound_capacity_units, fc.fulfillment_center_id))


@dataclass(frozen=True)
class Allocation:
    """The units of one seller SKU one FC is to receive."""

    fulfillment_center_id: str
    seller_sku: str
    quantity: int


def split_across_centers(
    centers: Iterable[FC],
    lines: Sequence[tuple[str, int]],
    *,
    distance: Callable[[FC], float] | None = None,
) -> list[Allocation]:
    """Place every unit, filling the preferred FC up to its inbound capacity before the next.

    FCs are preferred by `distance` from where the seller ships (nearer is cheaper and faster to
    receive), otherwise by capacity; ties by FC id, so the same request gets the same plan. A
    line spills into the next FC only when the current one is full, so most plans stay one
    shipment and a large one splits into as few as the network allows.
    """
    candidates = sorted(
        centers,
        key=lambda fc: (
            distance(fc) if distance else 0.0,
            -fc.inbound_capacity_units,
            fc.fulfillment_center_id,
        ),
    )
    units = sum(q for _, q in lines)
    room = {fc.fulfillment_center_id: fc.inbound_capacity_units for fc in candidates}
    if units > sum(room.values()):
        raise NoFulfillmentCenterCanTake(units, sum(room.values()), whole_network=True)
    allocations: list[Allocation] = []
    for sku, quantity in lines:
        left = quantity
        for fc in candidates:
            take = min(left, room[fc.fulfillment_center_id])
            if take:
                allocations.append(Allocation(fc.fulfillment_center_id, sku, take))
                room[fc.fulfillment_center_id] -= take
                left -= take
            if not left:
                break
    return allocations
