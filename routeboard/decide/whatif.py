"""What-if questions on one route: break-evens (review rate, local hardware volume) and what moves its cpat most.

Arithmetic on a ledger or its facts (routeboard.decide.ledger), never a new call or a query.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, replace

import numpy as np
import pandas as pd

from routeboard.decide.ledger import apply_scenario, cost_terms
from routeboard.decide.routes import Decision, portfolio
from routeboard.decide.scenario import Scenario
from routeboard.domain import HOURS_PER_MONTH, InfraProfile
from routeboard.errors import NotFound
from routeboard.present import unknown_cost_label

# ---------------------------------------------------------------- break-evens


def local_break_even_volume(led: pd.DataFrame, category: str, local_model: str, hosted_model: str, infra: dict) -> dict:
    """Monthly volume above which owning the box for ``local_model`` is cheaper than ``hosted_model``.

    The box is a fixed monthly cost (hardware amortised + operations) plus power while busy; the hosted model
    costs its cpat per accepted task. Also reports how many tasks a month the box can serve at all."""
    local = _row(led, category, local_model)
    hosted = _row(led, category, hosted_model)
    box = InfraProfile(**infra)
    fixed = box.fixed_usd_per_month()
    busy_hours = box.busy_hours(local["latency_ms_sum"] / local["trials"])
    power_usd = busy_hours * box.power_usd_per_hour()
    accepted = local["accepted_share"]
    local_variable = (
        (local["total_usd_per_trial"] - local["infra_usd"] + power_usd) / accepted if accepted else math.inf
    )
    hosted_cpat = hosted["cpat_usd"]
    capacity = HOURS_PER_MONTH / busy_hours * accepted if busy_hours > 0 else math.inf
    volume = fixed / (hosted_cpat - local_variable) if hosted_cpat > local_variable else None
    return {
        "category": category,
        "local_model": local_model,
        "hosted_model": hosted_model,
        "fixed_monthly_usd": fixed,
        "local_variable_cpat_usd": local_variable,
        "hosted_cpat_usd": hosted_cpat,
        "break_even_monthly_volume": volume,
        "capacity_monthly_volume": capacity,
        "feasible": volume is not None and volume <= capacity,
    }


@dataclass(frozen=True)
class BreakEven:
    """The review rate at which two models cost the same per accepted task; ``rate`` is None with a ``reason``
    when there is none in [0, 1] or a cost is unknown. ``review_minutes`` and ``minutes_source``: the minutes a
    review takes in that sum, the ledger's own (measured from people's reviews where it uses them)."""

    rate: float | None
    reason: str = ""
    review_minutes: float | None = None
    minutes_source: str = "assumed"


def review_rate_break_even(
    facts: pd.DataFrame,
    scenario: Scenario,
    category: str,
    cheaper: str,
    better: str,
    *,
    ledger: pd.DataFrame | None = None,
) -> BreakEven:
    """The review rate at which the cheaper model stops being cheaper per accepted task (``ledger``: the
    scenario's ledger when the caller already has it, which saves pricing the two rows again)."""
    source = facts if ledger is None else ledger
    rows = source[(source["category"] == category) & source["model_id"].isin([cheaper, better])]
    rows = (rows if ledger is not None else apply_scenario(rows, scenario)).set_index("model_id")
    # the review and rework minutes the ledger priced these rows with: measured from people's reviews where it
    # uses them, so the break-even and the cpat beside it rest on the same minutes
    row = rows.loc[cheaper]
    a = replace(
        scenario.for_category(category),
        review_minutes=float(row["review_minutes_used"]),
        rework_minutes=float(row["rework_minutes_used"]),
    )
    minutes = {"review_minutes": a.review_minutes, "minutes_source": str(row["review_minutes_source"])}
    reasons = {m: rows.loc[m, "cost_unknown"] for m in (cheaper, better)}
    unknown = {m: reason for m, reason in reasons.items() if isinstance(reason, str)}
    if unknown:
        # 'no price for a, b', or each model with its own cause ('no price for a; no token counts for b')
        causes = {unknown_cost_label(reason) for reason in unknown.values()}
        named = [f"{unknown_cost_label(r)} for {m}" for m, r in unknown.items()]
        said = f"{causes.pop()} for {', '.join(unknown)}" if len(causes) == 1 else "; ".join(named)
        return BreakEven(None, f"unknown: {said}", **minutes)
    rates = np.linspace(0, 1, 1001)
    diffs = _cpat_over_review_rates(rows.loc[cheaper], a, rates) - _cpat_over_review_rates(rows.loc[better], a, rates)
    if np.allclose(diffs, 0, rtol=0, atol=1e-15):
        return BreakEven(None, "they cost the same at every review rate", **minutes)
    signs = np.sign(diffs)
    crossing = np.flatnonzero((signs[:-1] != signs[1:]) & ~np.isnan(diffs[:-1]) & ~np.isnan(diffs[1:]))
    if not len(crossing):
        return BreakEven(None, "none between 0% and 100%", **minutes)
    i = crossing[0]
    return BreakEven(float(rates[i] + (rates[i + 1] - rates[i]) * diffs[i] / (diffs[i] - diffs[i + 1])), **minutes)


def _cpat_over_review_rates(row: pd.Series, a, rates: np.ndarray) -> np.ndarray:
    """One ledger row's cpat at every review rate in ``rates`` (everything else fixed)."""
    machine_usd = row["model_usd"] + row["tool_usd"] + row["infra_usd"]
    return cost_terms(row["accuracy"], machine_usd, replace(a, review_rate=rates))["cpat_usd"]


def rebased(decision: Decision, baseline_model: str | None) -> Decision:
    """The same decision with its portfolio against another baseline model (no second ledger pass)."""
    if baseline_model == decision.portfolio["baseline_model"]:
        return decision
    singles = decision.ledger[decision.ledger["tier"] != "cascade"]
    return replace(decision, portfolio=portfolio(singles, decision.routes, baseline_model))


# ---------------------------------------------------------------- sensitivity

SENSITIVITY_INPUTS = (
    "review_rate",
    "catch_rate",
    "review_minutes",
    "reviewer_usd_per_hour",
    "rework_minutes",
    "failure_usd",
    "tool_usd_per_trial",
)


def sensitivity(
    facts: pd.DataFrame,
    scenario: Scenario,
    category: str,
    model: str,
    swing: float = 0.5,
    *,
    ledger: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """How far each input moves one route's cpat when varied ±swing (rates ±swing/2, kept in [0, 1]);
    the data for a tornado chart, largest swing first (``ledger``: the scenario's ledger when the caller has it)."""
    source = facts if ledger is None else ledger
    rows = source[(source["category"] == category) & (source["model_id"] == model)]
    row = (rows if ledger is not None else apply_scenario(rows, scenario)).iloc[0]
    base_values = asdict(scenario.for_category(category))
    # Every variant is the ledger's own formula (cost_terms) on the priced row: a what-if change redraws this chart,
    # and 17 ledger passes took ~0.4 s at 1M attempts (one pass over 17 copies still ~20 ms). Minutes measured from
    # people's reviews, where the ledger uses them, do not move with the assumed value.
    measured = {
        name: row[f"{name}_used"] for name in ("review_minutes", "rework_minutes") if row[f"{name}_source"] != "assumed"
    }
    tool_usd = row["tool_usd"] - base_values["tool_usd_per_trial"]  # the judge's calls, without the assumed price

    def cpat(values: dict, price_factor: float = 1.0) -> float:
        a = {**base_values, **values, **measured}
        machine_usd = row["model_usd"] * price_factor + tool_usd + a["tool_usd_per_trial"] + row["infra_usd"]
        return float(cost_terms(row["accuracy"], machine_usd, a)["cpat_usd"])

    out = []
    for name in SENSITIVITY_INPUTS:
        value = base_values[name]
        if name in ("review_rate", "catch_rate"):
            low_value, high_value = max(0.0, value - swing / 2), min(1.0, value + swing / 2)
        else:
            low_value, high_value = value * (1 - swing), value * (1 + swing)
        out.append((name, low_value, high_value, cpat({name: low_value}), cpat({name: high_value})))
    low_factor, high_factor = 1 - swing, 1 + swing
    out.append(("model price", low_factor, high_factor, cpat({}, low_factor), cpat({}, high_factor)))
    table = pd.DataFrame(
        [
            {
                "input": name,
                "low_value": low_value,
                "high_value": high_value,
                "cpat_at_low_usd": low,
                "cpat_at_high_usd": high,
                "swing_usd": abs(high - low),
            }
            for name, low_value, high_value, low, high in out
        ]
    ).sort_values("swing_usd", ascending=False, ignore_index=True)
    table.attrs["base_cpat_usd"] = cpat({})
    return table


def _row(led: pd.DataFrame, category: str, model: str) -> pd.Series:
    match = led[(led["category"] == category) & (led["model_id"] == model)]
    if match.empty:
        raise NotFound(f"no results for {model} in category {category!r}")
    return match.iloc[0]


# ---------------------------------------------------------------- editing a scenario


def price_table(facts: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Per model: the price a what-if uses (the scenario's override, else the latest snapshot), USD per Mtok."""
    priced = facts.drop_duplicates("model_id")
    return pd.DataFrame(
        {
            "model_id": priced["model_id"].tolist(),
            "input_per_mtok_usd": [
                scenario.prices.get(m, {}).get("input_per_mtok_usd", v)
                for m, v in zip(priced["model_id"], priced["snapshot_input_per_mtok_usd"])
            ],
            "output_per_mtok_usd": [
                scenario.prices.get(m, {}).get("output_per_mtok_usd", v)
                for m, v in zip(priced["model_id"], priced["snapshot_output_per_mtok_usd"])
            ],
        }
    )


def hardware_table(facts: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Per local model: the infra profile a what-if uses (the scenario's override, else the latest snapshot)."""
    local = facts.drop_duplicates("model_id")
    local = local[local["snapshot_infra"].notna()]
    return pd.DataFrame(
        [
            {"model_id": m, **(scenario.infra.get(m) or json.loads(raw))}
            for m, raw in zip(local["model_id"], local["snapshot_infra"])
        ]
    )


def scenario_with_edits(
    scenario: Scenario,
    facts: pd.DataFrame,
    *,
    scope: str | None,
    values: dict,
    volumes: pd.DataFrame,
    prices: pd.DataFrame,
    hardware: pd.DataFrame,
    constraints: dict,
) -> Scenario:
    """The scenario after a What-if form: assumptions for one category (``scope``) or every one (None), monthly
    volumes, price and hardware overrides (only where they differ from the snapshot) and route constraints.
    Raises InvalidInput naming each bad value (``scenario_from_dict`` checks them)."""
    from routeboard.decide.scenario import scenario_from_dict

    data = scenario.to_dict()
    data["constraints"] = constraints
    snapshot = price_table(facts, Scenario()).set_index("model_id")
    data["prices"] = {
        r.model_id: {"input_per_mtok_usd": r.input_per_mtok_usd, "output_per_mtok_usd": r.output_per_mtok_usd}
        for r in prices.itertuples(index=False)
        if (r.input_per_mtok_usd, r.output_per_mtok_usd) != tuple(snapshot.loc[r.model_id])
        and pd.notna(r.input_per_mtok_usd)
        and pd.notna(r.output_per_mtok_usd)
    }
    data["infra"] = {
        row.pop("model_id"): {**row, "parallel_requests": int(row["parallel_requests"])}
        for row in hardware.to_dict("records")
    }
    if scope is None:
        data["defaults"] = {**data["defaults"], **values}
    else:
        data["categories"] = {**data["categories"], scope: {**data["categories"].get(scope, {}), **values}}
    for row in volumes.itertuples(index=False):
        data["categories"].setdefault(row.category, {})["monthly_volume"] = row.monthly_volume
    return scenario_from_dict(data)


def box_break_even(led: pd.DataFrame, category: str, hosted_model: str) -> dict | None:
    """``local_break_even_volume`` for the category's local model against ``hosted_model`` on its own box (its
    snapshot profile, else the catalog's default box); None when the category has no other, local model."""
    from routeboard.catalog.models import DEFAULT_LOCAL_INFRA

    local_rows = led[(led["category"] == category) & (led["tier"] == "local")]
    if local_rows.empty or local_rows["model_id"].iat[0] == hosted_model:
        return None
    snapshot = local_rows["snapshot_infra"].iat[0]
    infra = json.loads(snapshot) if snapshot else asdict(DEFAULT_LOCAL_INFRA)
    return local_break_even_volume(led, category, local_rows["model_id"].iat[0], hosted_model, infra)
