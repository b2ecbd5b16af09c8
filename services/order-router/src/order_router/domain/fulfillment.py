"""Fulfillment orders: what one FC was instructed to ship for an order, and what became of it.

A routed order has one fulfillment order per FC that ships part of it. Each holds units of the
FC's stock rows from the moment it is instructed: cancelling it gives them back; a shipment
keeps them counted (shipped units stay in inventory's basis).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from order_router.domain.model import ResolvedLine


class FulfillmentOrderStatus(StrEnum):
    #: The FC was told to ship it (FulfillmentInstructed); its units are reserved.
    INSTRUCTED = "INSTRUCTED"
    #: The order was cancelled before it shipped; its units were given back.
    CANCELLED = "CANCELLED"
    #: The FC reported it shipped.
    SHIPPED = "SHIPPED"
    #: The FC reported it could ship none of it (an FC exception); its units were re-routed.
    FAILED = "FAILED"


@dataclass(frozen=True)
class Shipment:
    """How an FC shipped a fulfillment order."""

    carrier: str
    tracking_number: str
    shipped_at: datetime


@dataclass(frozen=True)
class FulfillmentOrder:
    fulfillment_order_id: str
    order_id: str
    fulfillment_center_id: str
    #: The order lines (and how many of their units) this FC ships.
    lines: tuple[ResolvedLine, ...]
    status: FulfillmentOrderStatus = FulfillmentOrderStatus.INSTRUCTED
    shipment: Shipment | None = None

    def units(self) -> dict[tuple[str, str], int]:
        """The units it holds of each stock row, keyed like the rows: (fnsku, fulfillment_center_id).
        Two lines of one FNSKU hold units of the same row."""
        held: Counter[tuple[str, str]] = Counter()
        for line in self.lines:
            held[(line.fnsku, self.fulfillment_center_id)] += line.quantity
        return dict(sorted(held.items()))


def units_of(fulfillment_orders: Iterable[FulfillmentOrder]) -> dict[tuple[str, str], int]:
    """The units several fulfillment orders hold together, per stock row (fnsku, FC)."""
    held: Counter[tuple[str, str]] = Counter()
    for fulfillment_order in fulfillment_orders:
        held.update(fulfillment_order.units())
    return dict(sorted(held.items()))
