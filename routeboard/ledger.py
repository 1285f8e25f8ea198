"""The cost-per-accepted-task ledger (DESIGN.md), per (category, model).

Two steps so a what-if change never touches the database:
- ``ledger_facts``: scenario-free sums from DuckDB SQL over trials and attempts (the expensive part);
- ``apply_scenario``: vectorised arithmetic on those facts for one scenario (milliseconds).
"""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pandas as pd

from routeboard import stats
from routeboard.constraints import DEFAULT_MIN_TRIALS, effective, exclusions
from routeboard.domain import InfraProfile
from routeboard.scenario import Scenario

# The parts of cost per trial that add up to the total; retry_usd is the share of model_usd spent on retries.
COST_PARTS = ("model_usd", "tool_usd", "infra_usd", "review_usd", "rework_usd", "failure_usd")


def run_filters(alias: str, runs, models) -> tuple[str, list]:
    clauses, params = [], []
    if runs:
        clauses.append(f"{alias}.run_id IN (SELECT unnest(?::VARCHAR[]))")
        params.append(list(runs))
    if models:
        clauses.append(f"{alias}.model_id IN (SELECT unnest(?::VARCHAR[]))")
        params.append(list(models))
    return "".join(f" AND {c}" for c in clauses), params


def suite_selection(suites, runs) -> tuple[str, list]:
    """Named suites (name or name@version); else all versions a chosen run used; else each suite's latest."""
    if suites:
        return ("SELECT suite_id, category, bar, constraints FROM suites WHERE suite_id IN (SELECT unnest(?::VARCHAR[])) "
                "OR (name IN (SELECT unnest(?::VARCHAR[])) AND version = (SELECT max(version) FROM suites s2 "
                "WHERE s2.name = suites.name))", [list(suites), list(suites)])
    if runs:
        return "SELECT suite_id, category, bar, constraints FROM suites", []
    return ("SELECT suite_id, category, bar, constraints FROM suites "
            "QUALIFY version = max(version) OVER (PARTITION BY name)", [])


