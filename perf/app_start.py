"""App speed in Chromium: the first page after ``make run`` starts the app (``python -m ui.serve``), every other
page, and a What-if change.

Two databases: an empty one (a new user's first start) and one holding 1,000,000 stored attempts (50 models x
20 categories x 1,000 tasks, built with SQL by ledger_scale.build). For each, a fresh server per repeat:
- first page: seconds from launching streamlit to its health endpoint, then to the Overview drawn (target
  <= 2.5 s at 1M attempts);
- every other page of app.py's st.navigation, in its order: seconds from clicking its sidebar link to the page
  being interactive (its title drawn, Streamlit's script no longer running and every chart drawn), on the first
  visit and on a second one (target <= 1.0 s);
- a What-if change: seconds from pressing Enter in "Cost of an error that escapes (USD)" to the routed cpat
  redrawn with its new value and the script done (target <= 0.3 s);
- which slow-to-import modules (litellm first) each page loads on its own: per page, a fresh interpreter where
  streamlit's AppTest draws the Overview, then that page, over the same database, then reads sys.modules;
- what Plotly's bundle costs the Frontier and the page after it, with the first page's warm-up and without.
Then where the Overview spends its time on the large database (imports and the page's core calls, in-process).

    .venv/bin/python perf/app_start.py [--repeat 3] [--models 50] [--categories 20] [--tasks 1000]

Needs Debian's Chromium at /usr/bin/chromium (scripts/ensure_chromium.sh); never `playwright install`. Wall
times grow with other load on the machine: the load average is printed next to the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

PERF = Path(__file__).resolve().parent
ROOT = PERF.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(PERF))

from ledger_scale import build  # noqa: E402

import routeboard  # noqa: E402
from tests.servers.streamlit_app import CHROMIUM, CHROMIUM_ARGS, free_port, start_app, stop, wait_healthy  # noqa: E402

FIRST_PAGE_TARGET_S = 2.5
PAGE_TARGET_S = 1.0
WHATIF_TARGET_S = 0.3
HEADINGS = {"Overview": "routeboard"}  # a page's h1 when it differs from its navigation title
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
FAILURE_FIELD = "Cost of an error that escapes (USD)"
ROUTED_LABEL = "Routed: cost per accepted task for"  # What-if's routed figure (ui/whatif.py ROUTED)
# modules that take a second or more to import: none should load on a page visit unless a call is made
HEAVY = ("litellm", "llama_cpp", "tiktoken", "openai", "tokenizers", "scipy.optimize", "ollama", "jsonschema")
WAIT_MS = 180_000


def app_pages() -> list[tuple[str, str]]:
    """(script path, navigation title) of every page app.py's navigation lists (ui/auth.py PAGES, all of them in
    local mode), in its order (the default page first)."""
    source = (ROOT / "ui" / "auth.py").read_text()
    return re.findall(r'PageEntry\(\s*"([^"]+)",\s*"([^"]+)"', source)


@dataclass
class Walk:
    """One fresh server: seconds to health and to the first page, per-page seconds to interactive, a What-if edit."""

    health_s: float
    first_page_s: float
    first_visit_s: dict[str, float] = field(default_factory=dict)
    second_visit_s: dict[str, float] = field(default_factory=dict)
    whatif_s: float | None = None
    whatif_note: str = ""


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# Every chart on the page drawn: a chart library (Vega; Plotly on the Frontier) loads on the first page that shows
# its chart and draws after the script ends, so without this a page's chart would be paid for on the next page.
# While its library loads, Streamlit draws a skeleton in the chart's place (no stPlotlyChart element yet).
CHARTS_DRAWN = """() => !document.querySelector('[data-testid="stMain"] [data-testid="stSkeleton"]')
    && [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')].every(c => c.querySelector('canvas, svg'))
    && [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].every(c => c.querySelector('.main-svg'))"""


def visit(page, title: str) -> float:
    """Click the page's sidebar link; seconds until its title is drawn, no script run is in progress and every
    chart on it is drawn."""
    link = page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title, exact=True)
    started = time.perf_counter()
    link.click()
    page.get_by_role("heading", level=1, name=HEADINGS.get(title, title), exact=True).wait_for(timeout=WAIT_MS)
    page.wait_for_selector(IDLE, timeout=WAIT_MS)
    page.wait_for_function(CHARTS_DRAWN, timeout=WAIT_MS)
    return time.perf_counter() - started


def whatif_change(page) -> tuple[float | None, str]:
    """Seconds from Enter in the failure-cost field to the routed cpat showing its new value, or why not measured."""
    metric = page.locator('[data-testid="stMetric"]').filter(has_text=ROUTED_LABEL)
    if not page.get_by_label(FAILURE_FIELD).count() or not metric.count():
        return None, "n/a (What-if shows its empty state)"
    value = metric.first.locator('[data-testid="stMetricValue"]')
    before = value.text_content()
    field_ = page.get_by_label(FAILURE_FIELD)
    current = float(field_.input_value() or 0)
    field_.fill(f"{current * 2 + 7:g}")
    handle = value.element_handle()
    started = time.perf_counter()
    field_.press("Enter")
    try:
        page.wait_for_function(
            "([el, before]) => el.isConnected && el.textContent !== before",
            arg=[handle, before],
            timeout=30_000,
        )
        page.wait_for_selector(IDLE, timeout=WAIT_MS)
    except Exception:  # playwright's TimeoutError: the figure did not move
        return None, f"routed cpat stayed {before} within 30 s"
    return time.perf_counter() - started, f"{before} -> {value.text_content()}"


def walk_once(browser, db: Path, ready: str, log: Path) -> tuple[Walk, float]:
    """A fresh server over ``db``: the first page, every other page twice, a What-if change (and its CPU seconds
    until the first page, a figure other load on the machine inflates far less than wall time)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    started = time.perf_counter()
    process = start_app(db, log, port)
    try:
        wait_healthy(url, process, timeout_s=120, poll_s=0.02)
        health_s = time.perf_counter() - started
        page.goto(url)
        page.get_by_role("heading", name=ready, exact=True).wait_for(timeout=WAIT_MS)
        if ready == "Routing board":  # the board itself (its table of routes and money), not only its heading
            page.locator(".st-key-overview_board table tbody tr").first.wait_for(timeout=WAIT_MS)
        result = Walk(health_s, time.perf_counter() - started)
        cpu = cpu_seconds(process.pid)
        page.wait_for_selector(IDLE, timeout=WAIT_MS)
        titles = [title for _, title in app_pages()]
        for title in titles[1:]:
            result.first_visit_s[title] = visit(page, title)
            if title == "What-if":
                result.whatif_s, result.whatif_note = whatif_change(page)
        for title in titles[1:] + titles[:1]:
            result.second_visit_s[title] = visit(page, title)
        return result, cpu
    finally:
        page.close()
        stop(process)


# the first page's warm-up of Plotly's bundle (ui/charts.py warm_plotly) does nothing once this flag is set
NO_PLOTLY_WARM = "window.routeboardPlotlyWarm = true"
READ_S = 4.0  # how long a person reads the first page before clicking on


def plotly_warm_cost(browser, db: Path, log: Path, repeat: int) -> dict[str, list[tuple[float, float]]]:
    """What Plotly's 4.7 MB bundle costs: on one server over ``db``, a fresh browser session reads the Overview for
    READ_S seconds, then opens the Frontier (its Plotly chart) and What-if; with the first page's warm-up and
    without it (the flag set before any script), interleaved so load on the machine falls on both alike."""
    port = free_port()
    process = start_app(db, log, port)
    seconds: dict[str, list[tuple[float, float]]] = {"warmed": [], "not warmed": []}
    try:
        wait_healthy(f"http://127.0.0.1:{port}", process, timeout_s=120)
        for _ in range(repeat):
            for mode in seconds:
                context = browser.new_context(viewport={"width": 1400, "height": 900})
                if mode == "not warmed":
                    context.add_init_script(NO_PLOTLY_WARM)
                page = context.new_page()
                page.goto(f"http://127.0.0.1:{port}")
                page.locator(".st-key-overview_board table tbody tr").first.wait_for(timeout=WAIT_MS)
                page.wait_for_selector(IDLE, timeout=WAIT_MS)
                page.wait_for_timeout(READ_S * 1000)
                seconds[mode].append((visit(page, "Frontier"), visit(page, "What-if")))
                context.close()
    finally:
        stop(process)
    return seconds


def report_plotly(seconds: dict[str, list[tuple[float, float]]]) -> None:
    median = statistics.median
    print(f"\n== Plotly's bundle: a fresh session reads the Overview {READ_S:.0f} s, then Frontier, then What-if")
    for mode, runs in seconds.items():
        frontier, after = median(f for f, _ in runs), median(w for _, w in runs)
        print(
            f"{mode:<16} Frontier {frontier:.2f} s, What-if after it {after:.2f} s (median of {len(runs)}; "
            f"load average {os.getloadavg()[0]:.2f} now)"
        )


def modules_per_page(db: Path) -> dict[str, list[str]]:
    """The slow-to-import modules loaded by each page on its own: per page a fresh interpreter where AppTest
    draws the Overview (the app's default page), then that page, and reads sys.modules."""
    pages = app_pages()
    code = f"""
import json, sys
from streamlit.testing.v1 import AppTest
at = AppTest.from_file("app.py", default_timeout=300)
at.run()
if sys.argv[1] != {pages[0][0]!r}:
    at.switch_page(sys.argv[1])
    at.run()
print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))
"""
    env = {**os.environ, "ROUTEBOARD_DB": str(db), "OLLAMA_HOST": os.environ.get("OLLAMA_HOST", "http://127.0.0.1:9")}
    loaded = {}
    for path, title in pages:
        out = subprocess.run(
            [sys.executable, "-c", code, path], cwd=ROOT, env=env, capture_output=True, text=True, check=True
        )
        loaded[title] = json.loads(out.stdout.strip().splitlines()[-1])
    return loaded


def verdict(seconds: float | None, target_s: float) -> str:
    if seconds is None:
        return "n/a"
    return "meets" if seconds <= target_s else "MISSES"


def report(label: str, walks: list[tuple[Walk, float]], loaded: dict[str, list[str]]) -> None:
    """One table per database: medians over the repeats, the target and the verdict next to each figure."""
    runs = [w for w, _ in walks]
    median = statistics.median
    first = median(w.first_page_s for w in runs)
    print(f"\n== {label} (median of {len(runs)} fresh servers; load average {os.getloadavg()[0]:.2f} now)")
    print(f"{'page':<16} {'1st visit s':>11} {'2nd visit s':>11} {'target s':>9}  verdict  slow modules it loads")
    print(
        f"{'health endpoint':<16} {median(w.health_s for w in runs):>11.2f} {'':>11} {'':>9}  "
        f"(server CPU until the first page: {median(c for _, c in walks):.2f} s)"
    )
    target = FIRST_PAGE_TARGET_S
    heavy = ", ".join(loaded.get("Overview", [])) or "none"
    second = median(w.second_visit_s["Overview"] for w in runs)
    print(
        f"{'Overview (first)':<16} {first:>11.2f} {second:>11.2f} {target:>9.1f}  {verdict(first, target):<7}  {heavy}"
        f"   runs {', '.join(f'{w.first_page_s:.2f}' for w in runs)}"
    )
    for title in runs[0].first_visit_s:
        one = median(w.first_visit_s[title] for w in runs)
        two = median(w.second_visit_s[title] for w in runs)
        worst = max(one, two)
        heavy = ", ".join(loaded.get(title, [])) or "none"
        print(
            f"{title:<16} {one:>11.2f} {two:>11.2f} {PAGE_TARGET_S:>9.1f}  {verdict(worst, PAGE_TARGET_S):<7}  {heavy}"
        )
    changes = [w.whatif_s for w in runs if w.whatif_s is not None]
    change = median(changes) if changes else None
    shown = f"{change:.2f}" if change is not None else "-"
    print(
        f"{'What-if change':<16} {shown:>11} {'':>11} {WHATIF_TARGET_S:>9.1f}  {verdict(change, WHATIF_TARGET_S):<7}  "
        f"{runs[-1].whatif_note}"
    )


def overview_breakdown(db: Path) -> list[tuple[str, float]]:
    """The Overview's core calls on a fresh process-like path, timed one by one (what its first render costs)."""
    from routeboard.decide.facts import ledger_facts
    from routeboard.decide.routes import decide
    from routeboard.decide.scenario import Scenario, list_scenarios
    from routeboard.store.facts import stored_counts
    from routeboard.store.suites import list_suites
    from routeboard.store.version import data_version

    steps = []

    def step(name, fn):
        started = time.perf_counter()
        result = fn()
        steps.append((name, time.perf_counter() - started))
        return result

    con = step("routeboard.connect (open + migrations)", lambda: routeboard.connect(db))
    step("list_suites", lambda: list_suites(con))
    step("data_version (the cache key)", lambda: data_version(con))
    facts = step("ledger_facts (the cached facts)", lambda: ledger_facts(con))
    step("stored_counts (runs, attempts)", lambda: stored_counts(con))
    step("list_scenarios", lambda: list_scenarios(con))
    step("decide (ledger, verdicts, routes, book)", lambda: decide(facts, Scenario()))
    con.close()
    return steps


def import_seconds() -> list[tuple[str, float]]:
    """Module imports of the app's first script run, one group after the other in a fresh interpreter
    (streamlit itself is already imported by the server before its health endpoint answers)."""
    groups = [
        ("streamlit (before health)", "streamlit"),
        ("routeboard (pandas, duckdb, jsonschema)", "routeboard"),
        ("routeboard.decide.routes (pandas, numpy; scipy only for exact bounds)", "routeboard.decide.routes"),
        (
            "the rest of app.py + the Overview",
            "routeboard.run, routeboard.store.suites, routeboard.catalog.models, ui.state, ui.runs, ui.widgets",
        ),
    ]
    code = "import time\n" + "".join(
        f"t = time.perf_counter(); import {modules}; print(time.perf_counter() - t)\n" for _, modules in groups
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return [(name, float(line)) for (name, _), line in zip(groups, out.stdout.split())]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--models", type=int, default=50)
    parser.add_argument("--categories", type=int, default=20)
    parser.add_argument("--tasks", type=int, default=1000)
    args = parser.parse_args()
    if not os.access(CHROMIUM, os.X_OK):
        sys.exit(f"{CHROMIUM} is missing: sh scripts/ensure_chromium.sh")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        large = tmp / "large.duckdb"
        con = routeboard.connect(large)
        started = time.perf_counter()
        attempts = build(con, args.models, args.categories, args.tasks)
        con.close()
        print(
            f"built {attempts:,} attempts ({args.models} models x {args.categories} categories x {args.tasks} tasks) "
            f"in {time.perf_counter() - started:.1f} s; {os.cpu_count()} CPUs, load average "
            f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min)"
        )
        cases = [("empty database", None, "Get started"), (f"{attempts:,} attempts", large, "Routing board")]
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                for label, db, ready in cases:
                    walks = []
                    for i in range(args.repeat):
                        path = db or tmp / f"empty-{i}.duckdb"  # a new file each time: the first start creates it
                        walks.append(walk_once(browser, path, ready, tmp / "streamlit.log"))
                    report(label, walks, modules_per_page(db or tmp / "empty-modules.duckdb"))
                report_plotly(plotly_warm_cost(browser, large, tmp / "streamlit.log", args.repeat))
            finally:
                browser.close()
        print(
            "\nslow modules a page loads: sys.modules after AppTest draws the Overview, then that page, in a fresh"
            " interpreter per page"
        )
        print("imports of app.py + the Overview, in a fresh interpreter:")
        for name, seconds in import_seconds():
            print(f"  {name:<55} {seconds * 1000:8.0f} ms")
        print(f"the Overview's core calls on the {attempts:,}-attempt database (first call, one process):")
        for name, seconds in overview_breakdown(large):
            print(f"  {name:<55} {seconds * 1000:8.0f} ms")
        print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
