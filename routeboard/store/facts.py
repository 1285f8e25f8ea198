"""Ledger facts: the scenario-free sums per (category, model) that every decision rests on (docs/design.md).

The expensive part of a decision is here, as DuckDB SQL over trials and attempts; everything after it (what-if,
verdicts, routes) is arithmetic on the frame, so a what-if change never touches the database. The frame's
columns are the contract documented in ``routeboard.decide.facts``.
"""

from __future__ import annotations

import json

import duckdb
import pandas as pd

from routeboard.decide.facts import facts_frame
from routeboard.store import review_stats
from routeboard.store.runs import latest_price_snapshots


def _filters(alias: str, runs, models) -> tuple[str, list]:
    clauses, params = [], []
    if runs:
        clauses.append(f"{alias}.run_id IN (SELECT unnest(?::VARCHAR[]))")
        params.append(list(runs))
    if models:
        clauses.append(f"{alias}.model_id IN (SELECT unnest(?::VARCHAR[]))")
        params.append(list(models))
    return "".join(f" AND {c}" for c in clauses), params


# The attempts of trials waiting for review are left out with them (their cost per trial would count twice);
# joined only when some trial waits, as the join costs ~50% more on a million attempts.
_NOT_PENDING = """ANTI JOIN (SELECT run_id, suite_id, task_id, model_id, trial FROM trials WHERE outcome = 'pending') p
             USING (run_id, suite_id, task_id, model_id, trial)"""


def _selection(suites, runs) -> tuple[str, list]:
    """Named suites (name or name@version); else all versions a chosen run used; else each suite's latest."""
    columns = "suite_id, category, bar, constraints, task_count"
    if suites:
        return (
            f"SELECT {columns} FROM suites WHERE suite_id IN (SELECT unnest(?::VARCHAR[])) "
            "OR (name IN (SELECT unnest(?::VARCHAR[])) AND version = (SELECT max(version) FROM suites s2 "
            "WHERE s2.name = suites.name))",
            [list(suites), list(suites)],
        )
    if runs:
        return f"SELECT {columns} FROM suites", []
    return f"SELECT {columns} FROM suites QUALIFY version = max(version) OVER (PARTITION BY name)", []


def ledger_facts(con: duckdb.DuckDBPyConnection, *, runs=None, suites=None, models=None) -> pd.DataFrame:
    """Scenario-free sums per (category, model): tasks, trials, correct, valid, tokens, stored cost, latency."""
    cur = con.cursor()
    selection, sel_params = _selection(suites, runs)
    where_t, params_t = _filters("t", runs, models)
    where_a, params_a = _filters("a", runs, models)
    # Evidence is counted in independent tasks. Only groups where some task ran more than once (repeated trials,
    # or several runs of one suite) pay for the per-task grouping: a million-group aggregation is most of the
    # cost at scale. Whether a group spans several runs is min <> max: a distinct count of runs costs ~0.1 s more.
    trials = cur.execute(
        f"""
        WITH sel AS ({selection})
        SELECT s.category, t.model_id, count(*) AS trials, min(t.run_id) <> max(t.run_id) AS several_runs,
               sum(t.correct::INTEGER)::BIGINT AS correct, sum(t.valid::INTEGER)::BIGINT AS valid,
               max(t.trial) AS max_k, coalesce(sum(t.judge_cost_usd), 0) AS judge_usd_sum,
               any_value(b.bar) AS bar, any_value(b.constraints)::VARCHAR AS constraints,
               any_value(b.suite_tasks) AS suite_tasks
        FROM trials t JOIN sel s USING (suite_id)
        JOIN (SELECT category, max(bar) AS bar, any_value(constraints) AS constraints,
                     sum(task_count) AS suite_tasks FROM sel GROUP BY category) b
             USING (category)
        WHERE t.outcome <> 'pending' {where_t} GROUP BY ALL""",
        sel_params + params_t,
    ).df()
    # A task can only repeat with k > 1 trials or across runs (the key allows one trial per run and number), so
    # only those groups are counted task by task; elsewhere tasks = trials. Counting distinct tasks for every
    # group instead costs ~250 ms at a million trials.
    maybe_repeated = trials[(trials["max_k"] > 1) | trials["several_runs"]]
    trials = trials.assign(
        tasks=trials["trials"], pass_hat_k=trials["correct"] / trials["trials"], task_correct=None, task_trials=None
    )
    if len(maybe_repeated):
        per_task = _per_task(cur, selection, sel_params, where_t, params_t, sorted(set(maybe_repeated["model_id"])))
        trials = trials.set_index(["category", "model_id"])
        per_task = per_task.set_index(["category", "model_id"])
        trials.update(per_task[["tasks", "pass_hat_k"]])
        repeated = per_task[per_task["tasks"] < per_task["k_sum"]]
        trials.loc[repeated.index, "task_correct"] = pd.Series(repeated["task_correct"].tolist(), index=repeated.index)
        trials.loc[repeated.index, "task_trials"] = pd.Series(repeated["task_trials"].tolist(), index=repeated.index)
        trials = trials.reset_index()
    pending = review_stats.pending_counts(cur, selection, sel_params, where_t, params_t)
    attempts = cur.execute(
        f"""
        WITH sel AS ({selection})
        SELECT s.category, a.model_id,
               count(*) AS attempts,
               count(*) FILTER (a.cost_usd IS NULL AND NOT a.cached) AS unpriced_attempts,
               count(*) FILTER (a.input_tokens IS NULL OR a.output_tokens IS NULL) AS untokened_attempts,
               coalesce(sum(a.cost_usd), 0) AS cost_usd_sum,
               coalesce(sum(a.cost_usd) FILTER (a.attempt > 1), 0) AS retry_cost_usd_sum,
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
        FROM attempts a JOIN sel s USING (suite_id) {_NOT_PENDING if len(pending) else ""}
        WHERE true {where_a} GROUP BY ALL""",
        sel_params + params_a,
    ).df()
    trials = trials.merge(_judge_agreement(cur, selection, sel_params), on="category", how="left")
    trials = _with_review_figures(trials, pending, cur, selection, sel_params, runs, models)
    facts = trials.merge(attempts, on=["category", "model_id"], how="left")
    return facts_frame(facts.merge(model_info(cur), on="model_id", how="left"))


