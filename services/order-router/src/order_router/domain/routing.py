"""Routing policies: given an order's resolved lines and the stock each FC can still allocate,
decide which FC ships what. Pure functions of their inputs — no database, no clock — so a
policy is unit-tested on its own and swapped without touching how stock is locked or reserved.

The service layer locks the stock rows, asks the policy for a `RoutingPlan`, and applies
the plan (reserve, instruct) in the same transaction, so a plan is always made on figures
no concurrent order can change.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from order_router.domain.model import LineFailure, ReasonCode, ResolvedLine
from stockpath_events import FulfillmentPolicy, ShippingSpeed
from stockpath_network import FulfillmentCenter, distance_to


@dataclass(frozen=True)
class StockLevel:
    """Units of one FNSKU an FC can still promise to orders (on hand minus reserved)."""

    fnsku: str
    fulfillment_center_id: str
    allocatable: int


@dataclass(frozen=True)
class RoutingRequest:
    order_id: str
    lines: tuple[ResolvedLine, ...]
    ship_to_postal_code: str
    shipping_speed: ShippingSpeed
    fulfillment_policy: FulfillmentPolicy


@dataclass(frozen=True)
class Allocation:
    """One fulfillment order: the lines (and quantities) one FC ships."""

    fulfillment_center_id: str
    lines: tuple[ResolvedLine, ...]


@dataclass(frozen=True)
class RoutingPlan:
    allocations: tuple[Allocation, ...]
    #: Lines the plan cannot ship, with the reason; a fill-or-kill plan with any is rejected whole.
    unfilled: tuple[LineFailure, ...] = ()

    def __post_init__(self) -> None:
        # An order must end with an outcome: a plan that ships nothing has to say why.
        if not self.allocations and not self.unfilled:
            raise ValueError("a routing plan needs allocations or unfilled lines")

    @property
    def routed(self) -> bool:
        return bool(self.allocations) and not self.unfilled


class RoutingPolicy(Protocol):
    def plan(self, request: RoutingRequest, stock: Sequence[StockLevel]) -> RoutingPlan: ...


class NearestSingleCenterPolicy:
    """Ship the whole order from one FC: the nearest to the buyer among the FCs that offer the
    order's shipping speed and can fill every line.

    Every fulfillment policy is treated as fill-or-kill for now: an order no single FC can
    fill is rejected, and the lines no FC could fill even alone carry INSUFFICIENT_INVENTORY.
    Split shipments, fill-all (backorders) and fill-all-available are later policies.
    """

    def __init__(self, centers: Sequence[FulfillmentCenter]) -> None:
        self._centers = {fc.fulfillment_center_id: fc for fc in centers}

    def plan(self, request: RoutingRequest, stock: Sequence[StockLevel]) -> RoutingPlan:
        demand: dict[str, int] = defaultdict(int)
        for line in request.lines:
            demand[line.fnsku] += line.quantity  # two lines of one FNSKU draw on the same units

        available: dict[str, dict[str, int]] = defaultdict(dict)  # fc id -> fnsku -> units
        for level in stock:
            fc = self._centers.get(level.fulfillment_center_id)
            if fc is None or request.shipping_speed not in fc.speeds:
                continue  # stock in an FC that cannot ship this order counts for nothing
            available[fc.fulfillment_center_id][level.fnsku] = max(0, level.allocatable)

        candidates = [
            self._centers[fc_id]
            for fc_id, units in available.items()
            if all(units.get(fnsku, 0) >= qty for fnsku, qty in demand.items())
        ]
        if candidates:
            # Nearest first; the FC id breaks ties so the same inputs always give the same plan.
            best = min(
                candidates,
                key=lambda fc: (distance_to(fc, request.ship_to_postal_code), fc.fulfillment_center_id),
            )
            return RoutingPlan((Allocation(best.fulfillment_center_id, request.lines),))
        return RoutingPlan((), self._shortfalls(request, demand, available))

    @staticmethod
    def _shortfalls(
        request: RoutingRequest, demand: dict[str, int], available: dict[str, dict[str, int]]
    ) -> tuple[LineFailure, ...]:
        speed = request.shipping_speed.value
        best = {fnsku: max((units.get(fnsku, 0) for units in available.values()), default=0) for fnsku in demand}
        short = [
            LineFailure(
                line.line_id,
                ReasonCode.INSUFFICIENT_INVENTORY,
                f"{demand[line.fnsku]} unit(s) of {line.fnsku} ordered; at most {best[line.fnsku]} "
                f"available at any fulfillment center that ships {speed}",
            )
            for line in request.lines
            if demand[line.fnsku] > best[line.fnsku]
        ]
        if short:
            return tuple(short)
        # Each FNSKU is in stock somewhere, but no one FC holds them all and this policy does
        # not split: every line is short of a single-FC shipment.
        return tuple(
            LineFailure(
                line.line_id,
                ReasonCode.INSUFFICIENT_INVENTORY,
                f"no single fulfillment center that ships {speed} holds every item of the order",
            )
            for line in request.lines
        )
