"""A new user's first session, in a real browser against the real app and the embedded SmolLM2 model.

Empty Overview -> import the shipped suites -> run 10 classification tasks on the embedded model; while it runs,
upload a `label` suite (the labels typed in its field) and import another tool's per-sample results (preview,
then import) -> follow the run to completion -> Overview routes the imported category to its cheap model ->
Report: the leader's page downloaded as HTML that opens offline -> a route constraint set through its form moves
the route -> Results (ledger), Frontier (chart), What-if (a higher cost of escaped errors raises the routed cpat).
No page shows "None" or "nan". Every page is saved as <page>.png: to docs/screenshots for the README when
ROUTEBOARD_SCREENSHOTS=1, else to the test's temporary folder.
"""

from __future__ import annotations

import os
import re
import time

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    CHEAP,
    DEAR,
    LABELS,
    TRIAGE,
    TRIAGE_TASKS,
    choose,
    key_class,
    label_suite_file,
    press,
    results_file,
    type_into,
    upload,
)

pytestmark = [pytest.mark.browser, pytest.mark.real_model, pytest.mark.timeout(1500)]

CONTENT_S = 120  # a page's first content (the app shares 2 cores with the model run)
# 10 short tasks take ~30-60 s on 2 idle cores; a machine busy with other work can need much longer
# (raise the deadline with ROUTEBOARD_BROWSER_RUN_S, and pytest's own with -o timeout=...).
RUN_S = float(os.environ.get("ROUTEBOARD_BROWSER_RUN_S", 900))
EMBEDDED = "local/smollm2-135m"
HEADINGS = {"Overview": "routeboard"}  # a page's h1 when it differs from its navigation title


def ms(seconds: float) -> float:
    return seconds * 1000


def settle(page: Page, timeout_s: float = 30) -> None:
    """Wait until Streamlit has no script run in progress (its 'Running...' status widget is gone)."""
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=ms(timeout_s))


def open_page(page: Page, title: str) -> None:
    """Click the page's link in the sidebar, as a user would, and wait for its title."""
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title, exact=True).click()
    heading = HEADINGS.get(title, title)
    expect(page.get_by_role("heading", level=1, name=heading, exact=True)).to_be_visible(timeout=ms(CONTENT_S))


def shoot(page: Page, folder, name: str) -> None:
    """A full-page screenshot: Streamlit scrolls inside <main>, so the viewport grows to the content's height."""
    try:
        settle(page, 15)
    except Exception:  # the Run page's progress fragment reruns every second; a frame mid-run is fine
        pass
    height = page.evaluate("""() => Math.max(document.body.scrollHeight,
        ...[...document.querySelectorAll('[data-testid="stMain"], section.stMain, main')].map(e => e.scrollHeight))""")
    page.set_viewport_size({"width": page.viewport_size["width"], "height": min(int(height) + 40, 6000)})
    page.wait_for_timeout(700)  # charts and the data grids re-layout to the new size
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    page.set_viewport_size({"width": page.viewport_size["width"], "height": 900})


def grid(page: Page, *headers: str):
    """The st.dataframe whose columns include ``headers`` (among the first columns: only the columns in view are
    in the DOM). The grid is drawn on a canvas; its cells also live in an accessible table inside it."""
    found = page.locator('[data-testid="stDataFrame"]')
    for header in headers:
        found = found.filter(has=page.locator("th[role='columnheader']", has_text=re.compile(f"^{re.escape(header)}$")))
    found.first.locator("table[role='grid']").wait_for(state="attached", timeout=ms(CONTENT_S))
    return found.first


def grid_text(page: Page, *headers: str) -> str:
    """The text of the grid's columns in view (see ``grid``)."""
    return grid(page, *headers).locator("table[role='grid']").text_content() or ""


CELLS = """t => [...t.querySelectorAll('[aria-colindex]')].map(c =>
    [Number(c.closest('tr').getAttribute('aria-rowindex')), Number(c.getAttribute('aria-colindex')), c.textContent])"""


