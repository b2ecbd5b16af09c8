"""The Alembic history builds exactly the tables the code reads and writes."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from registration.adapters.tables import metadata
from stockpath_runtime.db import async_url

pytestmark = pytest.mark.integration


def test_the_migrated_schema_matches_the_table_definitions(database):
    engine = sa.create_engine(async_url(database))
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn,
                opts={
                    # The runtime's outbox and inbox are defined (and compared) by the runtime.
                    "include_name": lambda name, type_, parent: type_ != "table" or name in metadata.tables,
                    "compare_type": True,
                },
            )
            differences = compare_metadata(context, metadata)
    finally:
        engine.dispose()
    assert differences == []
