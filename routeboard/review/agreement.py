"""Agreement between reviewers (docs/design.md, "Acceptance by people"): Cohen's kappa over the items two people
reviewed, and the items they judged differently, for a third look.

Kappa is agreement beyond what chance would give with each reviewer's own rates: 1 is perfect, 0 is chance.
It is undefined when both reviewers gave one and the same verdict to every item (chance already explains all
of it); that is said in words, never shown as 0 or NaN."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

import duckdb
import pandas as pd

from routeboard.store.review_stats import review_pairs

# what agreement is about: would this output go out (accepted, or accepted after an edit) or not
_ACCEPTS = {"accepted": True, "edited": True, "rejected": False}


@dataclass(frozen=True)
class Kappa:
    """Cohen's kappa, or None with the reason it cannot be measured."""

    value: float | None
    reason: str | None = None


@dataclass(frozen=True)
class Agreement:
    """A suite's agreement: kappa over ``n_pairs`` doubly reviewed items, and the items judged differently."""

    kappa: float | None
    n_pairs: int
    disagreements: pd.DataFrame
    reason: str | None = None  # why kappa is None


def cohen_kappa(pairs: Iterable[tuple[Hashable, Hashable]]) -> Kappa:
    """Cohen's kappa of two raters' labels, one (first, second) pair per item."""
    pairs = list(pairs)
    n = len(pairs)
    if not n:
        return Kappa(None, "no item has two reviews yet")
    observed = sum(a == b for a, b in pairs) / n
    first, second = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    chance = sum(first[label] * second[label] for label in first) / (n * n)
    if chance >= 1:
        label = next(iter(first))
        return Kappa(None, f"both reviewers said {label} to all {n} items: agreement beyond chance is unmeasurable")
    return Kappa((observed - chance) / (1 - chance))


def agreement(con: duckdb.DuckDBPyConnection, suite_id: str) -> Agreement:
    """Kappa of the first and second review over a suite's doubly reviewed items (accept vs reject; an edit
    accepts), and the items where one reviewer let the output go out and the other did not."""
    pairs = review_pairs(con, suite_id)
    accepts = pd.DataFrame(
        {"first": pairs["first_verdict"].map(_ACCEPTS), "second": pairs["second_verdict"].map(_ACCEPTS)}
    )
    labels = [("accepted" if a else "rejected", "accepted" if b else "rejected") for a, b in accepts.itertuples(False)]
    kappa = cohen_kappa(labels)
    differ = pairs[accepts["first"] != accepts["second"]].reset_index(drop=True)
    return Agreement(kappa.value, len(pairs), differ, kappa.reason)