def read_grid(page: Page, frame) -> list[dict[str, str]]:
    """Every column of the rows in view of the grid ``frame``: the accessible table holds only the columns in view,
    so the grid is scrolled sideways, as a user would, until no new column appears."""
    frame.scroll_into_view_if_needed(timeout=ms(10))
    frame.hover(timeout=ms(10))
    # a handle, not a locator: a locator filtered on headers stops matching once they scroll out of view
    table = frame.locator("table[role='grid']").element_handle()
    cells: dict[tuple[int, int], str] = {}
    unchanged = steps = 0
    for _ in range(20):  # the accessible table follows the scroll a moment later: stop after two quiet steps
        before = len(cells)
        cells.update({(row, col): text for row, col, text in table.evaluate(CELLS)})
        unchanged = unchanged + 1 if len(cells) == before else 0
        if unchanged == 2:
            break
        page.mouse.wheel(500, 0)
        steps += 1
        page.wait_for_timeout(250)
    # back by as much as it went: a sideways wheel with nothing left to scroll is Chromium's "history back"
    page.mouse.wheel(-500 * steps, 0)
    names = {col: text for (row, col), text in cells.items() if row == 1}
    rows = sorted({row for row, _ in cells if row > 1})
    return [{names.get(col, str(col)): text for (r, col), text in sorted(cells.items()) if r == row} for row in rows]


def grid_rows(page: Page, *headers: str) -> list[dict[str, str]]:
    """Every column of the rows in view of the st.dataframe whose columns include ``headers``."""
    return read_grid(page, grid(page, *headers))


def board_rows(page: Page) -> dict[str, dict[str, str]]:
    """The Overview's routing board (a static table, every row and column in view) as a person reads it, by
    category."""
    table = page.locator(".st-key-overview_board table")
    expect(table).to_be_visible(timeout=ms(CONTENT_S))
    headers = table.locator("thead th").all_inner_texts()
    rows = [dict(zip(headers, row.locator("td, th").all_inner_texts())) for row in table.locator("tbody tr").all()]
    return {row["category"]: row for row in rows}


def routed_to(page: Page, category: str) -> str:
    """The Overview board's route of ``category``."""
    board = board_rows(page)
    assert category in board, f"{category} not on the board: {board}"
    return board[category]["route"]


UNKNOWN_WORDS = re.compile(r"\bNone\b|\b(?i:nan)\b")  # "none" is a word; "None" and "NaN" are leaks


def read_live_grid(page: Page, frame, attempts: int = 3) -> list[dict[str, str]]:
    """``read_grid`` on a page that redraws (the Run page's progress fragment replaces its grids every second; an
    upload's preview goes once it is imported)."""
    for _ in range(attempts):
        try:
            return read_grid(page, frame)
        except PlaywrightError:
            page.wait_for_timeout(300)
    return []  # the grid is gone from the page (a redraw replaced it): nothing of it is on screen to check


# what each page showed as "None"/"nan": collected over the journey and asserted at its end, so one run names
# every page that leaks an unknown instead of stopping at the first
LEAKS: list[str] = []


def check_no_none(page: Page, name: str) -> None:
    """No text on the page reads "None" or "nan": an unknown shows as a dash, its reason in the column's help.
    A grid draws a missing cell as "None" on its canvas and leaves its accessible cell empty: an empty cell counts."""
    settle_quietly(page)
    text = page.locator('[data-testid="stMain"]').text_content() or ""
    found = [m.start() for m in UNKNOWN_WORDS.finditer(text)]
    if found:
        LEAKS.append(f"{name}: text " + " | ".join(repr(text[max(0, i - 60) : i + 20]) for i in found[:5]))
    frames = page.locator('[data-testid="stMain"] [data-testid="stDataFrame"]')
    for index in range(frames.count()):
        frame = frames.nth(index)
        if not frame.is_visible():  # inside a closed expander
            continue
        rows = read_live_grid(page, frame)
        empty = [
            f"{next(iter(row.values()), '?')} / {column}"
            for row in rows
            for column, cell in row.items()
            if not cell.strip()
        ]
        if empty:
            headers = ", ".join(rows[0]) if rows else ""
            LEAKS.append(f"{name}: grid ({headers[:80]}...) draws 'None' (an empty cell) at " + ", ".join(empty[:8]))


def settle_quietly(page: Page) -> None:
    try:
        settle(page, 15)
    except Exception:  # the Run page's progress fragment reruns every second
        pass


def money(text: str) -> float:
    found = re.search(r"\$\s*([\d,]+(?:\.\d+)?)", text)
    assert found, f"no USD amount in {text!r}"
    return float(found.group(1).replace(",", ""))