def ledger_facts(con: duckdb.DuckDBPyConnection, *, runs=None, suites=None, models=None) -> pd.DataFrame:
    """Scenario-free sums per (category, model): trials, correct, valid, tokens, stored cost, latency."""
    cur = con.cursor()
    selection, sel_params = suite_selection(suites, runs)
    where_t, params_t = run_filters("t", runs, models)
    where_a, params_a = run_filters("a", runs, models)
    # Trial numbers run 1..k, so max(trial) > 1 flags the groups whose intervals must be over tasks; only those
    # pay for the per-task grouping (a million-group aggregation is most of the cost at scale).
    trials = cur.execute(f"""
        WITH sel AS ({selection})
        SELECT s.category, t.model_id, count(*) AS trials, sum(t.correct::INTEGER)::BIGINT AS correct,
               sum(t.valid::INTEGER)::BIGINT AS valid, max(t.trial) AS max_k, any_value(b.bar) AS bar,
               any_value(b.constraints)::VARCHAR AS constraints
        FROM trials t JOIN sel s USING (suite_id)
        JOIN (SELECT category, max(bar) AS bar, any_value(constraints) AS constraints FROM sel GROUP BY category) b
             USING (category)
        WHERE true {where_t} GROUP BY ALL""", sel_params + params_t).df()
    repeated = trials[trials["max_k"] > 1]
    per_task = _per_task(cur, selection, sel_params, where_t, params_t, repeated) if len(repeated) else None
    trials = trials.merge(per_task, on=["category", "model_id"], how="left") if per_task is not None else \
        trials.assign(tasks=trials["trials"], pass_hat_k=trials["correct"] / trials["trials"],
                      task_correct=None, task_trials=None)
    trials["tasks"] = trials["tasks"].fillna(trials["trials"]).astype("int64")
    trials["pass_hat_k"] = trials["pass_hat_k"].fillna(trials["correct"] / trials["trials"])
    attempts = cur.execute(f"""
        WITH sel AS ({selection})
        SELECT s.category, a.model_id,
               count(*) AS attempts,
               sum(a.cost_usd) AS cost_usd_sum,
               sum(a.cost_usd) FILTER (a.attempt > 1) AS retry_cost_usd_sum,
               sum(a.infra_usd) AS infra_usd_sum,
               sum(coalesce(a.input_tokens, 0))::BIGINT AS input_tokens_sum,
               sum(coalesce(a.output_tokens, 0))::BIGINT AS output_tokens_sum,
               sum(coalesce(a.input_tokens, 0)) FILTER (a.attempt > 1)::BIGINT AS retry_input_tokens_sum,
               sum(coalesce(a.output_tokens, 0)) FILTER (a.attempt > 1)::BIGINT AS retry_output_tokens_sum,
               sum(coalesce(a.input_tokens, 0)) FILTER (a.cached)::BIGINT AS cached_input_tokens_sum,
               sum(coalesce(a.output_tokens, 0)) FILTER (a.cached)::BIGINT AS cached_output_tokens_sum,
               sum(coalesce(a.latency_ms, 0)) AS latency_ms_sum,
               sum(coalesce(a.latency_ms, 0)) FILTER (a.cached) AS cached_latency_ms_sum,
               quantile_cont(a.latency_ms, 0.5) FILTER (a.error_kind IS NULL) AS latency_ms_p50,
               quantile_cont(a.latency_ms, 0.95) FILTER (a.error_kind IS NULL) AS latency_ms_p95
        FROM attempts a JOIN sel s USING (suite_id) WHERE true {where_a} GROUP BY ALL""",
        sel_params + params_a).df()
    trials = trials.merge(_judge_agreement(cur, selection, sel_params), on="category", how="left")
    facts = trials.merge(attempts, on=["category", "model_id"], how="left").fillna(
        {c: 0 for c in attempts.columns if c.endswith("_sum") or c == "attempts"})
    return facts.merge(_model_info(cur), on="model_id", how="left").sort_values(["category", "model_id"],
                                                                               ignore_index=True)


def _judge_agreement(cur, selection, sel_params) -> pd.DataFrame:
    """Per category graded by llm_judge: whether it is, and the judge's agreement with people's labels.

    tpr: share of outputs people marked correct that the judge passed; tnr: share marked wrong it failed."""
    return cur.execute(f"""
        WITH sel AS ({selection}),
        judged AS (SELECT DISTINCT s.category FROM sel s JOIN suites USING (suite_id)
                   WHERE suites.grader->>'name' = 'llm_judge'),
        labelled AS (
            SELECT s.category, l.human_correct, t.correct AS judge_pass
            FROM judge_labels l JOIN sel s USING (suite_id)
            JOIN trials t USING (suite_id, task_id, model_id))
        SELECT j.category, true AS judged,
               count(*) FILTER (l.human_correct) AS judge_tpr_n,
               avg(l.judge_pass::INTEGER) FILTER (l.human_correct) AS judge_tpr,
               count(*) FILTER (NOT l.human_correct) AS judge_tnr_n,
               avg((NOT l.judge_pass)::INTEGER) FILTER (NOT l.human_correct) AS judge_tnr
        FROM judged j LEFT JOIN labelled l USING (category) GROUP BY j.category""", sel_params).df()


def _per_task(cur, selection, sel_params, where_t, params_t, repeated: pd.DataFrame) -> pd.DataFrame:
    """Tasks, pass^k and per-task counts for the (category, model) groups with repeated trials."""
    return cur.execute(f"""
        WITH sel AS ({selection}),
        per_task AS (
            SELECT s.category, t.model_id, t.suite_id, t.task_id, count(*) AS k,
                   sum(t.correct::INTEGER) AS correct, bool_and(t.correct) AS all_correct
            FROM trials t JOIN sel s USING (suite_id)
            WHERE t.model_id IN (SELECT unnest(?::VARCHAR[])) {where_t} GROUP BY ALL)
        SELECT category, model_id, count(*) AS tasks, avg(all_correct::INTEGER) AS pass_hat_k,
               list(correct) AS task_correct, list(k) AS task_trials
        FROM per_task GROUP BY ALL""",
        sel_params + [sorted(set(repeated["model_id"]))] + params_t).df()


