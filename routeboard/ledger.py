"""The cost-per-accepted-task ledger (docs/design.md, "The ledger"), per (category, model).

Two steps so a what-if change never touches the database:
- facts: scenario-free sums from stored results (``routeboard.store.facts``, contract in ``routeboard.facts``);
- ``apply_scenario``: vectorised arithmetic on those facts for one scenario (milliseconds): money per trial by
  part, accepted share, cpat, the interval over tasks, the verdict and the exclusions.

An unknown cost part (a model with no price) makes the cpat unknown, never $0; nothing accepted makes it undefined.
"""

from __future__ import annotations

import json
import math

import duckdb
import numpy as np
import pandas as pd

from routeboard import stats
from routeboard.constraints import effective, exclusions
from routeboard.domain import InfraProfile, Price
from routeboard.facts import facts_frame
from routeboard.pricing import model_usd
from routeboard.scenario import Scenario
from routeboard.store import facts as fact_store

# The parts of cost per trial that add up to the total; retry_usd is the share of model_usd spent on retries.
COST_PARTS = ("model_usd", "tool_usd", "infra_usd", "review_usd", "rework_usd", "failure_usd")
# Fewest measured reviews (or edits) whose median replaces an assumed review (or rework) time: below it one slow
# review would move a category's cost more than the measurement tells.
MEASURED_MIN_REVIEWS = 10


def ledger_facts(con: duckdb.DuckDBPyConnection, *, runs=None, suites=None, models=None) -> pd.DataFrame:
    """Scenario-free facts per (category, model) for a selection of stored results (see routeboard.facts)."""
    return fact_store.ledger_facts(con, runs=runs, suites=suites, models=models)


def _infra_rate_per_ms(profile_json: str | None, override: dict | None) -> float:
    """USD per millisecond of latency for a local model (docs/design.md infra rate, shared over parallel requests)."""
    if override is None and not profile_json:
        return 0.0
    profile = InfraProfile(**(override if override is not None else json.loads(profile_json)))
    return profile.usd_for_latency(1.0)


