"""Interval maths behind "reliably clears the bar": confidence bounds over trials or tasks, anytime-valid bounds
for sequential certification, and the judge-corrected accuracy.

Pure functions over counts and boolean matrices (numpy; scipy for exact bounds), so the ledger, the CLI and tests
share them. What the bounds mean (clears, fails, undecided, tasks that would settle it) is ``verdicts``.
Accuracies are shares in [0, 1]; ``n`` counts tasks (or trials), ``successes`` the correct ones.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

METHODS = ("wilson", "clopper-pearson")

# Judge correction: fixed draws and seed so the same counts always give the same interval.
_JUDGE_DRAWS = 20_000
_JUDGE_SEED = 0


def _check_level(level: float) -> None:
    if not 0.0 < level < 1.0:
        raise ValueError(f"confidence level must be between 0 and 1 (exclusive), got {level}")


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise ValueError(f"unknown interval method {method!r}; use one of: {', '.join(METHODS)}")


def _wilson(k: np.ndarray, n: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score bounds, written as scipy writes them (Newcombe 1998) so the numbers agree with it."""
    # the standard library's normal quantile: within an ulp of scipy's ndtri, and no scipy import (0.2-0.5 s) on
    # the first page
    z = NormalDist().inv_cdf(0.5 + 0.5 * level)
    p = k / n
    q = 1 - p
    denom = 2 * (n + z**2)
    center = (2 * n * p + z**2) / denom
    delta = z / denom * np.sqrt(4 * n * p * q + z**2)
    return np.where(k == 0, 0.0, center - delta), np.where(k == n, 1.0, center + delta)


