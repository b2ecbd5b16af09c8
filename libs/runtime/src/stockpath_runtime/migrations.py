"""Run a service's Alembic migrations programmatically (no alembic.ini to keep in sync).

A service keeps its history in ``<package>/migrations`` with an ``env.py`` that calls
`run_migrations`; `upgrade(service)` creates the database if needed and upgrades to head.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command, context
from alembic.config import Config

from stockpath_runtime.db import async_url, ensure_database


def alembic_config(script_location: Path, database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    # psycopg 3 in sync mode; '%' must be escaped for ConfigParser.
    cfg.set_main_option("sqlalchemy.url", async_url(database_url).replace("%", "%%"))
    return cfg


def upgrade(script_location: Path, database_url: str, revision: str = "head") -> None:
    ensure_database(database_url)
    command.upgrade(alembic_config(script_location, database_url), revision)


def run_migrations(target_metadata: sa.MetaData | None = None) -> None:
    """The body of every service's migrations/env.py (online mode only)."""
    url = context.config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("the Alembic configuration names no sqlalchemy.url")
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
