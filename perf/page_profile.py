"""Where the app's pages spend their time, in-process (a browser's wall times are noisy on a busy machine).

Builds (or reuses) a ledger of 1,000,000 attempts (perf/ledger_scale.py), then prints per-step seconds:
- imports of the first page, one group after the other, in a fresh interpreter;
- the Overview's core calls, the Run page's and the Results page's queries, a cascade simulation;
- a What-if change: one ledger pass on cached facts (apply_scenario, decide);
- the pages themselves through streamlit's AppTest (first and second script run), and a What-if field change.

    .venv/bin/python perf/page_profile.py [--db PATH] [--profile STEP] [--repeat 3]

``--db`` keeps the built database for the next call; ``--profile`` prints cProfile's top calls for the steps
whose name contains STEP (e.g. ``--profile apply_scenario``, ``--profile "AppTest Run"``).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PERF = Path(__file__).resolve().parent
ROOT = PERF.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(PERF))

IMPORT_GROUPS = [
    ("streamlit", "streamlit"),
    ("routeboard", "routeboard"),
    ("routeboard.decide.routes", "routeboard.decide.routes"),
    (
        "app.py's and the Overview's modules",
        "routeboard.run, routeboard.store.suites, routeboard.catalog.models, ui.state",
    ),
]
SLOW = ("litellm", "scipy", "scipy.special", "jsonschema", "ollama", "llama_cpp")


def import_seconds() -> list[tuple[str, float]]:
    """Each group's import seconds in one fresh interpreter, then which slow modules were loaded."""
    code = "import sys, time\n" + "".join(
        f"t = time.perf_counter(); import {modules}; print(time.perf_counter() - t)\n" for _, modules in IMPORT_GROUPS
    )
    code += f"print(','.join(m for m in {SLOW!r} if m in sys.modules) or 'none')\n"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    lines = out.stdout.split()
    print(f"  slow modules loaded by these imports: {lines[-1]}")
    return [(name, float(line)) for (name, _), line in zip(IMPORT_GROUPS, lines)]


class Steps:
    """Times named steps (median of ``repeat``), cProfiles those matching ``profile``."""

    def __init__(self, repeat: int, profile: str | None):
        self.repeat, self.profile = repeat, profile

    def __call__(self, name: str, fn, repeat: int | None = None):
        times, result = [], None
        for _ in range(repeat or self.repeat):
            started = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - started)
        shown = ", ".join(f"{t:.3f}" for t in times)
        print(f"  {name:<58} {statistics.median(times):7.3f} s   ({shown})", flush=True)
        if self.profile and self.profile in name:
            profiler = cProfile.Profile()
            profiler.runcall(fn)
            text = io.StringIO()
            pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(30)
            print(text.getvalue())
        return result


def core_steps(step: Steps, db: Path) -> None:
    import routeboard
    from routeboard.browse import trial_rows
    from routeboard.decide.facts import cascade_facts, ledger_facts
    from routeboard.decide.ledger import apply_scenario
    from routeboard.decide.routes import decide
    from routeboard.decide.scenario import Scenario
    from routeboard.report import build_report
    from routeboard.store.facts import stored_counts

    con = step("routeboard.connect (open + migrations)", lambda: routeboard.connect(db), repeat=1)
    facts = step("ledger_facts (cached per data version)", lambda: ledger_facts(con))
    step("stored_counts", lambda: stored_counts(con))
    categories = sorted(facts["category"].unique())
    pairs = [(c, "m00", "m49") for c in categories]
    step("cascade_facts (20 pairs)", lambda: cascade_facts(con, pairs))
    step("trial_rows (Results, 50,000 newest)", lambda: trial_rows(con))
    scenario = Scenario()
    step("apply_scenario (a what-if change, 1,000 rows)", lambda: apply_scenario(facts, scenario), repeat=7)
    decision = step("decide (ledger, verdicts, routes, book)", lambda: decide(facts, scenario), repeat=7)
    step("build_report", lambda: build_report(decision, scenario), repeat=5)
    con.close()


def apptest_steps(step: Steps, db: Path) -> None:
    os.environ["ROUTEBOARD_DB"] = str(db)
    os.environ.setdefault("OLLAMA_HOST", "http://127.0.0.1:9")
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    def page(script: str):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
        at.run()
        if script != "pages/overview.py":
            at.switch_page(script)
            at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    for script in ("pages/overview.py", "pages/run.py", "pages/whatif.py", "pages/frontier.py", "pages/results.py"):
        st.cache_data.clear()
        st.cache_resource.clear()
        at = step(f"AppTest {script} (first: app + page, cold caches)", lambda s=script: page(s), repeat=1)
        step(f"AppTest {script} (again)", lambda a=at: a.run())
    whatif = page("pages/whatif.py")
    field = next(w.key for w in whatif.number_input if w.key and w.key.startswith("whatif_failure_"))

    def change():
        widget = whatif.number_input(key=field)
        widget.set_value(widget.value * 2 + 7).run()

    step("AppTest What-if change (failure cost, whole script)", change)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="the 1M-attempt database (built here when missing)")
    parser.add_argument("--profile", help="cProfile the steps whose name contains this")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-apptest", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "large.duckdb"
        if not db.exists():
            from ledger_scale import build

            import routeboard

            con = routeboard.connect(db)
            print(f"built {build(con, 50, 20, 1000):,} attempts in {db}")
            con.close()
        print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min)")
        print("imports, fresh interpreter:")
        for name, seconds in import_seconds():
            print(f"  {name:<58} {seconds:7.3f} s")
        step = Steps(args.repeat, args.profile)
        print("core calls on 1,000,000 attempts (median of repeats; first calls warm DuckDB's cache):")
        core_steps(step, db)
        if not args.skip_apptest:
            print("pages through AppTest (no browser; the server's own cost of each script run):")
            apptest_steps(step, db)
        print(f"load average at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
