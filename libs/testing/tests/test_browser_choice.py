"""Which Chromium the page fixture drives, and skipping (not failing) without one.

A module of its own: another module's open `browser` (Playwright's loop) would stop the inner sessions'.
"""

from stockpath_testing import browser as browser_module
from stockpath_testing.browser import NO_CHROMIUM, find_chromium

pytest_plugins = ["pytester"]
INNER = ("-rs", "-p", "no:cacheprovider", "-o", "asyncio_default_fixture_loop_scope=function")


def executable(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return str(path)


def test_stockpath_chromium_comes_first(tmp_path):
    system = executable(tmp_path / "usr" / "chromium")
    found = find_chromium({"STOCKPATH_CHROMIUM": "/opt/my/chrome"}, candidates=(system,))
    assert (found.executable, found.found) == ("/opt/my/chrome", True)
    assert "STOCKPATH_CHROMIUM" in found.description


def test_then_the_machines_chromium_by_path_or_on_path(tmp_path):
    on_path = executable(tmp_path / "bin" / "chromium-browser")
    which = {"chromium-browser": on_path}.get
    assert (
        find_chromium(
            {}, candidates=(str(tmp_path / "missing"), "chromium", "chromium-browser"), which=which
        ).executable
        == on_path
    )
    absolute = executable(tmp_path / "usr" / "bin" / "chromium")
    assert (
        find_chromium({}, candidates=(absolute, "chromium-browser"), which=which).executable
        == absolute
    )


def test_then_playwrights_own_chromium_when_it_was_installed(tmp_path):
    browsers = tmp_path / "ms-playwright"
    assert not find_chromium({"PLAYWRIGHT_BROWSERS_PATH": str(browsers)}, candidates=()).found
    (browsers / "chromium_headless_shell-1255").mkdir(parents=True)
    found = find_chromium({"PLAYWRIGHT_BROWSERS_PATH": str(browsers)}, candidates=())
    assert (found.executable, found.bundled) == (None, True)
    assert str(browsers) in found.description
    home = find_chromium({"HOME": str(tmp_path)}, candidates=())
    assert not home.found and NO_CHROMIUM in home.description


PAGE_TESTS = """
import pytest

started = []

@pytest.fixture(scope="module")
def platform():
    started.append("platform")

def test_a_page(platform, page):
    page.set_content("<h1>hi</h1>")

def test_nothing_was_started_for_it():
    assert started == []
"""


def test_without_any_chromium_page_tests_are_skipped_with_the_reason(
    pytester, monkeypatch, tmp_path
):
    monkeypatch.setattr(browser_module, "SYSTEM_CHROMIUMS", ())
    monkeypatch.delenv("STOCKPATH_CHROMIUM", raising=False)
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path / "none"))
    pytester.makepyfile(PAGE_TESTS)
    result = pytester.runpytest_inprocess(*INNER)
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(
        ["browser: none, page tests are skipped*", f"SKIPPED*{NO_CHROMIUM}*"]
    )


def test_playwrights_browsers_of_another_version_skip_too(pytester, monkeypatch, tmp_path):
    monkeypatch.setattr(browser_module, "SYSTEM_CHROMIUMS", ())
    monkeypatch.delenv("STOCKPATH_CHROMIUM", raising=False)
    (tmp_path / "ms-playwright" / "chromium-1").mkdir(parents=True)
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path / "ms-playwright"))
    pytester.makepyfile("def test_a_page(page):\n    pass\n")
    result = pytester.runpytest_inprocess(*INNER)
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(
        [f"*{NO_CHROMIUM}; Playwright's Chromium in *is not this Playwright's version*"]
    )
