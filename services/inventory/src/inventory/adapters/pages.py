"""What every paged reader asks of its table: the rows matching some filters, one page of them in
a stable order, and how many match in all (`stockpath_runtime.paging.Page`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from stockpath_runtime.paging import Page

T = TypeVar("T")


def equal(*wanted: tuple[sa.Column, object]) -> list:
    """The conditions of the filters a reader was given: column = value (None: not filtered)."""
    return [column == value for column, value in wanted if value]


async def read_page(
    conn: AsyncConnection,
    table: sa.Table,
    filters: Sequence,
    order_by: Sequence,
    limit: int,
    offset: int,
    record: Callable[[sa.Row], T],
) -> Page[T]:
    """One page of `table`'s rows matching every filter, ordered by `order_by` (which must be
    stable, so pages never repeat or skip a row), each made a record by `record`."""
    total = (
        await conn.execute(sa.select(sa.func.count()).select_from(table).where(*filters))
    ).scalar_one()
    rows = await conn.execute(
        sa.select(table).where(*filters).order_by(*order_by).limit(limit).offset(offset)
    )
    return Page([record(r) for r in rows], total)
