"""Truth tests: every interval a verdict can use covers the true accuracy as often as docs/design.md promises.

Seeded and bounded: exact binomial coverage on the full grid, simulation on a coarser one (perf/coverage.py
prints the full table for the README)."""

from __future__ import annotations

import numpy as np
import pytest

from routeboard.decide import coverage
from routeboard.decide import intervals as stats

COARSE_P = (0.80, 0.85, 0.90, 0.95, 0.99)


@pytest.mark.parametrize("tasks", coverage.TASK_COUNTS)
def test_clopper_pearson_never_covers_below_nominal(tasks):
    worst = min(coverage.binomial_coverage("clopper-pearson", p, tasks).coverage for p in coverage.P_GRID)
    assert worst >= 0.95


@pytest.mark.parametrize("tasks", coverage.TASK_COUNTS)
def test_wilson_is_nominal_on_average(tasks):
    values = [coverage.binomial_coverage("wilson", p, tasks).coverage for p in coverage.P_GRID]
    assert np.mean(values) >= 0.94


@pytest.mark.parametrize("k", [1, 3, 5])
def test_interval_over_tasks_covers_with_repeated_trials(k):
    values = [
        coverage.cluster_coverage(p, n, k, runs=150, seed=i).coverage
        for i, p in enumerate(COARSE_P)
        for n in coverage.TASK_COUNTS
    ]
    assert np.mean(values) >= 0.94, values


def test_judge_corrected_interval_covers():
    values = [
        coverage.judge_coverage(p, n, runs=150, seed=i).coverage for i, p in enumerate(COARSE_P) for n in (30, 100, 300)
    ]
    assert np.mean(values) >= 0.94, values


@pytest.mark.parametrize("k", [1, 3])
def test_sequential_bound_holds_at_every_look(k):
    values = [
        coverage.sequential_coverage(p, n, k, runs=150, seed=i).coverage
        for i, p in enumerate(COARSE_P)
        for n in (30, 100, 300)
    ]
    assert np.mean(values) >= 0.94, values


def test_ten_tasks_all_correct_never_give_a_zero_width_interval():
    # 10 tasks x 3 trials, all correct: the evidence is 10 tasks, so Wilson 10/10 (lower bound 0.72)
    mean, low, high = stats.cluster_interval([3] * 10, [3] * 10)
    assert mean == 1.0 and high == 1.0
    assert low == pytest.approx(stats.wilson_interval(10, 10)[0]) == pytest.approx(0.7225, abs=1e-4)
