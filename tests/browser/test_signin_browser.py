"""Sign-in in a real browser: the app behind Streamlit's OpenID Connect (st.login) with oidc-provider-mock as the
identity provider on loopback; a viewer, an analyst and an admin each sign in and see what their role allows.

The app reads the test's secrets file through --secrets.files (Streamlit: [auth]) and ROUTEBOARD_SECRETS (the core:
[routeboard.access]), so the checkout's own .streamlit/ is never touched.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import VIEWPORT, key_class, press
from tests.servers.streamlit_app import ROOT, free_port, stop, wait_healthy

pytestmark = pytest.mark.timeout(300)

WAIT_MS = 60_000
PEOPLE = {  # e-mail -> (name, role)
    "vic@example.com": ("Vic Viewer", "viewer"),
    "ana@example.com": ("Ana Analyst", "analyst"),
    "ada@example.com": ("Ada Admin", "admin"),
}
VIEWER_PAGES = ["Overview", "Results", "Frontier", "What-if", "Report"]
NOT_FOR_VIEWERS = ["Suites", "Results import", "Run", "Models", "Review", "Admin"]


def wait_for_url(url: str, process: subprocess.Popen, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout_s:.0f} s")


@pytest.fixture
def identity_provider(tmp_path):
    """oidc-provider-mock on 127.0.0.1 with the three people as one-click users (their e-mail and name claims)."""
    port = free_port()
    users = [
        arg
        for email, (name, _) in PEOPLE.items()
        for arg in ("--user-claims", json.dumps({"sub": email, "email": email, "name": name}))
    ]
    log = open(tmp_path / "idp.log", "ab")  # noqa: SIM115 (closed below, after the server stops)
    process = subprocess.Popen(
        [sys.executable, "-m", "oidc_provider_mock", "-p", str(port), "-H", "127.0.0.1", *users],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_url(f"{url}/.well-known/openid-configuration", process)
        yield url
    finally:
        stop(process)
        log.close()


def secrets_file(folder: Path, app_port: int, idp_url: str) -> Path:
    path = folder / "secrets.toml"
    roles = "\n".join(f'"{email}" = "{role}"' for email, (_, role) in PEOPLE.items())
    path.write_text(
        f"""
[auth]
redirect_uri = "http://127.0.0.1:{app_port}/oauth2callback"
cookie_secret = "a-cookie-secret-for-this-test-only-{os.getpid()}-0123456789abcdef"
client_id = "routeboard"
client_secret = "routeboard-test-secret"
server_metadata_url = "{idp_url}/.well-known/openid-configuration"

[routeboard.access]
default_role = "viewer"
budgets = {{ "ana@example.com" = 0.0 }}

[routeboard.access.users]
{roles}
"""
    )
    return path


@pytest.fixture
def team_app(isolated_db, tmp_path, identity_provider):
    """``streamlit run app.py`` in team mode on a free port over the test's own database; its log printed at the end."""
    port = free_port()
    secrets = secrets_file(tmp_path, port, identity_provider)
    env = {**os.environ, "ROUTEBOARD_DB": str(isolated_db), "ROUTEBOARD_SECRETS": str(secrets)}
    env.update(PYTHONUNBUFFERED="1", OLLAMA_HOST="http://127.0.0.1:9")
    log_path = tmp_path / "streamlit.log"
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true"]
            + ["--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false"]
            + ["--secrets.files", str(secrets)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process)
        yield url
    finally:
        stop(process)
        lines = [line for line in log_path.read_text(errors="replace").splitlines() if "Inotify" not in line]
        print("--- streamlit log (tail) ---\n" + "\n".join(lines[-60:]))


@pytest.fixture
def tabs(request, page, tmp_path):
    """The signed-in people's tabs (each its own browser context); on failure each is saved as failure-N.png."""
    opened: list = []
    yield opened
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        for number, tab in enumerate(opened):
            tab.screenshot(path=str(tmp_path / f"failure-{number}.png"), full_page=True)
            print(f"failure screenshot: {tmp_path / f'failure-{number}.png'} ({tab.url})")


def sign_in(tabs: list, browser, app_url: str, email: str, shots: Path):
    """A fresh browser (no cookie) signs in as ``email`` at the identity provider and lands back in the app."""
    context = browser.new_context(viewport=VIEWPORT)
    tab = context.new_page()
    tabs.append(tab)
    tab.goto(app_url)
    expect(tab.get_by_text("sign in to see its results")).to_be_visible(timeout=WAIT_MS)
    assert tab.locator('[data-testid="stSidebarNav"]').count() == 0  # nothing to navigate before sign-in
    press(tab, "sign_in")
    tab.get_by_role("button", name=email, exact=True).click()  # the identity provider's one-click user
    name, role = PEOPLE[email]
    expect(tab.get_by_text(f"Signed in as {name} ({role})")).to_be_visible(timeout=WAIT_MS)
    tab.screenshot(path=str(shots / f"signed-in-{role}.png"), full_page=True)
    return tab


