"""Allocation: orders take units of the stock rows a unit of work locked, and never more than a
row holds.

The service layer locks the stock rows of the FNSKUs it is about to route (so no concurrent
order can change them until commit) and hands their levels to an `Allocator`. From then on the
allocator is the only account of that stock: each order is planned (by the routing policy)
against what earlier orders of the same unit of work left, and `allocate` takes the plan's units
off the rows — all of them or, if any row holds fewer than asked, none (AllocationFailed: a
policy bug, never a race). What was taken is written in bulk (`take`): reservations per row and
the fulfillment orders holding them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from order_router.domain.fulfillment import FulfillmentOrder
from order_router.domain.identifiers import fulfillment_order_id
from order_router.domain.model import Order, ResolvedLine
from order_router.domain.routing import RoutingPlan, RoutingPolicy, RoutingRequest, StockLevel
from stockpath_events import FulfillmentPolicy


class AllocationFailed(RuntimeError):
    """A plan asked for units a locked stock row does not have: a policy bug, never a race."""


@dataclass(frozen=True)
class Allocated:
    """What orders took since the allocator was last asked: the units to reserve per stock row
    (fnsku, fulfillment_center_id), and the fulfillment orders that hold them."""

    reservations: dict[tuple[str, str], int]
    fulfillment_orders: tuple[FulfillmentOrder, ...]


class Allocator:
    """The stock of the FNSKUs one unit of work locked, and the orders allocated from it."""

    def __init__(
        self,
        policy: RoutingPolicy,
        *,
        fulfillment_order_id: Callable[[str, str, str], str] = fulfillment_order_id,
    ) -> None:
        self._policy = policy
        self._fulfillment_order_id = fulfillment_order_id
        self._allocatable: dict[str, dict[str, int]] = {}  # fnsku -> fc -> units left
        self._reservations: Counter[tuple[str, str]] = Counter()
        self._fulfillment_orders: list[FulfillmentOrder] = []

    def unheld(self, fnskus: Iterable[str]) -> list[str]:
        """Those of `fnskus` whose stock is not held yet, sorted: the order to lock their rows in."""
        return sorted(set(fnskus) - self._allocatable.keys())

    def hold(self, fnskus: Iterable[str], levels: Iterable[StockLevel]) -> None:
        """Account for the stock of `fnskus` from now on: `levels` are their locked rows (an
        FNSKU without a row has no stock anywhere). Holding an FNSKU twice would forget what
        orders took of it, so it is refused."""
        fnskus = set(fnskus)
        again = sorted(fnskus & self._allocatable.keys())
        if again:
            raise ValueError(f"the stock of {', '.join(again)} is held already")
        for fnsku in sorted(fnskus):
            self._allocatable[fnsku] = {}
        for level in levels:
            if level.fnsku not in fnskus:
                raise ValueError(f"a stock level of {level.fnsku}, which was not locked")
            self._allocatable[level.fnsku][level.fulfillment_center_id] = level.allocatable

    def allocatable(self, fnsku: str, fulfillment_center_id: str) -> int:
        """The units of `fnsku` left at an FC for the next order."""
        return self._held(fnsku).get(fulfillment_center_id, 0)

    def plan(
        self,
        order: Order,
        lines: Iterable[ResolvedLine],
        fulfillment_policy: FulfillmentPolicy,
        *,
        now: datetime,
        excluding: Collection[str] = (),
    ) -> RoutingPlan:
        """The policy's plan for these lines of `order`, against the stock left, promising dates as
        of `now` (the time of the event that asks for it); the FCs `excluding` names are not used
        (the one that just reported it could not ship these units)."""
        lines = tuple(lines)
        stock = [
            StockLevel(fnsku, fc, units)
            for fnsku in sorted({line.fnsku for line in lines})
            for fc, units in self._held(fnsku).items()
            if fc not in excluding
        ]
        return self._policy.plan(
            RoutingRequest(
                order_id=order.order_id,
                lines=lines,
                ship_to_postal_code=order.ship_to.postal_code,
                shipping_speed=order.shipping_speed,
                fulfillment_policy=fulfillment_policy,
                now=now,
                ship_to_country=order.ship_to.country,
            ),
            stock,
        )

    def allocate(
        self, order_id: str, plan: RoutingPlan, *, cause_id: str
    ) -> tuple[FulfillmentOrder, ...]:
        """Take the plan's units off the stock rows: one fulfillment order per FC it ships from,
        named after `cause_id` (the event that decided it). All or nothing: a plan asking any row
        for more than it holds changes nothing."""
        wanted: Counter[tuple[str, str]] = Counter()
        for allocation in plan.allocations:
            for line in allocation.lines:
                if line.quantity <= 0:
                    raise AllocationFailed(
                        f"order {order_id}: line {line.line_id} allocates {line.quantity} unit(s)"
                    )
                wanted[(line.fnsku, allocation.fulfillment_center_id)] += line.quantity
        for (fnsku, fc), quantity in sorted(wanted.items()):
            if quantity > self.allocatable(fnsku, fc):
                raise AllocationFailed(
                    f"order {order_id}: {quantity} unit(s) of {fnsku} are not allocatable at {fc}"
                )
        for (fnsku, fc), quantity in wanted.items():
            self._allocatable[fnsku][fc] -= quantity
        self._reservations.update(wanted)
        instructed = tuple(
            FulfillmentOrder(
                self._fulfillment_order_id(cause_id, order_id, allocation.fulfillment_center_id),
                order_id,
                allocation.fulfillment_center_id,
                allocation.lines,
            )
            for allocation in plan.allocations
        )
        self._fulfillment_orders.extend(instructed)
        return instructed

    def take(self) -> Allocated:
        """What orders took since the last call, to be written before the unit of work commits."""
        taken = Allocated(dict(sorted(self._reservations.items())), tuple(self._fulfillment_orders))
        self._reservations, self._fulfillment_orders = Counter(), []
        return taken

    def _held(self, fnsku: str) -> dict[str, int]:
        try:
            return self._allocatable[fnsku]
        except KeyError:
            raise ValueError(f"the stock of {fnsku} is not held; lock its rows first") from None
