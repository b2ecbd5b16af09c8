"""Customer returns as order-router authorizes them: who may authorize a return of which shipped
units of an order, and how many. Pure rules; the caller says who asks and what shipped.

- The order's channel (and the operator) may authorize a return of any shipped units of it; a
  seller, of the shipped units of its own lines only: an order with none of its lines reads as
  unknown to it, as another party's order does.
- A line may be returned up to the units shipped of it, less those already authorized for return.
- The return goes to the FC that shipped the line (the first one, when it shipped from several),
  or the FC the request names, if that FC shipped it.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from order_router.domain.fulfillment import FulfillmentOrder, FulfillmentOrderStatus
from order_router.domain.model import ResolvedLine
from order_router.domain.ownership import Party, PartyKind


class ReturnRefused(Exception):
    """A return that cannot be authorized as asked (more than shipped, a line not shipped)."""


class ReturnReportRefused(Exception):
    """An FC's report of a return this router cannot accept: a return it never authorized, another
    FC's, or FNSKUs or units it did not authorize. The report is dead-lettered with this reason;
    nothing moves."""


@dataclass(frozen=True)
class ReturnRequestLine:
    line_id: str
    quantity: int


@dataclass(frozen=True)
class CustomerReturn:
    """A return authorized for shipped units of an order, to be sent to one FC."""

    return_id: str
    order_id: str
    fulfillment_center_id: str
    lines: tuple[ResolvedLine, ...]
    reason: str | None
    authorized_by: str
    #: What the FC reported receiving, (fnsku, quantity, condition); None until it did.
    received: tuple[tuple[str, int, str], ...] | None = None

    @property
    def status(self) -> str:
        """AUTHORIZED until the FC reports what came back, then RECEIVED."""
        return "AUTHORIZED" if self.received is None else "RECEIVED"

    def seen_by(self, seller_id: str) -> CustomerReturn:
        """The return as one seller of its lines sees it: its own lines, and what came back of them."""
        lines = tuple(line for line in self.lines if line.seller_id == seller_id)
        fnskus = {line.fnsku for line in lines}
        received = (
            tuple(r for r in self.received if r[0] in fnskus) if self.received is not None else None
        )
        return replace(self, lines=lines, received=received)


def return_id(order_id: str, sequence: int) -> str:
    """The id of an order's `sequence`-th return (1-based): the same order and number, the same id."""
    digest = hashlib.sha256(f"{order_id}\x1f{sequence}".encode()).hexdigest().upper()
    return f"RT{digest[:14]}"


def returnable_by(party: Party, lines: Iterable[ResolvedLine]) -> bool:
    """Whether `party` (who may see the order, or a seller) may return any of these lines."""
    return party.kind is not PartyKind.SELLER or any(line.seller_id == party.name for line in lines)


def authorize(
    party: Party,
    order_id: str,
    requested: Sequence[ReturnRequestLine],
    fulfillment_orders: Sequence[FulfillmentOrder],
    earlier: Sequence[CustomerReturn],
    *,
    fulfillment_center_id: str | None = None,
    reason: str | None = None,
) -> CustomerReturn:
    """The return `party` asks for, or ReturnRefused saying why."""
    shipped = [fo for fo in fulfillment_orders if fo.status is FulfillmentOrderStatus.SHIPPED]
    shipped_units: Counter[str] = Counter()
    shipped_from: dict[str, list[str]] = {}
    resolved: dict[str, ResolvedLine] = {}
    for fo in shipped:
        for line in fo.lines:
            shipped_units[line.line_id] += line.quantity
            shipped_from.setdefault(line.line_id, []).append(fo.fulfillment_center_id)
            resolved.setdefault(line.line_id, line)
    returned: Counter[str] = Counter()
    for earlier_return in earlier:
        for line in earlier_return.lines:
            returned[line.line_id] += line.quantity
    asked: Counter[str] = Counter()
    for request in requested:
        asked[request.line_id] += request.quantity

    problems = []
    for line_id, quantity in asked.items():
        shipped_line = resolved.get(line_id)
        if shipped_line is None or (
            party.kind is PartyKind.SELLER and shipped_line.seller_id != party.name
        ):
            problems.append(f"line {line_id} has no shipped units to return")
            continue
        left = shipped_units[line_id] - returned[line_id]
        if quantity > left:
            problems.append(
                f"line {line_id}: {quantity} unit(s) asked, {left} returnable "
                f"({shipped_units[line_id]} shipped, {returned[line_id]} already authorized for return)"
            )
    if problems:
        raise ReturnRefused("; ".join(problems))
    centers = [center for line_id in asked for center in shipped_from[line_id]]
    if fulfillment_center_id is not None and fulfillment_center_id not in centers:
        raise ReturnRefused(f"{fulfillment_center_id} shipped none of these lines")
    return CustomerReturn(
        return_id=return_id(order_id, len(earlier) + 1),
        order_id=order_id,
        fulfillment_center_id=fulfillment_center_id or centers[0],
        lines=tuple(
            ResolvedLine(
                line_id,
                resolved[line_id].fnsku,
                resolved[line_id].seller_id,
                resolved[line_id].seller_sku,
                q,
            )
            for line_id, q in asked.items()
        ),
        reason=reason,
        authorized_by=f"{party.kind.value}:{party.name}",
    )


def every_shipped_unit_back(
    fulfillment_orders: Sequence[FulfillmentOrder], returns: Sequence[CustomerReturn]
) -> bool:
    """Whether the FCs received back every unit the order shipped (its status is then RETURNED)."""
    shipped = sum(
        line.quantity
        for fo in fulfillment_orders
        if fo.status is FulfillmentOrderStatus.SHIPPED
        for line in fo.lines
    )
    back = sum(quantity for r in returns if r.received for _, quantity, _ in r.received)
    return shipped > 0 and back >= shipped


def check_report(
    authorized: CustomerReturn | None,
    return_id: str,
    fulfillment_center_id: str,
    received: Sequence[tuple[str, int, str]],
) -> None:
    """An FC's report of what came back of a return (fnsku, quantity, condition), checked against
    the return authorized: ReturnReportRefused saying why unless it is that FC's and names no FNSKU
    and no unit more than authorized (fewer is fine: the rest never came back)."""
    if authorized is None:
        raise ReturnReportRefused(f"return {return_id} was never authorized")
    if fulfillment_center_id != authorized.fulfillment_center_id:
        raise ReturnReportRefused(
            f"return {return_id} goes to {authorized.fulfillment_center_id}, "
            f"not {fulfillment_center_id}"
        )
    allowed: Counter[str] = Counter()
    for line in authorized.lines:
        allowed[line.fnsku] += line.quantity
    reported: Counter[str] = Counter()
    for fnsku, quantity, _ in received:
        reported[fnsku] += quantity
    problems = [
        f"{quantity} unit(s) of {fnsku} reported, {allowed[fnsku]} authorized"
        for fnsku, quantity in reported.items()
        if quantity > allowed[fnsku]
    ]
    if problems:
        raise ReturnReportRefused(f"return {return_id}: {'; '.join(problems)}")
