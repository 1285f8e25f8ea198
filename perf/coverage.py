"""How often a verdict wrongly says "clears", and how often each interval covers the truth (the README's tables).

    .venv/bin/python perf/coverage.py [--judge-runs 2000] [--runs 200] [--json coverage.json] [--one-sided-only]

One-sided, what a verdict claims: the rate of "clears" when the true accuracy is under the bar (a hair under it,
the worst case, and 0.005-0.05 under), bars 0.80-0.95, n = 30 (min_tasks) to 1000 tasks, level 0.95, goal <= 5%.
Exact for Wilson and Clopper-Pearson at k = 1, 3, 5 trials per task (a task's difficulty shared by its trials) and
for sequential certification; seeded simulation for the judge-corrected interval at k = 3. Then the worst k = 1
rate over every n from 30 to 1000.

Two-sided, how often each interval holds the truth: exact for Wilson and Clopper-Pearson; seeded simulation for the
interval over tasks (k = 1, 3, 5), the judge-corrected interval and sequential certification, over p in
[0.80, 0.99] (0.01 steps) and n in {10, 30, 100, 300} tasks at 95%.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from routeboard.decide import coverage  # noqa: E402


def one_sided(judge_runs: int, shared: float) -> dict:
    """Print the false-clear table (worst over bars and accuracies under the bar, per method and n)."""
    started = time.perf_counter()
    rows = coverage.claims_table(judge_runs=judge_runs, shared=shared)
    worst = coverage.summarise_claims(rows)
    print("False clears: share of verdicts saying 'clears' when the true accuracy is under the bar (goal <= 5%).")
    print(f"Worst over bars {', '.join(map(str, coverage.BARS))} and true accuracies under the bar; level 0.95.\n")
    print("| method | " + " | ".join(f"n = {n}" for n in coverage.CLAIM_TASKS) + " |")
    print("|---|" + "---|" * len(coverage.CLAIM_TASKS))
    for method, cells in worst.items():
        texts = []
        for n in coverage.CLAIM_TASKS:
            cell = cells[n]
            text = f"{cell['rate']:.2%}"
            if cell["runs"]:  # simulated: give the upper bound of its noise too
                text += f" (<= {cell['rate_high']:.2%})"
            texts.append(text)
        print(f"| {method} | " + " | ".join(texts) + " |")
    every = {method: coverage.every_task_count(method) for method in ("wilson", "clopper-pearson")}
    print("\nWorst over every n from 30 to 1000 (k = 1, a hair under the bar, exact):")
    for method, found in every.items():
        print(f"  {method}: " + ", ".join(f"bar {r.bar}: {r.rate:.2%} at n = {r.tasks}" for r in found))
    misses = sorted({m for m, cells in worst.items() for c in cells.values() if c["rate_high"] > coverage.GOAL})
    print(f"\nmisses the 5% goal: {', '.join(misses) if misses else 'none'}")
    print(f"{len(rows)} points, judge-corrected {judge_runs} runs a point, {time.perf_counter() - started:.0f} s\n")
    return {
        "level": 0.95,
        "goal": coverage.GOAL,
        "bars": list(coverage.BARS),
        "tasks": list(coverage.CLAIM_TASKS),
        "under_the_bar": list(coverage.UNDER),
        "shared": shared,
        "judge_runs": judge_runs,
        "worst": worst,
        "every_n_k1": {m: [dataclasses.asdict(r) for r in found] for m, found in every.items()},
        "misses": misses,
        "rows": [dataclasses.asdict(r) | {"rate_high": r.rate_high} for r in rows],
    }


def two_sided(runs: int) -> dict:
    """Print the coverage table (min and mean per method over the grid)."""
    started = time.perf_counter()
    rows = coverage.coverage_table(runs=runs)
    summary = coverage.summarise(rows)
    print("| method | min coverage | mean coverage | grid points |")
    print("|---|---|---|---|")
    for method, figures in summary.items():
        print(f"| {method} | {figures['min']:.3f} | {figures['mean']:.3f} | {figures['points']} |")
    print("\nper task count (mean):")
    for n in sorted({r.tasks for r in rows}):
        line = ", ".join(
            f"{m} {v['mean']:.3f}" for m, v in coverage.summarise([r for r in rows if r.tasks == n]).items()
        )
        print(f"  n = {n}: {line}")
    print(f"\n{len(rows)} points, {runs} runs per simulated point, {time.perf_counter() - started:.0f} s")
    return {"runs": runs, "summary": summary, "rows": [dataclasses.asdict(r) for r in rows]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--judge-runs", type=int, default=2000, help="simulated runs per judge-corrected point")
    parser.add_argument("--runs", type=int, default=200, help="simulated runs per two-sided grid point")
    parser.add_argument(
        "--shared", type=float, default=coverage.SHARED, help="intra-task correlation of trials (0: independent)"
    )
    parser.add_argument("--one-sided-only", action="store_true", help="skip the two-sided coverage table")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    args = parser.parse_args()
    figures = {"one_sided": one_sided(args.judge_runs, args.shared)}
    if not args.one_sided_only:
        figures["two_sided"] = two_sided(args.runs)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
