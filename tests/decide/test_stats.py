"""Intervals match scipy and cover the true accuracy as docs/design.md claims (verdicts: test_verdicts.py)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binom, binomtest

from routeboard.decide.intervals import (
    anytime_interval,
    clopper_pearson_interval,
    cluster_interval,
    interval,
    intervals,
    judge_corrected_accuracy,
    pass_hat_k,
    wilson_interval,
)

LEVELS = [0.8, 0.9, 0.95, 0.99]
SIZES = [50, 100, 200, 500, 1000, 2000]
COARSE_P = np.round(np.arange(0.80, 0.99 + 1e-9, 0.01), 2)
FINE_P = np.round(np.arange(0.800, 0.990 + 1e-9, 0.001), 3)  # the grid the Wilson figures in docs/design.md come from


@st.composite
def counts(draw):
    n = draw(st.integers(1, 2000))
    return draw(st.integers(0, n)), n, draw(st.sampled_from(LEVELS))


@settings(max_examples=300, deadline=None)
@given(counts())
def test_intervals_equal_scipy(case):
    k, n, level = case
    result = binomtest(k, n)
    assert wilson_interval(k, n, level) == pytest.approx(
        tuple(result.proportion_ci(confidence_level=level, method="wilson")), abs=1e-12
    )
    # scipy finds exact bounds with brentq (xtol 2e-12); ours are beta quantiles, so they agree to solver precision.
    assert clopper_pearson_interval(k, n, level) == pytest.approx(
        tuple(result.proportion_ci(confidence_level=level, method="exact")), abs=1e-9
    )


def test_array_version_matches_rows_and_handles_empty():
    rng = np.random.default_rng(3)
    n = rng.integers(0, 300, 200)
    k = rng.binomial(n, 0.9)
    for method in ("wilson", "clopper-pearson"):
        low, high = intervals(k, n, 0.9, method)
        rows = np.array([interval(int(a), int(b), 0.9, method) for a, b in zip(k, n)])
        np.testing.assert_allclose(np.column_stack([low, high]), rows, rtol=0, atol=1e-15)
        assert (low[n == 0] == 0).all() and (high[n == 0] == 1).all()
    assert interval(0, 0) == (0.0, 1.0)


def test_unknown_method_names_the_allowed_ones():
    with pytest.raises(ValueError, match="wilson, clopper-pearson"):
        interval(5, 10, method="wald")


def _coverage(n: int, p: float, method: str) -> float:
    """Exact coverage: the binomial probability of every outcome whose interval contains p."""
    k = np.arange(n + 1)
    low, high = intervals(k, np.full(n + 1, n), 0.95, method)
    return float(binom.pmf(k, n, p)[(low <= p) & (p <= high)].sum())


def _coverage_grid(grid, method):
    return {(n, float(p)): _coverage(n, p, method) for n in SIZES for p in grid}


def test_clopper_pearson_never_below_nominal():
    for grid in (COARSE_P, FINE_P):
        worst = min(_coverage_grid(grid, "clopper-pearson").values())
        assert 0.95 <= worst < 0.951  # the design notes: min 0.950


def test_wilson_nominal_on_average_but_dips_pointwise():
    coarse = _coverage_grid(COARSE_P, "wilson")
    assert np.mean(list(coarse.values())) == pytest.approx(0.9507, abs=5e-4)
    assert min(coarse, key=coarse.get) == (50, 0.99) and min(coarse.values()) == pytest.approx(0.9106, abs=5e-4)
    fine = _coverage_grid(FINE_P, "wilson")  # the design notes' figures
    assert np.mean(list(fine.values())) == pytest.approx(0.9515, abs=5e-4)
    assert min(fine, key=fine.get) == (50, 0.989) and min(fine.values()) == pytest.approx(0.895, abs=5e-4)


def _sequence_coverage(p: float, bounds, looks=20, tasks_per_look=25, sequences=2000, seed=7) -> float:
    """Share of simulated runs in which the bound contains p at every one of its looks."""
    outcomes = np.random.default_rng(seed).random((sequences, looks * tasks_per_look)) < p
    successes = outcomes.reshape(sequences, looks, tasks_per_look).sum(axis=2).cumsum(axis=1)
    covered = np.ones(sequences, dtype=bool)
    for look in range(1, looks + 1):
        n = look * tasks_per_look
        inside = {k: bounds(k, n, look)[0] <= p <= bounds(k, n, look)[1] for k in np.unique(successes[:, look - 1])}
        covered &= np.array([inside[k] for k in successes[:, look - 1]])
    return float(covered.mean())


@pytest.mark.parametrize("p", [0.80, 0.90, 0.95, 0.99])
def test_anytime_interval_holds_over_repeated_looks(p):
    anytime = lru_cache(None)(lambda k, n, look: anytime_interval(int(k), n, 0.95, look, 20))
    assert _sequence_coverage(p, anytime) >= 0.95


def test_peeking_with_a_fixed_interval_breaks_coverage():
    """Why certification needs the anytime bound: checking a 95% Wilson interval every round overclaims."""
    fixed = lru_cache(None)(lambda k, n, look: wilson_interval(int(k), n))
    assert _sequence_coverage(0.90, fixed) < 0.90


def test_anytime_look_budget_is_enforced():
    with pytest.raises(ValueError, match="max_looks"):
        anytime_interval(20, 25, look=21, max_looks=20)


def test_interval_over_tasks_counts_tasks_not_trials_when_trials_agree():
    tasks, trials = 200, 5
    task_correct = np.random.default_rng(2).random(tasks) < 0.9
    correct = np.repeat(task_correct[:, None], trials, axis=1)  # every trial repeats its task's outcome
    mean, low, high = cluster_interval(correct.sum(axis=1), np.full(tasks, trials))
    naive_low, naive_high = wilson_interval(int(correct.sum()), correct.size)
    assert mean == pytest.approx(task_correct.mean())
    assert high - low > 2 * (naive_high - naive_low)  # sqrt(5) ~ 2.2 times wider
    assert (low, high) == pytest.approx(wilson_interval(int(task_correct.sum()), tasks))


def test_perfect_repeated_runs_count_each_task_once():
    mean, low, high = cluster_interval([3] * 30, [3] * 30)
    assert mean == 1.0 and low == pytest.approx(wilson_interval(30, 30)[0])  # 30 tasks, not 90 trials


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 5), st.integers(1, 5)), min_size=1, max_size=60),
    st.sampled_from(["wilson", "clopper-pearson"]),
)
def test_one_more_correct_trial_never_lowers_the_lower_bound(tasks, method):
    correct = [min(c, k) for c, k in tasks]
    trials = [k for _, k in tasks]
    _, low, _ = cluster_interval(correct, trials, method=method)
    for i, (c, k) in enumerate(zip(correct, trials)):
        if c < k:
            better = correct[:i] + [c + 1] + correct[i + 1 :]
            assert cluster_interval(better, trials, method=method)[1] >= low - 1e-12


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    st.sampled_from(["wilson", "clopper-pearson"]),
)
def test_one_more_correct_answer_never_lowers_the_lower_bound(case, method):
    k, n = case
    low = interval(k, n, method=method)[0]
    assert interval(k + 1, n + 1, method=method)[0] >= low - 1e-12  # one more task, answered right
    if k < n:
        assert interval(k + 1, n, method=method)[0] >= low - 1e-12  # one wrong answer turned right


def test_pass_hat_k_counts_tasks_with_every_trial_correct():
    correct = np.array([[1, 1, 1], [1, 0, 1], [1, 1, 1], [0, 0, 0]], dtype=bool)
    assert pass_hat_k(correct) == 0.5
    assert cluster_interval(correct.sum(axis=1), [3] * 4)[0] == pytest.approx(8 / 12)  # pass@1: 8 of 12 trials


def _judge_run(rng, p, tpr, tnr, n, correct_n, wrong_n):
    """One benchmark graded by a noisy judge, plus a gold-labelled calibration set for its error rates."""
    truth = rng.random(n) < p
    judged_pass = int(np.where(truth, rng.random(n) < tpr, rng.random(n) >= tnr).sum())
    tpr_seen = float((rng.random(correct_n) < tpr).mean())
    tnr_seen = float((rng.random(wrong_n) < tnr).mean())
    return judge_corrected_accuracy(judged_pass, n, tpr_seen, tnr_seen, correct_n, wrong_n)


def test_judge_correction_covers_the_true_accuracy():
    rng = np.random.default_rng(11)
    true_p = 0.92
    runs = [_judge_run(rng, true_p, 0.95, 0.85, 500, 200, 100) for _ in range(1000)]
    # the bar: the corrected interval holds the true accuracy in at least the nominal share of runs
    assert np.mean([low <= true_p <= high for _, low, high in runs]) >= 0.95
    assert np.mean([p for p, _, _ in runs]) == pytest.approx(true_p, abs=0.01)  # raw judged rate is ~0.886


def test_judge_correction_cases():
    assert judge_corrected_accuracy(450, 500, 1.0, 1.0, 200, 100)[0] == pytest.approx(0.9)  # perfect judge
    small = judge_corrected_accuracy(450, 500, 0.95, 0.85, 40, 20)
    large = judge_corrected_accuracy(450, 500, 0.95, 0.85, 2000, 1000)
    assert small[2] - small[1] > large[2] - large[1] > wilson_interval(450, 500)[1] - wilson_interval(450, 500)[0]
    with pytest.raises(ValueError, match="no better than chance"):
        judge_corrected_accuracy(450, 500, 0.6, 0.4, 100, 100)


def test_wilson_verdicts_load_no_scipy_and_match_it():
    """The first page's intervals cost no scipy import (0.2-0.5 s); the numbers are scipy's to 1e-15."""
    import json
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = """
import json, sys
from routeboard.decide.intervals import wilson_interval
print(json.dumps({"bounds": wilson_interval(180, 200, 0.95), "scipy": "scipy" in sys.modules}))
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["scipy"] is False
    expected = binomtest(180, 200).proportion_ci(confidence_level=0.95, method="wilson")
    assert seen["bounds"] == pytest.approx([expected.low, expected.high], abs=1e-15)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 3), st.integers(3, 40))
def test_nnls_few_finds_scipys_fit(seed, columns, rows):
    """The estimate's speed fit (latency = a x input + b x output + c) gets scipy's coefficients without scipy."""
    from scipy.optimize import nnls

    from routeboard.decide.intervals import nnls_few

    rng = np.random.default_rng(seed)
    a = rng.uniform(0, 2000, (rows, columns))
    if columns == 3:
        a[:, 2] = 1.0
    b = a @ rng.uniform(-2, 5, columns) + rng.normal(0, 50, rows)
    expected, expected_norm = nnls(a, b)
    x, norm = nnls_few(a, b)
    assert (x >= 0).all() and norm == pytest.approx(expected_norm, rel=1e-9, abs=1e-12 * np.linalg.norm(b))
    np.testing.assert_allclose(x, expected, rtol=1e-6, atol=1e-9)
