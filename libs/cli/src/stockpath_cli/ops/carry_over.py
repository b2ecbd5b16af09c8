"""What a replay cannot rebuild is carried over from the live store when it switches.

A table in `rebuildable.NOT_REBUILT` holds rows no event announces (a seller's notification
endpoints, whose secrets must not travel on a topic; delivery attempts). The rebuilt store has none
of them, so switching to it would lose them. Once the live service has stopped (nothing writes them
any more) and the stores compared equal, their rows are copied from the live store into the rebuilt
one — with COPY, in an order that satisfies their foreign keys — and each sequence that numbers
them continues where the live one stood. Events that arrived while the rebuild ran are applied
after the copy, so what they cause for those rows (a notification queued for a subscription) is
caused once, in the store that goes live.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import make_url


def _connect(url: str):
    """A plain psycopg connection (COPY streams between two of them)."""
    import psycopg

    parts = make_url(url).set(drivername="postgresql")
    return psycopg.connect(parts.render_as_string(hide_password=False))


def carry_over(live_url: str, rebuilt_url: str, tables: list[str]) -> dict[str, int]:
    """Copy `tables` from the live store into the rebuilt one (replacing what it holds of them);
    returns the rows copied per table, in the order they were copied."""
    if not tables:
        return {}
    engine = sa.create_engine(
        make_url(rebuilt_url).set(drivername="postgresql+psycopg"), poolclass=sa.NullPool
    )
    try:
        metadata = sa.MetaData()
        metadata.reflect(engine, only=tables)
    finally:
        engine.dispose()
    # Referenced tables before referring ones; reflection also brings the tables they refer to
    # (a subscription's seller), which are rebuilt and stay as the replay wrote them.
    ordered = [t.name for t in metadata.sorted_tables if t.name in tables]
    copied: dict[str, int] = {}
    with _connect(live_url) as live, _connect(rebuilt_url) as rebuilt:
        with rebuilt.cursor() as cursor:
            cursor.execute("TRUNCATE " + ", ".join(_quoted(rebuilt, name) for name in ordered))
        for name in ordered:
            copied[name] = _copy_rows(live, rebuilt, name)
            for sequence in _sequences(rebuilt, name):
                _continue_sequence(live, rebuilt, sequence)
        rebuilt.commit()
    return copied


def _quoted(connection, name: str) -> str:
    from psycopg import sql

    return sql.Identifier(name).as_string(connection)


def _copy_rows(live, rebuilt, name: str) -> int:
    table = _quoted(rebuilt, name)
    rows = 0
    with live.cursor() as source, rebuilt.cursor() as target:
        with (
            source.copy(f"COPY {table} TO STDOUT (FORMAT BINARY)") as out,
            target.copy(f"COPY {table} FROM STDIN (FORMAT BINARY)") as into,
        ):
            for chunk in out:
                into.write(chunk)
        target.execute(f"SELECT count(*) FROM {table}")
        (rows,) = target.fetchone()
    return rows


def _sequences(connection, table: str) -> list[str]:
    """The sequences that number the table's columns (serial or identity)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_serial_sequence(%(table)s, a.attname) FROM pg_attribute a "
            "WHERE a.attrelid = %(table)s::regclass AND a.attnum > 0 AND NOT a.attisdropped",
            {"table": _quoted(connection, table)},
        )
        return [sequence for (sequence,) in cursor.fetchall() if sequence]


def _continue_sequence(live, rebuilt, sequence: str) -> None:
    with live.cursor() as cursor:
        cursor.execute(f"SELECT last_value, is_called FROM {sequence}")
        last_value, is_called = cursor.fetchone()
    with rebuilt.cursor() as cursor:
        cursor.execute("SELECT setval(%s, %s, %s)", (sequence, last_value, is_called))
