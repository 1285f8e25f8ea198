"""A shared link opened first on a fresh server (Streamlit would serve the pages/ folder by itself until a script
calls st.navigation) still goes through app.py: the real navigation, one copy of the page, the link's scenario."""

from __future__ import annotations

from playwright.sync_api import expect, sync_playwright

from tests.servers.streamlit_app import CHROMIUM, CHROMIUM_ARGS, free_port, start_app, stop, wait_healthy


def test_a_whatif_link_opened_first_on_a_fresh_server_gets_the_apps_navigation(tmp_path, monkeypatch):
    monkeypatch.setenv("ROUTEBOARD_SECRETS", str(tmp_path / "secrets.toml"))  # local mode
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = start_app(tmp_path / "rb.duckdb", tmp_path / "streamlit.log", port)
    try:
        wait_healthy(url, server)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(f"{url}/whatif?failure_usd=50")
            expect(page.get_by_role("heading", level=1, name="What-if")).to_have_count(1, timeout=60_000)
            nav = page.locator('[data-testid="stSidebarNav"]')
            expect(nav.get_by_role("link", name="Overview", exact=True)).to_be_visible()
            # the folder's own listing names files ("app", "admin", "whatif"); the app's names pages
            expect(nav.get_by_role("link", name="app", exact=True)).to_have_count(0)
            expect(nav.get_by_role("link", name="admin", exact=True)).to_have_count(0)
            browser.close()
    finally:
        stop(server)
