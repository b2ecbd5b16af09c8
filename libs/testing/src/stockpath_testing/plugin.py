"""pytest fixtures every Stockpath package gets (registered as the `stockpath` pytest11 plugin).

- `kafka_bootstrap`: ``KAFKA_BOOTSTRAP_SERVERS`` when set, else one Tansu for the session;
  every contract topic is created on it.
- `database_server`: the session's PostgreSQL server (see `stockpath_testing.database`: a
  configured one, else the local one, else an embedded one), named once in the run's header.
- `fresh_database(service)`: a new database for this test module, migrated to head, dropped after.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from stockpath_testing.database import SessionDatabase

SESSION_DATABASE = pytest.StashKey[SessionDatabase]()


def session_database(config: pytest.Config) -> SessionDatabase:
    """The session's choice of server, made on first use (the header's, normally)."""
    if SESSION_DATABASE not in config.stash:
        config.stash[SESSION_DATABASE] = SessionDatabase()
    return config.stash[SESSION_DATABASE]


def session_lines(config: pytest.Config) -> list[str]:
    from stockpath_testing.browser import find_chromium

    return [session_database(config).header, f"browser: {find_chromium().description}"]


def pytest_configure(config: pytest.Config) -> None:
    """pytest-xdist's workers start with COLUMNS=80 in their environment (a plain pytest process does
    not). The command line's rich consoles read COLUMNS once, when their module is imported, so every
    command a worker's tests invoke would print 80 columns whatever COLUMNS the test gives it, as a
    user's shell does; without it they take the width when they print, as in a single process."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        os.environ.pop("COLUMNS", None)


def pytest_report_header(config: pytest.Config) -> list[str]:
    return session_lines(config)


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """Under -q (or --no-header) pytest shows no header: say the database and browser anyway."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and (reporter.verbosity < 0 or reporter.no_header):
        for line in session_lines(session.config):
            reporter.write_line(line)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """A page test without a Chromium is skipped before its fixtures start anything."""
    if {"page", "browser"} & set(getattr(item, "fixturenames", ())):
        from stockpath_testing.browser import NO_CHROMIUM, find_chromium

        if not find_chromium().found:
            pytest.skip(NO_CHROMIUM)


def pytest_unconfigure(config: pytest.Config) -> None:
    if SESSION_DATABASE in config.stash:
        config.stash[SESSION_DATABASE].close()


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory) -> Iterator[str]:
    from stockpath_runtime.kafka import ensure_topics
    from stockpath_testing.kafka import own_broker

    configured = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if not configured:
        with own_broker(tmp_path_factory.mktemp("tansu")) as bootstrap:
            yield bootstrap
        return
    asyncio.run(
        ensure_topics(
            configured, partitions=int(os.environ.get("KAFKA_TOPIC_PARTITIONS", "3")), replication=1
        )
    )
    yield configured


@pytest.fixture(scope="session")
def database_server(pytestconfig) -> str:
    """The session's PostgreSQL server URL (no database name): `fresh_database` makes databases on it."""
    return session_database(pytestconfig).url()


@pytest.fixture(scope="module")
def fresh_database(database_server, request):
    """Factory: ``url = fresh_database("inventory")`` → a migrated, empty database for this module."""
    from stockpath_cli.localstack import database_url
    from stockpath_runtime.db import drop_database
    from stockpath_runtime.migrations import upgrade
    from stockpath_runtime.service import get_service

    created: list[str] = []

    def make(service: str, *, migrate: bool = True) -> str:
        name = f"test_{service.replace('-', '_')}_{uuid.uuid4().hex[:10]}"
        url = database_url(database_server, name)
        if migrate:
            upgrade(get_service(service).migrations, url)
        else:
            from stockpath_runtime.db import ensure_database

            ensure_database(url)
        created.append(url)
        return url

    yield make
    for url in created:
        drop_database(url)


@pytest.fixture(scope="module")
def unique_group() -> str:
    """A consumer-group suffix so workers of different test modules never share offsets."""
    return uuid.uuid4().hex[:8]


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    path = Path(os.environ.get("STOCKPATH_ARTIFACTS", Path.cwd() / "artifacts"))
    path.mkdir(parents=True, exist_ok=True)
    return path


from stockpath_testing.browser import browser, page, screenshots  # noqa: E402,F401  (fixtures)