def apply_scenario(
    facts: pd.DataFrame, scenario: Scenario, *, level: float = 0.95, method: str = "wilson", bar: float | None = None
) -> pd.DataFrame:
    """Per (category, model): money per trial by part, accepted share, cpat_usd, interval, verdict, exclusion."""
    df = facts_frame(facts)
    n = df["trials"].to_numpy(dtype=float)
    p = np.divide(df["correct"].to_numpy(dtype=float), n, out=np.zeros_like(n), where=n > 0)
    df["accuracy_judged"] = p
    corrected = _judge_corrections(df, level)
    p = np.where(np.isnan(corrected[0]), p, corrected[0])
    df["accuracy"] = p
    df["valid_share"] = np.divide(df["valid"].to_numpy(dtype=float), n, out=np.zeros_like(n), where=n > 0)

    model_sum, retry_sum, infra_sum, unknown = _priced_sums(df, scenario)
    df["model_usd"] = np.where(unknown, np.nan, model_sum / n)  # retries included (docs/design.md)
    df["retry_usd"] = np.where(unknown, np.nan, retry_sum / n)
    df["infra_usd"] = infra_sum / n
    df["cost_unknown"] = [
        _unknown_reason(row) if u else None
        for u, row in zip(unknown, df[["model_id", "unpriced_attempts", "attempts"]].itertuples(index=False))
    ]

    per_category = {c: scenario.for_category(c) for c in df["category"].unique()}
    categories = df["category"].to_numpy()
    a_cols = {
        name: np.array([getattr(per_category[c], name) for c in categories], dtype=float)
        for name in (
            "review_rate",
            "review_minutes",
            "reviewer_usd_per_hour",
            "catch_rate",
            "rework_minutes",
            "failure_usd",
            "tool_usd_per_trial",
            "monthly_volume",
        )
    }
    minutes = review_minutes_basis(df, scenario).set_index("category")
    for name in ("review_minutes", "rework_minutes"):
        a_cols[name] = minutes.loc[categories, f"{name}_used"].to_numpy(dtype=float)
        df[f"{name}_used"] = a_cols[name]
        df[f"{name}_source"] = minutes.loc[categories, f"{name}_source"].to_numpy()
    # tool cost: the judge calls that graded these trials, plus the scenario's per-trial tool price
    df["tool_usd"] = df["judge_usd_sum"].to_numpy(dtype=float) / n + a_cols["tool_usd_per_trial"]
    machine_usd = (df["model_usd"] + df["tool_usd"] + df["infra_usd"]).to_numpy()
    terms = cost_terms(p, machine_usd, a_cols)
    df["review_usd"], df["rework_usd"], df["failure_usd"] = (
        terms["review_usd"],
        terms["rework_usd"],
        terms["failure_usd"],
    )
    df["total_usd_per_trial"] = df[list(COST_PARTS)].sum(axis=1, skipna=False)
    df["accepted_share"] = terms["accepted_share"]
    cpat = terms["cpat_usd"]
    df["cpat_usd"] = cpat  # NaN when a cost is unknown or nothing is accepted: shown as such, sorted last, never 0
    df["monthly_volume"] = a_cols["monthly_volume"]
    df["monthly_usd"] = cpat * a_cols["monthly_volume"]
    df["bar"] = bar if bar is not None else df["bar"]
    _intervals_and_verdicts(df, corrected, level, method, scenario)
    # cpat if the true accuracy sat at either end of its interval: the range used to call near-ties
    df["cpat_best_usd"] = cpat_at_accuracy(df, df["ci_high"].to_numpy(), a_cols)
    df["cpat_worst_usd"] = cpat_at_accuracy(df, df["ci_low"].to_numpy(), a_cols)
    df["input_tokens_per_trial"] = df["input_tokens_sum"] / n
    df["output_tokens_per_trial"] = df["output_tokens_sum"] / n
    return df