def _model_info(cur) -> pd.DataFrame:
    """Tier and the latest snapshot price / infra profile of every model that ran (cached answers are priced
    at it: a reused answer is free to us, not to production)."""
    rows = cur.execute("SELECT prices FROM runs ORDER BY created_at").fetchall()
    info: dict[str, dict] = {}
    for (prices,) in rows:
        for model_id, snap in json.loads(prices).items():
            info[model_id] = snap
    for model_id, tier in cur.execute("SELECT model_id, tier FROM models").fetchall():
        info.setdefault(model_id, {"tier": tier})
    return pd.DataFrame([{"model_id": m, "tier": s.get("tier"), "display_name": s.get("display_name") or m,
                          "snapshot_input_per_mtok_usd": s.get("input_per_mtok_usd"),
                          "snapshot_output_per_mtok_usd": s.get("output_per_mtok_usd"),
                          "snapshot_infra": json.dumps(s["infra"]) if s.get("infra") else None}
                         for m, s in info.items()],
                        columns=["model_id", "tier", "display_name", "snapshot_input_per_mtok_usd",
                                 "snapshot_output_per_mtok_usd", "snapshot_infra"])


def _infra_rate_per_ms(profile_json: str | None, override: dict | None) -> float:
    """USD per millisecond of latency for a local model (DESIGN.md infra rate, shared over parallel requests)."""
    if override is None and not profile_json:
        return 0.0
    profile = InfraProfile(**(override if override is not None else json.loads(profile_json)))
    return profile.usd_for_latency(1.0)


