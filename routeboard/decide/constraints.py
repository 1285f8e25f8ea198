"""Why a model cannot be routed in a category: the one place exclusions are decided (docs/design.md).

Route constraints (latency ceiling, cost ceiling, allowed tiers, denied models, minimum tasks) come from the suite
(``constraints:`` in suite.yaml, editable on the Suites page) and a scenario may override them per category.
Besides those, a model whose cost is unknown (no price) is never routed. The reason is always shown."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from routeboard.domain import TIERS
from routeboard.errors import Problems
from routeboard.present import money

# Evidence is counted in independent tasks, not trials: ten tasks all correct never certify a 95% bar.
DEFAULT_MIN_TASKS = 30
KNOWN = ("max_latency_ms_p95", "max_cpat_usd", "allowed_tiers", "deny_models", "min_tasks")
REASONS = ("deny", "tier", "no_price", "min_tasks", "latency_unknown", "latency", "cost")


def _ceiling(value) -> str | None:
    if value is None or (
        not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value) and value > 0
    ):
        return None
    return "must be a positive number (or null for no ceiling)"


def _min_tasks(value) -> str | None:
    ok = not isinstance(value, bool) and isinstance(value, int) and value >= 1
    return None if ok else "must be a whole number of at least 1"


def _tiers(value) -> str | None:
    ok = isinstance(value, list) and value and all(t in TIERS for t in value)
    return None if ok else f"must be a non-empty list of tiers from {', '.join(TIERS)}"


def _model_ids(value) -> str | None:
    ok = isinstance(value, list) and all(isinstance(m, str) for m in value)
    return None if ok else "must be a list of model ids"


# one check per known constraint: the value's problem, or None
_CHECKS = {
    "max_latency_ms_p95": _ceiling,
    "max_cpat_usd": _ceiling,
    "allowed_tiers": _tiers,
    "deny_models": _model_ids,
    "min_tasks": _min_tasks,
}


def constraint_problems(constraints, problems: Problems, where: str = "constraints") -> None:
    """Add every bad constraint value to ``problems``, each under its field (``where``.name)."""
    if constraints in (None, {}):
        return
    if not isinstance(constraints, dict):
        problems.add(None, where, "must be a mapping such as {max_latency_ms_p95: 2000, allowed_tiers: [local]}")
        return
    for key, value in constraints.items():
        field = f"{where}.{key}"
        if key == "min_trials":
            problems.add(None, field, "renamed to min_tasks: evidence is counted in independent tasks, not trials")
        elif key not in _CHECKS:
            problems.add(None, field, f"unknown constraint (known: {', '.join(KNOWN)})")
        elif (message := _CHECKS[key](value)) is not None:
            problems.add(None, field, message)


def effective(suite_constraints: dict | None, override: dict | None) -> dict:
    """Suite constraints with a scenario's per-category override on top, and the default minimum tasks."""
    merged = {"min_tasks": DEFAULT_MIN_TASKS}
    for layer in (suite_constraints or {}, override or {}):
        layer = dict(layer)
        if "min_trials" in layer:  # stored before the rename; the number still states the minimum evidence
            layer.setdefault("min_tasks", layer.pop("min_trials"))
        merged.update(layer)
    return merged


def exclusions(led: pd.DataFrame, per_category: dict[str, dict]) -> tuple[np.ndarray, np.ndarray]:
    """(reason, detail) per ledger row: the first constraint the model breaks in its category, or None."""
    reasons = np.full(len(led), None, dtype=object)
    details = np.full(len(led), None, dtype=object)
    columns = ["category", "model_id", "tier", "tasks", "latency_ms_p95", "cpat_usd", "cost_unknown"]
    for i, row in enumerate(led[columns + (["verdict"] if "verdict" in led else [])].itertuples(index=False)):
        found = _first_broken(row, per_category.get(row.category) or effective(None, None))
        if found:
            reasons[i], details[i] = found
    return reasons, details


def _first_broken(row, c: dict) -> tuple[str, str] | None:
    if row.model_id in (c.get("deny_models") or []):
        return "deny", "on this category's deny list"
    tiers = c.get("allowed_tiers")
    if tiers and row.tier not in tiers:
        return "tier", f"tier {row.tier} is not allowed here (allowed: {', '.join(tiers)})"
    if isinstance(row.cost_unknown, str):
        return "no_price", row.cost_unknown
    needed = c.get("min_tasks", DEFAULT_MIN_TASKS)
    # min_tasks keeps off the route only a model that could still clear: one that fails fails whatever it gets
    if row.tasks < needed and getattr(row, "verdict", None) != "fails":
        return "min_tasks", f"{row.tasks} tasks, fewer than the {needed} independent tasks needed before it may clear"
    ceiling = c.get("max_latency_ms_p95")
    if ceiling and row.latency_ms_p95 != row.latency_ms_p95:  # unknown is never under a ceiling
        return "latency_unknown", f"latency unknown: no measured latency to hold against the {ceiling:.0f} ms ceiling"
    if ceiling and row.latency_ms_p95 > ceiling:
        return "latency", f"p95 latency {row.latency_ms_p95:.0f} ms is over the {ceiling:.0f} ms ceiling"
    cost = c.get("max_cpat_usd")
    if cost and row.cpat_usd == row.cpat_usd and row.cpat_usd > cost:
        return "cost", f"cpat {money(row.cpat_usd)} is over the {money(cost)} ceiling"
    return None