def review_minutes_basis(facts: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Per category, the review and rework minutes the ledger uses and why: the scenario's assumed minutes beside
    the medians people's reviews measured (with how many reviews / edits), the value used, and its source text
    ("measured (n reviews)" where the scenario allows it and at least MEASURED_MIN_REVIEWS were measured, else
    "assumed"). What-if shows this table; ``apply_scenario`` prices with it."""
    df = facts if facts.attrs.get("facts_contract") else facts_frame(facts)  # a what-if pays for no copy
    figures = ["category_reviews_n", "category_review_minutes_median", "category_rework_n"]
    figures += ["category_rework_minutes_median"]
    # every single-model row of a category carries the same category figures and cascade rows none (0 / NaN),
    # so the largest of each is the category's
    measured = df.groupby("category", sort=True)[figures].max().to_dict("index")
    rows = []
    for category in sorted(measured):
        assumed = scenario.for_category(category)
        row = {"category": category}
        for name, unit in (("review", "reviews"), ("rework", "edits")):
            n = int(measured[category][f"category_{name}_n" if name == "rework" else "category_reviews_n"])
            median = float(measured[category][f"category_{name}_minutes_median"])
            use = scenario.use_measured_review and n >= MEASURED_MIN_REVIEWS and not math.isnan(median)
            row |= {
                f"{name}_minutes_assumed": getattr(assumed, f"{name}_minutes"),
                f"{name}_minutes_measured": median,
                f"{name}_minutes_n": n,
                f"{name}_minutes_used": median if use else getattr(assumed, f"{name}_minutes"),
                f"{name}_minutes_source": f"measured ({n} {unit})" if use else "assumed",
            }
        rows.append(row)
    columns = ["category"] + [
        f"{name}_minutes_{part}"
        for name in ("review", "rework")
        for part in ("assumed", "measured", "n", "used", "source")
    ]
    return pd.DataFrame(rows, columns=columns)


def _intervals_and_verdicts(df: pd.DataFrame, corrected, level: float, method: str, scenario: Scenario) -> None:
    """Interval (over tasks where tasks repeat, judge-corrected where people labelled a judge), the verdict with
    its minimum evidence, and the first constraint each model breaks."""
    low, high, kind = stats.row_intervals(
        df["correct"].to_numpy(), df["trials"].to_numpy(), df["task_correct"], df["task_trials"], level, method
    )
    fixed = ~np.isnan(corrected[0])
    low, high = np.where(fixed, corrected[1], low), np.where(fixed, corrected[2], high)
    kind[fixed] = "judge-corrected bootstrap"
    df["ci_low"], df["ci_high"], df["interval"], df["level"] = low, high, kind, level
    stated = df.dropna(subset=["constraints"]).drop_duplicates("category").set_index("category")["constraints"]
    rules = {
        c: effective(json.loads(stated[c]) if c in stated.index else None, scenario.constraints.get(c))
        for c in df["category"].unique()
    }
    min_tasks = np.array([rules[c]["min_tasks"] for c in df["category"]], dtype=float)
    df["min_tasks"] = min_tasks
    df["verdict"] = stats.verdicts(low, high, df["bar"].to_numpy(dtype=float), df["tasks"].to_numpy(), min_tasks)
    df["excluded"], df["excluded_detail"] = exclusions(df, rules)
    df["max_cpat_usd"] = [rules[c].get("max_cpat_usd") for c in df["category"]]


def _unknown_reason(row) -> str:
    return (
        f"no price: {row.unpriced_attempts} of {row.attempts} attempts of {row.model_id} have no known cost; "
        "set its price on Models (or in the scenario) to cost them"
    )


def _judge_corrections(df: pd.DataFrame, level: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(accuracy, low, high) corrected for the judge's measured error where people labelled enough outputs;
    NaN elsewhere. Also sets ``judge_status`` so pages can say when accuracy rests on an unvalidated judge."""
    out = np.full((3, len(df)), np.nan)
    status = np.full(len(df), None, dtype=object)
    if "judged" not in df:
        df["judge_status"] = status
        return out
    for i, row in enumerate(
        df[["judged", "judge_tpr", "judge_tnr", "judge_tpr_n", "judge_tnr_n", "correct", "trials"]].itertuples(
            index=False
        )
    ):
        if row.judged is not True:
            continue
        if not (row.judge_tpr_n and row.judge_tnr_n) or row.judge_tpr_n != row.judge_tpr_n:
            status[i] = "unvalidated judge: no people's labels of both correct and wrong outputs"
            continue
        try:
            out[:, i] = stats.judge_corrected_accuracy(
                int(row.correct),
                int(row.trials),
                row.judge_tpr,
                row.judge_tnr,
                int(row.judge_tpr_n),
                int(row.judge_tnr_n),
                level,
            )
            status[i] = (
                f"judge validated on {int(row.judge_tpr_n + row.judge_tnr_n)} labels "
                f"(agrees on {row.judge_tpr:.0%} of correct, {row.judge_tnr:.0%} of wrong outputs)"
            )
        except ValueError as exc:  # a judge no better than chance cannot be corrected
            status[i] = f"judge unusable: {exc}"
    df["judge_status"] = status
    return out[0], out[1], out[2]


def cost_terms(p, machine_usd, a) -> dict:
    """docs/design.md's ledger, the one place it is written: review, rework and expected failure USD per trial,
    the accepted share and cpat_usd, from accuracy ``p``, the model + tool + infra USD per trial, and the
    assumptions ``a`` (a mapping or an Assumptions; numpy arrays broadcast, e.g. over review rates)."""
    get = a.get if isinstance(a, dict) else lambda name: getattr(a, name)
    r, q, wage = get("review_rate"), get("catch_rate"), get("reviewer_usd_per_hour")
    review = r * get("review_minutes") / 60 * wage
    rework = (1 - p) * r * q * get("rework_minutes") / 60 * wage
    failure = (1 - p) * (1 - r * q) * get("failure_usd")
    accepted = p + (1 - p) * r * q  # caught errors are fixed, then accepted
    with np.errstate(divide="ignore", invalid="ignore"):
        cpat = np.where(accepted > 0, (machine_usd + review + rework + failure) / accepted, np.nan)
    return {
        "review_usd": review,
        "rework_usd": rework,
        "failure_usd": failure,
        "accepted_share": accepted,
        "cpat_usd": cpat,
    }


def cpat_at_accuracy(df: pd.DataFrame, p: np.ndarray, a: dict) -> np.ndarray:
    """cpat_usd of each row if its accuracy were ``p`` (same model, tool and infra cost per trial)."""
    return cost_terms(p, (df["model_usd"] + df["tool_usd"] + df["infra_usd"]).to_numpy(), a)["cpat_usd"]


def _priced_sums(df: pd.DataFrame, scenario: Scenario) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Model, retry and infra USD sums, and which rows' model cost is unknown.

    Stored costs come from each run's price snapshot; cached answers are priced at the snapshot; a scenario's
    price / infra overrides re-price from tokens and latency with no new calls. A row with unpriced attempts
    (and no override to price them, or no token counts to price) has an unknown model cost."""
    model_sum = df["cost_usd_sum"].to_numpy(dtype=float).copy()
    retry_sum = df["retry_cost_usd_sum"].to_numpy(dtype=float).copy()
    infra_sum = df["infra_usd_sum"].to_numpy(dtype=float).copy()
    unknown = df["unpriced_attempts"].to_numpy() > 0
    models = df["model_id"].to_numpy()
    snapshot_known = (
        df["snapshot_input_per_mtok_usd"].notna().to_numpy() & df["snapshot_output_per_mtok_usd"].notna().to_numpy()
    )
    cached = (df["cached_input_tokens_sum"].to_numpy() > 0) | (df["cached_latency_ms_sum"].to_numpy() > 0)
    unknown |= (df["cached_input_tokens_sum"].to_numpy() > 0) & ~snapshot_known
    touched = np.flatnonzero(cached | np.isin(models, list(scenario.prices) + list(scenario.infra)))
    for i in touched:  # only rows with overrides or cached answers need more than the stored sums
        row = df.iloc[i]
        override = scenario.prices.get(row.model_id)
        if override is not None:
            price = Price(override["input_per_mtok_usd"], override["output_per_mtok_usd"], "scenario")
            model_sum[i] = model_usd(price, row.input_tokens_sum, row.output_tokens_sum)
            retry_sum[i] = model_usd(price, row.retry_input_tokens_sum, row.retry_output_tokens_sum)
            unknown[i] = row.untokened_attempts > 0  # a price cannot cost calls whose tokens were never counted
        elif row.cached_input_tokens_sum and snapshot_known[i]:
            snapshot = Price(row.snapshot_input_per_mtok_usd, row.snapshot_output_per_mtok_usd, "snapshot")
            model_sum[i] += model_usd(snapshot, row.cached_input_tokens_sum, row.cached_output_tokens_sum)
        infra_override = scenario.infra.get(row.model_id)
        if infra_override is not None:
            infra_sum[i] = row.latency_ms_sum * _infra_rate_per_ms(None, infra_override)
        elif row.cached_latency_ms_sum and row.snapshot_infra:
            infra_sum[i] += row.cached_latency_ms_sum * _infra_rate_per_ms(row.snapshot_infra, None)
    return model_sum, retry_sum, infra_sum, unknown


def ledger(
    con: duckdb.DuckDBPyConnection,
    scenario: Scenario | None = None,
    *,
    runs=None,
    suites=None,
    models=None,
    level: float = 0.95,
    method: str = "wilson",
    bar: float | None = None,
) -> pd.DataFrame:
    """The full ledger for a selection of stored results under one scenario."""
    return apply_scenario(
        ledger_facts(con, runs=runs, suites=suites, models=models),
        scenario or Scenario(),
        level=level,
        method=method,
        bar=bar,
    )