def apply_scenario(facts: pd.DataFrame, scenario: Scenario, *, level: float = 0.95, method: str = "wilson",
                   bar: float | None = None) -> pd.DataFrame:
    """Per (category, model): money per trial by part, accepted share, cpat_usd, interval and verdict."""
    df = facts.copy()
    n = df["trials"].to_numpy(dtype=float)
    p = np.divide(df["correct"].to_numpy(dtype=float), n, out=np.zeros_like(n), where=n > 0)
    df["accuracy_judged"] = p
    corrected = _judge_corrections(df, level)
    p = np.where(np.isnan(corrected[0]), p, corrected[0])
    df["accuracy"] = p
    df["valid_share"] = np.divide(df["valid"].to_numpy(dtype=float), n, out=np.zeros_like(n), where=n > 0)

    model_sum, retry_sum, infra_sum = _priced_sums(df, scenario)
    df["model_usd"] = model_sum / n   # retries included (DESIGN.md)
    df["retry_usd"] = retry_sum / n
    df["infra_usd"] = infra_sum / n

    per_category = {c: scenario.for_category(c) for c in df["category"].unique()}
    categories = df["category"].to_numpy()
    a_cols = {name: np.array([getattr(per_category[c], name) for c in categories], dtype=float)
              for name in ("review_rate", "review_minutes", "reviewer_usd_per_hour", "catch_rate", "rework_minutes",
                           "failure_usd", "tool_usd_per_trial", "monthly_volume")}
    df["tool_usd"] = a_cols["tool_usd_per_trial"]
    machine_usd = (df["model_usd"] + df["tool_usd"] + df["infra_usd"]).to_numpy()
    terms = cost_terms(p, machine_usd, a_cols)
    df["review_usd"], df["rework_usd"], df["failure_usd"] = terms["review_usd"], terms["rework_usd"], terms["failure_usd"]
    df["total_usd_per_trial"] = df[list(COST_PARTS)].sum(axis=1)
    df["accepted_share"] = terms["accepted_share"]
    cpat = terms["cpat_usd"]
    df["cpat_usd"] = cpat  # NaN when nothing is accepted: undefined, sorted last, never 0
    df["monthly_volume"] = a_cols["monthly_volume"]
    df["monthly_usd"] = cpat * a_cols["monthly_volume"]
    df["bar"] = bar if bar is not None else df["bar"]
    low, high = stats.intervals(df["correct"].to_numpy(), df["trials"].to_numpy(), level, method)
    interval_kind = np.full(len(df), method, dtype=object)
    fixed = ~np.isnan(corrected[0])
    low, high = np.where(fixed, corrected[1], low), np.where(fixed, corrected[2], high)
    interval_kind[fixed] = "judge-corrected bootstrap"
    for i in np.flatnonzero((df["max_k"].to_numpy() > 1) & ~fixed):
        # k trials per task are not independent draws: resample tasks (cluster bootstrap), seeded
        low[i], high[i] = cluster_interval(df["task_correct"].iat[i], df["task_trials"].iat[i], level)
        interval_kind[i] = "cluster bootstrap"
    df["ci_low"], df["ci_high"] = low, high
    df["interval"] = interval_kind
    df["level"] = level
    df["verdict"] = np.where(low >= df["bar"], "clears", np.where(high < df["bar"], "fails", "undecided"))
    rules = {c: effective(_json(df.loc[df["category"] == c, "constraints"]), scenario.constraints.get(c))
             for c in per_category} if "constraints" in df else {}
    min_trials = np.array([rules.get(c, {}).get("min_trials", DEFAULT_MIN_TRIALS) for c in categories])
    # too few trials never clear, whatever the interval says (a 5/5 run certifies nothing)
    df["verdict"] = np.where((df["verdict"] == "clears") & (n < min_trials), "undecided", df["verdict"])
    # cpat if the true accuracy sat at either end of its interval: the range used to call near-ties
    df["cpat_best_usd"] = cpat_at_accuracy(df, high, a_cols)
    df["cpat_worst_usd"] = cpat_at_accuracy(df, low, a_cols)
    df["excluded"], df["excluded_detail"] = exclusions(df, rules)
    df["max_cpat_usd"] = [rules.get(c, {}).get("max_cpat_usd") for c in categories]
    df["input_tokens_per_trial"] = df["input_tokens_sum"] / n
    df["output_tokens_per_trial"] = df["output_tokens_sum"] / n
    return df


