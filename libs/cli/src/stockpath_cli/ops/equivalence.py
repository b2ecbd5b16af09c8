"""The equivalence check of `stockpath replay`: is the rebuilt store the live one, row for row?

Run when both stores have applied the same events (the live service stopped, the rebuild caught
up to the offsets the live consumer group committed), it compares every table but those listed
in `rebuildable.NOT_REBUILT` (written by requests, not by events) and the outbox (its rows are
sent or pruned by the live relay, while the rebuilt one holds every row, unsent). Every column is
compared, ids included, except what the database writes as it applies: the stamps of apply time
(a column whose default is ``now()``, or one named in `APPLY_TIME`), which say when a row was
written, not what it holds; and the numbers it gives rows in the order they are written (identity
columns, such as inventory's ledger entry ids). Events of different topics have no order between
them: a worker applies each fetch topic by topic, a replay in time order, so the same rows may be
numbered in another order (a shipment's ledger rows before or after another order's reservation)
while the rows are the same. A table whose key is such a number is compared by its other columns.

First an ordered digest per table (rows in primary-key order, SHA-256 over their values), then,
for the tables whose digests differ, the rows themselves: those only the live store has and
those only the rebuilt one has. The inbox is compared too, by event id: an event the live store
applied that the rebuild never read means the log no longer holds it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from rich.table import Table

#: Columns some handlers stamp with the time they applied an event (set in SQL, no default).
APPLY_TIME = frozenset(
    {
        "created_at",
        "updated_at",
        "recorded_at",
        "processed_at",
        "next_attempt_at",
        "applied_at",
        "remembered_at",
    }
)
#: Never compared: the outbox (sent and pruned by the live relay) and the migrations' bookkeeping.
NEVER = frozenset({"outbox", "alembic_version"})
#: Rows of a differing table shown per side in the terminal (the report file holds all of them).
SHOWN_ROWS = 5


@dataclass
class TableDifference:
    table: str
    live_rows: int
    rebuilt_rows: int
    columns: list[str]
    only_live: list[tuple] = field(default_factory=list)
    only_rebuilt: list[tuple] = field(default_factory=list)


@dataclass
class Equivalence:
    """What the check compared and what differed."""

    compared: dict[str, int] = field(default_factory=dict)  # table -> rows (live)
    skipped: dict[str, str] = field(default_factory=dict)  # table -> why it is not compared
    #: table -> the columns left out: apply-time stamps and apply-order numbers.
    left_out: dict[str, list[str]] = field(default_factory=dict)
    differences: list[TableDifference] = field(default_factory=list)

    @property
    def equal(self) -> bool:
        return not self.differences

    def named(self) -> str:
        return ", ".join(
            f"{d.table} ({len(d.only_live)} row(s) only live, {len(d.only_rebuilt)} only rebuilt)"
            for d in self.differences
        )


def _plain(value) -> object:
    """A value as the report and the digest see it: the same in both stores when it means the same."""
    if isinstance(value, Decimal):
        return str(value.normalize()) if value == value.to_integral() else str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, default=str)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    return value


def _is_apply_time(column: sa.Column) -> bool:
    if not isinstance(column.type, sa.DateTime):
        return False
    default = column.server_default
    stamped = default is not None and "now()" in str(getattr(default, "arg", default)).lower()
    return stamped or column.name in APPLY_TIME


def is_apply_order(column: sa.Column) -> bool:
    """A number the database gives each row as it is written (an identity or serial column)."""
    if column.identity is not None:
        return True
    default = column.server_default
    return default is not None and "nextval(" in str(getattr(default, "arg", default))


def _digest(rows: Iterable[tuple]) -> tuple[str, int]:
    h, n = hashlib.sha256(), 0
    for row in rows:
        h.update(json.dumps(row, default=str).encode())
        n += 1
    return h.hexdigest(), n


def compare(
    live_url: str,
    rebuilt_url: str,
    *,
    not_rebuilt: dict[str, str],
    consumer: str,
    advance: Callable[[str], None] = lambda table: None,
) -> Equivalence:
    """Compare the rebuilt store with the live one (see the module's docstring)."""
    from stockpath_runtime.db import async_url

    live_engine, rebuilt_engine = (
        sa.create_engine(async_url(live_url)),
        sa.create_engine(async_url(rebuilt_url)),
    )
    result = Equivalence()
    try:
        meta = sa.MetaData()
        meta.reflect(rebuilt_engine)
        live_meta = sa.MetaData()
        live_meta.reflect(live_engine)
        with live_engine.connect() as live, rebuilt_engine.connect() as rebuilt:
            for name, table in sorted(meta.tables.items()):
                if name in NEVER:
                    advance(name)
                    continue
                if name in not_rebuilt:
                    result.skipped[name] = not_rebuilt[name]
                    advance(name)
                    continue
                if name not in live_meta.tables:
                    result.skipped[name] = (
                        "the live store has no such table (its migrations are older)"
                    )
                    advance(name)
                    continue
                columns = [c for c in table.columns if not (_is_apply_time(c) or is_apply_order(c))]
                if name == "inbox":  # this service's consumer only: what its handlers applied
                    where = [table.c.consumer == consumer]
                    columns = [
                        c for c in columns if c.name in ("consumer", "event_id", "event_type")
                    ]
                else:
                    where = []
                left = [c.name for c in table.columns if c not in columns]
                if left:
                    result.left_out[name] = left
                live_table = live_meta.tables[name]
                live_cols = [live_table.c[c.name] for c in columns]
                live_sel = _Select(
                    live_table, live_cols, [live_table.c.consumer == consumer] if where else []
                )
                rebuilt_sel = _Select(table, columns, where)
                (live_digest, n_live) = _digest(live_sel.rows(live))
                (rebuilt_digest, n_rebuilt) = _digest(rebuilt_sel.rows(rebuilt))
                result.compared[name] = n_live
                if live_digest != rebuilt_digest:
                    live_rows, rebuilt_rows = (
                        set(live_sel.rows(live)),
                        set(rebuilt_sel.rows(rebuilt)),
                    )
                    result.differences.append(
                        TableDifference(
                            name,
                            n_live,
                            n_rebuilt,
                            [c.name for c in columns],
                            sorted(live_rows - rebuilt_rows, key=repr),
                            sorted(rebuilt_rows - live_rows, key=repr),
                        )
                    )
                advance(name)
    finally:
        live_engine.dispose()
        rebuilt_engine.dispose()
    return result


@dataclass
class _Select:
    table: sa.Table
    columns: list[sa.Column]
    where: list

    def rows(self, conn: sa.Connection) -> Iterable[tuple]:
        key = [c for c in self.table.primary_key.columns if c in self.columns] or self.columns
        query = sa.select(*self.columns).where(*self.where).order_by(*key)
        for row in conn.execution_options(yield_per=5000).execute(query):
            yield tuple(_plain(v) for v in row)


def table_count(url: str) -> int:
    """How many tables the check will walk (for the progress bar)."""
    from stockpath_runtime.db import async_url

    engine = sa.create_engine(async_url(url))
    try:
        return len(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def render(check: Equivalence) -> Table:
    """The differences as a table an operator reads: per table, the row counts and sample rows."""
    table = Table(title="rebuilt store vs live store", show_lines=True)
    table.add_column("table")
    table.add_column("live rows", justify="right")
    table.add_column("rebuilt rows", justify="right")
    table.add_column("only in live (columns: see report)")
    table.add_column("only in rebuilt")
    for d in check.differences:

        def sample(rows: list[tuple]) -> str:
            shown = "\n".join(", ".join(str(v) for v in row) for row in rows[:SHOWN_ROWS])
            more = len(rows) - SHOWN_ROWS
            return shown + (f"\n… {more} more" if more > 0 else "")

        table.add_row(
            d.table,
            str(d.live_rows),
            str(d.rebuilt_rows),
            sample(d.only_live),
            sample(d.only_rebuilt),
        )
    return table


def write_report(check: Equivalence, path: Path, **context: object) -> Path:
    """Every difference, row by row, as JSON (what `--accept-differences` accepted)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {
                **context,
                "compared": check.compared,
                "not_compared": check.skipped,
                "apply_time_columns_left_out": check.left_out,
                "differences": [
                    {
                        "table": d.table,
                        "columns": d.columns,
                        "live_rows": d.live_rows,
                        "rebuilt_rows": d.rebuilt_rows,
                        "only_live": [list(r) for r in d.only_live],
                        "only_rebuilt": [list(r) for r in d.only_rebuilt],
                    }
                    for d in check.differences
                ],
            },
            indent=2,
            default=str,
        )
    )
    return path