def _clopper_pearson(k: np.ndarray, n: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact bounds as beta quantiles (one vectorised call instead of a root search per row)."""
    # scipy.special, not scipy.stats (a second less), and only when exact bounds are asked for
    from scipy.special import betaincinv

    tail = (1 - level) / 2
    # Placeholder shape 1 where a bound is fixed at 0 or 1, so the inverse beta never sees an invalid shape.
    low = betaincinv(np.where(k > 0, k, 1), n - k + 1, tail)
    high = betaincinv(k + 1, np.where(n - k > 0, n - k, 1), 1 - tail)
    return np.where(k == 0, 0.0, low), np.where(k == n, 1.0, high)


def intervals(
    successes: np.ndarray, n: np.ndarray, level: float = 0.95, method: str = "wilson"
) -> tuple[np.ndarray, np.ndarray]:
    """Confidence bounds (low, high) for many (successes, n) rows at once; rows with n == 0 get (0, 1)."""
    _check_level(level)
    _check_method(method)
    k, n = np.broadcast_arrays(np.asarray(successes, dtype=float), np.asarray(n, dtype=float))
    if np.any((k < 0) | (k > n)):
        raise ValueError("successes must lie between 0 and n on every row")
    empty = n == 0
    safe_n = np.where(empty, 1.0, n)  # any positive n; these rows are overwritten below
    bounds = _wilson if method == "wilson" else _clopper_pearson
    low, high = bounds(np.where(empty, 0.0, k), safe_n, level)
    return np.where(empty, 0.0, low), np.where(empty, 1.0, high)


def interval(successes: int, n: int, level: float = 0.95, method: str = "wilson") -> tuple[float, float]:
    """Confidence bounds (low, high) for one accuracy; the same numbers as scipy's binomtest().proportion_ci."""
    low, high = intervals(successes, n, level, method)
    return float(low), float(high)


def wilson_interval(successes: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval: nominal coverage on average, the default for verdicts."""
    return interval(successes, n, level, "wilson")


def clopper_pearson_interval(successes: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Clopper-Pearson (exact) interval: never below nominal coverage, the conservative choice for high risk."""
    return interval(successes, n, level, "clopper-pearson")


def _trial_matrix(correct: np.ndarray) -> np.ndarray:
    """A tasks x k boolean matrix (a 1-D array is one trial per task)."""
    matrix = np.asarray(correct, dtype=bool)
    if matrix.ndim == 1:
        matrix = matrix[:, None]
    if matrix.ndim != 2 or matrix.size == 0:
        raise ValueError("correct must be a non-empty tasks x trials matrix")
    return matrix


def cluster_interval(
    task_correct, task_trials, level: float = 0.95, method: str = "wilson"
) -> tuple[float, float, float]:
    """pass@1 with an interval over tasks, for k trials per task (even or not): (mean, low, high).

    k trials of one task are not k samples: the interval is ``method`` over the tasks, each counted once at its
    share of correct trials (a share in [0, 1] varies at most as a coin flip does, so this never claims more
    evidence than the tasks hold). Ten tasks x 3 trials all correct is Wilson 10/10: a lower bound of 0.72.

    A bootstrap estimate of the design effect (an effective size between tasks and trials) was used before and
    dropped: all-correct data cannot show that trials are independent, so it had to fall back to one per task
    there, and then one more correct trial could lower the bound (30 tasks x 3 with one miss: 0.94; with none:
    0.89). Counting tasks is monotone, matches sequential certification, and covers at the nominal rate
    (routeboard/decide/coverage.py); its price is a wider interval when a model's trials really are independent.
    """
    _check_level(level)
    _check_method(method)
    correct = np.asarray(task_correct, dtype=float)
    trials = np.asarray(task_trials, dtype=float)
    if (
        correct.ndim != 1
        or correct.size == 0
        or correct.shape != trials.shape
        or np.any(trials < 1)
        or np.any((correct < 0) | (correct > trials))
    ):
        raise ValueError("need one (correct, trials) pair per task, with 0 <= correct <= trials and trials >= 1")
    mean = float(correct.sum() / trials.sum())
    low, high = intervals(mean * correct.size, correct.size, level, method)
    return mean, float(low), float(high)


def row_intervals(
    correct, trials, task_correct, task_trials, level: float = 0.95, method: str = "wilson"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(low, high, kind) for ledger rows: ``method`` on trials where each task ran once, the cluster interval over
    tasks where a row's tasks ran more than once (``task_correct`` / ``task_trials`` hold its per-task counts)."""
    low, high = intervals(correct, trials, level, method)
    kind = np.full(len(low), method, dtype=object)
    for i, (per_task, k) in enumerate(zip(task_correct, task_trials)):
        if per_task is None or k is None or (isinstance(per_task, float) and np.isnan(per_task)):
            continue
        _, low[i], high[i] = cluster_interval(per_task, k, level, method)
        kind[i] = f"{method} over tasks"
    return low, high, kind


def pass_hat_k(correct: np.ndarray) -> float:
    """pass^k: the share of tasks whose k trials are all correct (consistency, not average accuracy)."""
    return float(_trial_matrix(correct).all(axis=1).mean())


def anytime_interval(
    successes: int, n: int, level: float = 0.95, look: int = 1, max_looks: int = 20
) -> tuple[float, float]:
    """Bounds that stay valid when the same model is checked after every round: Clopper-Pearson at alpha / max_looks.

    Bonferroni over a fixed budget of looks holds for any stopping rule (the chance that some look excludes the
    true accuracy is at most the sum of the per-look alphas), needs no independence between looks, and keeps the
    exact interval's never-below-nominal coverage. It was chosen by simulation (perf/certify_savings.py setup:
    400 models, 20 rounds of 25 tasks, bar 0.90) over the alternatives, which all spent more tasks to agree less
    often with the full run: alpha_t = 6 alpha / (pi^2 t^2) (31% of calls saved vs 36%), harmonic spending
    (35%) and the beta-binomial mixture confidence sequence (32%). Its cost: the guarantee covers at most
    max_looks looks, so plan them up front (rounds = tasks per model / round size).
    """
    _check_level(level)
    if not 1 <= look <= max_looks:
        raise ValueError(
            f"look must be between 1 and max_looks ({max_looks}), got {look}; "
            "raise max_looks before the run starts, not during it"
        )
    per_look_level = 1 - (1 - level) / max_looks
    return interval(successes, n, per_look_level, "clopper-pearson")


def _rate_draws(rng: np.random.Generator, rate: float, count: int) -> np.ndarray:
    """Plausible true rates given an observed rate over count items: Jeffreys Beta(x + 1/2, count - x + 1/2)."""
    hits = rate * count
    return rng.beta(hits + 0.5, count - hits + 0.5, size=_JUDGE_DRAWS)


def judge_corrected_accuracy(
    judged_pass: float, n: int, tpr: float, tnr: float, tpr_n: int, tnr_n: int, level: float = 0.95
) -> tuple[float, float, float]:
    """Accuracy behind an imperfect LLM judge: (corrected p, low, high) by Rogan-Gladen.

    tpr is the judge's pass rate on tpr_n truly correct calibration outputs, tnr its fail rate on tnr_n truly
    wrong ones. The interval comes from a seeded parametric bootstrap drawing the judged pass rate, tpr and tnr
    from their Jeffreys Beta distributions, so it widens for a small calibration set and stays sensible at rates
    of 0 or 1, where the delta method's variance collapses to zero.
    """
    _check_level(level)
    if n <= 0 or not 0 <= judged_pass <= n:
        raise ValueError(f"need 0 <= judged_pass <= n and n > 0, got {judged_pass} of {n}")
    if tpr_n <= 0 or tnr_n <= 0 or not (0 <= tpr <= 1 and 0 <= tnr <= 1):
        raise ValueError("tpr and tnr must be shares in [0, 1] measured on tpr_n, tnr_n > 0 calibration outputs")
    youden = tpr + tnr - 1
    if youden <= 0:
        raise ValueError(
            f"the judge is no better than chance (tpr + tnr = {tpr + tnr:.3f} <= 1); "
            "its verdicts cannot be corrected, so calibrate or replace the judge"
        )
    corrected = float(np.clip((judged_pass / n + tnr - 1) / youden, 0, 1))
    rng = np.random.default_rng(_JUDGE_SEED)
    q, tpr_d, tnr_d = (_rate_draws(rng, judged_pass / n, n), _rate_draws(rng, tpr, tpr_n), _rate_draws(rng, tnr, tnr_n))
    youden_d = tpr_d + tnr_d - 1
    # Condition on a judge better than chance, as the point estimate does; such draws are rare for a useful judge.
    keep = youden_d > 0
    draws = np.clip((q[keep] + tnr_d[keep] - 1) / youden_d[keep], 0, 1)
    low, high = np.quantile(draws, [(1 - level) / 2, (1 + level) / 2])
    return corrected, float(min(low, corrected)), float(max(high, corrected))


def nnls_few(a, b) -> tuple[np.ndarray, float]:
    """Non-negative least squares for a few columns, as scipy.optimize.nnls returns it: (x >= 0, residual norm).

    Exact: the optimum is the plain least-squares fit on some set of columns with every coefficient positive, so
    every set is tried and the closest such fit kept (2^k - 1 fits, for k <= 4 columns). In numpy alone, because
    importing scipy.optimize takes a second the Run page's estimate would spend on its first visit."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    k = a.shape[1]
    if k > 4:
        raise ValueError(f"nnls_few tries every set of columns: use it for 4 or fewer, got {k}")
    best, best_norm = np.zeros(k), float(np.linalg.norm(b))
    for mask in range(1, 2**k):
        columns = [j for j in range(k) if mask >> j & 1]
        fit, *_ = np.linalg.lstsq(a[:, columns], b, rcond=None)
        if np.any(fit <= 0):
            continue
        x = np.zeros(k)
        x[columns] = fit
        norm = float(np.linalg.norm(a @ x - b))
        if norm < best_norm:
            best, best_norm = x, norm
    return best, best_norm
