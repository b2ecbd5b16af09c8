"""Inventory age: how long the units on hand at a fulfillment center have been there, in the bands
FBA's inventory age report uses (0–90, 91–180, 181–365 and over 365 days).

Units on hand are those in the building: fulfillable, reserved and unfulfillable (inbound units
have not arrived; shipped ones have left). The ledger of one FNSKU at one FC is read in order, a
movement (the ledger rows one cause wrote together) at a time, netting its on-hand deltas:

- units that arrive (received, found, transferred in, returned by a customer) are a layer dated
  the day they were recorded;
- units that leave (shipped, set aside for removal or disposal, lost, transferred out, written
  off at pick) leave from the oldest layers first (FIFO);
- units moving between buckets in the building (reserved, released, found damaged) net to
  nothing and keep their age;
- units a cancelled removal puts back were the oldest the removal took, and get their dates
  back (the most recently set-aside first), so cancelling a removal never makes stock look new.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date
from itertools import groupby

from inventory.domain.stock import Bucket, LedgerEntry, Reason

#: The buckets whose units are in the building.
ON_HAND = frozenset({Bucket.FULFILLABLE, Bucket.RESERVED, Bucket.UNFULFILLABLE})


@dataclass(frozen=True)
class AgeBands:
    """Units on hand by how many days ago they arrived."""

    days_0_90: int = 0
    days_91_180: int = 0
    days_181_365: int = 0
    days_over_365: int = 0

    @property
    def total(self) -> int:
        return self.days_0_90 + self.days_91_180 + self.days_181_365 + self.days_over_365

    @classmethod
    def of(cls, layers: Iterable[tuple[date, int]], today: date) -> AgeBands:
        counts = [0, 0, 0, 0]
        for arrived, units in layers:
            days = (today - arrived).days
            counts[0 if days <= 90 else 1 if days <= 180 else 2 if days <= 365 else 3] += units
        return cls(*counts)


@dataclass(frozen=True)
class _Movement:
    """The on-hand units one cause moved at once (its ledger rows netted), and when."""

    day: date
    units: int
    reasons: frozenset[str]


def _movements(entries: Iterable[LedgerEntry]) -> Iterator[_Movement]:
    def cause(e: LedgerEntry) -> tuple:
        return (
            e.created_at,
            e.cause_event_id,
            e.receipt_id,
            e.fulfillment_order_id,
            e.adjustment_id,
            e.shipment_id,
        )

    for (at, *_), rows in groupby(entries, key=cause):
        moved = [e for e in rows if e.bucket in ON_HAND]
        units = sum(e.delta for e in moved)
        if units:
            yield _Movement(at.astimezone(UTC).date(), units, frozenset(e.reason for e in moved))


class _Layers:
    """Units on hand as (arrival day, units), oldest first."""

    def __init__(self) -> None:
        self.layers: list[tuple[date, int]] = []

    def add(self, day: date, units: int) -> None:
        bisect.insort(self.layers, (day, units))

    def take_oldest(self, units: int) -> list[tuple[date, int]]:
        """Take `units` from the oldest layers (as many as there are); what was taken, oldest first."""
        taken = []
        while units and self.layers:
            day, held = self.layers[0]
            moved = min(held, units)
            taken.append((day, moved))
            units -= moved
            if moved == held:
                self.layers.pop(0)
            else:
                self.layers[0] = (day, held - moved)
        return taken


def age_bands(entries: Iterable[LedgerEntry], today: date) -> AgeBands:
    """The age bands of one FNSKU at one FC, from its ledger rows in entry order."""
    on_hand = _Layers()
    set_aside: list[tuple[date, int]] = []  # what removals took, most recent last
    for m in _movements(entries):
        if m.units < 0:
            taken = on_hand.take_oldest(-m.units)
            if Reason.REMOVAL_SET_ASIDE in m.reasons:
                set_aside += taken
        elif Reason.REMOVAL_CANCELLED in m.reasons:
            back = m.units
            while back and set_aside:
                day, units = set_aside.pop()
                returned = min(units, back)
                on_hand.add(day, returned)
                if returned < units:
                    set_aside.append((day, units - returned))
                back -= returned
            if back:
                on_hand.add(m.day, back)
        else:
            on_hand.add(m.day, m.units)
    return AgeBands.of(on_hand.layers, today)
