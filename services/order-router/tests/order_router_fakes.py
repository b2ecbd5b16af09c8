"""In-memory stand-ins for the order router's repositories and unit of work, so its handlers are
tested without a database (a unique module name, so it never shadows another package's helpers).

Each fake has the methods of the real repository of the same name in `order_router.adapters`,
and keeps what they would write in plain dicts the tests read directly.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from order_router.domain.fulfillment import FulfillmentOrder, FulfillmentOrderStatus, Shipment
from order_router.domain.model import (
    Cancellation,
    LineFailure,
    LineOutcome,
    Listing,
    Order,
    OrderRecord,
    OrderStatus,
    Registration,
    Rejection,
    ResolvedLine,
    first_versions,
)
from order_router.domain.returns import CustomerReturn
from order_router.domain.routing import StockLevel
from order_router.domain.stock import CenterStock, StockBasis
from stockpath_events.types.orders import FulfillmentFee
from stockpath_testing import FakeUnitOfWork

#: Stands in for the transaction time rows are created at (created_at): equal within one call.
_transactions = itertools.count()


class FakeOrders:
    def __init__(self) -> None:
        self.placed: dict[str, Order] = {}
        self.status: dict[str, OrderStatus] = {}
        self.created: dict[str, int] = {}
        self.resolved: dict[str, dict[str, ResolvedLine]] = {}
        self.backordered: dict[str, dict[str, int]] = {}
        self.cancelled: dict[str, dict[str, int]] = {}
        self.rejections: dict[str, tuple[LineFailure, ...]] = {}
        self.cancellations: dict[str, str | None] = {}

    async def add(
        self,
        placed: Sequence[Order],
        *,
        resolved: Mapping[str, Sequence[ResolvedLine]] | None = None,
    ) -> set[str]:
        when = next(_transactions)
        new = set()
        for order in first_versions(placed):
            if order.order_id not in self.placed:
                self.placed[order.order_id], self.status[order.order_id] = (
                    order,
                    OrderStatus.PENDING,
                )
                self.created[order.order_id] = when
                new.add(order.order_id)
                lines = (resolved or {}).get(order.order_id, ())
                if lines:
                    self.resolved[order.order_id] = {line.line_id: line for line in lines}
        return new

    async def get(self, order_id: str, *, lock: bool = False) -> tuple[Order, OrderStatus] | None:
        if order_id not in self.placed:
            return None
        return self.placed[order_id], self.status[order_id]

    async def record(self, order_id: str) -> OrderRecord | None:
        if order_id not in self.placed:
            return None
        order = self.placed[order_id]
        resolved = self.resolved.get(order_id, {})
        return OrderRecord(
            order=order,
            status=self.status[order_id],
            lines=tuple(
                LineOutcome(
                    line,
                    fnsku=resolved[line.line_id].fnsku if line.line_id in resolved else None,
                    resolved_seller_id=resolved[line.line_id].seller_id
                    if line.line_id in resolved
                    else None,
                    backordered=self.backordered.get(order_id, {}).get(line.line_id, 0),
                    cancelled=self.cancelled.get(order_id, {}).get(line.line_id, 0),
                )
                for line in order.lines
            ),
            rejection=Rejection(self.rejections[order_id]) if order_id in self.rejections else None,
            cancellation=Cancellation(self.cancellations[order_id])
            if order_id in self.cancellations
            else None,
        )

    async def set_statuses(self, statuses: Mapping[str, OrderStatus]) -> None:
        self.status.update(statuses)

    async def set_resolved_lines(self, resolved: Mapping[str, Sequence[ResolvedLine]]) -> None:
        for order_id, lines in resolved.items():
            self.resolved.setdefault(order_id, {}).update({line.line_id: line for line in lines})

    async def set_backordered(self, quantities: Mapping[str, Mapping[str, int]]) -> None:
        for order_id, lines in quantities.items():
            self.backordered.setdefault(order_id, {}).update(lines)

    async def set_cancelled(self, quantities: Mapping[str, Mapping[str, int]]) -> None:
        for order_id, lines in quantities.items():
            self.cancelled.setdefault(order_id, {}).update(lines)

    async def stop_backorders(self, order_ids: Iterable[str]) -> None:
        for order_id in order_ids:
            self.backordered[order_id] = dict.fromkeys(self.backordered.get(order_id, {}), 0)

    async def mark_rejected(self, order_id: str, failures: Sequence[LineFailure]) -> None:
        self.status[order_id], self.rejections[order_id] = OrderStatus.REJECTED, tuple(failures)

    async def mark_cancelled(self, order_id: str, reason: str | None) -> None:
        self.status[order_id], self.cancellations[order_id] = OrderStatus.CANCELLED, reason

    async def backordered_lines(self, order_id: str) -> list[ResolvedLine]:
        waiting = self.backordered.get(order_id, {})
        return [
            replace(self.resolved[order_id][line.line_id], quantity=waiting[line.line_id])
            for line in self.placed[order_id].lines
            if waiting.get(line.line_id, 0) > 0
        ]

    async def fnskus_with_backorders(self, fnskus: Iterable[str]) -> list[str]:
        wanted = set(fnskus)
        return sorted(
            {line.fnsku for order_id in self._backordered() for line in self._waiting(order_id)}
            & wanted
        )

    async def waiting_for(self, fnsku: str, *, limit: int) -> list[str]:
        waiting = [
            o for o in self._backordered() if any(line.fnsku == fnsku for line in self._waiting(o))
        ]
        return sorted(waiting, key=lambda order_id: (self.created[order_id], order_id))[:limit]

    def _backordered(self) -> list[str]:
        return [
            order_id
            for order_id, status in self.status.items()
            if status is OrderStatus.BACKORDERED
        ]

    def _waiting(self, order_id: str) -> list[ResolvedLine]:
        waiting = self.backordered.get(order_id, {})
        return [
            line
            for line_id, line in self.resolved.get(order_id, {}).items()
            if waiting.get(line_id, 0) > 0
        ]


class FakeFulfillmentOrders:
    def __init__(self) -> None:
        self.by_id: dict[str, FulfillmentOrder] = {}
        self._created: dict[str, int] = {}

    async def add(self, instructed: Sequence[FulfillmentOrder]) -> None:
        when = next(_transactions)
        for fo in instructed:
            self.by_id[fo.fulfillment_order_id], self._created[fo.fulfillment_order_id] = fo, when

    async def of_order(self, order_id: str) -> list[FulfillmentOrder]:
        found = [fo for fo in self.by_id.values() if fo.order_id == order_id]
        return sorted(
            found, key=lambda fo: (self._created[fo.fulfillment_order_id], fo.fulfillment_order_id)
        )

    async def get(self, fulfillment_order_id: str) -> FulfillmentOrder | None:
        return self.by_id.get(fulfillment_order_id)

    async def mark_cancelled(self, fulfillment_order_ids: Iterable[str]) -> None:
        for fo_id in fulfillment_order_ids:
            self.by_id[fo_id] = replace(self.by_id[fo_id], status=FulfillmentOrderStatus.CANCELLED)

    async def mark_shipped(self, fulfillment_order_id: str, shipment: Shipment) -> None:
        fo = self.by_id[fulfillment_order_id]
        self.by_id[fulfillment_order_id] = replace(
            fo, status=FulfillmentOrderStatus.SHIPPED, shipment=shipment
        )

    async def claim_exception(self, fulfillment_order_id: str, cause_event_id: str) -> bool:
        claimed = self.__dict__.setdefault("exceptions", {})
        if fulfillment_order_id in claimed:
            return False
        claimed[fulfillment_order_id] = cause_event_id
        return True

    async def keep_only(self, fulfillment_order_id: str, quantities: dict[str, int]) -> None:
        fo = self.by_id[fulfillment_order_id]
        lines = tuple(
            replace(line, quantity=quantities.get(line.line_id, line.quantity)) for line in fo.lines
        )
        status = (
            fo.status if any(line.quantity for line in lines) else FulfillmentOrderStatus.FAILED
        )
        self.by_id[fulfillment_order_id] = replace(fo, lines=lines, status=status)


@dataclass
class StockRow:
    seller_id: str
    basis: int
    reservations_total: int = 0
    as_of: object = None


class FakeStock:
    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], StockRow] = {}
        #: Every call to `lock`, with the FNSKUs it locked (in the order it took them).
        self.locks: list[list[str]] = []

    def put(
        self, fnsku: str, fc: str, basis: int, *, reserved: int = 0, seller_id: str = "S1"
    ) -> None:
        self.rows[(fnsku, fc)] = StockRow(seller_id, basis, reserved)

    def at(self, fnsku: str, fc: str) -> tuple[int, int]:
        """(basis, reservations_total) of one FNSKU at one FC."""
        row = self.rows[(fnsku, fc)]
        return row.basis, row.reservations_total

    async def lock(self, fnskus: Iterable[str]) -> list[StockLevel]:
        wanted = sorted(set(fnskus))
        if wanted:
            self.locks.append(wanted)
        return [
            StockLevel(fnsku, fc, row.basis - row.reservations_total)
            for (fnsku, fc), row in sorted(self.rows.items())
            if fnsku in wanted
        ]

    async def reserve(self, units: Mapping[tuple[str, str], int]) -> list[tuple[str, str]]:
        refused = []
        for pair, quantity in sorted(units.items()):
            row = self.rows.get(pair)
            if row is None or row.basis - row.reservations_total < quantity:
                refused.append(pair)
            else:
                row.reservations_total += quantity
        return refused

    async def release(self, units: Mapping[tuple[str, str], int]) -> None:
        for pair, quantity in units.items():
            self.rows[pair].reservations_total -= quantity
            assert self.rows[pair].reservations_total >= 0, "availability_reservations_not_negative"

    async def write_off(self, units: Mapping[tuple[str, str], int], *, as_of) -> None:
        for pair, quantity in units.items():
            row = self.rows[pair]
            if row.as_of is None or row.as_of < as_of:
                row.basis = max(row.reservations_total, row.basis - quantity)

    async def take_back(self, units: Mapping[tuple[str, str], int]) -> None:
        for pair, quantity in units.items():
            self.rows[pair].reservations_total += quantity

    async def record_levels(self, levels: Sequence[StockBasis]) -> set[tuple[str, str]]:
        applied = set()
        for level in levels:
            key = (level.fnsku, level.fulfillment_center_id)
            row = self.rows.setdefault(key, StockRow(level.seller_id, 0))
            if row.as_of is None or row.as_of <= level.as_of:
                row.seller_id, row.basis, row.as_of = level.seller_id, level.units, level.as_of
                applied.add(key)
        return applied

    async def at_centers(self, fnsku: str) -> list[CenterStock]:
        return [
            CenterStock(f, fc, row.seller_id, row.basis, row.reservations_total)
            for (f, fc), row in sorted(self.rows.items())
            if f == fnsku
        ]


class FakeSkus:
    def __init__(self) -> None:
        self.registered: dict[tuple[str, str], tuple[Registration, str]] = {}
        self.listed: dict[str, Listing] = {}

    async def save_registration(self, registration: Registration, *, registration_id: str) -> None:
        self.registered[(registration.seller_id, registration.seller_sku)] = (
            registration,
            registration_id,
        )

    async def deregister(self, withdrawn: Sequence[tuple[str, str, str]]) -> None:
        for seller_id, seller_sku, registration_id in withdrawn:
            known = self.registered.get((seller_id, seller_sku))
            if known is not None and known[1] == registration_id:
                self.registered[(seller_id, seller_sku)] = (
                    replace(known[0], live=False),
                    registration_id,
                )

    async def save_listing(self, listing: Listing) -> None:
        self.listed[listing.listing_id] = listing

    async def close_listings(self, listing_ids: Iterable[str]) -> None:
        for listing_id in listing_ids:
            if listing_id in self.listed:
                self.listed[listing_id] = replace(self.listed[listing_id], active=False)

    async def listings(self, listing_ids: Iterable[str]) -> dict[str, Listing]:
        return {i: self.listed[i] for i in set(listing_ids) if i in self.listed}

    async def listed_items(self, keys: Iterable[tuple[str, str, str]]) -> set[tuple[str, str, str]]:
        active = {
            (li.channel, li.seller_id, li.seller_sku) for li in self.listed.values() if li.active
        }
        return set(keys) & active

    async def registrations(
        self, keys: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], Registration]:
        return {k: self.registered[k][0] for k in set(keys) if k in self.registered}


class FakeReturns:
    """Customer returns, as `ReturnRepository` keeps them."""

    def __init__(self) -> None:
        self.stored: dict[str, CustomerReturn] = {}

    async def of_order(self, order_id: str) -> list[CustomerReturn]:
        return [r for r in self.stored.values() if r.order_id == order_id]

    async def add(self, customer_return: CustomerReturn) -> bool:
        if customer_return.return_id in self.stored:
            return False
        self.stored[customer_return.return_id] = customer_return
        return True

    async def latest(
        self, seller_id: str | None, *, limit: int, offset: int = 0
    ) -> list[CustomerReturn]:
        found = [
            r
            for r in reversed(self.stored.values())
            if seller_id is None or any(line.seller_id == seller_id for line in r.lines)
        ]
        return found[offset : offset + limit]

    async def mark_received(self, return_id: str, received, event_id: str) -> str | None:
        found = self.stored.get(return_id)
        if found is None or found.received is not None:
            return None
        self.stored[return_id] = replace(found, received=tuple(received))
        return found.order_id


class FakeMcfFees:
    def __init__(self) -> None:
        self.recorded: dict[str, FulfillmentFee] = {}

    async def add(self, order_id: str, fee: FulfillmentFee) -> None:
        assert order_id not in self.recorded, order_id  # the table's primary key
        self.recorded[order_id] = fee

    async def of_orders(self, order_ids: Iterable[str]) -> dict[str, FulfillmentFee]:
        return {i: self.recorded[i] for i in set(order_ids) if i in self.recorded}


class FakeOrderRouterUnitOfWork(FakeUnitOfWork):
    def __init__(self, *, correlation_id: str | None = None) -> None:
        super().__init__(source="/services/order-router", correlation_id=correlation_id)
        self.orders = FakeOrders()
        self.fulfillment_orders = FakeFulfillmentOrders()
        self.stock = FakeStock()
        self.skus = FakeSkus()
        self.returns = FakeReturns()
        self.mcf_fees = FakeMcfFees()

    def register(
        self,
        seller_id: str,
        seller_sku: str,
        fnsku: str,
        *,
        live: bool = True,
        listed_in: Sequence[str] = ("web",),
    ) -> None:
        """A registration known before the test starts, listed ACTIVE in `listed_in` (as
        `L-<channel>-<fnsku>`), as the listing service lists a registered item."""
        registration = Registration(seller_id, seller_sku, fnsku, "CI-KETTLE", live=live)
        self.skus.registered[(seller_id, seller_sku)] = (registration, f"REG-{fnsku}")
        for channel in listed_in:
            listing_id = f"L-{channel}-{fnsku}"
            self.skus.listed[listing_id] = Listing(
                listing_id, seller_id, seller_sku, fnsku, channel
            )


async def carry_out(handler, commands, uow: FakeUnitOfWork, **dependencies) -> None:
    """Run an event handler as the worker does: inside the unit of work, then commit."""
    async with uow:
        await handler(list(commands), uow, **dependencies)
        await uow.commit()