def _with_review_figures(trials: pd.DataFrame, pending, cur, selection, sel_params, runs, models) -> pd.DataFrame:
    """Trials waiting for review, trials people decided, and measured review / rework minutes
    (routeboard.decide.facts)."""
    where_r, params_r = _filters("r", runs, models)
    per_model, per_category = review_stats.split_figures(
        review_stats.review_figures(cur, selection, sel_params, where_r, params_r)
    )
    keys = ["category", "model_id"]
    return (
        trials.merge(pending, on=keys, how="left")
        .merge(per_model, on=keys, how="left")
        .merge(_category_columns(per_category), on="category", how="left")
    )


def _category_columns(per_category: pd.DataFrame) -> pd.DataFrame:
    """The per-category review figures under their contract names (category_reviews_n, ...)."""
    figures = per_category.drop(columns="reviewed")
    return figures.rename(columns={c: f"category_{c}" for c in figures.columns if c != "category"})


def _judge_agreement(cur, selection, sel_params) -> pd.DataFrame:
    """Per category graded by llm_judge: whether it is, and the judge's agreement with people's labels.

    tpr: share of outputs people marked correct that the judge passed; tnr: share marked wrong it failed."""
    return cur.execute(
        f"""
        WITH sel AS ({selection}),
        judged AS (SELECT DISTINCT s.category FROM sel s JOIN suites USING (suite_id)
                   WHERE (suites.grader->>'name') = 'llm_judge'),
        labelled AS (
            SELECT s.category, l.human_correct, t.correct AS judge_pass
            FROM judge_labels l JOIN sel s USING (suite_id)
            JOIN trials t USING (suite_id, task_id, model_id) WHERE t.outcome <> 'pending')
        SELECT j.category, true AS judged,
               count(*) FILTER (l.human_correct) AS judge_tpr_n,
               avg(l.judge_pass::INTEGER) FILTER (l.human_correct) AS judge_tpr,
               count(*) FILTER (NOT l.human_correct) AS judge_tnr_n,
               avg((NOT l.judge_pass)::INTEGER) FILTER (NOT l.human_correct) AS judge_tnr
        FROM judged j LEFT JOIN labelled l USING (category) GROUP BY j.category""",
        sel_params,
    ).df()


