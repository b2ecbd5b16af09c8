"""Stock as the router keeps it, per FNSKU and FC: the basis inventory reports, and how much of
it the router has promised to orders.

The basis is fulfillable + reserved + shipped: every unit the FC ever had to sell. Inventory
reserving and shipping what the router allocated leaves it unchanged, so the router's own
reservations and inventory's levels never race; what new orders can get is the basis less the
router's reservations there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


def basis(*, fulfillable: int, reserved: int, shipped: int) -> int:
    """The units an FC ever had to sell, from the buckets inventory reports."""
    return fulfillable + reserved + shipped


@dataclass(frozen=True)
class StockBasis:
    """The basis of one FNSKU at one FC, as inventory reported it at `as_of`; a level reported
    earlier than the one recorded never replaces it."""

    fnsku: str
    fulfillment_center_id: str
    seller_id: str
    units: int
    as_of: datetime


@dataclass(frozen=True)
class CenterStock:
    """One FNSKU at one FC, for operators: the basis and the router's reservations there."""

    fnsku: str
    fulfillment_center_id: str
    seller_id: str
    basis: int
    reservations_total: int

    @property
    def allocatable(self) -> int:
        """What new orders can still get here; never below zero, even when inventory reported
        fewer units than the router had already reserved."""
        return max(0, self.basis - self.reservations_total)