def _judge_corrections(df: pd.DataFrame, level: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(accuracy, low, high) corrected for the judge's measured error where people labelled enough outputs;
    NaN elsewhere. Also sets ``judge_status`` so pages can say when accuracy rests on an unvalidated judge."""
    out = np.full((3, len(df)), np.nan)
    status = np.full(len(df), None, dtype=object)
    if "judged" not in df:
        df["judge_status"] = status
        return out
    for i, row in enumerate(df[["judged", "judge_tpr", "judge_tnr", "judge_tpr_n", "judge_tnr_n", "correct",
                                "trials"]].itertuples(index=False)):
        if row.judged is not True:
            continue
        if not (row.judge_tpr_n and row.judge_tnr_n) or row.judge_tpr_n != row.judge_tpr_n:
            status[i] = "unvalidated judge: no people's labels of both correct and wrong outputs"
            continue
        try:
            out[:, i] = stats.judge_corrected_accuracy(int(row.correct), int(row.trials), row.judge_tpr,
                                                       row.judge_tnr, int(row.judge_tpr_n), int(row.judge_tnr_n),
                                                       level)
            status[i] = (f"judge validated on {int(row.judge_tpr_n + row.judge_tnr_n)} labels "
                         f"(agrees on {row.judge_tpr:.0%} of correct, {row.judge_tnr:.0%} of wrong outputs)")
        except ValueError as exc:  # a judge no better than chance cannot be corrected
            status[i] = f"judge unusable: {exc}"
    df["judge_status"] = status
    return out[0], out[1], out[2]


def _json(values: pd.Series) -> dict | None:
    raw = values.dropna()
    return json.loads(raw.iat[0]) if len(raw) else None


def cost_terms(p, machine_usd, a) -> dict:
    """DESIGN.md's ledger, the one place it is written: review, rework and expected failure USD per trial,
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
    return {"review_usd": review, "rework_usd": rework, "failure_usd": failure, "accepted_share": accepted,
            "cpat_usd": cpat}


def cpat_at_accuracy(df: pd.DataFrame, p: np.ndarray, a: dict) -> np.ndarray:
    """cpat_usd of each row if its accuracy were ``p`` (same model, tool and infra cost per trial)."""
    return cost_terms(p, (df["model_usd"] + df["tool_usd"] + df["infra_usd"]).to_numpy(), a)["cpat_usd"]


def cluster_interval(task_correct, task_trials, level: float, n_boot: int = 2000, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap over tasks of pass@1 (correct trials / trials), for uneven trials per task too."""
    correct = np.asarray(task_correct, dtype=float)
    trials = np.asarray(task_trials, dtype=float)
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(correct), size=(n_boot, len(correct)))
    means = correct[picks].sum(axis=1) / trials[picks].sum(axis=1)
    alpha = 1 - level
    return float(np.quantile(means, alpha / 2)), float(np.quantile(means, 1 - alpha / 2))


def _priced_sums(df: pd.DataFrame, scenario: Scenario) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Model, retry and infra USD sums: stored costs (the run's price snapshot), cached answers priced at the
    snapshot, and a scenario's price / infra overrides re-pricing from tokens and latency with no new calls."""
    model_sum = df["cost_usd_sum"].to_numpy(dtype=float).copy()
    retry_sum = df["retry_cost_usd_sum"].fillna(0).to_numpy(dtype=float).copy()
    infra_sum = df["infra_usd_sum"].to_numpy(dtype=float).copy()
    models = df["model_id"].to_numpy()
    cached = (df["cached_input_tokens_sum"].fillna(0).to_numpy() > 0) | (df["cached_latency_ms_sum"].fillna(0).to_numpy() > 0)
    touched = np.flatnonzero(cached | np.isin(models, list(scenario.prices) + list(scenario.infra)))
    for i in touched:  # only rows with overrides or cached answers need more than the stored sums
        row = df.iloc[i]
        override = scenario.prices.get(row.model_id)
        if override is not None:
            price_in, price_out = override["input_per_mtok_usd"], override["output_per_mtok_usd"]
            model_sum[i] = (row.input_tokens_sum * price_in + row.output_tokens_sum * price_out) / 1e6
            retry_sum[i] = ((row.retry_input_tokens_sum or 0) * price_in
                            + (row.retry_output_tokens_sum or 0) * price_out) / 1e6
        elif row.cached_input_tokens_sum and not pd.isna(row.snapshot_input_per_mtok_usd):
            model_sum[i] += (row.cached_input_tokens_sum * row.snapshot_input_per_mtok_usd
                             + row.cached_output_tokens_sum * row.snapshot_output_per_mtok_usd) / 1e6
        infra_override = scenario.infra.get(row.model_id)
        if infra_override is not None:
            infra_sum[i] = row.latency_ms_sum * _infra_rate_per_ms(None, infra_override)
        elif row.cached_latency_ms_sum and row.snapshot_infra:
            infra_sum[i] += row.cached_latency_ms_sum * _infra_rate_per_ms(row.snapshot_infra, None)
    return model_sum, retry_sum, infra_sum


def ledger(con: duckdb.DuckDBPyConnection, scenario: Scenario | None = None, *, runs=None, suites=None,
           models=None, level: float = 0.95, method: str = "wilson", bar: float | None = None) -> pd.DataFrame:
    """The full ledger for a selection of stored results under one scenario."""
    return apply_scenario(ledger_facts(con, runs=runs, suites=suites, models=models), scenario or Scenario(),
                          level=level, method=method, bar=bar)
