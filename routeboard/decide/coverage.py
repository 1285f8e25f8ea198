"""How often each interval a verdict can use covers the true accuracy, and how often a verdict says "clears" for
a model under the bar: the truth behind "reliably clears".

Two-sided coverage: exact where the binomial allows (Wilson, Clopper-Pearson), seeded simulation elsewhere (the
cluster interval over tasks with repeated trials, the judge-corrected interval, sequential certification).
One-sided false clears (what a verdict claims): exact for every path but the judge-corrected bootstrap.
``perf/coverage.py`` prints both tables in the README; ``tests/decide/test_coverage.py`` holds the floors (mean
coverage >= 0.94 for every method, pointwise >= 0.95 for Clopper-Pearson; false clears <= 5% at every n >=
min_tasks). docs/design.md says why each method is used where it is.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import betabinom, binom

from routeboard.decide import intervals as stats
from routeboard.decide import verdicts

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
    ``labels`` correct and ``labels`` wrong outputs to measure it (``_judged_runs``, one trial per task)."""
    rng = np.random.default_rng(seed)
    judged, seen_tpr, seen_tnr = _judged_runs(rng, p, tasks, 1, runs, tpr, tnr, labels, shared=1.0)
    hits = 0
    for total, a, b in zip(judged.tolist(), seen_tpr.tolist(), seen_tnr.tolist()):
        try:
            _, low, high = stats.judge_corrected_accuracy(total, tasks, a / labels, b / labels, labels, labels, level)
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


# ---------------------------------------------------------------- what a verdict claims: one-sided
#
# A verdict claims one side: "clears" says the true accuracy is at least the bar. The figure that matters is how
# often a verdict says "clears" while the true accuracy is under the bar (a false clear), at every n >= min_tasks.
# Its worst case is a true accuracy a hair under the bar (the rate only falls as the truth moves further down).
# Exact where the counts allow: a task's correct trials follow one distribution, so the total over n tasks is an
# n-fold convolution, and the ledger's verdict clears exactly when the total reaches a threshold (found once per
# (method, n, k, bar) by asking the ledger's own functions). Only the judge-corrected bootstrap is simulated.

BARS = (0.80, 0.85, 0.90, 0.95)
CLAIM_TASKS = (30, 50, 100, 200, 500, 1000)
HAIR = 1e-6  # "a hair under the bar": the rate there equals its supremum over every accuracy under the bar
UNDER = (HAIR, 0.005, 0.01, 0.02, 0.05)  # how far under the bar the true accuracy sits
GOAL = 0.05  # the most false clears a 95% verdict may give (the one-sided tail of a 95% interval is 2.5%)
SHARED = 0.5  # intra-task correlation: the share of a trial's variance that is its task's difficulty


@dataclass(frozen=True)
class FalseClears:
    """How often a verdict says "clears" when the true accuracy ``p`` is under ``bar`` (one method, one point)."""

    method: str
    bar: float
    p: float
    tasks: int
    k: int
    rate: float
    runs: int  # simulated runs behind the figure (0: exact)

    @property
    def rate_high(self) -> float:
        """The rate's upper 95% bound: the rate itself when exact, plus twice its standard error when simulated."""
        if not self.runs:
            return self.rate
        return self.rate + 2 * math.sqrt(max(self.rate, 1 / self.runs) * (1 - self.rate) / self.runs)


def task_pmf(p: float, k: int, shared: float = SHARED) -> np.ndarray:
    """Chances of 0..k correct trials on one task: its difficulty is drawn once (Beta with mean ``p``) and shared
    by its trials, so trials of one task agree more than independent draws (intra-task correlation ``shared``)."""
    if k == 1 or shared <= 0:
        return binom.pmf(np.arange(k + 1), k, p)
    if shared >= 1:  # every trial of a task agrees
        return np.array([1 - p] + [0.0] * (k - 1) + [p])
    spread = (1 - shared) / shared
    return betabinom.pmf(np.arange(k + 1), k, p * spread, (1 - p) * spread)


def total_pmf(per_task: np.ndarray, tasks: int) -> np.ndarray:
    """Chances of each total of correct trials over ``tasks`` independent tasks (an n-fold convolution by FFT)."""
    size = tasks * (len(per_task) - 1) + 1
    pmf = np.fft.irfft(np.fft.rfft(per_task, size) ** tasks, size)
    pmf = np.clip(pmf, 0.0, None)  # FFT round-off leaves ~1e-17 negatives
    return pmf / pmf.sum()


def first_true(test, top: int) -> int:
    """The least count in 0..top for which the monotone ``test`` holds (top + 1 when none does)."""
    low, high = 0, top + 1
    while low < high:
        middle = (low + high) // 2
        if test(middle):
            high = middle
        else:
            low = middle + 1
    return low


