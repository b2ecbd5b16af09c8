"""The test session's PostgreSQL: the configured URL, else the local server, else an embedded one."""

from __future__ import annotations

import re
from pathlib import Path

import psycopg

from stockpath_cli.localstack import EmbeddedPostgres, database_url, port_open
from stockpath_testing.database import SessionDatabase, probe

pytest_plugins = ["pytester"]
INNER = ("-p", "no:cacheprovider", "-o", "asyncio_default_fixture_loop_scope=function")


def never(url: str) -> str | None:
    raise AssertionError(f"probed {url} although a server was configured")


def test_the_configured_url_wins_and_its_password_is_not_shown():
    db = SessionDatabase(
        {"STOCKPATH_TEST_DATABASE_URL": "postgresql://ci:s3cret@db.example:6543/ignored"},
        probe=never,
    )
    assert db.kind == "configured"
    assert db.url() == "postgresql+psycopg://ci:s3cret@db.example:6543"
    assert (
        db.header
        == "database: STOCKPATH_TEST_DATABASE_URL (postgresql+psycopg://ci:***@db.example:6543)"
    )


def test_the_older_variable_name_still_works():
    db = SessionDatabase(
        {"STOCKPATH_TEST_DATABASE_SERVER": "postgresql+psycopg://postgres@10.0.0.5:5433"},
        probe=never,
    )
    assert db.url() == "postgresql+psycopg://postgres@10.0.0.5:5433"
    assert (
        db.header
        == "database: STOCKPATH_TEST_DATABASE_SERVER (postgresql+psycopg://postgres@10.0.0.5:5433)"
    )


def test_the_local_server_when_it_answers():
    asked = []
    db = SessionDatabase({}, probe=lambda url: asked.append(url))
    assert asked == ["postgresql+psycopg://postgres@127.0.0.1:5432"]
    assert (db.kind, db.url()) == ("local", "postgresql+psycopg://postgres@127.0.0.1:5432")
    assert db.header == "database: local PostgreSQL at 127.0.0.1:5432"
    moved = SessionDatabase(
        {"STOCKPATH_TEST_LOCAL_POSTGRES": "127.0.0.1:5433"}, probe=lambda url: None
    )
    assert moved.url() == "postgresql+psycopg://postgres@127.0.0.1:5433"


def test_else_the_embedded_server_is_chosen_and_not_started_until_needed():
    db = SessionDatabase({}, probe=lambda url: "Connection refused")
    try:
        assert db.kind == "embedded" and not db.started
        assert re.fullmatch(
            r"database: embedded PostgreSQL \d+ in /\S+stockpath-pg-\w+ "
            r"\(no local PostgreSQL at 127\.0\.0\.1:5432: Connection refused\)",
            db.header,
        ), db.header
        folder = db.folder
        assert folder.is_dir()
    finally:
        db.close()
    assert not folder.exists()


def test_the_probe_says_why_a_server_does_not_answer():
    assert probe("postgresql+psycopg://postgres@127.0.0.1:1") == "Connection refused"


def test_the_embedded_server_listens_on_loopback_takes_migrations_and_is_gone_after():
    from stockpath_runtime.migrations import upgrade
    from stockpath_runtime.service import get_service

    db = SessionDatabase({"STOCKPATH_TEST_LOCAL_POSTGRES": "127.0.0.1:1"})
    try:
        server = db.url()
        port = int(re.fullmatch(r"postgresql\+psycopg://postgres@127\.0\.0\.1:(\d+)", server)[1])
        url = database_url(server, "catalog_embedded")
        upgrade(get_service("catalog").migrations, url)
        with psycopg.connect(url.replace("+psycopg", "")) as conn:
            assert conn.execute("SELECT version_num FROM alembic_version").fetchone()
            assert (
                conn.execute("SHOW server_version")
                .fetchone()[0]
                .startswith(db.description.split()[2])
            )
        folder = db.folder
    finally:
        db.close()
    assert not port_open("127.0.0.1", port)
    assert not folder.exists()


def test_dev_ups_unix_socket_url_works_for_a_services_settings_alembic_and_relay(
    tmp_path, monkeypatch
):
    """`./dev up` gives its services the socket form (postgresql+psycopg://postgres:@/db?host=DIR)."""
    from sqlalchemy.engine import make_url

    from stockpath_runtime.migrations import upgrade
    from stockpath_runtime.service import get_service

    postgres = EmbeddedPostgres(tmp_path / "pgdata")
    try:
        server = postgres.start()
        assert "?host=" in server
        monkeypatch.setenv("CATALOG_DATABASE_URL", database_url(server, "stockpath_catalog"))
        catalog = get_service("catalog")
        settings = catalog.load_settings()
        upgrade(catalog.migrations, settings.database_url)
        # The relay's LISTEN connection: the same URL as a libpq conninfo.
        conninfo = (
            make_url(settings.database_url)
            .set(drivername="postgresql")
            .render_as_string(hide_password=False)
        )
        with psycopg.connect(conninfo) as conn:
            assert conn.execute("SELECT count(*) FROM catalog_items").fetchone() == (0,)
    finally:
        postgres.stop()


def test_one_line_at_the_top_says_which_server_and_every_fixture_uses_it(pytester, monkeypatch):
    monkeypatch.setenv("STOCKPATH_TEST_DATABASE_URL", "postgresql://nobody@db.invalid:1")
    pytester.makepyfile(
        "def test_server(database_server):\n"
        '    assert database_server == "postgresql+psycopg://nobody@db.invalid:1"\n'
    )
    for verbosity in ((), ("-q",)):
        result = pytester.runpytest_inprocess(*INNER, *verbosity)
        result.assert_outcomes(passed=1)
        said = [line for line in result.outlines if line.startswith("database: ")]
        assert said == [
            "database: STOCKPATH_TEST_DATABASE_URL (postgresql+psycopg://nobody@db.invalid:1)"
        ]


def test_without_a_local_server_a_session_runs_on_the_embedded_one_and_stops_it(
    pytester, monkeypatch
):
    monkeypatch.delenv("STOCKPATH_TEST_DATABASE_URL", raising=False)
    monkeypatch.delenv("STOCKPATH_TEST_DATABASE_SERVER", raising=False)
    monkeypatch.setenv("STOCKPATH_TEST_LOCAL_POSTGRES", "127.0.0.1:1")
    pytester.makepyfile(
        "import psycopg\n"
        "def test_a_migrated_database(fresh_database, database_server):\n"
        "    assert database_server.startswith('postgresql+psycopg://postgres@127.0.0.1:')\n"
        "    url = fresh_database('catalog')\n"
        "    with psycopg.connect(url.replace('+psycopg', '')) as conn:\n"
        "        assert conn.execute('SELECT count(*) FROM catalog_items').fetchone() == (0,)\n"
        "    print('SERVER', database_server)\n"
    )
    result = pytester.runpytest_inprocess(*INNER, "-s")
    result.assert_outcomes(passed=1)
    header = next(line for line in result.outlines if line.startswith("database: "))
    folder = Path(re.search(r" in (\S+) ", header)[1])
    port = int(next(line for line in result.outlines if "SERVER " in line).rsplit(":", 1)[1])
    assert header.startswith("database: embedded PostgreSQL ")
    assert not folder.exists()
    assert not port_open("127.0.0.1", port)
