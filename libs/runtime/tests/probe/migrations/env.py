from stockpath_runtime.migrations import run_migrations

run_migrations()