def _per_task_counts(total: int, tasks: int, k: int) -> list[int]:
    """``total`` correct trials spread over ``tasks`` tasks of ``k`` trials (the interval reads only their sum)."""
    base, extra = divmod(total, tasks)
    return [base + 1] * extra + [base] * (tasks - extra) if k > 1 else []


@functools.cache
def ledger_threshold(method: str, tasks: int, k: int, bar: float, level: float, min_tasks: int) -> int:
    """The fewest correct trials (of tasks x k) on which the ledger's verdict says "clears".

    Asks the ledger's own functions: ``row_intervals`` (the interval over tasks where tasks repeat) and
    ``verdicts`` (with the minimum evidence)."""

    def clears(total: int) -> bool:
        counts = [_per_task_counts(total, tasks, k)] if k > 1 else [None]
        low, high, _ = stats.row_intervals(
            [total], [tasks * k], counts, [[k] * tasks] if k > 1 else [None], level, method
        )
        return verdicts.verdict(float(low[0]), float(high[0]), bar, tasks, min_tasks) == "clears"

    return first_true(clears, tasks * k)


def exact_false_clears(
    method: str,
    p: float,
    bar: float,
    tasks: int,
    k: int = 1,
    level: float = 0.95,
    min_tasks: int = 30,
    shared: float = SHARED,
) -> FalseClears:
    """The exact chance that the ledger says "clears" for a model of true accuracy ``p`` on ``tasks`` tasks of k
    trials (``method`` over tasks where k > 1)."""
    threshold = ledger_threshold(method, tasks, k, bar, level, min_tasks)
    rate = float(total_pmf(task_pmf(p, k, shared), tasks)[threshold:].sum())
    return FalseClears(f"{method} k={k}", bar, p, tasks, k, rate, 0)


@functools.cache
def _certify_thresholds(tasks: int, k: int, bar: float, look: int, looks: int, level: float, min_tasks: int):
    """(fewest correct trials certification settles as "clears", fewest it does not settle as "fails") at one
    look, asked of the rule certification applies (``verdicts.sequential_verdict``, evidence counted in tasks)."""

    def verdict(total: int) -> str:
        return verdicts.sequential_verdict(
            total / k, tasks, bar, look, min_tasks=min_tasks, level=level, max_looks=looks
        )

    clears = first_true(lambda total: verdict(total) == "clears", tasks * k)
    return clears, first_true(lambda total: verdict(total) != "fails", tasks * k)


