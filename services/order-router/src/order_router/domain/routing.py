"""Routing policies: given an order's resolved lines and the stock each FC can still allocate,
decide which FC ships what. Pure functions of their inputs — no database, no clock — so a
policy is unit-tested on its own and swapped without touching how stock is locked or reserved.

The service layer locks the stock rows, asks the policy for a `RoutingPlan`, and applies
the plan (reserve, instruct) in the same transaction, so a plan is always made on figures
no concurrent order can change.

Only FCs that can meet the order's speed to the buyer's address count (`stockpath_network.promise`:
the FC offers the speed and the distance band allows it); each allocation carries the FC's promise
(ship-by, deliver-by), judged at the request's `now` — the time of the event that asked, never the
clock. An address the network cannot deliver to (another country, no such ZIP) is refused whole.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import combinations
from typing import Protocol

from order_router.domain.model import LineFailure, ReasonCode, ResolvedLine
from stockpath_events import FulfillmentPolicy, ShippingSpeed
from stockpath_network import (
    FulfillmentCenter,
    Promise,
    Unservable,
    countries,
    destination,
    distance_km,
    promise,
)


@dataclass(frozen=True)
class StockLevel:
    """Units of one FNSKU an FC can still promise to orders: inventory's basis (fulfillable +
    reserved + shipped) minus the reservations this service has made there."""

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
    #: When routing is asked for: the time of the event that asks (cut-offs are judged against it).
    now: datetime
    ship_to_country: str = "US"


@dataclass(frozen=True)
class Allocation:
    """One fulfillment order: the lines (and quantities) one FC ships, and what it promises."""

    fulfillment_center_id: str
    lines: tuple[ResolvedLine, ...]
    promise: Promise | None = None


@dataclass(frozen=True)
class RoutingPlan:
    allocations: tuple[Allocation, ...]
    #: Why the order cannot ship at all (fill-or-kill short of stock): it is rejected whole.
    unfilled: tuple[LineFailure, ...] = ()
    #: Units the plan leaves unallocated under fill-all (backordered) or fill-all-available
    #: (cancelled): each line with the quantity still missing.
    short: tuple[ResolvedLine, ...] = ()

    def __post_init__(self) -> None:
        # An order must end with an outcome: a plan that ships nothing has to say why.
        if not self.allocations and not self.unfilled and not self.short:
            raise ValueError("a routing plan needs allocations, unfilled or short lines")

    @property
    def routed(self) -> bool:
        return bool(self.allocations) and not self.unfilled


class RoutingPolicy(Protocol):
    def plan(self, request: RoutingRequest, stock: Sequence[StockLevel]) -> RoutingPlan: ...


class FewestShipmentsPolicy:
    """Ship from the FCs that can meet the order's shipping speed to the buyer, with the fewest
    shipments, then the shortest distance to the buyer (sum over the shipments), splitting across
    FCs only when no single FC can fill the order (one fulfillment order per FC).

    An address outside the network's country, or with a postal code that does not exist there,
    is refused whole (fill-or-kill or not): nothing could ever ship to it.

    When the stock cannot fill the order: fill-or-kill rejects it whole (each short line says how
    much exists); fill-all and fill-all-available ship what exists — first-come lines first — and
    return the rest as `short` (the service backorders or cancels it).

    Deterministic: the FC id breaks every tie, so the same inputs always give the same plan.
    """

    #: Above this many candidate FCs the exact search over FC sets gives way to a greedy cover.
    EXACT_SEARCH_LIMIT = 10

    def __init__(self, centers: Sequence[FulfillmentCenter]) -> None:
        self._centers = {fc.fulfillment_center_id: fc for fc in centers}
        self._countries = countries(centers)

    def plan(self, request: RoutingRequest, stock: Sequence[StockLevel]) -> RoutingPlan:
        where = destination(
            request.ship_to_postal_code, request.ship_to_country, countries=self._countries
        )
        if where.coordinates is None:
            return RoutingPlan((), _unservable(request, where.unservable, where.reason))
        available: dict[str, dict[str, int]] = defaultdict(dict)  # fc id -> fnsku -> units
        distance: dict[str, float] = {}
        promises: dict[str, Promise] = {}
        for level in stock:
            fc = self._centers.get(level.fulfillment_center_id)
            if fc is None:
                continue
            fc_id = fc.fulfillment_center_id
            if fc_id not in distance:
                distance[fc_id] = distance_km(fc.coordinates, where.coordinates)
                offer = promise(fc, distance[fc_id], request.shipping_speed, request.now)
                if offer is not None:
                    promises[fc_id] = offer
            if fc_id not in promises:
                continue  # stock in an FC that cannot meet this order's speed counts for nothing
            available[fc_id][level.fnsku] = max(0, level.allocatable)
        demand = _demand(request.lines)
        centers = self._cover(demand, available, distance)
        if centers is not None:
            return RoutingPlan(_assign(request.lines, centers, available, promises))
        if request.fulfillment_policy is FulfillmentPolicy.FILL_OR_KILL:
            return RoutingPlan((), _shortfalls(request, demand, available))
        # Ship what exists: ration each FNSKU's total over the lines in order.
        left = {fnsku: sum(units.get(fnsku, 0) for units in available.values()) for fnsku in demand}
        fillable, short = [], []
        for line in request.lines:
            take = min(line.quantity, left[line.fnsku])
            left[line.fnsku] -= take
            if take:
                fillable.append(replace(line, quantity=take))
            if line.quantity - take:
                short.append(replace(line, quantity=line.quantity - take))
        allocations: tuple[Allocation, ...] = ()
        if fillable:
            centers = self._cover(_demand(fillable), available, distance)
            allocations = _assign(fillable, centers or [], available, promises)
        return RoutingPlan(allocations, (), tuple(short))

    def _cover(
        self,
        demand: dict[str, int],
        available: dict[str, dict[str, int]],
        distance: dict[str, float],
    ) -> list[str] | None:
        """The FCs (nearest first) that fill `demand` with the fewest shipments, then the least
        total distance; None when even all of them together cannot."""
        candidates = sorted(
            (fc for fc, units in available.items() if any(units.get(f, 0) for f in demand)),
            key=lambda fc: (distance[fc], fc),
        )

        def fills(fcs) -> bool:
            return all(sum(available[fc].get(f, 0) for fc in fcs) >= q for f, q in demand.items())

        if not fills(candidates):
            return None
        if len(candidates) > self.EXACT_SEARCH_LIMIT:
            return _greedy_cover(demand, available, candidates)
        for size in range(1, len(candidates) + 1):
            feasible = [fcs for fcs in combinations(candidates, size) if fills(fcs)]
            if feasible:
                best = min(feasible, key=lambda fcs: (sum(distance[fc] for fc in fcs), fcs))
                return sorted(best, key=lambda fc: (distance[fc], fc))
        return None  # unreachable: all candidates together fill the demand


def _demand(lines: Sequence[ResolvedLine]) -> dict[str, int]:
    demand: dict[str, int] = defaultdict(int)
    for line in lines:
        demand[line.fnsku] += line.quantity  # two lines of one FNSKU draw on the same units
    return dict(demand)


def _greedy_cover(demand, available, candidates: list[str]) -> list[str]:
    """Repeatedly take the FC that covers most of what is still missing (nearest on a tie)."""
    missing, chosen = dict(demand), []
    while any(q > 0 for q in missing.values()):
        best = max(
            (fc for fc in candidates if fc not in chosen),
            key=lambda fc: sum(
                min(q, available[fc].get(f, 0)) for f, q in missing.items() if q > 0
            ),
        )
        chosen.append(best)
        for f in missing:
            missing[f] -= min(missing[f], available[best].get(f, 0))
    return sorted(chosen, key=candidates.index)


def _assign(
    lines: Sequence[ResolvedLine],
    centers: list[str],
    available: dict[str, dict[str, int]],
    promises: dict[str, Promise],
) -> tuple[Allocation, ...]:
    """Give each line its units from the chosen FCs, nearest first; a line is split only when one
    FC does not hold all of it."""
    left = {fc: dict(available[fc]) for fc in centers}
    per_fc: dict[str, list[ResolvedLine]] = {fc: [] for fc in centers}
    for line in lines:
        wanted = line.quantity
        for fc in centers:
            take = min(wanted, left[fc].get(line.fnsku, 0))
            if take:
                per_fc[fc].append(replace(line, quantity=take))
                left[fc][line.fnsku] -= take
                wanted -= take
            if not wanted:
                break
    return tuple(
        Allocation(fc, tuple(per_fc[fc]), promises.get(fc)) for fc in centers if per_fc[fc]
    )


def _unservable(
    request: RoutingRequest, why: Unservable | None, reason: str
) -> tuple[LineFailure, ...]:
    code = (
        ReasonCode.SHIP_TO_OUTSIDE_NETWORK
        if why is Unservable.OUTSIDE_NETWORK
        else ReasonCode.SHIP_TO_UNKNOWN_POSTAL_CODE
    )
    return tuple(LineFailure(line.line_id, code, reason) for line in request.lines)


def _shortfalls(
    request: RoutingRequest, demand: dict[str, int], available: dict[str, dict[str, int]]
) -> tuple[LineFailure, ...]:
    speed = request.shipping_speed.value
    total = {fnsku: sum(units.get(fnsku, 0) for units in available.values()) for fnsku in demand}
    return tuple(
        LineFailure(
            line.line_id,
            ReasonCode.INSUFFICIENT_INVENTORY,
            f"{demand[line.fnsku]} unit(s) of {line.fnsku} ordered; {total[line.fnsku]} available at the "
            f"fulfillment centers that ship {speed} to {request.ship_to_postal_code}",
        )
        for line in request.lines
        if demand[line.fnsku] > total[line.fnsku]
    )
