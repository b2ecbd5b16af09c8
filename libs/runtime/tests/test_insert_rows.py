"""`db.insert_rows`: many rows in one INSERT ... SELECT FROM unnest statement whose text depends
only on the table and the columns; every column type the services write reads back as given."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from stockpath_runtime import db

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]

things = sa.Table(
    "insert_rows_things",
    sa.MetaData(),
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("n", sa.Integer, nullable=True),
    sa.Column("big", sa.BigInteger, nullable=True),
    sa.Column("price", sa.Numeric(12, 2), nullable=True),
    sa.Column("doc", postgresql.JSONB, nullable=True),
    sa.Column("flag", sa.Boolean, nullable=True),
    prefixes=["TEMPORARY"],
)

ROWS = [
    {
        "id": "a",
        "n": 1,
        "big": 2**40,
        "price": Decimal("10.25"),
        "doc": {"k": ["v", 1, None], "é": "ü"},
        "flag": True,
    },
    {"id": "b", "n": None, "big": None, "price": None, "doc": None, "flag": None},
    {
        "id": "c'; DROP TABLE x; --",
        "n": -7,
        "big": 0,
        "price": Decimal("0.00"),
        "doc": [1, 2],
        "flag": False,
    },
]


async def test_rows_of_every_column_type_read_back_as_given(engine):
    async with engine.connect() as conn:
        await conn.run_sync(lambda sync: things.create(sync))
        result = await db.insert_rows(conn, things, ROWS)
        assert result is not None and result.rowcount == 3
        back = [
            dict(r._mapping)
            for r in await conn.execute(sa.select(things).order_by(things.c.n.nulls_first()))
        ]
        assert sorted(back, key=lambda r: r["id"]) == sorted(ROWS, key=lambda r: r["id"])
        assert await db.insert_rows(conn, things, []) is None
        await conn.rollback()


async def test_conflicts_are_skipped_and_returning_names_the_rows_inserted(engine):
    async with engine.connect() as conn:
        await conn.run_sync(lambda sync: things.create(sync))
        await db.insert_rows(conn, things, [{"id": "a", "n": 1}])
        result = await db.insert_rows(
            conn,
            things,
            [{"id": "a", "n": 2}, {"id": "b", "n": 3}],
            on_conflict_do_nothing=True,
            returning=["id"],
        )
        assert result is not None and [r.id for r in result] == ["b"]
        assert (
            await conn.execute(sa.select(things.c.n).where(things.c.id == "a"))
        ).scalar_one() == 1
        await conn.rollback()


async def test_the_statement_text_does_not_depend_on_the_number_of_rows():
    one = db._insert_statement(things, ("id", "doc"), False, ())[0]
    again = db._insert_statement(things, ("id", "doc"), False, ())[0]
    assert one is again
    assert (
        "unnest(CAST(:p0 AS TEXT[]), CAST(:p1 AS text[]))" in one.text
        and 'CAST(r."doc" AS jsonb)' in one.text
    )


blobs = sa.Table(
    "insert_rows_blobs",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("value", sa.LargeBinary, nullable=True),
    sa.Column("headers", postgresql.JSONB, nullable=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("day", sa.Date, nullable=True),
    sa.Column("note", sa.Text, nullable=True),
    prefixes=["TEMPORARY"],
)


async def test_list_parameters_travel_in_binary_and_read_back_as_given(engine):
    """The outbox's rows as the units of work write them (bytes values, JSON headers full of
    quotes) go as binary arrays — no quoting and escaping of every element, the text format's
    cost — and read back as given, also a column of NULLs only and awkward text."""
    from datetime import UTC, date, datetime

    from psycopg import pq
    from psycopg.adapt import PyFormat

    rows = [
        {
            "id": 1,
            "value": b'\x00\xff{"a": "b\\"c"}',
            "headers": [["ce_id", "x"], ["traceparent", '00-"quoted"\\-01']],
            "at": datetime(2026, 10, 2, 9, 30, tzinfo=UTC),
            "day": date(2026, 10, 2),
            "note": None,
        },
        {
            "id": 2,
            "value": b"",
            "headers": {},
            "at": None,
            "day": None,
            "note": None,
        },
    ]
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        dumper = raw.driver_connection.adapters.get_dumper(list, PyFormat.AUTO)
        assert dumper.format == pq.Format.BINARY, dumper
        await conn.run_sync(lambda sync: blobs.create(sync))
        await db.insert_rows(conn, blobs, rows)
        back = [dict(r._mapping) for r in await conn.execute(sa.select(blobs).order_by(blobs.c.id))]
        assert back == rows
        await conn.rollback()
