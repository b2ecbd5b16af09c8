"""Headless Chromium for page tests, driven by Playwright; nothing is downloaded at test time.

The browser is the first that applies: ``STOCKPATH_CHROMIUM``; a Chromium the machine has
(``/usr/bin/chromium``, then ``chromium``, ``chromium-browser``, ``google-chrome`` on PATH);
Playwright's own Chromium when it was installed (``uv run playwright install chromium``). With
none, page tests are skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

#: Looked for in this order after STOCKPATH_CHROMIUM: an absolute path, or a name on PATH.
SYSTEM_CHROMIUMS = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")
NO_CHROMIUM = (
    "no Chromium: install Debian's chromium or set STOCKPATH_CHROMIUM "
    "(or `uv run playwright install chromium` where Playwright's download is reachable)"
)
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


@dataclass(frozen=True)
class Chromium:
    #: The executable to launch; None: Playwright's own Chromium (if it is there), None and not
    #: `bundled`: no Chromium at all.
    executable: str | None
    description: str
    bundled: bool = False

    @property
    def found(self) -> bool:
        return self.executable is not None or self.bundled


def playwright_browsers(environ: Mapping[str, str]) -> Path:
    """Where `playwright install` puts its browsers (PLAYWRIGHT_BROWSERS_PATH, else the user's cache)."""
    configured = environ.get("PLAYWRIGHT_BROWSERS_PATH")
    if configured and configured != "0":
        return Path(configured)
    if configured == "0":
        import playwright

        return Path(playwright.__file__).parent / "driver" / "package" / ".local-browsers"
    home = Path(environ.get("HOME", str(Path.home())))
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "ms-playwright"
    return Path(environ.get("XDG_CACHE_HOME", str(home / ".cache"))) / "ms-playwright"


def find_chromium(
    environ: Mapping[str, str] | None = None,
    candidates: tuple[str, ...] | None = None,
    which: Callable[[str], str | None] = shutil.which,
) -> Chromium:
    environ = os.environ if environ is None else environ
    candidates = SYSTEM_CHROMIUMS if candidates is None else candidates
    configured = environ.get("STOCKPATH_CHROMIUM")
    if configured:
        return Chromium(configured, f"{configured} (STOCKPATH_CHROMIUM)")
    for candidate in candidates:
        path = candidate if os.path.isabs(candidate) else which(candidate)
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return Chromium(path, path)
    browsers = playwright_browsers(environ)
    if browsers.is_dir() and any(browsers.glob("chromium*")):
        return Chromium(None, f"Playwright's Chromium in {browsers}", bundled=True)
    return Chromium(None, f"none, page tests are skipped: {NO_CHROMIUM}")


def launch(playwright, chromium: Chromium):
    """Launch `chromium` headless; skip the test when there is none (or Playwright's is not there)."""
    if not chromium.found:
        pytest.skip(NO_CHROMIUM)
    if chromium.executable is not None:
        if not Path(chromium.executable).exists():
            pytest.fail(f"Chromium not found at {chromium.executable} (STOCKPATH_CHROMIUM)")
        return playwright.chromium.launch(
            executable_path=chromium.executable, headless=True, args=CHROMIUM_ARGS
        )
    from playwright.sync_api import Error

    try:
        return playwright.chromium.launch(headless=True, args=CHROMIUM_ARGS)
    except Error as error:
        if "Executable doesn't exist" not in str(error):
            raise
        pytest.skip(f"{NO_CHROMIUM}; {chromium.description} is not this Playwright's version")


#: Module scope, not session: Playwright's sync API keeps an event loop running in this thread
#: while it is open, which would break every asyncio test of a later module.
@pytest.fixture(scope="module")
def browser():
    chromium = find_chromium()
    if not chromium.found:
        pytest.skip(NO_CHROMIUM)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright, chromium)
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


def screenshot(page, path: Path, attempts: int = 3) -> None:
    """`page.screenshot`, for pages that reload themselves (an order's status page refreshes every
    2 s until it is final): caught between two documents, Chromium answers "Unable to capture
    screenshot"; the next document is waited for and the capture tried again."""
    from playwright.sync_api import Error

    for attempt in range(attempts):
        try:
            page.screenshot(path=path)
            return
        except Error as error:
            if "Unable to capture screenshot" not in str(error) or attempt == attempts - 1:
                raise
            page.wait_for_load_state("load")
