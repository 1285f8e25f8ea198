"""Coverage of every interval a verdict can use, min and mean per method (the README's coverage table).

    .venv/bin/python perf/coverage.py [--runs 200]

Exact for Wilson and Clopper-Pearson; seeded simulation for the interval over tasks (k = 1, 3, 5 trials per task,
half the tasks always right or always wrong), the judge-corrected interval and sequential certification, over
p in [0.80, 0.99] (0.01 steps) and n in {10, 30, 100, 300} tasks at 95%.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from routeboard.decide.coverage import coverage_table, summarise  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="simulated runs per grid point")
    args = parser.parse_args()
    started = time.perf_counter()
    rows = coverage_table(runs=args.runs)
    print("| method | min coverage | mean coverage | grid points |")
    print("|---|---|---|---|")
    for method, figures in summarise(rows).items():
        print(f"| {method} | {figures['min']:.3f} | {figures['mean']:.3f} | {figures['points']} |")
    print("\nper task count (mean):")
    for n in sorted({r.tasks for r in rows}):
        line = ", ".join(f"{m} {v['mean']:.3f}" for m, v in summarise([r for r in rows if r.tasks == n]).items())
        print(f"  n = {n}: {line}")
    print(f"\n{len(rows)} points, {args.runs} runs per simulated point, {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
