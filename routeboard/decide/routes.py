"""Decisions over a ledger: tasks needed, frontier, routes, cascades, portfolio, break-evens, sensitivity.

``decide`` is the pipeline every page and the CLI call: facts -> ledger (costs, intervals, verdicts, exclusions)
-> tasks needed -> frontier -> routes -> portfolio, returned as one named ``Decision``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from routeboard.decide import constraints, verdicts
from routeboard.decide.ledger import apply_scenario
from routeboard.decide.scenario import Scenario
from routeboard.present import why_no_route

MAX_TASKS_NEEDED = verdicts.MAX_TASKS_NEEDED
SETTLE_COLUMNS = ("tasks_needed", "tasks_to_settle", "settles_as", "tasks_available")


# ---------------------------------------------------------------- verdict details


def with_tasks_needed(led: pd.DataFrame, *, level: float | None = None, method: str | None = None) -> pd.DataFrame:
    """Add what would settle each undecided verdict (``verdicts.settle``), counted in independent tasks:

    - ``tasks_to_settle``: about how many more tasks would likely settle it if the observed accuracy held;
    - ``settles_as``: which way ('clears' or 'fails');
    - ``tasks_available``: tasks the category's selected suites can still give this model (``suite_tasks`` minus
      the tasks it has seen; NaN when unknown);
    - ``tasks_needed``: ``tasks_to_settle`` where the suites can give that many, else NaN (then it cannot settle
      on them: say so with ``tasks_to_settle``).

    Settled rows (clears, fails) have none of them: NaN, never 0. ``level`` and ``method`` default to the ones the
    ledger was built with."""
    level = level if level is not None else float(led["level"].iat[0]) if len(led) else verdicts.DEFAULT_LEVEL
    if method is None:  # the ledger names its interval per row ('wilson over tasks', 'judge-corrected bootstrap')
        kinds = led["interval"].astype(str) if "interval" in led else pd.Series(dtype=str)
        method = "clopper-pearson" if kinds.str.startswith("clopper").any() else verdicts.DEFAULT_METHOD
    tasks = led["tasks"].to_numpy(dtype=float)
    # each task counts once at its share of correct trials: accuracy (judge-corrected where it is) x tasks
    successes = led["accuracy"].to_numpy(dtype=float) * tasks
    suite_tasks = led["suite_tasks"].to_numpy(dtype=float) if "suite_tasks" in led else np.full(len(led), np.nan)
    available = np.maximum(suite_tasks - tasks, 0)
    min_tasks = led["min_tasks"].to_numpy(dtype=float) if "min_tasks" in led else constraints.DEFAULT_MIN_TASKS
    settling = verdicts.settle(
        successes,
        tasks,
        led["bar"].to_numpy(dtype=float),
        min_tasks=min_tasks,
        level=level,
        method=method,
        available=available,
        verdict=led["verdict"].to_numpy(),
        max_tasks=MAX_TASKS_NEEDED,
    )
    # joined once, settles_as kept as plain objects: each column set one by one cost a what-if change ~1 ms
    added = {
        "tasks_needed": settling.tasks_needed,
        "tasks_to_settle": settling.tasks_to_settle,
        "settles_as": pd.Series(settling.settles_as, index=led.index, dtype=object),
        "tasks_available": available,
    }
    return pd.concat([led.drop(columns=[c for c in added if c in led]), pd.DataFrame(added, index=led.index)], axis=1)


# ---------------------------------------------------------------- frontier


def frontier(points: pd.DataFrame, cost: str = "cpat_usd") -> pd.DataFrame:
    """Mark the non-dominated points per category: nothing else is at least as cheap and at least as accurate."""
    points = points.copy()
    priced = points[points[cost].notna()].sort_values(["category", cost, "accuracy"], ascending=[True, True, False])
    # walking up the cost axis, a point is on the frontier when it beats every cheaper point's accuracy
    # (cython cummax and shift per group: a lambda per category cost ~7 ms a what-if change at 20 categories)
    best = priced.groupby("category", sort=False)["accuracy"].cummax()
    best_before = best.groupby(priced["category"], sort=False).shift(fill_value=-1.0)
    points["on_frontier"] = False
    points.loc[priced.index, "on_frontier"] = (priced["accuracy"] > best_before).to_numpy()
    return points


# ---------------------------------------------------------------- routes

ROUTE_INPUTS = tuple(
    (
        "category model_id tier verdict accuracy ci_low ci_high bar cpat_usd cpat_best_usd cpat_worst_usd "
        "monthly_usd monthly_volume tasks_needed tasks_to_settle settles_as tasks_available suite_tasks trials tasks "
        "excluded excluded_detail max_cpat_usd min_tasks rules_conflict"
    ).split()
)


def routes(led: pd.DataFrame) -> pd.DataFrame:
    """Per category: the lowest-cpat model that clears; near-ties shown; when none clears, the nearest model.

    Plain Python over records: a what-if change redraws routes for hundreds of rows in milliseconds."""
    led = led if set(SETTLE_COLUMNS) <= set(led) else with_tasks_needed(led)
    groups: dict[str, list[dict]] = {}
    if "excluded" not in led:
        led = led.assign(excluded=None, excluded_detail=None, max_cpat_usd=None)
    if "min_tasks" not in led:
        led = led.assign(min_tasks=np.nan)
    if "rules_conflict" not in led:
        led = led.assign(rules_conflict=None)
    if "suite_tasks" not in led:
        led = led.assign(suite_tasks=np.nan)
    # records from one list per column: to_dict("records") took ~10 ms of a what-if change over 1,000 rows
    columns = [led[name].tolist() for name in ROUTE_INPUTS]
    for values in zip(*columns):
        rec = dict(zip(ROUTE_INPUTS, values))
        groups.setdefault(rec["category"], []).append(rec)
    return pd.DataFrame([_with_reason(_route(category, groups[category])) for category in sorted(groups)])


def _with_reason(route: dict) -> dict:
    """The route row with its reason in words, written by routeboard.present from the row's fields."""
    routed = isinstance(route["model"], str)
    return {**route, "reason": "cheapest model that clears the bar" if routed else why_no_route(route)}