def sequential_false_clears(
    p: float,
    bar: float,
    tasks: int,
    k: int = 1,
    level: float = 0.95,
    min_tasks: int = 30,
    round_tasks: int = 25,
    shared: float = SHARED,
) -> tuple[FalseClears, FalseClears]:
    """Exact chances that a certified run claims "clears" for a model of true accuracy ``p``: (certification settles
    it as clears at some look, the ledger's verdict (Wilson, its default) on what the run stored says clears).

    As ``run --certify`` plays it: rounds of ``round_tasks`` tasks (every trial of each), a settle check after each
    round with looks planned up front (tasks / round_tasks), and a settled model sent nothing more. A run that never
    settles stores every task, and the ledger decides on them; one that settles stops with fewer."""
    per_task = task_pmf(p, k, shared)
    looks = -(-tasks // round_tasks)
    alive = np.ones(1)  # chance of each total of correct trials among runs still unsettled
    certified = ledger = 0.0
    seen = 0
    for look in range(1, looks + 1):
        sent = min(round_tasks, tasks - seen)
        seen += sent
        alive = np.convolve(alive, total_pmf(per_task, sent))
        clears, not_fails = _certify_thresholds(seen, k, bar, look, looks, level, min_tasks)
        ledger_clears = ledger_threshold("wilson", seen, k, bar, level, min_tasks)
        totals = np.arange(alive.size)
        settled = (totals >= clears) | (totals < not_fails)
        certified += float(alive[clears:].sum())
        ledger += float(alive[settled & (totals >= ledger_clears)].sum())
        alive = np.where(settled, 0.0, alive)
    ledger += float(alive[ledger_threshold("wilson", tasks, k, bar, level, min_tasks) :].sum())
    return (
        FalseClears(f"certify k={k}", bar, p, tasks, k, certified, 0),
        FalseClears(f"ledger after certify k={k}", bar, p, tasks, k, ledger, 0),
    )


def judge_false_clears(
    p: float,
    bar: float,
    tasks: int,
    k: int = 3,
    runs: int = 1000,
    level: float = 0.95,
    min_tasks: int = 30,
    tpr: float = 0.9,
    tnr: float = 0.85,
    labels: int = 60,
    shared: float = SHARED,
    seed: int = 0,
) -> FalseClears:
    """Simulated chance that a judge-corrected verdict says "clears" for a model of true accuracy ``p``.

    Each of ``tasks`` tasks has k trials sharing its difficulty; an imperfect judge passes a right output with
    chance ``tpr`` and a wrong one with 1 - ``tnr``; people label ``labels`` right and ``labels`` wrong outputs to
    measure it. The judged evidence is counted in tasks (n = tasks, successes = the sum of each task's judged
    share), as the ledger counts it, and ``intervals.judge_corrected_accuracy`` gives the interval."""
    rng = np.random.default_rng([seed, tasks, k, round(bar * 1000)])
    judged, seen_tpr, seen_tnr = _judged_runs(rng, p, tasks, k, runs, tpr, tnr, labels, shared)
    cache: dict[tuple[int, int, int], bool] = {}
    false_clears = 0
    for total, a, b in zip(judged.tolist(), seen_tpr.tolist(), seen_tnr.tolist()):
        youden = (a + b) / labels - 1
        # the lower bound never exceeds the corrected estimate: under the bar there, no interval is needed
        if youden <= 0 or (total / (k * tasks) + b / labels - 1) / youden < bar:
            continue
        if (total, a, b) not in cache:
            _, low, high = stats.judge_corrected_accuracy(
                total / k, tasks, a / labels, b / labels, labels, labels, level
            )
            cache[(total, a, b)] = verdicts.verdict(low, high, bar, tasks, min_tasks) == "clears"
        false_clears += cache[(total, a, b)]
    return FalseClears(f"judge-corrected k={k}", bar, p, tasks, k, false_clears / runs, runs)


def _judged_runs(rng, p, tasks, k, runs, tpr, tnr, labels, shared) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per simulated run: the judge's passes over ``tasks`` tasks x ``k`` trials (trials share their task's
    difficulty by ``shared``), and the passes people's ``labels`` right and ``labels`` wrong outputs measured."""
    if k == 1 or shared <= 0:
        difficulty = np.full((runs, tasks), p)
    elif shared >= 1:
        difficulty = (rng.random((runs, tasks)) < p).astype(float)
    else:
        spread = (1 - shared) / shared
        difficulty = rng.beta(p * spread, (1 - p) * spread, size=(runs, tasks))
    right = rng.binomial(k, difficulty)
    judged = (rng.binomial(right, tpr) + rng.binomial(k - right, 1 - tnr)).sum(axis=1)
    return judged, rng.binomial(labels, tpr, runs), rng.binomial(labels, tnr, runs)


def claims_table(
    bars=BARS,
    task_counts=CLAIM_TASKS,
    under=UNDER,
    level: float = 0.95,
    min_tasks: int = 30,
    judge_runs: int = 1000,
    shared: float = SHARED,
) -> list[FalseClears]:
    """False clears of every way a verdict is reached, over bars, task counts and true accuracies under the bar:
    Wilson and Clopper-Pearson at k = 1, 3, 5 trials per task (over tasks where k > 1), sequential certification
    at k = 1 and 3 (what it settles, and what the ledger then says), and the judge-corrected interval at k = 3
    (simulated, at a hair under the bar only: its worst case)."""
    rows: list[FalseClears] = []
    for bar in bars:
        for tasks in task_counts:
            for gap in under:
                p = bar - gap
                for method in stats.METHODS:
                    rows += [exact_false_clears(method, p, bar, tasks, k, level, min_tasks, shared) for k in (1, 3, 5)]
                for k in (1, 3):
                    rows += sequential_false_clears(p, bar, tasks, k, level, min_tasks, shared=shared)
            rows.append(judge_false_clears(bar - HAIR, bar, tasks, 3, judge_runs, level, min_tasks, shared=shared))
    return rows


def every_task_count(
    method: str, bars=BARS, task_counts=range(30, 1001), level: float = 0.95, min_tasks: int = 30
) -> list[FalseClears]:
    """The worst false-clear rate at each bar over every task count (k = 1, a hair under the bar, exact):
    the rate swings with n as the binomial's lattice moves against the bar, so a few n can miss a bad one."""
    worst = []
    for bar in bars:
        rows = [exact_false_clears(method, bar - HAIR, bar, n, 1, level, min_tasks) for n in task_counts]
        worst.append(max(rows, key=lambda r: r.rate))
    return worst


def summarise_claims(rows: list[FalseClears]) -> dict[str, dict[int, dict]]:
    """Per method and task count: the worst rate over bars and accuracies under the bar, with where it occurs."""
    out: dict[str, dict[int, dict]] = {}
    for row in rows:
        cell = out.setdefault(row.method, {}).get(row.tasks)
        if cell is None or row.rate_high > cell["rate_high"]:
            out[row.method][row.tasks] = {
                "rate": row.rate,
                "rate_high": row.rate_high,
                "bar": row.bar,
                "p": row.p,
                "runs": row.runs,
            }
    return out