def _per_task(cur, selection, sel_params, where_t, params_t, model_ids: list[str]) -> pd.DataFrame:
    """Tasks, pass^k and per-task counts (correct trials, trials) for the models whose tasks may repeat."""
    return cur.execute(
        f"""
        WITH sel AS ({selection}),
        per_task AS (
            SELECT s.category, t.model_id, t.suite_id, t.task_id, count(*) AS k,
                   sum(t.correct::INTEGER) AS correct, bool_and(t.correct) AS all_correct
            FROM trials t JOIN sel s USING (suite_id)
            WHERE t.outcome <> 'pending' AND t.model_id IN (SELECT unnest(?::VARCHAR[])) {where_t} GROUP BY ALL)
        SELECT category, model_id, count(*) AS tasks, sum(k) AS k_sum, avg(all_correct::INTEGER) AS pass_hat_k,
               list(correct ORDER BY suite_id, task_id) AS task_correct,
               list(k ORDER BY suite_id, task_id) AS task_trials
        FROM per_task GROUP BY ALL""",
        sel_params + [model_ids] + params_t,
    ).df()


def model_info(cur) -> pd.DataFrame:
    """Tier and the latest snapshot price / infra profile of every model that ran (cached answers are priced
    at it: a reused answer is free to us, not to production)."""
    info = latest_price_snapshots(cur)
    # Prices are snapshotted per run so old results keep their cost; a tier is a classification the user may
    # correct at any time, so the catalog's current tier wins.
    for model_id, tier in cur.execute("SELECT model_id, tier FROM models").fetchall():
        info[model_id] = {**info.get(model_id, {}), "tier": tier}
    return pd.DataFrame(
        [
            {
                "model_id": m,
                "tier": s.get("tier"),
                "display_name": s.get("display_name") or m,
                "snapshot_input_per_mtok_usd": s.get("input_per_mtok_usd"),
                "snapshot_output_per_mtok_usd": s.get("output_per_mtok_usd"),
                "snapshot_infra": json.dumps(s["infra"]) if s.get("infra") else None,
            }
            for m, s in info.items()
        ],
        columns=[
            "model_id",
            "tier",
            "display_name",
            "snapshot_input_per_mtok_usd",
            "snapshot_output_per_mtok_usd",
            "snapshot_infra",
        ],
    )


