"""FC exceptions: an FC reports it cannot ship a fulfillment order, or units of it (short pick,
damaged at pick: FulfillmentRejectedByCenter, issue 15). The missing units are re-routed to other
FCs under the order's fulfillment policy, exactly once:

- the first exception of a fulfillment order is the one handled (claimed in
  `fulfillment_exceptions`); the same report again, under the same event id or another, changes
  nothing; one for a fulfillment order that is not INSTRUCTED (shipped, cancelled) neither;
- the fulfillment order keeps what the FC still ships (FAILED when nothing); its missing units'
  reservations are released, and units lost or damaged leave the FC's basis (`stock.write_off`);
- the missing units are planned against every other FC (never the one that reported them), with
  dates promised as of the report: what is found is instructed (FulfillmentInstructed, ids derived
  from the exception event) and announced (OrderRouted); what is not is backordered under
  fill-all (OrderBackordered), else cancelled — in OrderRouted's cancelled_lines when something was
  re-routed, else in OrderRejected (reason code INSUFFICIENT_INVENTORY); an order of which nothing
  will ship any more is REJECTED, one whose every remaining fulfillment order shipped is SHIPPED.

Runs in the runtime's unit of work and never commits; every event names the exception as cause.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import structlog

from order_router.domain.commands import RerouteMissingUnits
from order_router.domain.fulfillment import FulfillmentOrder, FulfillmentOrderStatus
from order_router.domain.model import LineFailure, Order, OrderStatus, ReasonCode
from order_router.domain.routing import RoutingPolicy
from order_router.service_layer.routing import Routing, latest_day
from order_router.service_layer.unit_of_work import OrderRouterUnitOfWork
from stockpath_events import FulfillmentPolicy
from stockpath_events.types.order_router import (
    BackorderedLine,
    CancelledLine,
    OrderBackordered,
    OrderRejected,
    OrderRouted,
    RejectedLine,
)

log = structlog.get_logger("order_router")

INSTRUCTED, SHIPPED = FulfillmentOrderStatus.INSTRUCTED, FulfillmentOrderStatus.SHIPPED


async def reroute_missing_units(
    commands: list[RerouteMissingUnits], uow: OrderRouterUnitOfWork, *, policy: RoutingPolicy
) -> None:
    """Handle each fulfillment order's first FC exception, in the order they came."""
    for command in commands:
        await _reroute(command, uow, policy)