def navigation(tab) -> list[str]:
    """The page titles in the sidebar's navigation (expanded when it folds the last ones away)."""
    nav = tab.locator('[data-testid="stSidebarNav"]')
    expect(nav).to_be_visible(timeout=WAIT_MS)
    more = nav.get_by_role("button", name=re.compile("View .* more"))
    if more.count():
        more.click()
    # a link's text is its icon's ligature name, then its title
    return [t.strip().splitlines()[-1] for t in nav.locator('[data-testid="stSidebarNavLink"]').all_inner_texts()]


def test_each_role_signs_in_and_sees_what_it_may_use(team_app, page, tabs, tmp_path):
    shots = tmp_path / "shots"
    shots.mkdir()
    browser = page.context.browser

    viewer = sign_in(tabs, browser, team_app, "vic@example.com", shots)
    assert navigation(viewer) == VIEWER_PAGES
    viewer.goto(f"{team_app}/run")  # the Run page's URL, typed in anyway
    refusal = "Run is not available to you: Vic Viewer (viewer) may not launch runs; ask an admin for the analyst role"
    expect(viewer.get_by_text(refusal)).to_be_visible(timeout=WAIT_MS)
    assert viewer.locator(key_class("run_suites")).count() == 0  # none of the Run page's controls
    viewer.screenshot(path=str(shots / "viewer-refused-run.png"), full_page=True)

    analyst = sign_in(tabs, browser, team_app, "ana@example.com", shots)
    pages = navigation(analyst)
    assert {"Run", "Suites", "Results import"} <= set(pages) and "Admin" not in pages
    analyst.goto(f"{team_app}/run")
    expect(analyst.get_by_role("heading", name="Run")).to_be_visible(timeout=WAIT_MS)
    assert analyst.get_by_text("is not available to you").count() == 0

    admin = sign_in(tabs, browser, team_app, "ada@example.com", shots)
    assert "Admin" in navigation(admin)
    admin.goto(f"{team_app}/admin")
    admin.get_by_role("tab", name="Audit trail").click()
    trail = admin.locator('[data-testid="stDataFrame"]').filter(
        has=admin.locator("th[role='columnheader']", has_text="action")
    )
    table = trail.first.locator("table[role='grid']")
    table.wait_for(state="attached", timeout=WAIT_MS)
    admin.screenshot(path=str(shots / "admin-audit-trail.png"), full_page=True)
    text = table.text_content() or ""
    # one row per sign-in: opening a page by its URL (a new Streamlit session, the same identity) is not another
    assert sorted(re.findall(r"[a-z]+@example\.com", text)) == sorted(PEOPLE), text[:2000]
    assert text.count("sign in") == len(PEOPLE), text[:2000]  # the action in words, as the trail shows it


def test_a_fresh_servers_first_visit_by_a_pages_url_asks_for_sign_in(team_app, page):
    # Streamlit serves a pages/ folder beside app.py by itself until a script calls st.navigation: each page's
    # first line (ui.auth.guard) asks for sign-in there too, and its sign-in screen ends that mode
    page.goto(f"{team_app}/results")
    expect(page.get_by_text("sign in to see its results")).to_be_visible(timeout=20_000)
    assert page.locator('[data-testid="stSidebarNav"]').count() == 0


@pytest.fixture
def shipped_suites(isolated_db):
    """The shipped suites stored before the server opens the database (the fixture acts as the local user)."""
    import routeboard
    from routeboard.library import import_shipped

    con = routeboard.connect(isolated_db)
    try:
        import_shipped(con)
    finally:
        con.close()


def test_an_analyst_over_budget_is_refused_at_launch_before_any_call(shipped_suites, team_app, page, tabs, tmp_path):
    shots = tmp_path / "shots"
    shots.mkdir()
    analyst = sign_in(tabs, page.context.browser, team_app, "ana@example.com", shots)
    analyst.goto(f"{team_app}/run")
    expect(analyst.get_by_text("Your monthly budget: $0.00 of $0.00 left this month")).to_be_visible(timeout=WAIT_MS)
    press(analyst, "run_launch")
    refusal = "Ana Analyst (analyst) has $0.00 of $0.00 left this month; the run may cost up to $"
    expect(analyst.get_by_text(refusal)).to_be_visible(timeout=WAIT_MS)
    analyst.screenshot(path=str(shots / "analyst-over-budget.png"), full_page=True)
    assert analyst.get_by_text(re.compile(r"Run r[0-9-]+ started")).count() == 0