def cascade_facts(
    con: duckdb.DuckDBPyConnection, pairs: list[tuple[str, str, str]], *, runs=None, suites=None
) -> pd.DataFrame:
    """Ledger facts of cascades simulated from stored per-trial results: ask ``first``; when its output is
    invalid (validator failed, or an error), escalate to ``second`` and pay for both. No new calls.

    Escalated answers carry their own stored cost, so a cascade needs no snapshot re-pricing; a cascade with an
    unpriced side has an unknown cost (``unpriced_attempts``), never a cheaper one."""
    if not pairs:
        return facts_frame(pd.DataFrame())
    cur = con.cursor()
    selection, sel_params = _selection(suites, runs)
    where_t, params_t = _filters("t", runs, None)
    # only the paired models' attempts and trials are summed (a scalar filter DuckDB applies in the scan, where an
    # IN (subquery) ran after the join): the rest of a large ledger is never joined
    paired = sorted({m for _, first, second in pairs for m in (first, second)})
    facts = cur.execute(
        f"""
        WITH sel AS ({selection}),
        pairs AS (SELECT unnest(?::VARCHAR[]) AS category, unnest(?::VARCHAR[]) AS first,
                         unnest(?::VARCHAR[]) AS second),
        att AS (SELECT run_id, suite_id, task_id, model_id, trial, sum(cost_usd) AS cost_usd,
                       count(*) FILTER (cost_usd IS NULL AND NOT cached) AS unpriced,
                       sum(infra_usd) AS infra_usd, sum(coalesce(input_tokens, 0)) AS input_tokens,
                       sum(coalesce(output_tokens, 0)) AS output_tokens, sum(coalesce(latency_ms, 0)) AS latency_ms
                FROM attempts WHERE list_contains(?::VARCHAR[], model_id) GROUP BY ALL),
        per_trial AS (  -- one result per (model, task, trial): the latest run's, taken whole as one struct
            SELECT s.category, suite_id, task_id, trial, model_id, r.correct, r.valid, r.cost_usd, r.unpriced,
                   r.judge_usd, r.infra_usd, r.input_tokens, r.output_tokens, r.latency_ms
            FROM (SELECT t.suite_id, t.task_id, t.trial, t.model_id,
                         arg_max({{'correct': t.correct, 'valid': t.valid, 'cost_usd': coalesce(a.cost_usd, 0),
                                  'unpriced': coalesce(a.unpriced, 0), 'judge_usd': coalesce(t.judge_cost_usd, 0),
                                  'infra_usd': a.infra_usd, 'input_tokens': a.input_tokens,
                                  'output_tokens': a.output_tokens, 'latency_ms': a.latency_ms}},
                                 t.finished_at) AS r
                  FROM trials t LEFT JOIN att a USING (run_id, suite_id, task_id, model_id, trial)
                  WHERE t.outcome <> 'pending' AND list_contains(?::VARCHAR[], t.model_id) {where_t}
                  GROUP BY ALL)
            JOIN sel s USING (suite_id))
        SELECT p.category, p.first || ' → ' || p.second AS model_id, p.first, p.second,
               count(*) AS trials, count(DISTINCT (x.suite_id, x.task_id)) AS tasks,
               sum((CASE WHEN x.valid THEN x.correct ELSE y.correct END)::INTEGER) AS correct,
               sum((x.valid OR y.valid)::INTEGER) AS valid,
               sum((NOT x.valid)::INTEGER) AS escalated,
               sum(x.unpriced + CASE WHEN x.valid THEN 0 ELSE y.unpriced END) AS unpriced_attempts,
               sum(x.cost_usd + CASE WHEN x.valid THEN 0 ELSE y.cost_usd END) AS cost_usd_sum,
               sum(CASE WHEN x.valid THEN 0 ELSE y.cost_usd END) AS retry_cost_usd_sum,
               sum(x.judge_usd + CASE WHEN x.valid THEN 0 ELSE y.judge_usd END) AS judge_usd_sum,
               sum(x.infra_usd + CASE WHEN x.valid THEN 0 ELSE y.infra_usd END) AS infra_usd_sum,
               sum(x.input_tokens + CASE WHEN x.valid THEN 0 ELSE y.input_tokens END) AS input_tokens_sum,
               sum(x.output_tokens + CASE WHEN x.valid THEN 0 ELSE y.output_tokens END) AS output_tokens_sum,
               sum(x.latency_ms + CASE WHEN x.valid THEN 0 ELSE y.latency_ms END) AS latency_ms_sum,
               quantile_cont(x.latency_ms + CASE WHEN x.valid THEN 0 ELSE y.latency_ms END, 0.5) AS latency_ms_p50,
               quantile_cont(x.latency_ms + CASE WHEN x.valid THEN 0 ELSE y.latency_ms END, 0.95) AS latency_ms_p95,
               max(x.trial) AS max_k, any_value(b.bar) AS bar, any_value(b.constraints)::VARCHAR AS constraints
        FROM pairs p
        JOIN per_trial x ON x.category = p.category AND x.model_id = p.first
        JOIN per_trial y ON y.category = p.category AND y.model_id = p.second
             AND y.suite_id = x.suite_id AND y.task_id = x.task_id AND y.trial = x.trial
        JOIN (SELECT category, max(bar) AS bar, any_value(constraints) AS constraints FROM sel GROUP BY category) b
             ON b.category = p.category
        GROUP BY ALL""",
        sel_params
        + [[c for c, _, _ in pairs], [a for _, a, _ in pairs], [b for _, _, b in pairs], paired, paired]
        + params_t,
    ).df()
    if facts.empty:
        return facts_frame(facts)
    # a cascade is priced with its category's measured review minutes, like the single models it is compared with
    where_r, params_r = _filters("r", runs, None)
    figures = review_stats.review_figures(cur, selection, sel_params, where_r, params_r)
    _, per_category = review_stats.split_figures(figures)
    facts = facts.merge(_category_columns(per_category), on="category", how="left")
    return facts_frame(
        facts.assign(attempts=facts["trials"], pass_hat_k=float("nan"), tier="cascade", display_name=facts["model_id"])
    )


def stored_counts(con: duckdb.DuckDBPyConnection) -> dict:
    """How many runs, attempts and outputs waiting for review the database holds (the Overview's headline)."""
    runs, attempts, pending = (
        con.cursor()
        .execute(
            "SELECT (SELECT count(*) FROM runs), (SELECT count(*) FROM attempts), "
            "(SELECT count(*) FROM trials WHERE outcome = 'pending')"
        )
        .fetchone()
    )
    return {"runs": runs, "attempts": attempts, "pending": pending}


def result_filters(con: duckdb.DuckDBPyConnection) -> dict:
    """The categories and models stored results can be filtered by (Results page)."""
    cur = con.cursor()
    return {
        "categories": [c for (c,) in cur.execute("SELECT DISTINCT category FROM suites ORDER BY 1").fetchall()],
        "models": [m for (m,) in cur.execute("SELECT DISTINCT model_id FROM trials ORDER BY 1").fetchall()],
    }
