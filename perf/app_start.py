"""App start: time from launching ``streamlit run app.py`` to the first page rendered in Chromium.

Two databases: an empty one (a new user's first start) and one holding 1,000,000 stored attempts (50 models x
20 categories x 1,000 tasks, built with SQL by ledger_scale.build). For each it prints the time until the health
endpoint answers and until the Overview's content is visible through Playwright (target <= 3 s to the first
page), then where the Overview spends its time on the large database (the page's core calls, timed in-process).

    .venv/bin/python perf/app_start.py [--repeat 3] [--models 50] [--categories 20] [--tasks 1000]

Needs Debian's Chromium at /usr/bin/chromium (scripts/ensure_chromium.sh); never `playwright install`.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

PERF = Path(__file__).resolve().parent
ROOT = PERF.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(PERF))

from ledger_scale import build  # noqa: E402

import routeboard  # noqa: E402

TARGET_S = 3.0
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
            return reply.read().strip() == b"ok"
    except OSError:
        return False


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_once(browser, db: Path, ready: str, log: Path) -> tuple[float, float, float]:
    """(seconds to health ok, seconds to the Overview's content visible, both from the launch of streamlit; CPU
    seconds the server used until then, a figure other load on the machine inflates far less than wall time)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "ROUTEBOARD_DB": str(db), "OLLAMA_HOST": os.environ.get("OLLAMA_HOST", "http://127.0.0.1:9")}
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    with open(log, "ab") as out:
        started = time.perf_counter()
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "app.py",
                "--server.headless",
                "true",
                "--server.address",
                "127.0.0.1",
                "--server.port",
                str(port),
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        while not healthy(url):
            if process.poll() is not None:
                raise RuntimeError(f"streamlit exited with status {process.returncode}; see {log}")
            if time.perf_counter() - started > 120:
                raise TimeoutError("no health answer within 120 s")
            time.sleep(0.02)
        health_s = time.perf_counter() - started
        page.goto(url)
        page.get_by_role("heading", name=ready, exact=True).wait_for(timeout=180_000)
        if ready == "Routing board":  # the board itself (a data grid with a "routed" column), not only its heading
            page.locator('[data-testid="stDataFrame"]').filter(
                has=page.locator("th[role='columnheader']", has_text="routed")
            ).first.wait_for(timeout=180_000)
        return health_s, time.perf_counter() - started, cpu_seconds(process.pid)
    finally:
        page.close()
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def overview_breakdown(db: Path) -> list[tuple[str, float]]:
    """The Overview's core calls on a fresh process-like path, timed one by one (what its first render costs)."""
    from routeboard.decisions import decide
    from routeboard.ledger import ledger_facts
    from routeboard.scenario import Scenario, list_scenarios
    from routeboard.store.suites import list_suites

    steps = []

    def step(name, fn):
        started = time.perf_counter()
        result = fn()
        steps.append((name, time.perf_counter() - started))
        return result

    con = step("routeboard.connect (open + migrations)", lambda: routeboard.connect(db))
    step("list_suites", lambda: list_suites(con))
    step(
        "data_version (counts, max finished_at)",
        lambda: (
            con.cursor()
            .execute(
                "SELECT (SELECT count(*) FROM trials), (SELECT max(finished_at) FROM trials),"
                " (SELECT count(*) FROM suites), (SELECT max(created_at) FROM suites)"
            )
            .fetchone()
        ),
    )
    facts = step("ledger_facts (the cached facts)", lambda: ledger_facts(con))
    step(
        "count(*) runs, attempts",
        lambda: con.cursor().execute("SELECT (SELECT count(*) FROM runs), (SELECT count(*) FROM attempts)").fetchone(),
    )
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
        ("routeboard.decisions (routeboard.stats -> scipy.stats)", "routeboard.decisions"),
        (
            "the rest of app.py + the Overview",
            "routeboard.run, routeboard.store.suites, routeboard.catalog, ui.state, ui.runs, ui.widgets",
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
            f"{os.getloadavg()[0]:.1f}"
        )
        cases = [("empty database", None, "Get started"), (f"{attempts:,} attempts", large, "Routing board")]
        results = {}
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                for label, db, ready in cases:
                    runs = []
                    for i in range(args.repeat):
                        path = db or tmp / f"empty-{i}.duckdb"  # a new file each time: the first start creates it
                        runs.append(start_once(browser, path, ready, tmp / "streamlit.log"))
                    health = statistics.median(r[0] for r in runs)
                    page = statistics.median(r[1] for r in runs)
                    cpu = statistics.median(r[2] for r in runs)
                    results[label] = page
                    verdict = "meets" if page <= TARGET_S else "MISSES"
                    print(
                        f"{label}: health endpoint {health:.2f} s, Overview rendered {page:.2f} s "
                        f"(median of {args.repeat}; runs {', '.join(f'{r[1]:.2f}' for r in runs)}) "
                        f"-> {verdict} the target of <= {TARGET_S:.0f} s to the first page; the server used "
                        f"{cpu:.2f} CPU s until then"
                    )
            finally:
                browser.close()
        print("imports of app.py + the Overview, in a fresh interpreter:")
        for name, seconds in import_seconds():
            print(f"  {name:<55} {seconds * 1000:8.0f} ms")
        print(f"the Overview's core calls on the {attempts:,}-attempt database (first call, one process):")
        for name, seconds in overview_breakdown(large):
            print(f"  {name:<55} {seconds * 1000:8.0f} ms")


if __name__ == "__main__":
    main()
