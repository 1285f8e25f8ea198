"""The real app as ``make run`` serves it (``python -m ui.serve``) on a free port, and Debian's Chromium driven by
Playwright.

Never ``playwright install``: the browser is /usr/bin/chromium (``scripts/ensure_chromium.sh`` installs it).
"""

from __future__ import annotations

import os
import re
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
    """The app (``python -m ui.serve``) on a free port over the test's own (empty) database; its log is printed at
    the end."""
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


# ---------------------------------------------------------------- driving Streamlit widgets as a user does


def key_class(key: str) -> str:
    """The CSS class Streamlit gives a keyed widget's container (its frontend turns other characters into '-')."""
    return ".st-key-" + re.sub(r"[^a-zA-Z0-9_-]", "-", key.strip())


def choose(page, key: str, *options: str) -> None:
    """Pick ``options`` in the selectbox or multiselect keyed ``key`` as a user with a keyboard does: type the
    option's name into the box (which opens its list, filtered), click the option, close the list."""
    field = page.locator(key_class(key)).locator("input[role='combobox']")
    for option in options:
        field.click()
        field.fill(option)
        page.get_by_role("option", name=option, exact=True).click()
    if field.get_attribute("aria-expanded") == "true":  # a multiselect's list stays open after a pick
        page.keyboard.press("Escape")


def type_into(page, key: str, text: str) -> None:
    """Type into the text or number input keyed ``key`` and commit it (Enter), as a user does."""
    field = page.locator(key_class(key)).locator("input")
    field.fill(text)
    field.press("Enter")


def upload(page, key: str, path: Path) -> None:
    """Drop a file on the st.file_uploader keyed ``key``."""
    page.locator(key_class(key)).locator("input[type='file']").set_input_files(str(path))


def press(page, key: str) -> None:
    """Click the button (or form submit, or download button) keyed ``key``."""
    # .first: a download button with help text draws a second (tooltip) button in the same container
    page.locator(key_class(key)).locator("button").first.click()


# ---------------------------------------------------------------- the small files a new user brings

LABELS = ("billing", "technical", "other")


def label_suite_file(folder: Path) -> Path:
    """A bare task file whose answers are labels: it needs the `label` grader and its labels typed in."""
    path = folder / "support-labels.csv"
    path.write_text(
        "input,target\nMy card was charged twice,billing\nThe app crashes on login,technical\n"
        "Do you ship to Norway?,other\n"
    )
    return path


TRIAGE = "ticket triage"
CHEAP, DEAR = "acme/small", "acme/large"
TRIAGE_TASKS = 60  # enough for both models to clear a 90% bar (at least 30 tasks each)


def results_file(folder: Path) -> Path:
    """Per-sample results from another tool: two models right on every task, one 20x cheaper and faster."""
    path = folder / "triage-results.csv"
    rows = [
        f"t{i:02d},triage-history,{TRIAGE},{model},1,{cost_usd},{latency_ms}"
        for model, cost_usd, latency_ms in ((CHEAP, 0.0002, 300), (DEAR, 0.004, 2000))
        for i in range(TRIAGE_TASKS)
    ]
    path.write_text("task_id,suite,category,model,correct,cost_usd,latency_ms\n" + "\n".join(rows) + "\n")
    return path
