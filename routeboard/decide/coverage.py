"""How often each interval a verdict can use covers the true accuracy: the truth behind "reliably clears".

Exact where the binomial allows (Wilson, Clopper-Pearson), seeded simulation elsewhere (the cluster interval over
tasks with repeated trials, the judge-corrected interval, sequential certification). ``perf/coverage.py`` prints
the table in the README; ``tests/decide/test_coverage.py`` holds the floors (mean >= 0.94 for every method, pointwise
>= 0.95 for Clopper-Pearson). docs/design.md says why each method is used where it is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import binom

from routeboard.decide import intervals as stats

P_GRID = tuple(float(p) for p in np.round(np.arange(0.80, 0.99 + 1e-9, 0.01), 2))
TASK_COUNTS = (10, 30, 100, 300)


@dataclass(frozen=True)
class Coverage:
    """Coverage of one method at one (accuracy, tasks, trials per task) point."""

    method: str
    p: float
    tasks: int
    k: int
    coverage: float
    runs: int  # simulated runs behind the figure (0: exact)


def binomial_coverage(method: str, p: float, n: int, level: float = 0.95) -> Coverage:
    """Exact coverage of Wilson or Clopper-Pearson: the probability of every outcome whose interval holds p."""
    k = np.arange(n + 1)
    low, high = stats.intervals(k, np.full(n + 1, n), level, method)
    covered = (low <= p) & (p <= high)
    return Coverage(method, p, n, 1, float(binom.pmf(k[covered], n, p).sum()), 0)


def _task_results(rng: np.random.Generator, p: float, tasks: int, k: int) -> np.ndarray:
    """Correct trials per task for ``tasks`` tasks of ``k`` trials whose mean success chance is ``p``.

    Half the tasks are settled (every trial right, or every trial wrong: an easy or an impossible task), half are
    coin flips at p: trials of one task agree far more than independent draws, as with real models."""
    settled = rng.random(tasks) < 0.5
    always = rng.random(tasks) < p
    flips = rng.binomial(k, p, size=tasks)
    return np.where(settled, np.where(always, k, 0), flips)


def cluster_coverage(
    p: float, tasks: int, k: int, runs: int = 200, level: float = 0.95, method: str = "wilson", seed: int = 0
) -> Coverage:
    """Coverage of the interval over tasks (``stats.cluster_interval``) at k trials per task, by simulation."""
    rng = np.random.default_rng(seed)
    hits = 0
    for _ in range(runs):
        correct = _task_results(rng, p, tasks, k)
        _, low, high = stats.cluster_interval(correct, np.full(tasks, k), level, method)
        hits += low <= p <= high
    return Coverage(f"cluster k={k}", p, tasks, k, hits / runs, runs)


def judge_coverage(
    p: float,
    tasks: int,
    runs: int = 100,
    level: float = 0.95,
    tpr: float = 0.9,
    tnr: float = 0.85,
    labels: int = 60,
    seed: int = 0,
) -> Coverage:
    """Coverage of the judge-corrected interval: an imperfect judge grades ``tasks`` outputs, people label
    ``labels`` correct and ``labels`` wrong outputs to measure it."""
    rng = np.random.default_rng(seed)
    hits = 0
    for _ in range(runs):
        truly = rng.random(tasks) < p
        passed = np.where(truly, rng.random(tasks) < tpr, rng.random(tasks) >= tnr)
        seen_tpr = rng.binomial(labels, tpr) / labels
        seen_tnr = rng.binomial(labels, tnr) / labels
        try:
            _, low, high = stats.judge_corrected_accuracy(
                int(passed.sum()), tasks, seen_tpr, seen_tnr, labels, labels, level
            )
        except ValueError:  # a judge measured as no better than chance gives no interval: counted as a miss
            continue
        hits += low <= p <= high
    return Coverage("judge-corrected", p, tasks, 1, hits / runs, runs)


def sequential_coverage(
    p: float, tasks: int, k: int = 1, runs: int = 200, level: float = 0.95, looks: int = 5, seed: int = 0
) -> Coverage:
    """Coverage of sequential certification's anytime bound: the share of runs in which EVERY look's interval
    holds p (the guarantee optional stopping needs), with tasks sent in ``looks`` equal rounds and, for k > 1,
    each task counted once (its share of correct trials), as ``run --certify`` does."""
    rng = np.random.default_rng(seed)
    bounds = np.linspace(0, tasks, looks + 1).astype(int)[1:]
    hits = 0
    for _ in range(runs):
        shares = _task_results(rng, p, tasks, k) / k
        seen = np.cumsum(shares)
        ok = True
        for look, upto in enumerate(bounds, start=1):
            low, high = stats.anytime_interval(float(seen[upto - 1]), int(upto), level, look, looks)
            if not low <= p <= high:
                ok = False
                break
        hits += ok
    return Coverage(f"sequential k={k}", p, tasks, k, hits / runs, runs)


def coverage_table(p_grid=P_GRID, task_counts=TASK_COUNTS, runs: int = 200, level: float = 0.95) -> list[Coverage]:
    """Every method over the grid: exact binomial methods, the cluster interval at k = 1, 3, 5, judge-corrected
    and sequential (k = 1 and 3)."""
    rows: list[Coverage] = []
    for n in task_counts:
        for i, p in enumerate(p_grid):
            rows += [binomial_coverage("wilson", p, n, level), binomial_coverage("clopper-pearson", p, n, level)]
            rows += [cluster_coverage(p, n, k, runs, level, seed=i) for k in (1, 3, 5)]
            rows.append(judge_coverage(p, n, max(runs // 2, 20), level, seed=i))
            rows += [sequential_coverage(p, n, k, runs, level, seed=i) for k in (1, 3)]
    return rows


def summarise(rows: list[Coverage]) -> dict[str, dict[str, float]]:
    """Per method: min and mean coverage over the grid."""
    out: dict[str, dict[str, float]] = {}
    for method in dict.fromkeys(r.method for r in rows):
        values = np.array([r.coverage for r in rows if r.method == method])
        out[method] = {"min": float(values.min()), "mean": float(values.mean()), "points": int(values.size)}
    return out
