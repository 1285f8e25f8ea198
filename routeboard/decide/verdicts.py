"""The one verdict-and-settle rule (docs/design.md, "Deciding"): clears, fails or undecided, and for an undecided
verdict how many more independent tasks would likely settle it, which way, and whether the suites can still give them.

The ledger and routes, the review queue, sequential certification and the suite-size warning all call it, at the
decision's level and interval method and the suite's ``min_tasks`` (``constraints.effective``). Evidence is counted
in independent tasks: ``successes`` is the sum of each task's share of correct trials, ``tasks`` the tasks seen.
Interval maths lives in ``intervals``; this module only says what the bounds mean.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from routeboard.decide.intervals import anytime_interval, intervals

DEFAULT_LEVEL = 0.95
DEFAULT_METHOD = "wilson"
VERDICTS = ("clears", "fails", "undecided")
# The furthest "tasks needed" looks: past it a verdict is called one that no likely number of tasks settles.
MAX_TASKS_NEEDED = 100_000


def _rule(low, high, bar, tasks, min_tasks) -> tuple[np.ndarray, np.ndarray]:
    """(clears, fails) as boolean arrays: the rule itself, which ``verdicts`` names and ``settle`` searches with."""
    fails = high < bar  # whatever the evidence: failing needs no minimum
    return (low >= bar) & (tasks >= min_tasks) & ~fails, fails


def verdicts(low, high, bar, tasks, min_tasks) -> np.ndarray:
    """The rule: 'fails' when the upper bound is under the bar (whatever the evidence: failing needs no minimum);
    'clears' when the lower bound reaches the bar on at least ``min_tasks`` independent tasks; else 'undecided'."""
    clears, fails = _rule(*(np.asarray(x, dtype=float) for x in (low, high, bar, tasks, min_tasks)))
    return np.where(fails, "fails", np.where(clears, "clears", "undecided")).astype(object)


def verdict(low: float, high: float, bar: float, tasks: int, min_tasks: int) -> str:
    """``verdicts`` for one row."""
    return str(verdicts([low], [high], [bar], [tasks], [min_tasks])[0])


class Settling(NamedTuple):
    """Per row: the verdict, and for an undecided one how it would likely settle if the observed accuracy held.

    ``tasks_to_settle``: more independent tasks that would likely settle it (NaN when settled, or when no number up
    to MAX_TASKS_NEEDED would: an accuracy at the bar); ``settles_as``: 'clears' or 'fails' at that many (None when
    settled, unreachable, or nothing is known yet); ``tasks_needed``: ``tasks_to_settle`` where the suites can still
    give that many tasks (``available``; unknown availability bounds nothing), else NaN."""

    verdict: np.ndarray
    tasks_to_settle: np.ndarray
    settles_as: np.ndarray
    tasks_needed: np.ndarray


def settle(
    successes,
    tasks,
    bar,
    *,
    min_tasks,
    level: float = DEFAULT_LEVEL,
    method: str = DEFAULT_METHOD,
    available=None,
    verdict=None,
    max_tasks: int = MAX_TASKS_NEEDED,
) -> Settling:
    """Verdicts and what would settle the undecided ones, for many rows at once.

    ``verdict`` may be given when the caller's interval is not the plain one (over tasks, judge-corrected); the
    tasks that would settle it are then projected with ``method``'s interval at the observed accuracy. A binary
    search over all undecided rows at once (intervals narrow as tasks grow): thousands of rows take milliseconds."""
    successes, tasks, bar, min_tasks = np.broadcast_arrays(
        *(np.atleast_1d(np.asarray(x, dtype=float)) for x in (successes, tasks, bar, min_tasks))
    )
    accuracy = np.divide(successes, tasks, out=np.zeros_like(tasks), where=tasks > 0)
    if verdict is None:
        low, high = intervals(successes, tasks, level, method)
        verdict = verdicts(low, high, bar, tasks, min_tasks)
    verdict = np.asarray(verdict, dtype=object)
    to_settle = np.full(len(tasks), np.nan)
    settles_as = np.full(len(tasks), None, dtype=object)
    undecided = verdict == "undecided"
    # nothing seen: no direction yet, and at least min_tasks before it could clear
    unseen = undecided & (tasks == 0)
    to_settle[unseen] = min_tasks[unseen]
    rows = np.flatnonzero(undecided & (tasks > 0))
    p, n, b, least = accuracy[rows], tasks[rows], bar[rows], min_tasks[rows]

    def projected(extra: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        total = n + extra
        low, high = intervals(p * total, total, level, method)
        return _rule(low, high, b, total, least)

    reachable = np.logical_or(*projected(np.full(len(rows), float(max_tasks))))
    fewest, most = np.ones(len(rows)), np.full(len(rows), float(max_tasks))  # invariant: n + most settles it
    while np.any(reachable & (fewest < most)):
        middle = np.floor((fewest + most) / 2)
        settled = np.logical_or(*projected(middle))
        most = np.where(settled, middle, most)
        fewest = np.where(settled, fewest, middle + 1)
    to_settle[rows[reachable]] = most[reachable]
    settles_as[rows[reachable]] = np.where(projected(most)[0], "clears", "fails")[reachable]
    if available is None:
        within = np.ones(len(tasks), dtype=bool)
    else:
        left = np.broadcast_to(np.asarray(available, dtype=float), tasks.shape)
        within = np.isnan(left) | (to_settle <= left)  # an unknown supply bounds nothing
    return Settling(verdict, to_settle, settles_as, np.where(within, to_settle, np.nan))


def sequential_verdict(
    successes: float,
    tasks: int,
    bar: float,
    look: int,
    *,
    min_tasks: int,
    level: float = DEFAULT_LEVEL,
    max_looks: int = 20,
) -> str:
    """The rule at one look of a sequential run, on the anytime-valid bound (``intervals.anytime_interval``); once
    it is not 'undecided' the model needs no more tasks."""
    low, high = anytime_interval(successes, tasks, level, look, max_looks)
    return verdict(low, high, bar, tasks, min_tasks)


def tasks_to_clear(
    bar: float,
    *,
    min_tasks: int,
    level: float = DEFAULT_LEVEL,
    method: str = DEFAULT_METHOD,
    max_tasks: int = MAX_TASKS_NEEDED,
) -> int | None:
    """The fewest tasks on which a model that gets every one right clears ``bar`` by the rule (its lower bound
    reaches the bar and it has ``min_tasks``); None when no number up to ``max_tasks`` does (a bar of 1)."""
    if verdict(*intervals(max_tasks, max_tasks, level, method), bar, max_tasks, min_tasks) != "clears":
        return None
    fewest, most = 1, max_tasks  # the lower bound of n of n rises with n: a binary search
    while fewest < most:
        middle = (fewest + most) // 2
        if verdict(*intervals(middle, middle, level, method), bar, middle, min_tasks) == "clears":
            most = middle
        else:
            fewest = middle + 1
    return most
