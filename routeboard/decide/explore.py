"""What an analyst explores on the Frontier: the category to open on, and two models compared on the same tasks.

Pure: frames in, a named result out (the page reads the per-task results from routeboard.store.facts.task_results).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

# a paired difference's interval: the normal one over tasks, at 95%
_Z = 1.959963984540054


def most_priced_category(led: pd.DataFrame) -> str | None:
    """The category with the most models whose cost is known (single models, not simulated cascades): where the
    frontier has the most to show. Ties go to the first by name; None for an empty ledger."""
    if led.empty:
        return None
    singles = led[led["tier"] != "cascade"]
    known = singles["cpat_usd"].notna() if "cost_unknown" not in singles else singles["cost_unknown"].isna()
    counts = singles.assign(priced=known.astype(int)).groupby("category")["priced"].sum()
    if counts.empty:
        return sorted(led["category"].unique())[0]
    return sorted(counts.index, key=lambda c: (-counts[c], c))[0]


@dataclass(frozen=True)
class Paired:
    """Two models on the tasks both answered (per task, each model's share of correct trials).

    ``first_better``: tasks where the first had more trials right (with one trial a task: right where the second
    was wrong); ``both_right`` / ``both_wrong``: every trial of both right / wrong. ``difference`` is the first's
    accuracy minus the second's on these tasks, with its 95% interval over tasks (``low``, ``high``; None below two
    tasks). ``tasks`` lists the tasks where they differ: suite, task_id, and each model's share."""

    first: str
    second: str
    shared: int
    first_only: int
    second_only: int
    first_accuracy: float | None
    second_accuracy: float | None
    first_better: int
    second_better: int
    both_right: int
    both_wrong: int
    same_share: int
    difference: float | None
    low: float | None
    high: float | None
    tasks: pd.DataFrame


def paired(results: pd.DataFrame, first: str, second: str) -> Paired:
    """``first`` against ``second`` on the same tasks, from per-task results (model_id, suite, task_id,
    correct_share)."""
    shares = results.pivot_table(index=["suite", "task_id"], columns="model_id", values="correct_share")
    shares = shares.reindex(columns=[first, second])  # a model with no result here: every task unknown
    both = shares[first].notna() & shares[second].notna()
    a, b = shares.loc[both, first], shares.loc[both, second]
    diff = a - b
    n = len(diff)
    spread = _interval(diff)
    differing = pd.DataFrame({"first": a[diff != 0], "second": b[diff != 0]}).reset_index()
    return Paired(
        first=first,
        second=second,
        shared=n,
        first_only=int((shares[first].notna() & ~both).sum()),
        second_only=int((shares[second].notna() & ~both).sum()),
        first_accuracy=float(a.mean()) if n else None,
        second_accuracy=float(b.mean()) if n else None,
        first_better=int((diff > 0).sum()),
        second_better=int((diff < 0).sum()),
        both_right=int(((a == 1) & (b == 1)).sum()),
        both_wrong=int(((a == 0) & (b == 0)).sum()),
        same_share=int((diff == 0).sum()),
        difference=float(diff.mean()) if n else None,
        low=spread[0],
        high=spread[1],
        tasks=differing,
    )


def _interval(diff: pd.Series) -> tuple[float | None, float | None]:
    """The mean paired difference's 95% interval over tasks (normal; each task counts once)."""
    n = len(diff)
    if n < 2:
        return None, None
    half = _Z * float(diff.std(ddof=1)) / math.sqrt(n)
    mean = float(diff.mean())
    return max(-1.0, mean - half), min(1.0, mean + half)
