"""The inventory's unit of work in memory, for handler unit tests (no database): fake repositories
with the methods handlers call on the real ones, keeping what the real ones keep.

Like the store, they hand out copies: a handler's change to a shipment or an order counts only once
it is saved. The bucket rows refuse to go negative, as the table's CHECK constraints do.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime

from inventory.domain.adjustments import Adjustment
from inventory.domain.charges import BilledItem, Charge, FeeQuote
from inventory.domain.commands import RecordReceipt
from inventory.domain.discrepancies import Discrepancy, DiscrepancyKind
from inventory.domain.fulfillment_orders import FulfillmentOrder
from inventory.domain.receipts import AnnouncedLine, ReceiptResult, ShipmentReceipt, StoredReceipt
from inventory.domain.removals import RemovalOrder
from inventory.domain.returns import CustomerReturn
from inventory.domain.shipments import InboundShipment, LineCount
from inventory.domain.statements import Month
from inventory.domain.stock import LedgerEntry, Levels, StockLevel, StockMove
from inventory.domain.storage import StorageCharge, StoredUnits
from inventory.entrypoints.consumers import CONSUMES
from stockpath_events import Envelope
from stockpath_network.fees import DEFAULT_FEE_SCHEDULE
from stockpath_runtime.consumer import subscribe
from stockpath_runtime.paging import Page
from stockpath_testing import FakeUnitOfWork

Key = tuple[str, str]


class FakeShipmentRepository:
    def __init__(self) -> None:
        self.stored: dict[str, InboundShipment] = {}
        self.planned_event_ids: dict[str, str | None] = {}
        self.seller_shipped_at: dict[str, datetime] = {}

    async def get(self, shipment_id: str, *, for_update: bool = False) -> InboundShipment | None:
        return copy.deepcopy(self.stored.get(shipment_id))

    async def add(self, shipment: InboundShipment, *, planned_event_id: str | None) -> bool:
        if shipment.shipment_id in self.stored:
            return False
        self.stored[shipment.shipment_id] = copy.deepcopy(shipment)
        self.planned_event_ids[shipment.shipment_id] = planned_event_id
        return True

    async def mark_seller_shipped(self, shipment_id: str, shipped_at: datetime) -> bool:
        if shipment_id not in self.stored or shipment_id in self.seller_shipped_at:
            return False
        self.seller_shipped_at[shipment_id] = shipped_at
        return True

    async def save(self, shipment: InboundShipment, *, fnskus: Iterable[str] = ()) -> None:
        stored = self.stored[shipment.shipment_id]
        stored.status = shipment.status
        for fnsku in fnskus:
            stored.lines[fnsku] = copy.copy(shipment.lines[fnsku])


class FakeReceiptRepository:
    def __init__(self) -> None:
        self.stored: dict[str, StoredReceipt] = {}
        self.counts: dict[str, list[LineCount]] = {}
        self.gathered: dict[str, dict[int, AnnouncedLine]] = {}

    async def recorded(self, receipt_id: str) -> bool:
        return receipt_id in self.stored

    async def gather(self, line: AnnouncedLine) -> list[AnnouncedLine]:
        kept = self.gathered.setdefault(line.receipt_id, {})
        kept.setdefault(line.line_number, line)
        return [kept[n] for n in sorted(kept)]

    async def forget_gathered(self, receipt_id: str) -> None:
        self.gathered.pop(receipt_id, None)

    async def claim(self, command: RecordReceipt) -> StoredReceipt | None:
        if command.receipt_id in self.stored:
            return self.stored[command.receipt_id]
        self.stored[command.receipt_id] = StoredReceipt(
            command.receipt_id, command.shipment_id, command.fingerprint, None
        )
        return None

    async def complete(self, result: ReceiptResult, counts: Iterable[LineCount]) -> None:
        self.stored[result.receipt_id] = replace(self.stored[result.receipt_id], result=result)
        self.counts[result.receipt_id] = list(counts)

    async def for_shipment(self, shipment_id: str) -> list[ShipmentReceipt]:
        return [
            ShipmentReceipt(r.receipt_id, r.result.recorded_at, tuple(self.counts[r.receipt_id]))
            for r in self.stored.values()
            if r.shipment_id == shipment_id and r.result is not None
        ]


class FakeStockRepository:
    def __init__(self) -> None:
        self.rows: dict[Key, StockLevel] = {}
        self.entries: list[LedgerEntry] = []
        self._entry_ids = itertools.count(1)

    def seed(
        self, fnsku: str, fulfillment_center_id: str, *, seller_id: str = "S-ACME", **levels: int
    ) -> None:
        """A bucket row as earlier movements left it (the ledger of those is not kept)."""
        self.rows[(fnsku, fulfillment_center_id)] = StockLevel(
            fnsku, fulfillment_center_id, seller_id, f"SKU-{fnsku}", Levels(**levels)
        )

    def levels_of(self, fnsku: str, fulfillment_center_id: str = "SEA1") -> Levels:
        return self.rows[(fnsku, fulfillment_center_id)].levels

    async def move(self, move: StockMove) -> StockLevel:
        if not any(m.delta for m in move.movements):
            level = await self.level(move.fnsku, move.fulfillment_center_id)
            return level or StockLevel(
                move.fnsku, move.fulfillment_center_id, move.seller_id, move.seller_sku, Levels()
            )
        return (await self.move_all([move]))[(move.fnsku, move.fulfillment_center_id)]

    async def lock_levels(self, keys: Iterable[Key]) -> dict[Key, StockLevel]:
        return {key: self.rows[key] for key in sorted(set(keys)) if key in self.rows}

    async def move_all(self, moves: Sequence[StockMove]) -> dict[Key, StockLevel]:
        after: dict[Key, StockLevel] = {}
        for m in moves:
            moved = [x for x in m.movements if x.delta]
            if not moved:
                continue
            key = (m.fnsku, m.fulfillment_center_id)
            row = (
                after.get(key)
                or self.rows.get(key)
                or StockLevel(*key, m.seller_id, m.seller_sku, Levels())
            )
            levels = row.levels.apply(moved)
            if min(vars(levels).values()) < 0:
                raise ValueError(f"a bucket of {key} would go negative: {levels}")
            after[key] = replace(row, seller_sku=m.seller_sku or row.seller_sku, levels=levels)
            self.entries += [
                LedgerEntry(
                    next(self._entry_ids),
                    m.fnsku,
                    m.fulfillment_center_id,
                    m.seller_id,
                    x.bucket,
                    x.delta,
                    x.reason.value,
                    m.shipment_id,
                    m.cause_event_id,
                    m.receipt_id,
                    m.fulfillment_order_id,
                    m.adjustment_id,
                    datetime.now(UTC),
                )
                for x in moved
            ]
        self.rows.update(after)
        return after

    async def level(
        self, fnsku: str, fulfillment_center_id: str, *, for_update: bool = False
    ) -> StockLevel | None:
        return self.rows.get((fnsku, fulfillment_center_id))


class FakeDiscrepancyRepository:
    def __init__(self) -> None:
        self.recorded: list[Discrepancy] = []

    async def add_all(self, new: Sequence[Discrepancy]) -> None:
        self.recorded += [replace(d, recorded_at=datetime.now(UTC)) for d in new]

    async def list(
        self,
        *,
        shipment_id: str | None = None,
        fnsku: str | None = None,
        fulfillment_center_id: str | None = None,
        seller_id: str | None = None,
        kind: DiscrepancyKind | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> Page[Discrepancy]:
        wanted = {
            "shipment_id": shipment_id,
            "fnsku": fnsku,
            "fulfillment_center_id": fulfillment_center_id,
            "seller_id": seller_id,
            "kind": kind,
        }
        found = [
            d
            for d in self.recorded
            if all(v is None or getattr(d, k) == v for k, v in wanted.items())
        ]
        return Page(found[offset : offset + limit], len(found))


class FakeAdjustmentRepository:
    def __init__(self) -> None:
        self.stored: dict[str, Adjustment] = {}

    async def claim(self, adjustment: Adjustment) -> str | None:
        if adjustment.adjustment_id in self.stored:
            return self.stored[adjustment.adjustment_id].fingerprint
        self.stored[adjustment.adjustment_id] = adjustment
        return None


class FakeFulfillmentOrderRepository:
    def __init__(self) -> None:
        self.stored: dict[str, FulfillmentOrder] = {}
        #: (carrier, tracking number) of the orders told shipped.
        self.shipped_by: dict[str, tuple[str, str | None]] = {}

    async def get(
        self, fulfillment_order_id: str, *, for_update: bool = False
    ) -> FulfillmentOrder | None:
        return (await self.get_all([fulfillment_order_id])).get(fulfillment_order_id)

    async def get_all(
        self, ids: Iterable[str], *, for_update: bool = False
    ) -> dict[str, FulfillmentOrder]:
        return {i: copy.deepcopy(self.stored[i]) for i in sorted(set(ids)) if i in self.stored}

    async def add_all(self, orders: Sequence[FulfillmentOrder], *, shipped_by=None) -> set[str]:
        inserted = set()
        for order in orders:
            if order.fulfillment_order_id not in self.stored:
                self.stored[order.fulfillment_order_id] = copy.deepcopy(order)
                inserted.add(order.fulfillment_order_id)
        self._told(inserted, shipped_by)
        return inserted

    async def add_stock_all(self, orders: Sequence[FulfillmentOrder]) -> None:
        for order in orders:
            self.stored[order.fulfillment_order_id].stock += copy.deepcopy(order.stock)

    async def update_all(self, orders: Sequence[FulfillmentOrder], *, shipped_by=None) -> None:
        for order in orders:
            stored = self.stored[order.fulfillment_order_id]
            stored.status, stored.instructed = order.status, order.instructed
        self._told({o.fulfillment_order_id for o in orders}, shipped_by)

    def _told(self, ids: set[str], shipped_by) -> None:
        self.shipped_by.update({i: told for i, told in (shipped_by or {}).items() if i in ids})


class FakeReturnRepository:
    def __init__(self) -> None:
        self.stored: dict[str, CustomerReturn] = {}

    async def add_new(self, returns: Sequence[CustomerReturn]) -> set[str]:
        new = {r.return_id for r in returns if r.return_id not in self.stored}
        self.stored.update({r.return_id: r for r in returns if r.return_id in new})
        return new


class FakeRemovalOrderRepository:
    def __init__(self) -> None:
        self.stored: dict[str, RemovalOrder] = {}

    async def get(self, removal_order_id: str, *, for_update: bool = False) -> RemovalOrder | None:
        return self.stored.get(removal_order_id)

    async def fingerprint(self, removal_order_id: str) -> str | None:
        found = self.stored.get(removal_order_id)
        return found.fingerprint() if found else None

    async def list(self, seller_id: str | None, *, limit: int = 100) -> list[RemovalOrder]:
        return [o for o in self.stored.values() if seller_id in (None, o.seller_id)][:limit]

    async def add(self, order: RemovalOrder) -> bool:
        if order.removal_order_id in self.stored:
            return False
        self.stored[order.removal_order_id] = order
        return True

    async def set_status(
        self,
        removal_order_id: str,
        status,
        *,
        carrier=None,
        tracking_number=None,
        completed_event_id=None,
    ) -> None:
        found = self.stored[removal_order_id]
        self.stored[removal_order_id] = replace(
            found,
            status=status,
            carrier=carrier or found.carrier,
            tracking_number=tracking_number or found.tracking_number,
        )


class FakeChargeRepository:
    def __init__(self) -> None:
        self.billed_items: dict[str, BilledItem] = {}
        self.ledger: dict[str, Charge] = {}
        self.quoted: dict[tuple[str, str], FeeQuote] = {}
        self.statements_ready: set[tuple[str, str]] = set()
        #: The storage charges (the store's one ledger: a seller charged storage only is charged).
        self.storage = FakeStorageRepository()

    async def record_quotes(self, quotes: Sequence[FeeQuote]) -> None:
        for q in quotes:
            self.quoted.setdefault((q.order_id, q.fnsku), q)

    async def quotes(self, order_ids: Iterable[str]) -> dict[tuple[str, str], FeeQuote]:
        wanted = set(order_ids)
        return {key: q for key, q in self.quoted.items() if key[0] in wanted}

    async def record_items(self, items: Sequence[BilledItem]) -> None:
        self.billed_items.update({i.fnsku: i for i in items})

    async def items(self, fnskus: Iterable[str]) -> dict[str, BilledItem]:
        return {f: self.billed_items[f] for f in set(fnskus) if f in self.billed_items}

    async def add_all(self, new: Sequence[Charge]) -> int:
        fresh = [c for c in new if c.charge_id not in self.ledger]
        self.ledger.update({c.charge_id: c for c in fresh})
        return len(fresh)

    async def of_month(self, seller_id: str, month: Month) -> list[Charge]:
        return [
            c
            for c in self.ledger.values()
            if c.seller_id == seller_id
            and month.first_day <= c.event.occurred_at.date() < month.next_first_day
        ]

    async def sellers_charged_in(self, month: Month) -> list[str]:
        moved = {
            c.seller_id
            for c in self.ledger.values()
            if month.first_day <= c.event.occurred_at.date() < month.next_first_day
        }
        stored = {
            c.seller_id
            for c in self.storage.charged.values()
            if month.first_day <= c.day < month.next_first_day
        }
        return sorted(moved | stored)

    async def claim_statements_ready(self, month: Month, sellers: Iterable[str]) -> set[str]:
        new = {s for s in sellers if (s, str(month)) not in self.statements_ready}
        self.statements_ready |= {(s, str(month)) for s in new}
        return new


class FakeStorageRepository:
    def __init__(self) -> None:
        self.days: set[date] = set()
        self.held: dict[date, list[StoredUnits]] = {}
        self.charged: dict[tuple[str, str, str, date], StorageCharge] = {}
        self.last_day_snapshots: set[tuple[date, str, str]] = set()

    async def claim_day(self, day: date) -> bool:
        return bool(await self.claim_days([day]))

    async def claim_days(self, days: Iterable[date]) -> set[date]:
        new = set(days) - self.days
        self.days |= new
        return new

    async def last_day_taken(self) -> date | None:
        return max(self.days, default=None)

    async def record_last_day_charged(self, snapshots: Iterable[tuple[date, str, str]]) -> None:
        self.last_day_snapshots |= set(snapshots)

    async def last_day_charged(self, day: date) -> int:
        return sum(1 for d, _, _ in self.last_day_snapshots if d == day)

    async def held_at_end_of(self, day: date) -> list[StoredUnits]:
        return self.held.get(day, [])

    async def add_all(self, charges: Sequence[StorageCharge]) -> int:
        keys = {(c.seller_id, c.fnsku, c.fulfillment_center_id, c.day): c for c in charges}
        fresh = {k: c for k, c in keys.items() if k not in self.charged}
        self.charged.update(fresh)
        return len(fresh)

    async def of_month(self, seller_id: str, month: Month) -> list[StorageCharge]:
        return [
            c
            for c in self.charged.values()
            if c.seller_id == seller_id and month.first_day <= c.day < month.next_first_day
        ]


class FakeInventoryUnitOfWork(FakeUnitOfWork):
    """`InventoryUnitOfWork` in memory: the same repositories, kept across transactions."""

    def __init__(self, correlation_id: str | None = None) -> None:
        super().__init__(source="/services/inventory", correlation_id=correlation_id)
        self.shipments = FakeShipmentRepository()
        self.receipts = FakeReceiptRepository()
        self.stock = FakeStockRepository()
        self.discrepancies = FakeDiscrepancyRepository()
        self.adjustments = FakeAdjustmentRepository()
        self.fulfillment_orders = FakeFulfillmentOrderRepository()
        self.returns = FakeReturnRepository()
        self.removal_orders = FakeRemovalOrderRepository()
        self.charges = FakeChargeRepository()
        self.storage = self.charges.storage


_HANDLERS = {
    event_type: handler
    for s in subscribe(CONSUMES, fees=DEFAULT_FEE_SCHEDULE)
    for event_type, handler in s.handlers.items()
}


async def consume(uow: FakeInventoryUnitOfWork, *events: Envelope) -> None:
    """Apply consumed events as the worker applies a batch: in one transaction, each run of
    consecutive events of one type through its handler at once (translated by the consumer
    table), then committed."""
    async with uow:
        for _, run in itertools.groupby(events, key=lambda e: type(e.data)):
            run = list(run)
            await _HANDLERS[type(run[0].data)](run, uow)
        await uow.commit()