def _route(category: str, rows: list[dict]) -> dict:
    for r in rows:  # pandas hands missing reasons back as NaN
        r["excluded"] = r["excluded"] if isinstance(r["excluded"], str) else None
    excluded = [
        {"model": r["model_id"], "reason": r["excluded"], "detail": r["excluded_detail"]} for r in rows if r["excluded"]
    ]
    base = {
        "category": category,
        "bar": float(rows[0]["bar"]),
        "monthly_volume": float(rows[0]["monthly_volume"]),
        "excluded": excluded,
        "affordable": True,
        "cost_gap_usd": None,
        "min_tasks_short": None,
        "rules_conflict": None,
    }
    if isinstance(rows[0]["rules_conflict"], str):
        return _conflict_route(base, rows, rows[0]["rules_conflict"])
    clearing = sorted(
        (r for r in rows if r["verdict"] == "clears" and not _nan(r["cpat_usd"])), key=lambda r: r["cpat_usd"]
    )
    over_budget = [r for r in clearing if r["excluded"] == "cost"]
    clearing = [r for r in clearing if not r["excluded"]]
    if not clearing and over_budget:
        cheapest = over_budget[0]
        gap = cheapest["cpat_usd"] - cheapest["max_cpat_usd"]
        return {
            **base,
            **_route_fields(cheapest),
            "model": None,
            "runner_up": None,
            "near_ties": [],
            "nearest": cheapest["model_id"],
            "accuracy_gap": 0.0,
            "affordable": False,
            "cost_gap_usd": gap,
            "gap_kind": "cost",
        }
    unpriced = [r for r in rows if r["verdict"] == "clears" and r["excluded"] == "no_price"]
    if not clearing and unpriced:
        return {
            **base,
            **_route_fields(unpriced[0]),
            "model": None,
            "runner_up": None,
            "near_ties": [],
            "nearest": unpriced[0]["model_id"],
            "accuracy_gap": 0.0,
            "gap_kind": "no_price",
            "clearing_unpriced": [r["model_id"] for r in unpriced],
        }
    routable = [r for r in rows if r["excluded"] in (None, "min_tasks")]
    # every model broken by a constraint (deny list, tiers, latency, ...): the nearest of them is no near miss
    all_excluded = not routable
    rows = routable or rows
    if clearing:
        best, others = clearing[0], clearing[1:]
        # near-ties: another clearing model whose best-case cpat reaches the route's worst case
        near = [r["model_id"] for r in others if r["cpat_best_usd"] <= best["cpat_worst_usd"]]
        return {
            **base,
            **_route_fields(best),
            "model": best["model_id"],
            "runner_up": others[0]["model_id"] if others else None,
            "near_ties": near,
            "nearest": None,
            "accuracy_gap": 0.0,
            "gap_kind": None,
        }
    closest = max(rows, key=lambda r: (r["ci_low"], r["accuracy"]))
    gap = max(0.0, base["bar"] - float(closest["ci_low"]))
    short = _min_tasks_short(closest)
    # its interval clears: only the min_tasks constraint keeps it off the route
    kind = "all_excluded" if all_excluded else "min_tasks" if short and not gap else "accuracy"
    return {
        **base,
        **_route_fields(closest),
        "min_tasks_short": short,
        "model": None,
        "runner_up": None,
        "near_ties": [],
        "nearest": closest["model_id"],
        "accuracy_gap": gap,
        "gap_kind": kind,
        "min_tasks": None if _nan(closest["min_tasks"]) else int(closest["min_tasks"]),
    }


