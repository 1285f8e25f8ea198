"""The app's toolbar as a person on the team meets it: an internal tool, so no Deploy button (issue 22)."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.test_browser import CONTENT_S, ms


def test_the_toolbar_offers_no_deploy_button(app_url, page: Page):
    page.goto(app_url)
    expect(page.get_by_role("heading", name="Get started")).to_be_visible(timeout=ms(CONTENT_S))
    expect(page.get_by_test_id("stToolbar")).to_be_attached()
    assert page.get_by_test_id("stAppDeployButton").count() == 0
    assert page.get_by_role("button", name="Deploy").count() == 0
