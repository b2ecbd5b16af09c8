"""A seller's monthly statement: the month's charges, line by line with their causing events, its
storage per FNSKU and FC, and the totals by kind and overall — sums of the lines, never stored
apart from them.

Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from inventory.domain.charges import Charge, ChargeKind
from inventory.domain.storage import StorageCharge, StorageLine, storage_lines

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class BadMonth(ValueError):
    """A statement month that is not yyyy-mm."""


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        found = _MONTH.match(text)
        if found is None:
            raise BadMonth(f"a statement month is yyyy-mm (e.g. 2026-10); got {text!r}")
        return cls(int(found.group(1)), int(found.group(2)))

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @property
    def last_day(self) -> date:
        return self.next_first_day - timedelta(days=1)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def next_first_day(self) -> date:
        return date(self.year + self.month // 12, self.month % 12 + 1, 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass(frozen=True)
class Statement:
    """A seller's charges of one month (by the time of their causing events), oldest first, and its
    storage per FNSKU and FC (`domain.storage.StorageLine`), with the totals of each kind and
    overall: sums of its lines, never stored apart from them."""

    seller_id: str
    month: Month
    currency: str
    lines: tuple[Charge, ...]
    storage: tuple[StorageLine, ...] = ()

    @property
    def totals(self) -> dict[ChargeKind, Decimal]:
        totals = {kind: Decimal("0.00") for kind in ChargeKind}
        for line in self.lines:
            totals[line.kind] += line.amount
        for stored in self.storage:
            totals[ChargeKind.STORAGE] += stored.amount
        return totals

    @property
    def total(self) -> Decimal:
        return sum(self.totals.values(), Decimal("0.00"))


def statement(
    seller_id: str,
    month: Month,
    currency: str,
    charges: Iterable[Charge],
    storage: Iterable[StorageCharge] = (),
) -> Statement:
    lines = sorted(charges, key=lambda c: (c.event.occurred_at, c.charge_id))
    return Statement(seller_id, month, currency, tuple(lines), storage_lines(storage))
