"""Estimate vs actual on the embedded model: every shipped suite and a long-prompt suite (a figure, not a test).

    .venv/bin/python perf/estimate_accuracy.py [--limit 5] [--max-tokens 64]

Each suite runs twice in a fresh database: the first estimate rests on calibration calls only (what a new user
sees), the second also on the first run's stored calls. Wall time is timed around the run (model already loaded).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=5)
    parser.add_argument("--max-tokens", type=int, default=64)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="estimate-accuracy-"))
    os.environ["ROUTEBOARD_DB"] = str(folder / "routeboard.duckdb")

    import routeboard
    from routeboard.catalog.models import EMBEDDED_ID
    from routeboard.library import save_suite
    from routeboard.providers.base import GenerationSettings
    from routeboard.run.estimate import estimate
    from routeboard.run.request import RunRequest
    from routeboard.run.resolve import resolve_models, resolve_suites
    from routeboard.run.start import start_run
    from routeboard.store.runs import run_totals
    from routeboard.suites import load_suite
    from tests.run.test_estimate import long_prompt_suite

    con = routeboard.connect()
    paths = [ROOT / "benchmarks" / name for name in sorted(os.listdir(ROOT / "benchmarks"))]
    paths.append(Path(long_prompt_suite(folder, n=args.limit)))
    settings = GenerationSettings(max_output_tokens=args.max_tokens)
    models = resolve_models(con, (EMBEDDED_ID,))
    print(f"{'suite':34} {'pass':6} {'est s':>7} {'wall s':>7} {'ratio':>6} {'est USD':>9} {'USD':>9}  basis")
    for path in paths:
        suite_id = save_suite(con, load_suite(path)).suite_id
        for label in ("first", "second"):
            [row] = estimate(
                con, resolve_suites(con, (suite_id,)), models, 1, args.limit, settings, calibrate_local=True
            )
            started = time.perf_counter()
            runner = start_run(
                con,
                RunRequest(
                    suites=(suite_id,), models=(EMBEDDED_ID,), limit=args.limit, settings=settings, use_cache=False
                ),
            )
            runner.run()
            wall_s = time.perf_counter() - started
            spend = run_totals(con, runner.run_id)[0]["spend_usd"]
            print(
                f"{suite_id:34} {label:6} {row.local_seconds:7.1f} {wall_s:7.1f} {wall_s / row.local_seconds:6.2f} "
                f"{row.cost_usd:9.6f} {spend:9.6f}  {row.basis}",
                flush=True,
            )


if __name__ == "__main__":
    main()
