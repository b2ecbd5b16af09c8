"""Headless Chromium for page tests: Debian's `chromium` driven by Playwright (no browser download)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("STOCKPATH_CHROMIUM", "/usr/bin/chromium")
#: Without these, Chromium keeps trying to reach Google's hosts, which this network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


#: Module scope, not session: Playwright's sync API keeps an event loop running in this thread
#: while it is open, which would break every asyncio test of a later module.
@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's `chromium` (.ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture(scope="session")
def screenshots(artifacts_dir) -> Path:
    """Where page tests save a screenshot of each step (artifacts/screenshots/)."""
    path = artifacts_dir / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path
