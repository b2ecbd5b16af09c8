"""Wait until a service's database carries the migrations of this image: the init container of
every API and worker pod in deploy/kubernetes, where the `<service>-migrate` Job upgrades the
database once (no replica migrates).

    python /app/wait_for_migrations.py <service> [--timeout SECONDS] [--interval SECONDS]

Reads the service's settings (``<SERVICE>_DATABASE_URL``). Exit 0 once the database is at the head
of the image's migrations, or at a revision the image does not know (a newer image migrated it:
an image rolled back runs against the schema it left, as migrations are written to allow);
exit 1 when the timeout passes first (the pod's init container restarts, with back-off).
"""

from __future__ import annotations

import argparse
import sys
import time

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from stockpath_runtime.db import async_url
from stockpath_runtime.service import get_service


def schema_state(service_name: str) -> tuple[bool, str]:
    """(ready, what the database holds against the image's head)."""
    service = get_service(service_name)
    script = ScriptDirectory(str(service.migrations))
    heads = set(script.get_heads())
    engine = sa.create_engine(
        async_url(service.load_settings().database_url), poolclass=sa.pool.NullPool
    )
    try:
        with engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    finally:
        engine.dispose()
    known = {revision.revision for revision in script.walk_revisions()}
    if current == heads:
        return True, f"at head {sorted(heads)}"
    if current and not current <= known:
        return True, f"at {sorted(current)}, newer than this image's head {sorted(heads)}"
    return False, f"at {sorted(current) or 'no revision'}, waiting for {sorted(heads)}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("service")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--interval", type=float, default=2.0)
    args = parser.parse_args(argv)
    deadline = time.monotonic() + args.timeout
    last = ""
    while True:
        try:
            ready, state = schema_state(args.service)
        except sa.exc.OperationalError as error:  # no database yet, or not reachable
            ready, state = False, f"unreachable: {str(error.orig).strip().splitlines()[0]}"
        if state != last:
            print(f"{args.service} database {state}", flush=True)
            last = state
        if ready:
            return 0
        if time.monotonic() >= deadline:
            print(f"{args.service}: gave up after {args.timeout:g}s", file=sys.stderr)
            return 1
        time.sleep(args.interval)


if __name__ == "__main__":
    sys.exit(main())
