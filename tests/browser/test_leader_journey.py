"""What a leader reads first and what an analyst clicks through, in Chromium against the real app (issue 22).

Sample workspace -> the routing board at 1,280 and 1,920 px, its money in view without scrolling sideways ->
What-if: a higher cost of an escaped error -> Report: its address carries the scenario, and a colleague opening it
in a fresh browser context reads the same figures -> Frontier: every point named, two models picked on the chart
and compared on the same tasks. Every page of the app is then read as a person reads it: no field name, command-line
flag, epoch timestamp or "None" anywhere (a check over every page's text and every table's cells in view).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_browser import grid_rows, ms, open_page, read_live_grid, settle, settle_quietly, shoot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]

CONTENT_S = 90
GPT4, MIXTRAL = "gpt-4-1106-preview", "mistralai/Mixtral-8x7B-Instruct-v0.1"
BOARD = ".st-key-overview_board table"
MONEY_COLUMNS = ("cost per accepted task", "monthly", "saving")

# What a person must never read on a page: a field name (snake_case, as the code spells it), a command-line flag or
# command, a timestamp as epoch seconds or milliseconds, or an unknown leaking as None/nan.
LEAKS = {
    "field name": re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b"),
    "command-line flag": re.compile(r"(?<![\w-])--[a-z][a-z0-9-]+|python -m routeboard"),
    "epoch": re.compile(r"(?<![\d.,])1[5-9]\d{8}(?:\d{3})?(?![\d.,])"),
    "None": re.compile(r"\bNone\b|\b(?i:nan)\b"),
}
# a provider/model id is a name, not a field (together_ai/mistralai/...): left out of the field-name check
MODEL_IDS = re.compile(r"\S*\w/\w\S*")


def leaks(text: str) -> list[str]:
    """Each leak in ``text``, with the words around it."""
    found = []
    for kind, pattern in LEAKS.items():
        checked = MODEL_IDS.sub(" ", text) if kind == "field name" else text
        found += [f"{kind} {checked[max(0, m.start() - 40) : m.end() + 20]!r}" for m in pattern.finditer(checked)]
    return found


# Columns that hold a team's own data (task ids, inputs, answers, outputs): names and text as they wrote them
DATA_COLUMNS = {"task", "id", "suite id", "input", "expected", "output", "system", "vars", "prompt", "grader note"}


def page_text(page: Page) -> str:
    """The page's text as a person reads it: an icon drawn from a font ligature ("keyboard_arrow_right") is a
    picture, not words."""
    text = page.locator('[data-testid="stMain"]').inner_text()
    for icon in set(page.locator('[data-testid="stMain"] [data-testid="stIconMaterial"]').all_text_contents()):
        text = text.replace(icon, " ")
    return text


def read_page(page: Page, name: str) -> list[str]:
    """Everything the page shows a person (its text, and every table's headers and cells in view, the team's own
    data left aside), checked."""
    settle_quietly(page)
    found = leaks(page_text(page))
    frames = page.locator('[data-testid="stMain"] [data-testid="stDataFrame"]')
    for index in range(frames.count()):
        frame = frames.nth(index)
        if not frame.is_visible():  # inside a closed expander
            continue
        for row in read_live_grid(page, frame):
            ours = {column: cell for column, cell in row.items() if column not in DATA_COLUMNS}
            cells = " | ".join(f"{column}: {cell}" for column, cell in ours.items())
            found += leaks(" | ".join(row) + " | " + cells)
            if any(not cell.strip() for cell in row.values()):
                found.append(f"empty cell (a grid draws None) in {cells[:120]!r}")
    return [f"{name}: {leak}" for leak in dict.fromkeys(found)]


def board_in_view(page: Page, width: int) -> dict[str, dict[str, str]]:
    """The routing board at ``width`` px: every column in view without scrolling sideways; its rows by category."""
    page.set_viewport_size({"width": width, "height": 900})
    table = page.locator(BOARD)
    expect(table).to_be_visible(timeout=ms(CONTENT_S))
    page.wait_for_timeout(300)  # the table re-lays out to the new width
    headers = table.locator("thead th").all_inner_texts()
    for column in ("category", "route", *MONEY_COLUMNS):
        assert column in headers, headers
    # nothing hides sideways: not the table, not the page
    assert table.evaluate(
        "t => { const box = t.closest('[data-testid=stTable]'); return box.scrollWidth <= box.clientWidth + 1 }"
    )
    main = page.locator('[data-testid="stMain"]')
    assert main.evaluate("m => m.scrollWidth <= m.clientWidth + 1"), "the page scrolls sideways"
    for header in table.locator("thead th").all():
        box = header.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, (header.inner_text(), box, width)
    rows = {}
    for row in table.locator("tbody tr").all():
        cells = row.locator("td, th").all_inner_texts()
        rows[cells[0]] = dict(zip(headers, cells))
    return rows


def metric_value(page: Page, label: str) -> str:
    value = page.locator('[data-testid="stMetric"]', has_text=label).locator('[data-testid="stMetricValue"]')
    expect(value).to_have_text(re.compile(r"\$"), timeout=ms(CONTENT_S))
    return value.inner_text()


REPORT_FIGURES = ("Routed, per month", "Baseline, per month", "Saving, per month")


def read_the_board(page: Page, screenshots) -> None:
    """The board at 1,280 and 1,920 px: routed categories first, the largest monthly cost first, each with its cost
    per accepted task, monthly cost and saving in view; the one nothing clears last, with dashes. Then the evidence
    and assumptions behind each route, one click away."""
    for width in (1280, 1920):
        rows = board_in_view(page, width)
        order = list(rows)
        assert order[-1] == "sample: mathematics", order  # nothing clears it: last
        assert rows["sample: mathematics"]["route"] == f"none clears (nearest {GPT4})"
        routed = [rows[c] for c in order[:-1]]
        assert [r["route"] for r in routed] == [MIXTRAL, GPT4, GPT4], order
        for row in routed:
            assert all(row[c].startswith("$") for c in MONEY_COLUMNS), row
        monthly = [float(r["monthly"].lstrip("$").replace(",", "")) for r in routed]
        assert monthly == sorted(monthly, reverse=True)  # the largest monthly cost first
        assert metric_value(page, "Routed, per month")
        shoot(page, screenshots, f"board-{width}")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_text("Evidence and assumptions behind each route").click()
    evidence = grid_rows(page, "category", "routed to", "verdict")
    assert {row["category"] for row in evidence} >= {"sample: mathematics", "sample: marketing & civics"}, evidence
    expect(page.get_by_text("What the costs assume")).to_be_visible()


def test_a_leader_reads_the_board_shares_the_report_and_an_analyst_compares_two_models(
    app_url, page: Page, screenshots
):
    found: list[str] = []
    page.goto(app_url)
    page.get_by_role("button", name="Or explore a sample workspace first").click()

    # The board: routes first, their money in view at 1,280 and 1,920 px; the evidence one click away.
    expect(page.get_by_role("heading", name="Routing board")).to_be_visible(timeout=ms(CONTENT_S))
    read_the_board(page, screenshots)
    found += read_page(page, "Overview")
    # while the leader reads, the browser loads the Frontier's chart library (ui/charts.py warm_plotly)
    page.wait_for_function(
        "performance.getEntriesByType('resource').some((e) => e.name.includes('PlotlyChart'))", timeout=ms(CONTENT_S)
    )
    defaults = [metric_value(page, label) for label in REPORT_FIGURES]

    # What-if: a much higher cost of an error that escapes; the address carries it.
    open_page(page, "What-if")
    failure = page.get_by_label("Cost of an error that escapes (USD)")
    expect(failure).to_be_visible(timeout=ms(CONTENT_S))
    failure.fill("500")
    failure.press("Enter")
    page.wait_for_url(re.compile(r"failure_usd=500"), timeout=ms(CONTENT_S))
    settle(page)
    found += read_page(page, "What-if")

    # Report: reached from the sidebar (which drops the address's parameters), its address carries the scenario.
    open_page(page, "Report")
    page.wait_for_url(re.compile(r"/report\?.*failure_usd=500"), timeout=ms(CONTENT_S))
    mine = [metric_value(page, label) for label in REPORT_FIGURES]
    assert mine != defaults, (mine, defaults)  # the scenario's figures, not the defaults'
    assert parse_qs(urlparse(page.url).query)["failure_usd"] == ["500"]
    found += read_page(page, "Report")

    colleague = page.context.browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        theirs = colleague.new_page()
        theirs.goto(page.url)
        expect(theirs.get_by_role("heading", level=1, name="Report")).to_be_visible(timeout=ms(CONTENT_S))
        assert [metric_value(theirs, label) for label in REPORT_FIGURES] == mine
    finally:
        colleague.close()

    # Frontier: every point named; two picked on the chart are compared on the same tasks.
    open_page(page, "Frontier")
    chart = page.locator('.st-key-frontier_chart [data-testid="stPlotlyChart"]')
    expect(chart.locator(".scatterlayer .point").first).to_be_visible(timeout=ms(CONTENT_S))
    names = [t.text_content() for t in chart.locator(".scatterlayer .textpoint").all()]
    assert {"gpt-4-1106-preview", "Mixtral-8x7B-Instruct-v0.1"} <= set(names), names
    assert len(names) == chart.locator(".scatterlayer .point").count()  # a name for every point
    for name in ("gpt-4-1106-preview", "Mixtral-8x7B-Instruct-v0.1"):  # a click on one point, then the other
        page.wait_for_timeout(1000)  # as a person looks at the chart redrawn after the last click
        named = page.locator(".textpoint", has_text=re.compile(f"^{re.escape(name)}$"))
        chart.locator(".scatterlayer .trace").filter(has=named).locator(".point").first.click(force=True)
        expect(page.locator(".st-key-frontier_pair")).to_contain_text(name, timeout=ms(CONTENT_S))
        settle(page)
    compared = page.get_by_text(re.compile(r"^On the [\d,]+ tasks both answered"))
    expect(compared).to_be_visible(timeout=ms(CONTENT_S))
    said = compared.inner_text()
    assert GPT4 in said and MIXTRAL in said, said
    page.mouse.move(0, 0)  # no hover label over the points in the picture
    shoot(page, screenshots, "frontier-compare")
    found += read_page(page, "Frontier")

    # Every other page, as a person reads it.
    for title in ("Suites", "Results import", "Models", "Run", "Review", "Results", "Admin"):
        open_page(page, title)
        found += read_page(page, title)
    assert not found, "pages show what a person should never read:\n" + "\n".join(found)
