from stockpath_runtime.migrations import run_migrations

from catalog.adapters.tables import metadata

run_migrations(metadata)