def _conflict_route(base: dict, rows: list[dict], conflict: str) -> dict:
    """No route where the category's suites disagree on its bar or constraints (decide.category_rules): whichever
    were picked, every suite's jobs would follow one suite's rules. The nearest model is named so pages can still
    show its figures; ``rules_conflict`` holds who says what."""
    closest = max(rows, key=lambda r: (r["ci_low"], r["accuracy"]))
    return {
        **base,
        **_route_fields(closest),
        "model": None,
        "runner_up": None,
        "near_ties": [],
        "nearest": closest["model_id"],
        "accuracy_gap": max(0.0, base["bar"] - float(closest["ci_low"])),
        "gap_kind": "rules_conflict",
        "rules_conflict": conflict,
        "reason": f"no route: this category's suites disagree on its rules: {conflict}",
    }


def _min_tasks_short(row: dict) -> int | None:
    """More tasks the min_tasks constraint asks of a model it excludes (min_tasks minus the tasks stored)."""
    if row["excluded"] != "min_tasks" or _nan(row["min_tasks"]):
        return None
    return max(int(math.ceil(row["min_tasks"])) - int(row["tasks"]), 0) or None


def _nan(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _route_fields(row: dict) -> dict:
    return {
        "tier": row.get("tier"),
        "verdict": row["verdict"],
        "accuracy": float(row["accuracy"]),
        "ci_low": float(row["ci_low"]),
        "ci_high": float(row["ci_high"]),
        "cpat_usd": None if _nan(row["cpat_usd"]) else float(row["cpat_usd"]),
        "monthly_usd": None if _nan(row["monthly_usd"]) else float(row["monthly_usd"]),
        "tasks_needed": None if _nan(row["tasks_needed"]) else int(row["tasks_needed"]),
        "tasks_to_settle": None if _nan(row["tasks_to_settle"]) else int(row["tasks_to_settle"]),
        "settles_as": row["settles_as"] if isinstance(row["settles_as"], str) else None,
        "tasks_available": None if _nan(row["tasks_available"]) else int(row["tasks_available"]),
        "suite_tasks": None if _nan(row["suite_tasks"]) else int(row["suite_tasks"]),
        "trials": int(row["trials"]),
        "tasks": int(row["tasks"]),
    }


# ---------------------------------------------------------------- cascades


def cascade_candidates(led: pd.DataFrame, per_side: int = 3) -> list[tuple[str, str, str]]:
    """(category, first, second) pairs worth simulating: a cheap first model, an accurate fallback."""
    pairs = []
    for category, group in led.groupby("category"):
        cost = dict(zip(group["model_id"], group["model_usd"]))
        cheap = group.sort_values("model_usd")["model_id"].head(per_side)
        accurate = group.sort_values("accuracy", ascending=False)["model_id"].head(per_side)
        # cheap first: a cascade that asks the dearer model first is never the point
        pairs += [(category, a, b) for a in cheap for b in accurate if a != b and cost[a] < cost[b]]
    return pairs


# ---------------------------------------------------------------- portfolio


def default_baseline(led: pd.DataFrame) -> str | None:
    """The model companies send everything to: the one with the highest model cost per trial among those with a
    known cost per accepted task. A dearer model with none (no price, or nothing accepted: it fails the bar) would
    leave every saving, and the Report's routed total, unknown."""
    singles = led[(led["tier"] != "cascade") & led["model_usd"].notna() & led["cpat_usd"].notna()]
    if singles.empty:
        return None
    return singles.groupby("model_id")["model_usd"].mean().idxmax()


def portfolio(led: pd.DataFrame, route_table: pd.DataFrame, baseline_model: str | None = None) -> dict:
    """Each category's monthly volume x routed cpat against sending every category to one baseline model."""
    baseline_model = baseline_model or default_baseline(led)
    # the baseline's cpat per category, looked up once (filtering the ledger per category cost ~19 ms a decision)
    base_cpats = led[led["model_id"] == baseline_model].drop_duplicates("category").set_index("category")["cpat_usd"]
    rows = []
    for route in route_table.itertuples(index=False):
        base_value = base_cpats.get(route.category)
        base_cpat = None if base_value is None or pd.isna(base_value) else float(base_value)
        # pandas hands a missing route back as NaN, which is truthy: only a named model is a route
        routed = route.cpat_usd if isinstance(route.model, str) else None
        routed_monthly = routed * route.monthly_volume if routed is not None else None
        base_monthly = base_cpat * route.monthly_volume if base_cpat is not None else None
        saving = base_monthly - routed_monthly if None not in (routed_monthly, base_monthly) else None
        rows.append(
            {
                "category": route.category,
                "monthly_volume": route.monthly_volume,
                "model": route.model,
                "routed_cpat_usd": routed,
                "routed_monthly_usd": routed_monthly,
                "baseline_cpat_usd": base_cpat,
                "baseline_monthly_usd": base_monthly,
                "saving_monthly_usd": saving,
            }
        )
    comparable = [r for r in rows if r["saving_monthly_usd"] is not None]
    routed_total = sum(r["routed_monthly_usd"] for r in comparable)
    base_total = sum(r["baseline_monthly_usd"] for r in comparable)
    # with no category comparable, every total is unknown: a $0 saving would read as a finding
    known = bool(comparable)
    return {
        "baseline_model": baseline_model,
        "rows": rows,
        "routed_monthly_usd": routed_total if known else None,
        "baseline_monthly_usd": base_total if known else None,
        "saving_monthly_usd": base_total - routed_total if known else None,
        "saving_share": (base_total - routed_total) / base_total if known and base_total else None,
        "categories_compared": len(comparable),
        "categories": len(rows),
        "unknown_reason": None if known else _why_unknown(rows, baseline_model, set(base_cpats.index)),
    }


def _why_unknown(rows: list[dict], baseline_model: str | None, baseline_categories: set) -> str:
    """Why no routed total or saving can be stated, in words (the Report's headline shows a dash beside it)."""
    routed = [r["category"] for r in rows if r["routed_monthly_usd"] is not None]
    if not rows:
        return "there are no results to route yet"
    if not routed:
        return f"no model clears its bar and every constraint in any of the {len(rows)} categories yet"
    if baseline_model is None:
        return "no model has a known cost per accepted task to serve as the baseline (a price is missing)"
    missing = ", ".join(c for c in routed if c not in baseline_categories)
    if missing:
        return f"the baseline model {baseline_model} was not run on the routed categories ({missing})"
    return (
        f"the baseline model {baseline_model} has no known cost per accepted task in the routed categories "
        f"({', '.join(routed)}): its price is unknown or it had nothing accepted"
    )


# ---------------------------------------------------------------- everything at once


@dataclass(frozen=True)
class Decision:
    """One scenario's decision: the ledger (with tasks needed, frontier marks and cascades if given), the route
    per category, and the portfolio against the baseline model."""

    ledger: pd.DataFrame
    routes: pd.DataFrame
    portfolio: dict


def decide(
    facts: pd.DataFrame,
    scenario: Scenario,
    *,
    level: float = verdicts.DEFAULT_LEVEL,
    method: str = verdicts.DEFAULT_METHOD,
    bar: float | None = None,
    cascade_rows: pd.DataFrame | None = None,
) -> Decision:
    """The decision pipeline for one scenario: ledger, verdicts, exclusions, frontier, routes and portfolio."""
    options = dict(level=level, method=method)
    led = with_tasks_needed(apply_scenario(facts, scenario, bar=bar, **options), **options)
    if cascade_rows is not None and not cascade_rows.empty:
        extra = apply_scenario(cascade_rows, scenario, bar=bar, **options)
        # a cascade draws on its category's suites like the single models: the same tasks bound what it can get
        per_category = led.drop_duplicates("category").set_index("category")["suite_tasks"]
        extra["suite_tasks"] = extra["suite_tasks"].fillna(extra["category"].map(per_category))
        led = pd.concat([led, with_tasks_needed(extra, **options)], ignore_index=True)
    singles = led[led["tier"] != "cascade"]
    table = routes(singles)
    return Decision(frontier(led), table, portfolio(singles, table, scenario.baseline_model))