def upload_label_suite(page: Page, folder) -> None:
    """Suites: a bare task file graded by `label`, its labels typed in the grader's own field (no JSON)."""
    open_page(page, "Suites")
    page.get_by_text("Upload a task file", exact=True).click()  # the expander is closed once suites exist
    upload(page, "suites_upload", label_suite_file(folder))
    expect(page.get_by_text("'support-labels': 3 tasks, grader exact, bar 0.9")).to_be_visible(timeout=ms(CONTENT_S))
    choose(page, "suites_grader", "label")
    # the field says what is missing before anything is read
    expect(page.get_by_text(re.compile(r"Labels: required"))).to_be_visible(timeout=ms(CONTENT_S))
    type_into(page, "suites_upload_option_labels", ", ".join(LABELS))
    expect(page.get_by_text("'support-labels': 3 tasks, grader label, bar 0.9")).to_be_visible(timeout=ms(CONTENT_S))
    expect(page.locator('[data-testid="stAlertContentError"]')).to_have_count(0)
    press(page, "suites_import")
    expect(page.get_by_text("support-labels@1: imported")).to_be_visible(timeout=ms(CONTENT_S))
    grid_text(page, "suite id", "name", "version")
    expect(page.locator('[data-testid="stDataFrame"] table[role="grid"]').filter(has_text="suite id")).to_contain_text(
        "support-labels@1", timeout=ms(CONTENT_S)
    )
    check_no_none(page, "Suites (upload)")


def import_results(page: Page, folder, screenshots) -> None:
    """Results import: another tool's per-sample CSV, previewed (counts per model), then imported as one run."""
    open_page(page, "Results import")
    expect(page.get_by_text("Drop a results file above to preview it")).to_be_visible(timeout=ms(CONTENT_S))
    upload(page, "imports_upload", results_file(folder))
    results = page.locator('[data-testid="stMetric"]', has_text="Results")
    expect(results.locator('[data-testid="stMetricValue"]')).to_have_text(f"{2 * TRIAGE_TASKS}", timeout=ms(CONTENT_S))
    preview = {row["model"]: row for row in grid_rows(page, "category", "model", "results", "correct")}
    assert set(preview) == {CHEAP, DEAR}, preview
    assert preview[CHEAP]["results"] == preview[CHEAP]["correct"] == str(TRIAGE_TASKS), preview
    press(page, "imports_import")
    done = page.get_by_text(re.compile(rf"^Imported {2 * TRIAGE_TASKS} results as run "))
    expect(done).to_be_visible(timeout=ms(CONTENT_S))
    assert CHEAP in done.inner_text() and DEAR in done.inner_text()
    check_no_none(page, "Results import")
    shoot(page, screenshots, "imports")


def download_report(page: Page, screenshots) -> None:
    """Report: routed against baseline per month; the HTML download opens offline and carries the same figures."""
    open_page(page, "Report")

    def metric(label: str) -> str:
        value = page.locator('[data-testid="stMetric"]', has_text=label).locator('[data-testid="stMetricValue"]')
        expect(value).to_have_text(re.compile(r"\$"), timeout=ms(CONTENT_S))
        return value.inner_text()

    routed, baseline, saving = metric("Routed, per month"), metric("Baseline, per month"), metric("Saving, per month")
    assert 0 < money(routed) < money(baseline), (routed, baseline)
    assert money(saving) > 0, saving
    categories = {row["category"]: row for row in grid_rows(page, "category", "bar", "route")}
    assert categories[TRIAGE]["route"].startswith(CHEAP), categories
    check_no_none(page, "Report")
    shoot(page, screenshots, "report")
    with page.expect_download(timeout=ms(CONTENT_S)) as download:
        press(page, "report_download_html")
    assert download.value.suggested_filename == "routeboard-report.html"
    html = open(download.value.path(), encoding="utf-8").read()
    # opens offline: nothing to fetch (no script, stylesheet, image or font from a server)
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", html, re.IGNORECASE), html[:500]
    assert "<script" not in html.lower() and "@import" not in html and "url(" not in html
    assert "<svg" in html and "routed against baseline" in html
    for figure in (routed, baseline, saving.split(" (")[0]):
        assert figure in html, (figure, html[:800])
    assert DEAR in html and TRIAGE in html
    assert not UNKNOWN_WORDS.search(re.sub(r"<[^>]+>", " ", html)), "None/nan in the report"


def deny_the_cheap_model(page: Page) -> None:
    """Suites: the imported suite's route constraints, set through the form's fields (no JSON)."""
    open_page(page, "Suites")
    suite_id = "triage-history@1"
    choose(page, "suites_browse", suite_id)
    expect(page.get_by_text(f"Grading settings of {suite_id}")).to_be_visible(timeout=ms(CONTENT_S))
    choose(page, f"suites_edit_constraint_{suite_id}_deny_models", CHEAP)
    press(page, f"suites_edit_save_{suite_id}")
    expect(page.get_by_text(f"Saved the grading settings of {suite_id}.")).to_be_visible(timeout=ms(CONTENT_S))
    denied = page.locator(key_class(f"suites_edit_constraint_{suite_id}_deny_models"))
    expect(denied).to_contain_text(CHEAP)  # the form redraws from what is stored
    check_no_none(page, "Suites (constraints)")