async def _reroute(
    command: RerouteMissingUnits, uow: OrderRouterUnitOfWork, policy: RoutingPolicy
) -> None:
    found = await uow.orders.get(command.order_id, lock=True)
    fo = await uow.fulfillment_orders.get(command.fulfillment_order_id)
    if (
        found is None
        or fo is None
        or fo.order_id != command.order_id
        or fo.fulfillment_center_id != command.fulfillment_center_id
    ):
        log.warning(
            "FC exception for an unknown fulfillment order ignored",
            fulfillment_order_id=command.fulfillment_order_id,
        )
        return
    if fo.status is not INSTRUCTED:
        log.info(
            "FC exception for a fulfillment order no longer instructed ignored",
            fulfillment_order_id=fo.fulfillment_order_id,
            status=fo.status,
        )
        return
    if not await uow.fulfillment_orders.claim_exception(fo.fulfillment_order_id, command.cause.id):
        log.info("FC exception already handled", fulfillment_order_id=fo.fulfillment_order_id)
        return
    order, status = found
    missing = _missing(command, fo)
    if not missing:
        return
    by_line = {line.line_id: line for line in fo.lines}
    fc = fo.fulfillment_center_id
    lines = tuple(
        replace(by_line[line_id], quantity=quantity) for line_id, quantity in missing.items()
    )
    # Every FC's row of these FNSKUs locked first, in the order routing takes them (the reporting
    # FC's row too: its release below then takes no further lock), so no deadlock with routing.
    routing = Routing(uow, policy)
    await routing.lock(line.fnsku for line in lines)
    released: Counter[tuple[str, str]] = Counter()
    for line_id, quantity in missing.items():
        released[(by_line[line_id].fnsku, fc)] += quantity
    await uow.stock.release(released)
    if command.missing is not None:  # short or damaged: those units are gone from the FC's stock
        await uow.stock.write_off(released, as_of=command.reported_at)
    await uow.fulfillment_orders.keep_only(
        fo.fulfillment_order_id,
        {line.line_id: line.quantity - missing.get(line.line_id, 0) for line in fo.lines},
    )
    log.info(
        "FC exception: re-routing",
        fulfillment_order_id=fo.fulfillment_order_id,
        fulfillment_center_id=fc,
        missing=missing,
    )

    plan = routing.allocator.plan(
        order, lines, order.fulfillment_policy, now=command.reported_at, excluding={fc}
    )
    await routing.read_quotes([order])
    routed = routing.instruct(order, plan, command.cause) if plan.allocations else []
    short: Counter[str] = Counter({line.line_id: line.quantity for line in plan.short})
    for failure in plan.unfilled:  # fill-or-kill: nothing of those lines could go anywhere
        short[failure.line_id] = missing[failure.line_id]
    record = await uow.orders.record(order.order_id)
    assert record is not None, order.order_id
    outcome = {o.line.line_id: o for o in record.lines}
    cancelled: list[CancelledLine] = []
    if short and order.fulfillment_policy is FulfillmentPolicy.FILL_ALL:
        routing.backordered[order.order_id] = {
            line_id: outcome[line_id].backordered + q for line_id, q in short.items()
        }
        routing.statuses[order.order_id] = OrderStatus.BACKORDERED
        uow.emit(
            OrderBackordered(
                order_id=order.order_id,
                lines=[
                    BackorderedLine(line_id=line_id, quantity=q) for line_id, q in short.items()
                ],
            ),
            caused_by=command.cause,
        )
    elif short:
        routing.cancelled[order.order_id] = {
            line_id: outcome[line_id].cancelled + q for line_id, q in short.items()
        }
        reason = f"could not be re-routed after an FC exception at {fc}"
        cancelled = [
            CancelledLine(line_id=line_id, quantity=q, reason=reason)
            for line_id, q in short.items()
        ]
    if routed:
        uow.emit(
            OrderRouted(
                order_id=order.order_id,
                fulfillment_orders=routed,
                cancelled_lines=cancelled,
                ship_by=latest_day(r.ship_by for r in routed),
                deliver_by=latest_day(r.deliver_by for r in routed),
            ),
            caused_by=command.cause,
        )
    await routing.write()
    if cancelled and not routed:
        await _nothing_rerouted(order, status, cancelled, command, uow)


async def _nothing_rerouted(
    order: Order,
    status: OrderStatus,
    cancelled: list[CancelledLine],
    command: RerouteMissingUnits,
    uow: OrderRouterUnitOfWork,
) -> None:
    """The missing units go nowhere: say so with a reason code; the order is REJECTED when nothing
    of it will ship any more, SHIPPED when all that is left of it shipped."""
    failures = tuple(
        LineFailure(line.line_id, ReasonCode.INSUFFICIENT_INVENTORY, line.reason or "")
        for line in cancelled
    )
    left = [
        f
        for f in await uow.fulfillment_orders.of_order(order.order_id)
        if f.status in (INSTRUCTED, SHIPPED)
    ]
    if not left and status is not OrderStatus.BACKORDERED:
        await uow.orders.mark_rejected(order.order_id, failures)
    elif status is OrderStatus.ROUTED and all(f.status is SHIPPED for f in left):
        await uow.orders.set_statuses({order.order_id: OrderStatus.SHIPPED})
    uow.emit(
        OrderRejected(
            order_id=order.order_id,
            reason_code=ReasonCode.INSUFFICIENT_INVENTORY.value,
            lines=[
                RejectedLine(line_id=f.line_id, reason_code=f.reason_code.value, reason=f.reason)
                for f in failures
            ],
        ),
        caused_by=command.cause,
    )
    log.info(
        "FC exception: missing units not re-routed",
        order_id=order.order_id,
        cancelled=[c.line_id for c in cancelled],
    )


def _missing(command: RerouteMissingUnits, fo: FulfillmentOrder) -> dict[str, int]:
    """line_id → units the FC cannot ship, never more than the line holds (unknown lines ignored)."""
    held = {line.line_id: line.quantity for line in fo.lines}
    if command.missing is None:
        return {line_id: q for line_id, q in held.items() if q}
    missing: Counter[str] = Counter()
    for line in command.missing:
        if line.line_id in held:
            missing[line.line_id] = min(held[line.line_id], missing[line.line_id] + line.quantity)
        else:
            log.warning(
                "FC exception names a line the fulfillment order does not hold",
                line_id=line.line_id,
            )
    return {line_id: q for line_id, q in missing.items() if q}
