from registration.adapters.tables import metadata
from stockpath_runtime.migrations import run_migrations

run_migrations(metadata)
