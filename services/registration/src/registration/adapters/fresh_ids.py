"""Storing a row under a freshly drawn random id (seller ids, FNSKUs, shipment ids)."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

#: Random ids are at least 36^7 apart; a few tries only matter in theory, and never loop forever.
MAX_ID_ATTEMPTS = 5


class IdSpaceExhausted(RuntimeError):
    """Several freshly drawn random ids were all taken: the generator, not the caller, is at fault."""


async def insert_with_fresh_id(
    conn: AsyncConnection, table: sa.Table, id_column: str, new_id: Callable[[], str], values: dict
) -> str:
    """Insert a row under a newly drawn random id, drawing again if that id is already taken."""
    for _ in range(MAX_ID_ATTEMPTS):
        candidate = new_id()
        inserted = await conn.execute(
            pg_insert(table)
            .values(**values, **{id_column: candidate})
            .on_conflict_do_nothing(index_elements=[table.c[id_column]])
            .returning(table.c[id_column])
        )
        if inserted.first() is not None:
            return candidate
    raise IdSpaceExhausted(f"{MAX_ID_ATTEMPTS} random {id_column} values in a row were taken")
