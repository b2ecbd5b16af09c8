"""PostgreSQL plumbing shared by every service: engines, the outbox, inbox and credentials
tables, databases.

Each service owns one database. Its Alembic history creates these tables with
`create_messaging_tables` (and brings older databases up to date with `upgrade_messaging_tables`),
so the tables are the same everywhere and defined once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from psycopg.types.array import ListBinaryDumper
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import CursorResult, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from stockpath_runtime import tracing

messaging_metadata = sa.MetaData()

#: Events waiting to be published, written in the same transaction as the change that caused
#: them. The relay publishes rows in id order and sets published_at once the broker acknowledged.
outbox = sa.Table(
    "outbox",
    messaging_metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("event_id", sa.Text, nullable=False, unique=True),
    sa.Column("event_type", sa.Text, nullable=False),
    sa.Column("topic", sa.Text, nullable=False),
    sa.Column("key", sa.LargeBinary, nullable=True),
    sa.Column("value", sa.LargeBinary, nullable=False),
    sa.Column("headers", postgresql.JSONB, nullable=False),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
    #: Set when the broker refused the row for good (e.g. larger than it accepts): the relay
    #: sets it aside and goes on; `stockpath outbox` shows, retries or discards it.
    sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("failure", sa.Text, nullable=True),
    sa.Index("outbox_unpublished", "id", postgresql_where=sa.text("published_at IS NULL")),
)

#: The channel a unit of work NOTIFYs when it commits outbox rows: the relay LISTENs on it
#: instead of polling the table (NOTIFY is delivered at commit, and only if it commits).
OUTBOX_CHANNEL = "stockpath_outbox"

#: Events a consumer has applied, recorded in the same transaction as their effect.
inbox = sa.Table(
    "inbox",
    messaging_metadata,
    sa.Column("consumer", sa.Text, primary_key=True),
    sa.Column("event_id", sa.Text, primary_key=True),
    sa.Column("event_type", sa.Text, nullable=False),
    sa.Column(
        "processed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
)


#: Who may call this service: every credential registration issued, as `identity.events` told
#: (only the secret's SHA-256; the secret exists only in its holder's hands).
credentials = sa.Table(
    "credentials",
    messaging_metadata,
    sa.Column("credential_id", sa.Text, primary_key=True),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("secret_sha256", sa.Text, nullable=False),
    sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    sa.Index("credentials_by_subject", "kind", "subject"),
)


def create_messaging_tables(op) -> None:
    """Call from a service's first Alembic migration."""
    bind = op.get_bind()
    messaging_metadata.create_all(bind)


def upgrade_messaging_tables(op) -> None:
    """Bring the messaging tables of an existing database to what `create_messaging_tables`
    creates now (a service's later Alembic migration calls it; harmless on a new database)."""
    op.execute("ALTER TABLE outbox ADD COLUMN IF NOT EXISTS failed_at timestamptz")
    op.execute("ALTER TABLE outbox ADD COLUMN IF NOT EXISTS failure text")
    credentials.create(op.get_bind(), checkfirst=True)


def downgrade_messaging_tables(op) -> None:
    """Undo `upgrade_messaging_tables`."""
    credentials.drop(op.get_bind(), checkfirst=True)
    op.execute("ALTER TABLE outbox DROP COLUMN IF EXISTS failure")
    op.execute("ALTER TABLE outbox DROP COLUMN IF EXISTS failed_at")


def drop_messaging_tables(op) -> None:
    messaging_metadata.drop_all(op.get_bind())


_INSERTS: dict[tuple, tuple[sa.TextClause, tuple[bool, ...]]] = {}


def _insert_statement(
    table: sa.Table,
    columns: tuple[str, ...],
    on_conflict_do_nothing: bool,
    returning: tuple[str, ...],
) -> tuple[sa.TextClause, tuple[bool, ...]]:
    key = (table.name, columns, on_conflict_do_nothing, returning)
    found = _INSERTS.get(key)
    if found is None:
        dialect = postgresql.dialect()
        is_json = tuple(isinstance(table.c[c].type, sa.JSON) for c in columns)
        arrays = ", ".join(
            f"CAST(:p{n} AS {'text' if json_ else table.c[c].type.compile(dialect=dialect)}[])"
            for n, (c, json_) in enumerate(zip(columns, is_json, strict=True))
        )
        names = ", ".join(f'"{c}"' for c in columns)
        picked = ", ".join(
            f'CAST(r."{c}" AS jsonb)' if json_ else f'r."{c}"'
            for c, json_ in zip(columns, is_json, strict=True)
        )
        text = f'INSERT INTO "{table.name}" ({names}) SELECT {picked} FROM unnest({arrays}) AS r({names})'
        if on_conflict_do_nothing:
            text += " ON CONFLICT DO NOTHING"
        if returning:
            text += " RETURNING " + ", ".join(f'"{c}"' for c in returning)
        found = _INSERTS[key] = (sa.text(text), is_json)
    return found


