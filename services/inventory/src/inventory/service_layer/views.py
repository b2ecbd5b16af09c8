"""The reads the API and the FC pages need, each in a unit of work of its own (read only: it
commits nothing). They return domain records; ``entrypoints/schemas.py`` shapes them as JSON.

Each keeps to the caller's `Scope`: a seller reads only its own stock, an FC only its own FC's
rows and the shipments bound for it; naming another party reads as not found."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from inventory.domain.age import AgeBands, age_bands
from inventory.domain.discrepancies import Discrepancy, DiscrepancyKind
from inventory.domain.receipts import ShipmentReceipt
from inventory.domain.scope import Scope
from inventory.domain.shipments import InboundShipment, UnknownShipment
from inventory.domain.stock import LedgerEntry, Levels, StockLevel
from inventory.service_layer.unit_of_work import InventoryUnitOfWork
from stockpath_runtime.paging import Page

#: Every discrepancy of one shipment is shown with it (a shipment has a line per FNSKU, at most).
_DISCREPANCIES_PER_SHIPMENT = 1000


@dataclass(frozen=True)
class InventoryItem:
    """One FNSKU at one FC, with its inbound units split by stage (working, shipped, receiving)."""

    stock: StockLevel
    inbound_by_stage: dict[str, int]


@dataclass(frozen=True)
class ShipmentView:
    """A shipment as FC staff and sellers see it: lines, receipts, discrepancies."""

    shipment: InboundShipment
    receipts: list[ShipmentReceipt]
    discrepancies: list[Discrepancy]


@dataclass(frozen=True)
class Reconciled:
    """One FNSKU at one FC: its stored buckets next to its ledger added up."""

    fnsku: str
    fulfillment_center_id: str
    stored: Levels
    from_ledger: Levels

    @property
    def balanced(self) -> bool:
        return self.stored == self.from_ledger


async def _levels(
    uow: InventoryUnitOfWork,
    scope: Scope,
    seller_id: str | None,
    fnsku: str | None,
    fulfillment_center_id: str | None,
    limit: int,
    offset: int,
) -> Page[StockLevel]:
    """A page of stock levels within `scope` (in an open unit of work), in (fnsku, FC) order."""
    seller_id, fulfillment_center_id = scope.narrow(
        seller_id=seller_id, fulfillment_center_id=fulfillment_center_id
    )
    return await uow.stock.levels(
        seller_id=seller_id,
        fnsku=fnsku,
        fulfillment_center_id=fulfillment_center_id,
        limit=limit,
        offset=offset,
    )


async def inventory(
    uow: InventoryUnitOfWork,
    scope: Scope,
    *,
    seller_id: str | None,
    fnsku: str | None,
    fulfillment_center_id: str | None,
    limit: int,
    offset: int,
) -> Page[InventoryItem]:
    async with uow:
        page = await _levels(uow, scope, seller_id, fnsku, fulfillment_center_id, limit, offset)
        stages = await uow.stock.inbound_by_stage(
            (s.fnsku, s.fulfillment_center_id) for s in page.items
        )
    return Page(
        [InventoryItem(s, stages.get((s.fnsku, s.fulfillment_center_id), {})) for s in page.items],
        page.total,
    )


@dataclass(frozen=True)
class AgedStock:
    """One FNSKU at one FC with its units on hand by age (`inventory.domain.age`)."""

    stock: StockLevel
    ages: AgeBands


async def inventory_age(
    uow: InventoryUnitOfWork,
    scope: Scope,
    *,
    seller_id: str | None,
    fnsku: str | None,
    fulfillment_center_id: str | None,
    limit: int,
    offset: int,
    today: date,
) -> Page[AgedStock]:
    """A page of stock (as `inventory` pages it), each row's units on hand in age bands as of
    `today`, from its ledger (receipt dates, FIFO against the units that left)."""
    async with uow:
        page = await _levels(uow, scope, seller_id, fnsku, fulfillment_center_id, limit, offset)
        entries = await uow.stock.on_hand_entries(
            (s.fnsku, s.fulfillment_center_id) for s in page.items
        )
    return Page(
        [
            AgedStock(s, age_bands(entries[(s.fnsku, s.fulfillment_center_id)], today))
            for s in page.items
        ],
        page.total,
    )


async def shipment(uow: InventoryUnitOfWork, scope: Scope, shipment_id: str) -> ShipmentView:
    async with uow:
        found = await uow.shipments.get(shipment_id)
        if found is None or not scope.sees(found.seller_id, found.fulfillment_center_id):
            raise UnknownShipment(shipment_id)
        recorded = await uow.receipts.for_shipment(shipment_id)
        differences = await uow.discrepancies.list(
            shipment_id=shipment_id, limit=_DISCREPANCIES_PER_SHIPMENT
        )
    return ShipmentView(found, recorded, differences.items)


async def ledger(
    uow: InventoryUnitOfWork,
    scope: Scope,
    *,
    fnsku: str | None,
    fulfillment_center_id: str | None,
    seller_id: str | None,
    limit: int,
    offset: int,
) -> Page[LedgerEntry]:
    seller_id, fulfillment_center_id = scope.narrow(
        seller_id=seller_id, fulfillment_center_id=fulfillment_center_id
    )
    async with uow:
        return await uow.stock.ledger(
            fnsku=fnsku,
            fulfillment_center_id=fulfillment_center_id,
            seller_id=seller_id,
            limit=limit,
            offset=offset,
        )


async def discrepancies(
    uow: InventoryUnitOfWork,
    scope: Scope,
    *,
    shipment_id: str | None,
    fnsku: str | None,
    fulfillment_center_id: str | None,
    seller_id: str | None,
    kind: DiscrepancyKind | None,
    limit: int,
    offset: int,
) -> Page[Discrepancy]:
    seller_id, fulfillment_center_id = scope.narrow(
        seller_id=seller_id, fulfillment_center_id=fulfillment_center_id
    )
    async with uow:
        return await uow.discrepancies.list(
            shipment_id=shipment_id,
            fnsku=fnsku,
            fulfillment_center_id=fulfillment_center_id,
            seller_id=seller_id,
            kind=kind,
            limit=limit,
            offset=offset,
        )


async def reconciliation(
    uow: InventoryUnitOfWork,
    scope: Scope,
    *,
    fnsku: str | None,
    fulfillment_center_id: str | None = None,
    seller_id: str | None = None,
) -> list[Reconciled]:
    """Every FNSKU and FC matching the filters whose buckets are stored or in the ledger."""
    seller_id, fulfillment_center_id = scope.narrow(
        seller_id=seller_id, fulfillment_center_id=fulfillment_center_id
    )
    wanted = {
        "fnsku": fnsku,
        "fulfillment_center_id": fulfillment_center_id,
        "seller_id": seller_id,
    }
    async with uow:
        stored, recomputed = (
            await uow.stock.stored_levels(**wanted),
            await uow.stock.recomputed_from_ledger(**wanted),
        )
    keys = sorted(set(stored) | set(recomputed))
    return [
        Reconciled(f, fc, stored.get((f, fc)) or Levels(), recomputed.get((f, fc)) or Levels())
        for f, fc in keys
    ]
