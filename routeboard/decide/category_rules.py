"""A category's rules (its quality bar and route constraints): decided here, once, from the suites selected.

A category may span several suites (a ticket-triage suite and an email-triage suite), and each suite may have
several stored versions. Per suite only one version states the rules: the latest one selected (or the latest
the chosen runs used), since an edited bar or constraint supersedes the old one. Where two suites of one
category still disagree, no rule is picked for them (a max bar or any one suite's deny list would quietly route
by another suite's rules): the category carries a ``rules_conflict`` naming the suites and their values, and
gets no route until they agree.
"""

from __future__ import annotations

import json
import math

import pandas as pd

from routeboard.decide.constraints import effective

RULE_COLUMNS = ("category", "bar", "constraints", "rules_conflict", "suite_tasks")


def category_rules(suites: pd.DataFrame) -> pd.DataFrame:
    """Per category: bar, constraints (JSON text or None), rules_conflict (None when its suites agree) and
    suite_tasks (the tasks of the versions that count: all the evidence the category's suites hold).

    ``suites`` holds the selected suite versions: category, suite_id, name, version, bar, constraints (JSON text
    or None) and task_count (absent: suite_tasks unknown)."""
    # one version per suite: the latest selected (per category too, should a new version have moved category);
    # plain Python over a few rows (a pandas groupby cost ~5 ms of every decision)
    latest: dict[tuple[str, str], tuple] = {}
    names = ("category", "name", "version", "suite_id", "bar", "constraints")
    columns = [suites[c].tolist() for c in names]
    columns.append(suites["task_count"].tolist() if "task_count" in suites else [math.nan] * len(suites))
    for category, name, version, suite_id, bar, constraints, task_count in zip(*columns):
        if (category, name) not in latest or version > latest[(category, name)][0]:
            text = constraints if isinstance(constraints, str) and constraints else None
            latest[(category, name)] = (version, suite_id, float(bar), text, float(task_count))
    by_category: dict[str, list[tuple]] = {}
    tasks: dict[str, float] = {}
    for (category, _), (_, suite_id, bar, text, task_count) in sorted(latest.items()):
        by_category.setdefault(category, []).append((suite_id, bar, text))
        tasks[category] = tasks.get(category, 0.0) + task_count
    rows = []
    for category, group in by_category.items():
        stated = [(suite_id, bar, _normalised(text)) for suite_id, bar, text in group]
        conflict = _conflict(stated)
        if conflict is None:  # they rule alike: any one suite's text says it
            bar, constraints = group[0][1], group[0][2]
        else:
            # shown against the strictest bar and only the constraints every suite states alike; never routed
            bar = max(b for _, b, _ in stated)
            agreed = {k: v for k, v in stated[0][2].items() if all(c.get(k, _ABSENT) == v for _, _, c in stated)}
            constraints = json.dumps(agreed) if agreed else None
        rows.append(
            {
                "category": category,
                "bar": bar,
                "constraints": constraints,
                "rules_conflict": conflict,
                "suite_tasks": tasks[category],
            }
        )
    return pd.DataFrame(rows, columns=list(RULE_COLUMNS))


_ABSENT = object()


def _normalised(constraints) -> dict:
    """Constraints as they apply (the default min_tasks included), lists as sorted lists: equal when they rule
    alike, whatever their spelling."""
    stated = json.loads(constraints) if isinstance(constraints, str) and constraints else None
    return {k: sorted(v) if isinstance(v, list) else v for k, v in effective(stated, None).items()}


def _conflict(stated: list[tuple[str, float, dict]]) -> str | None:
    """Words naming each rule the suites disagree on, with every suite's value; None when they agree."""
    parts = []
    if len({bar for _, bar, _ in stated}) > 1:
        parts.append("bar " + ", ".join(f"{bar:g} ({suite})" for suite, bar, _ in stated))
    for key in sorted({k for _, _, c in stated for k in c}):
        values = [c.get(key) for _, _, c in stated]
        if any(v != values[0] for v in values):
            parts.append(f"{key} " + ", ".join(f"{_text(v)} ({suite})" for (suite, _, _), v in zip(stated, values)))
    if not parts:
        return None
    return f"{'; '.join(parts)}. Give them the same bar and constraints (Suites page), or choose one suite"


def _text(value) -> str:
    if value is None:
        return "none"
    if isinstance(value, list):
        return f"[{', '.join(map(str, value))}]"
    return f"{value:g}" if isinstance(value, float) else str(value)