async def insert_rows(
    connection: AsyncConnection,
    table: sa.Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    on_conflict_do_nothing: bool = False,
    returning: Sequence[str] = (),
) -> CursorResult | None:
    """Insert many rows in one statement whose text depends only on the table and the columns
    (``INSERT ... SELECT FROM unnest(arrays)``): prepared once by the server and parsed once by
    the driver whatever the number of rows, where an executemany sends one statement per row (or a
    multi-row VALUES whose text changes with the count). Every row has the keys of the first;
    JSON columns take Python values (serialised here). None when there are no rows."""
    if not rows:
        return None
    columns = tuple(rows[0])
    statement, is_json = _insert_statement(table, columns, on_conflict_do_nothing, tuple(returning))
    params = {}
    for n, (column, json_) in enumerate(zip(columns, is_json, strict=True)):
        values = [row[column] for row in rows]
        params[f"p{n}"] = (
            [None if v is None else json.dumps(v) for v in values] if json_ else values
        )
    return await connection.execute(statement, params)


def any_of(values: Iterable[str]) -> sa.ColumnElement:
    """``= ANY(:array)`` of texts: ``column == any_of(keys)``. One statement text however many keys
    (an ``in_`` list renders one parameter per key: a new text for every batch size, compiled by
    SQLAlchemy, parsed and planned by the server, and prepared by psycopg once per size)."""
    return sa.any_(
        sa.cast(
            sa.bindparam("values", list(values), type_=postgresql.ARRAY(sa.Text), unique=True),
            postgresql.ARRAY(sa.Text),
        )
    )


def async_url(url: str) -> str:
    """SQLAlchemy URL with the psycopg 3 driver, whatever driver (or none) the user wrote."""
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres", "postgresql+psycopg2", "postgresql+asyncpg"):
        u = u.set(drivername="postgresql+psycopg")
    return u.render_as_string(hide_password=False)


#: How the services' connections plan (see `create_engine`).
PLANNER_SETTINGS = "-c plan_cache_mode=force_custom_plan -c random_page_cost=1.1"


def create_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    """The service's engine. Its connections plan with two settings of their own:

    - ``plan_cache_mode=force_custom_plan``: every statement is planned for the values it runs
      with, instead of the generic plan PostgreSQL keeps for a prepared statement after five
      executions. Our hot statements take whole batches as arrays, and a generic plan guesses ten
      elements per array and the table's size when it was planned: a worker that started on small
      tables (a new install, a replay into an empty store) kept a sequential scan of
      ``order_lines`` filtered by ``= ANY(ids)`` while the table grew, and that one statement took
      95 ms per batch and two thirds of PostgreSQL's CPU at 1,000 lines/s (docs/performance.md).
      Planning each execution costs a fraction of a millisecond; the text is still parsed once
      (psycopg prepares it).
    - ``random_page_cost=1.1`` (PostgreSQL's default, 4, prices a random read as a disk seek): a
      service's hot tables are read in memory, where an index probe costs about what a page read
      in sequence does. With 4, locking a batch's 100 stock levels among 25,000 rows was planned as
      a hash join over a sequential scan of all of them (3.3 ms) rather than 100 index probes
      (0.25 ms).
    """
    given = make_url(async_url(url)).query.get("options")
    options = " ".join(
        [*(given if isinstance(given, tuple) else [given] if given else []), PLANNER_SETTINGS]
    )
    engine = create_async_engine(
        async_url(url),
        connect_args={"options": options},
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        pool_recycle=1800,
        # Bound values (buyer addresses, tokens' hashes) stay out of error messages and logs.
        hide_parameters=True,
    )
    sa.event.listen(engine.sync_engine, "connect", _send_lists_binary)
    tracing.instrument_engine(engine)
    return engine


def _send_lists_binary(dbapi_connection, _record) -> None:
    """Send list parameters (the arrays every set-based statement passes to `unnest`) in
    PostgreSQL's binary array format. psycopg's default for a list is the text format, whose
    dumper searches every element for characters to quote and escapes them with a regular
    expression: measured 59 µs per JSON string and 36 µs per bytes value (the outbox's headers and
    values), against 1.1 and 0.7 µs in binary (docs/performance.md). Scalars keep psycopg's
    defaults; statements cast their arrays to the column types (`CAST(:ids AS text[])`)."""
    dbapi_connection.driver_connection.adapters.register_dumper(list, ListBinaryDumper)


def ensure_database(url: str) -> bool:
    """Create the database named in `url` if it does not exist; True when it was created."""
    u = make_url(async_url(url))
    name = u.database
    admin = sa.create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            ).scalar()
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
                return True
            return False
    finally:
        admin.dispose()


def drop_database(url: str) -> None:
    u = make_url(async_url(url))
    admin = sa.create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)'))
    finally:
        admin.dispose()