def test_first_session_in_the_browser(app_url, page: Page, screenshots, tmp_path):
    started = time.monotonic()
    LEAKS.clear()
    page.goto(app_url)

    # Overview on an empty database: a guided start.
    expect(page.get_by_role("heading", name="Get started")).to_be_visible(timeout=ms(CONTENT_S))
    expect(page.get_by_text("Database:")).to_be_visible()
    page.get_by_role("button", name="Import the shipped suites").click()
    run_button = page.get_by_role("button", name="Run 10 classification tasks on the embedded model")
    expect(run_button).to_be_visible(timeout=ms(CONTENT_S))
    expect(page.get_by_role("button", name="Import the shipped suites")).to_be_disabled()
    run_button.click()
    started_note = page.get_by_text(re.compile(r"Run \S+ is under way: follow it on the Run page"))
    expect(started_note).to_be_visible(timeout=ms(CONTENT_S))
    run_id = re.search(r"Run (\S+) is under way", started_note.inner_text()).group(1)
    expect(run_button).to_be_disabled()  # no second launch while the first runs

    # While the model runs: a contract suite graded by labels, and another tool's results.
    upload_label_suite(page, tmp_path)
    import_results(page, tmp_path, screenshots)

    # Run: the live progress bar of that run reaches completed, 10/10.
    open_page(page, "Run")
    progress = page.locator('[data-testid="stProgress"]', has_text=run_id)
    expect(progress.first).to_be_visible(timeout=ms(CONTENT_S))
    # when the run ends the page reruns (its launch buttons come back): for a moment the old bar is still drawn
    completed = page.locator('[data-testid="stProgress"]', has_text=f"{run_id}: completed")
    expect(completed.first).to_be_visible(timeout=ms(RUN_S))
    settle_quietly(page)
    expect(progress).to_have_count(1, timeout=ms(CONTENT_S))
    expect(progress).to_contain_text("10/10 trials")
    expect(progress).to_contain_text("0 errors")
    run_seconds = time.monotonic() - started
    # the run history redraws with the progress bar: it reads completed too, without leaving the page
    deadline = time.monotonic() + 30
    history = grid_text(page, "run", "status", "started")
    while "completed" not in history and time.monotonic() < deadline:
        page.wait_for_timeout(500)
        history = grid_text(page, "run", "status", "started")
    assert run_id in history and "completed" in history, history
    assert page.locator(".st-key-run_suites").get_by_text("customer-request-classification").count() >= 1
    check_no_none(page, "Run")
    shoot(page, screenshots, "run")

    # Overview now shows the routing board.
    open_page(page, "Overview")
    expect(page.get_by_role("heading", name="Routing board")).to_be_visible(timeout=ms(CONTENT_S))
    attempts = page.locator('[data-testid="stMetric"]', has_text="Attempts stored")
    expect(attempts).to_be_visible()
    assert int(attempts.locator('[data-testid="stMetricValue"]').inner_text().replace(",", "")) >= 10
    assert EMBEDDED in routed_to(page, "customer-request classification")  # 10 tasks: its nearest model
    assert routed_to(page, TRIAGE) == CHEAP  # the imported results route: both clear, the small one is cheaper
    assert board_rows(page)[TRIAGE]["cost per accepted task"].startswith("$")
    page.get_by_text("Evidence and assumptions behind each route").click()  # one click away
    evidence = {row["category"]: row for row in grid_rows(page, "category", "routed to", "verdict")}
    first = evidence["customer-request classification"]
    assert re.fullmatch(r"\d+\.\d% \[\d+\.\d%, \d+\.\d%\]", first["accuracy"]), evidence  # a percentage
    expect(page.get_by_role("link", name="Change these assumptions on What-if")).to_be_visible()
    check_no_none(page, "Overview")
    shoot(page, screenshots, "overview")

    # Report: the leader's one-page answer, downloaded.
    download_report(page, screenshots)

    # A constraint set through the form moves the route: the cheap model is denied, the dear one routes.
    deny_the_cheap_model(page)
    open_page(page, "Overview")
    expect(page.get_by_role("heading", name="Routing board")).to_be_visible(timeout=ms(CONTENT_S))
    assert routed_to(page, TRIAGE) == DEAR
    check_no_none(page, "Overview (constrained)")

    # Suites and Models: the five shipped suites, the uploaded one, and the embedded model in the catalog.
    open_page(page, "Suites")
    suites = grid_text(page, "suite id", "name", "version")
    for name in (
        "customer-request-classification",
        "document-extraction",
        "financial-analysis",
        "arithmetic-word-problems",
        "internal-email-drafting",
        "support-labels",
        "triage-history",
    ):
        assert name in suites, suites
    check_no_none(page, "Suites")
    shoot(page, screenshots, "suites")
    open_page(page, "Models")
    expect(page.get_by_role("heading", name="Catalog")).to_be_visible(timeout=ms(CONTENT_S))
    catalog = grid_text(page, "id", "name", "tier")
    assert EMBEDDED in catalog and DEAR in catalog, catalog  # an imported model joins the catalog (rows in view)
    check_no_none(page, "Models")
    shoot(page, screenshots, "models")

    # Results: the ledger per (category, model) and the 10 stored trials.
    open_page(page, "Results")
    expect(page.get_by_role("heading", name="Ledger per category and model")).to_be_visible(timeout=ms(CONTENT_S))
    ledger = grid_text(page, "category", "model", "tier", "trials")
    assert EMBEDDED in ledger and "customer-request classification" in ledger, ledger
    assert CHEAP in ledger and DEAR in ledger, ledger  # the imported results, judged like the run's
    trials = f"Trials ({10 + 2 * TRIAGE_TASKS})"
    expect(page.get_by_role("heading", name=trials)).to_be_visible(timeout=ms(CONTENT_S))
    expect(page.get_by_text("Prompt sent")).to_be_visible(timeout=ms(CONTENT_S))
    assert re.search(r"\d+\.\d%", ledger), ledger  # accuracy as a percentage, never 0.1
    check_no_none(page, "Results")
    shoot(page, screenshots, "results")

    # Frontier: the cost-against-accuracy chart (Plotly: its points are named; the figure is checked in AppTest)
    # and the routing table.
    open_page(page, "Frontier")
    drawn = page.locator('.st-key-frontier_chart [data-testid="stPlotlyChart"] .main-svg').first
    expect(drawn).to_be_visible(timeout=ms(CONTENT_S))
    assert drawn.bounding_box()["height"] > 300, "the chart is drawn at its height, not collapsed"
    expect(page.get_by_role("heading", name="Routing table")).to_be_visible()
    assert "customer-request classification" in grid_text(page, "category", "bar", "routed to", "tier")
    check_no_none(page, "Frontier")
    shoot(page, screenshots, "frontier")

    # What-if: 10 tasks are too few to route anything (30 needed), so the page says "none clears" and shows the
    # nearest model's cpat; a much higher cost of an error that escapes raises it. (It opens on the category the
    # Frontier showed last, the imported one with the most priced models: the classification one is picked.)
    open_page(page, "What-if")
    choose(page, "whatif_category", "customer-request classification")
    routed = page.locator(
        '[data-testid="stMetric"]', has_text="Routed: cost per accepted task for customer-request classification"
    )
    expect(routed.locator('[data-testid="stMetricValue"]')).to_have_text("none clears", timeout=ms(CONTENT_S))
    nearest = f"Cost per accepted task of the nearest model, {EMBEDDED}"
    metric = page.locator('[data-testid="stMetric"]', has_text=nearest)
    value = metric.locator('[data-testid="stMetricValue"]')
    expect(value).to_have_text(re.compile(r"\$[\d,]+\.\d+"), timeout=ms(CONTENT_S))
    settle(page)
    check_no_none(page, "What-if")
    shoot(page, screenshots, "whatif")
    before_text = value.inner_text()
    failure = page.get_by_label("Cost of an error that escapes (USD)")
    assert float(failure.input_value()) < 5000
    failure.fill("5000")
    failure.press("Enter")
    expect(value).not_to_have_text(before_text, timeout=ms(CONTENT_S))
    settle(page)
    after_text = value.inner_text()
    before, after = money(before_text), money(after_text)
    assert after > before, (before_text, after_text)
    expect(failure).to_have_value(re.compile(r"^5000(\.0+)?$"))
    print(
        f"run completed {run_seconds:.0f} s after the first page load; whole session "
        f"{time.monotonic() - started:.0f} s; routed cpat {before_text} -> {after_text}"
    )
    check_no_none(page, "What-if (changed)")
    assert not LEAKS, "pages show 'None'/'nan':\n" + "\n".join(LEAKS)
