"""The cost-per-accepted-task ledger (docs/design.md, "The ledger"), per (category, model).

Two steps so a what-if change never touches the database:
- facts: scenario-free sums from stored results (``routeboard.store.facts``, contract in ``routeboard.decide.facts``);
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

from routeboard.catalog.pricing import billed_by_time, infra_rate_per_ms, model_usd
from routeboard.decide import intervals as stats
from routeboard.decide.constraints import effective, exclusions
from routeboard.decide.facts import facts_frame, ledger_facts
from routeboard.decide.scenario import Scenario
from routeboard.decide.verdicts import verdicts
from routeboard.domain import Price

# The parts of cost per trial that add up to the total; retry_usd is the share of model_usd spent on retries.
COST_PARTS = ("model_usd", "tool_usd", "infra_usd", "review_usd", "rework_usd", "failure_usd")
# Fewest measured reviews (or edits) whose median replaces an assumed review (or rework) time: below it one slow
# review would move a category's cost more than the measurement tells.
MEASURED_MIN_REVIEWS = 10


def _infra_rate_per_ms(profile_json: str | None, override: dict | None) -> float:
    """USD per millisecond of latency for a local model: a scenario's profile, else the run's snapshot."""
    return infra_rate_per_ms(override if override is not None else profile_json)


_ASSUMPTIONS = (
    "review_rate",
    "review_minutes",
    "reviewer_usd_per_hour",
    "catch_rate",
    "rework_minutes",
    "failure_usd",
    "tool_usd_per_trial",
    "monthly_volume",
)


def apply_scenario(
    facts: pd.DataFrame, scenario: Scenario, *, level: float = 0.95, method: str = "wilson", bar: float | None = None
) -> pd.DataFrame:
    """Per (category, model): money per trial by part, accepted share, cpat_usd, interval, verdict, exclusion."""
    # A what-if change runs this on every edit: the new columns are numpy arrays gathered in ``out`` and joined to
    # the facts once, and per-category values are looked up once per category (``codes``), not once per row.
    df = facts_frame(facts)
    n = df["trials"].to_numpy(dtype=float)
    codes, categories = pd.factorize(df["category"])
    out: dict[str, object] = {}
    p = np.divide(df["correct"].to_numpy(dtype=float), n, out=np.zeros_like(n), where=n > 0)
    corrected, judge_status = _judge_corrections(df, level)
    out["accuracy_judged"] = p
    out["judge_status"] = judge_status
    p = np.where(np.isnan(corrected[0]), p, corrected[0])
    out["accuracy"] = p
    out["valid_share"] = np.divide(df["valid"].to_numpy(dtype=float), n, out=np.zeros_like(n), where=n > 0)

    model_sum, retry_sum, infra_sum, unknown = _priced_sums(df, scenario)
    out["model_usd"] = np.where(unknown, np.nan, model_sum / n)  # retries included (docs/design.md)
    out["retry_usd"] = np.where(unknown, np.nan, retry_sum / n)
    out["infra_usd"] = infra_sum / n  # NaN where calls billed by their time have no measured latency
    cost_unknown = np.full(len(df), None, dtype=object)
    for i in np.flatnonzero(unknown):
        cost_unknown[i] = _unknown_reason(df.iloc[i], scenario)
    for i in np.flatnonzero(np.isnan(infra_sum) & ~unknown):
        cost_unknown[i] = _latency_unknown_reason(df.iloc[i])
    out["cost_unknown"] = cost_unknown

    per_category = [scenario.for_category(c) for c in categories]
    a_cols = {name: np.array([getattr(a, name) for a in per_category], dtype=float)[codes] for name in _ASSUMPTIONS}
    minutes = review_minutes_basis(df, scenario).set_index("category")
    rows = minutes.index.get_indexer(categories)[codes]
    for name in ("review_minutes", "rework_minutes"):
        a_cols[name] = minutes[f"{name}_used"].to_numpy(dtype=float)[rows]
        out[f"{name}_used"] = a_cols[name]
        out[f"{name}_source"] = minutes[f"{name}_source"].to_numpy()[rows]
    # tool cost: the judge calls that graded these trials, plus the scenario's per-trial tool price
    out["tool_usd"] = df["judge_usd_sum"].to_numpy(dtype=float) / n + a_cols["tool_usd_per_trial"]
    machine_usd = out["model_usd"] + out["tool_usd"] + out["infra_usd"]
    terms = cost_terms(p, machine_usd, a_cols)
    for part in ("review_usd", "rework_usd", "failure_usd"):
        out[part] = np.broadcast_to(terms[part], n.shape).astype(float)
    # a sum that stays unknown (NaN) when any part is, as pandas' sum(skipna=False) over the parts
    out["total_usd_per_trial"] = sum(out[part] for part in COST_PARTS)
    out["accepted_share"] = terms["accepted_share"]
    cpat = terms["cpat_usd"]
    out["cpat_usd"] = cpat  # NaN when a cost is unknown or nothing is accepted: shown as such, sorted last, never 0
    out["monthly_volume"] = a_cols["monthly_volume"]
    out["monthly_usd"] = cpat * a_cols["monthly_volume"]
    if bar is not None:
        df["bar"] = bar
    out |= _intervals_and_verdicts(df, out, corrected, level, method, scenario, codes, categories)
    # cpat if the true accuracy sat at either end of its interval: the range used to call near-ties
    out["cpat_best_usd"] = cost_terms(out["ci_high"], machine_usd, a_cols)["cpat_usd"]
    out["cpat_worst_usd"] = cost_terms(out["ci_low"], machine_usd, a_cols)["cpat_usd"]
    out["input_tokens_per_trial"] = df["input_tokens_sum"].to_numpy() / n
    out["output_tokens_per_trial"] = df["output_tokens_sum"].to_numpy() / n
    return pd.concat([df, pd.DataFrame(out, index=df.index)], axis=1)


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


def _intervals_and_verdicts(df, out, corrected, level, method, scenario, codes, categories) -> dict:
    """Interval (over tasks where tasks repeat, judge-corrected where people labelled a judge), the verdict with
    its minimum evidence, and the first constraint each model breaks (new columns by name)."""
    low, high, kind = stats.row_intervals(
        df["correct"].to_numpy(), df["trials"].to_numpy(), df["task_correct"], df["task_trials"], level, method
    )
    fixed = ~np.isnan(corrected[0])
    low, high = np.where(fixed, corrected[1], low), np.where(fixed, corrected[2], high)
    kind[fixed] = "judge-corrected bootstrap"
    stated = df.dropna(subset=["constraints"]).drop_duplicates("category").set_index("category")["constraints"]
    rules = {
        c: effective(json.loads(stated[c]) if c in stated.index else None, scenario.constraints.get(c))
        for c in categories
    }
    min_tasks = np.array([rules[c]["min_tasks"] for c in categories], dtype=float)[codes]
    verdict = verdicts(low, high, df["bar"].to_numpy(dtype=float), df["tasks"].to_numpy(), min_tasks)
    columns = ["category", "model_id", "tier", "tasks", "latency_ms_p95"]
    checked = df[columns].assign(cpat_usd=out["cpat_usd"], cost_unknown=out["cost_unknown"], verdict=verdict)
    excluded, detail = exclusions(checked, rules)
    ceilings = [rules[c].get("max_cpat_usd") for c in categories]
    return {
        "ci_low": low,
        "ci_high": high,
        "interval": kind,
        "level": np.full(len(df), level),
        "min_tasks": min_tasks,
        "verdict": verdict,
        "excluded": excluded,
        "excluded_detail": detail,
        "max_cpat_usd": [ceilings[code] for code in codes],  # a list: pandas infers its type as before
    }


def _unknown_reason(row, scenario: Scenario) -> str:
    """Why a model's cost is unknown and what would make it known, its first words the label a cell shows: a
    price that is set cannot cost calls whose token counts were never recorded (the fix is the file, not the
    price), and a model with no price needs one."""
    override = row.model_id in scenario.prices
    priced = override or (pd.notna(row.snapshot_input_per_mtok_usd) and pd.notna(row.snapshot_output_per_mtok_usd))
    untokened = int(row.untokened_attempts)
    if priced and untokened:
        uncosted = untokened if override else int(row.unpriced_attempts) or untokened
        return (
            f"no token counts: {uncosted} of {row.attempts} attempts of {row.model_id} carry no token counts and no "
            "cost, so its price cannot cost them; import its results with token or cost columns"
        )
    reason = (
        f"no price: {row.unpriced_attempts} of {row.attempts} attempts of {row.model_id} have no known cost; "
        "set its price on Models (or in the scenario) to cost them"
    )
    if untokened:
        reason += f" ({untokened} carry no token counts either: for those, import token or cost columns)"
    return reason


def _latency_unknown_reason(row) -> str:
    return (
        f"latency unknown: {row.unmeasured_latency_attempts} of {row.attempts} attempts of {row.model_id} have no "
        "measured latency, so its infra cost (busy time x infra rate) cannot be known; import its results with a "
        "latency column, or run it here, to cost them"
    )


def _judge_corrections(df: pd.DataFrame, level: float) -> tuple[np.ndarray, np.ndarray]:
    """(accuracy, low, high) corrected for the judge's measured error where people labelled enough outputs (NaN
    elsewhere), and each row's ``judge_status`` so pages can say when accuracy rests on an unvalidated judge."""
    out = np.full((3, len(df)), np.nan)
    status = np.full(len(df), None, dtype=object)
    if "judged" not in df:
        return out, status
    judged = [i for i, value in enumerate(df["judged"].tolist()) if value is True]  # the rest are left as they are
    columns = ["judge_tpr", "judge_tnr", "judge_tpr_n", "judge_tnr_n", "correct", "trials", "tasks"]
    for i, row in zip(judged, df[columns].iloc[judged].itertuples(index=False)):
        if not (row.judge_tpr_n and row.judge_tnr_n) or row.judge_tpr_n != row.judge_tpr_n:
            status[i] = "unvalidated judge: no people's labels of both correct and wrong outputs"
            continue
        # Evidence is counted in tasks, as intervals.cluster_interval counts it: each task once, at its share of
        # judged-correct trials. Fed trials, k trials of one task would narrow the interval as if independent.
        tasks = int(row.tasks)
        try:
            out[:, i] = stats.judge_corrected_accuracy(
                row.correct / row.trials * tasks,
                tasks,
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
    return out, status


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
    infra_sum[_infra_unknown(df, scenario)] = np.nan
    return model_sum, retry_sum, infra_sum, unknown


def _infra_unknown(df: pd.DataFrame, scenario: Scenario) -> np.ndarray:
    """Rows whose infra cost is unknown: calls billed by their time (a local model's profile, or a scenario's
    infra override) whose latency was never measured. Imported results without a latency column are such: their
    box time is unknown, not free. A cascade's count holds only its sides billed by time (store.facts)."""
    unknown = np.zeros(len(df), dtype=bool)
    for i in np.flatnonzero(df["unmeasured_latency_attempts"].to_numpy() > 0):
        row = df.iloc[i]
        override = scenario.infra.get(row.model_id)
        if override is not None:
            unknown[i] = _infra_rate_per_ms(None, override) > 0
        else:
            unknown[i] = row.tier == "cascade" or billed_by_time(row.tier, row.snapshot_infra)
    return unknown


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
