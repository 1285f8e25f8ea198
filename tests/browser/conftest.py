"""The real app served by ``streamlit run app.py`` on a free port, and Debian's Chromium driven by Playwright.

Never ``playwright install``: the browser is /usr/bin/chromium (``scripts/ensure_chromium.sh`` installs it).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.servers.streamlit_app import CHROMIUM, CHROMIUM_ARGS, free_port, start_app, stop, wait_healthy

VIEWPORT = {"width": 1400, "height": 900}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    setattr(item, f"rep_{call.when}", outcome.get_result())


@pytest.fixture
def app_url(isolated_db, tmp_path):
    """``streamlit run app.py`` on a free port over the test's own (empty) database; its log is printed at the end."""
    port = free_port()
    log_path = tmp_path / "streamlit.log"
    process = start_app(isolated_db, log_path, port)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process)
        yield url
    finally:
        stop(process)
        lines = [line for line in log_path.read_text(errors="replace").splitlines() if "Inotify" not in line]
        print("--- streamlit log (tail) ---\n" + "\n".join(lines[-60:]))


@pytest.fixture
def page(request, tmp_path):
    """A Chromium page (Debian's binary); on failure its last state is saved as tmp_path/failure.png."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run `sh scripts/ensure_chromium.sh` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport=VIEWPORT)
            tab = context.new_page()
            yield tab
            report = getattr(request.node, "rep_call", None)
            if report is not None and report.failed:
                tab.screenshot(path=str(tmp_path / "failure.png"), full_page=True)
                print(f"failure screenshot: {tmp_path / 'failure.png'}")
        finally:
            browser.close()


@pytest.fixture
def screenshots(tmp_path) -> Path:
    """Where the journey saves its screenshots: docs/screenshots (the README's) only when
    ROUTEBOARD_SCREENSHOTS=1 asks, else the test's own folder, so a test run leaves the tree clean."""
    folder = ROOT / "docs" / "screenshots" if os.environ.get("ROUTEBOARD_SCREENSHOTS") == "1" else tmp_path / "shots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
