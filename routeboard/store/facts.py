"""Ledger facts: the scenario-free sums per (category, model) that every decision rests on (docs/design.md).

The expensive part of a decision is here, as DuckDB SQL over trials and attempts; everything after it (what-if,
verdicts, routes) is arithmetic on the frame, so a what-if change never touches the database. The frame's
columns are the contract documented in ``routeboard.decide.facts``.
"""

from __future__ import annotations

import json

import duckdb
import pandas as pd

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


def _selection(cur: duckdb.DuckDBPyConnection, suites, runs) -> tuple[str, list]:
    """Named suites (name or name@version); else all versions a chosen run used; else each suite's latest version
    with evidence of its own (a decided trial), or its latest when none has any: a new version (reviewed answers
    promoted, a file uploaded again) takes over once it has results, and the board keeps the old one's until then."""
    columns = "suite_id, name, version, category, bar, constraints, task_count"
    if suites:
        return (
            f"SELECT {columns} FROM suites WHERE suite_id IN (SELECT unnest(?::VARCHAR[])) "
            "OR (name IN (SELECT unnest(?::VARCHAR[])) AND version = (SELECT max(version) FROM suites s2 "
            "WHERE s2.name = suites.name))",
            [list(suites), list(suites)],
        )
    if runs:
        return f"SELECT {columns} FROM suites", []
    latest = "QUALIFY version = max(version) OVER (PARTITION BY name)"
    passed_over = _versions_without_evidence(cur)
    if not passed_over:
        return f"SELECT {columns} FROM suites {latest}", []
    return f"SELECT {columns} FROM suites WHERE suite_id NOT IN (SELECT unnest(?::VARCHAR[])) {latest}", [passed_over]


def _versions_without_evidence(cur: duckdb.DuckDBPyConnection) -> list[str]:
    """Versions of a suite with several that the board passes over: newer than its latest version with a decided
    trial (where one has any). Only names with several versions pay for the look at trials."""
    versions = cur.execute(
        "SELECT name, version, suite_id FROM suites QUALIFY count(*) OVER (PARTITION BY name) > 1"
    ).fetchall()
    if not versions:
        return []
    decided = {
        suite_id
        for (suite_id,) in cur.execute(
            "SELECT DISTINCT suite_id FROM trials WHERE suite_id IN (SELECT unnest(?::VARCHAR[])) "
            "AND outcome <> 'pending'",
            [[suite_id for *_, suite_id in versions]],
        ).fetchall()
    }
    with_evidence: dict[str, int] = {}
    for name, version, suite_id in versions:
        if suite_id in decided:
            with_evidence[name] = max(version, with_evidence.get(name, 0))
    return [suite_id for name, version, suite_id in versions if version > with_evidence.get(name, version)]


def ledger_sums(con: duckdb.DuckDBPyConnection, *, runs=None, suites=None, models=None) -> pd.DataFrame:
    """Scenario-free sums per (category, model): tasks, trials, correct, valid, tokens, stored cost, latency; the
    category's rules are joined by ``decide.facts.ledger_facts``, which makes the contract frame."""
    cur = con.cursor()
    selection, sel_params = _selection(cur, suites, runs)
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
               max(t.trial) AS max_k, coalesce(sum(t.judge_cost_usd), 0) AS judge_usd_sum
        FROM trials t JOIN sel s USING (suite_id)
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
        trials = _with_task_counts(trials, per_task, ["category", "model_id"])
    pending = review_stats.pending_counts(cur, selection, sel_params, where_t, params_t)
    attempts = cur.execute(
        f"""
        WITH sel AS ({selection})
        SELECT s.category, a.model_id,
               count(*) AS attempts,
               count(*) FILTER (a.cost_usd IS NULL AND NOT a.cached) AS unpriced_attempts,
               count(*) FILTER (a.input_tokens IS NULL OR a.output_tokens IS NULL) AS untokened_attempts,
               count(*) FILTER (a.latency_ms IS NULL AND a.error_kind IS NULL) AS unmeasured_latency_attempts,
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
    return facts.merge(model_info(cur), on="model_id", how="left")


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

    tpr: share of outputs people marked correct that the judge passed; tnr: share marked wrong it failed.
    A label is stored once per (suite, task, model) (judge_labels' key: a review or a labels file replaces the
    earlier one), so it is a person's verdict on that model's answer to that task, not on one trial of one run:
    each label counts once, against the judge's pass share over that task's decided trials (in every run). Joined
    to each trial instead, one label would count k times per run and narrow the judge's interval as if it were
    k x runs independent labels."""
    return cur.execute(
        f"""
        WITH sel AS ({selection}),
        judged AS (SELECT DISTINCT s.category FROM sel s JOIN suites USING (suite_id)
                   WHERE (suites.grader->>'name') = 'llm_judge'),
        labelled AS (
            SELECT s.category, any_value(l.human_correct) AS human_correct, avg(t.correct::INTEGER) AS judge_pass
            FROM judge_labels l JOIN sel s USING (suite_id)
            JOIN trials t USING (suite_id, task_id, model_id) WHERE t.outcome <> 'pending'
            GROUP BY s.category, l.suite_id, l.task_id, l.model_id)
        SELECT j.category, true AS judged,
               count(*) FILTER (l.human_correct) AS judge_tpr_n,
               avg(l.judge_pass) FILTER (l.human_correct) AS judge_tpr,
               count(*) FILTER (NOT l.human_correct) AS judge_tnr_n,
               avg(1 - l.judge_pass) FILTER (NOT l.human_correct) AS judge_tnr
        FROM judged j LEFT JOIN labelled l USING (category) GROUP BY j.category""",
        sel_params,
    ).df()


def _per_task(cur, selection, sel_params, where_t, params_t, model_ids: list[str]) -> pd.DataFrame:
    """Tasks, pass^k and per-task counts (correct trials, trials) for the models whose tasks may repeat."""
    graded = f"""(SELECT s.category, t.model_id, t.suite_id, t.task_id, t.correct
                  FROM trials t JOIN sel s USING (suite_id)
                  WHERE t.outcome <> 'pending' AND t.model_id IN (SELECT unnest(?::VARCHAR[])) {where_t})"""
    return cur.execute(
        f"WITH sel AS ({selection}) {_task_counts(graded, 'category, model_id')}", sel_params + [model_ids] + params_t
    ).df()


def _task_counts(graded: str, keys: str) -> str:
    """SQL counting evidence task by task per group of ``keys`` over ``graded`` (one row per decided trial, with
    suite_id, task_id and correct): tasks, trials (k_sum), pass^k, and per task its correct trials and trials.
    Single models and simulated cascades are both counted here, so their intervals are over the same tasks."""
    return f"""
        SELECT {keys}, count(*) AS tasks, sum(k) AS k_sum, avg(all_correct::INTEGER) AS pass_hat_k,
               list(correct ORDER BY suite_id, task_id) AS task_correct,
               list(k ORDER BY suite_id, task_id) AS task_trials
        FROM (SELECT {keys}, suite_id, task_id, count(*) AS k, sum(correct::INTEGER) AS correct,
                     bool_and(correct) AS all_correct
              FROM {graded} GROUP BY ALL)
        GROUP BY ALL"""


_TASK_LISTS = ("task_correct", "task_trials")


def _with_task_counts(frame: pd.DataFrame, per_task: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """``frame`` with tasks and pass^k from ``per_task``, and the per-task lists only where some task ran more
    than once (elsewhere tasks = trials, and the interval over trials is the same one)."""
    frame = frame.set_index(keys)
    counted = per_task.set_index(keys).reindex(frame.index)
    known = counted["tasks"].notna()
    repeated = known & (counted["tasks"] < counted["k_sum"])
    lists = {c: pd.Series(counted[c].tolist(), index=frame.index, dtype=object) for c in _TASK_LISTS}
    return frame.assign(
        tasks=counted["tasks"].where(known, frame["tasks"]),
        pass_hat_k=counted["pass_hat_k"].where(known, frame["pass_hat_k"]),
        **{c: values.where(repeated, None) for c, values in lists.items()},
    ).reset_index()


def stated_rules(con: duckdb.DuckDBPyConnection, *, runs=None, suites=None) -> pd.DataFrame:
    """The rules each selected suite version states (category, suite_id, name, version, bar, constraints,
    task_count); when runs are chosen (and no suite named), of the versions those runs used."""
    cur = con.cursor()
    selection, sel_params = _selection(cur, suites, runs)
    used, params = "", list(sel_params)
    if runs and not suites:
        used = "WHERE suite_id IN (SELECT DISTINCT suite_id FROM trials WHERE run_id IN (SELECT unnest(?::VARCHAR[])))"
        params.append(list(runs))
    stated = cur.execute(
        f"""WITH sel AS ({selection})
            SELECT category, suite_id, name, version, bar, constraints::VARCHAR AS constraints, task_count
            FROM sel {used}""",
        params,
    ).df()
    return stated


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


# per side of a cascade, the sums its calls need beyond their stored cost (priced by decide.facts.cascade_facts)
CASCADE_SIDE_SUMS = ("unmeasured", "cached", "cached_input_tokens", "cached_output_tokens", "cached_latency_ms")


_SIDE_COLUMNS = ", ".join(f"sum({side}_{c}) AS {side}_{c}" for side in ("first", "second") for c in CASCADE_SIDE_SUMS)


def cascade_sums(
    con: duckdb.DuckDBPyConnection, pairs: list[tuple[str, str, str]], *, runs=None, suites=None
) -> pd.DataFrame:
    """Sums of cascades simulated from stored per-trial results: ask ``first``; when its output is invalid
    (validator failed, or an error), escalate to ``second`` and pay for both. No new calls. Each side's reused
    answers are summed apart (``first_cached_input_tokens``, ...) for ``decide.facts.cascade_facts`` to price.

    Counted as a single model is: every decided trial of ``first``, in every stored run, is one cascade trial, and
    evidence is counted task by task (``task_correct`` / ``task_trials``), so the interval is over tasks. Its
    fallback is ``second``'s answer to the same task in the same run and trial where there is one, else in the
    same trial number, else its latest. Each side's calls carry their stored cost; answers reused from the cache
    are priced at that model's latest snapshot, as the ledger prices a single model's; a side whose cost is
    unknown makes the cascade's unknown (``unpriced_attempts``), never cheaper."""
    if not pairs:
        return pd.DataFrame()
    cur = con.cursor()
    selection, sel_params = _selection(cur, suites, runs)
    where_t, params_t = _filters("t", runs, None)
    # only the paired models' attempts and trials are summed (a scalar filter DuckDB applies in the scan, where an
    # IN (subquery) ran after the join): the rest of a large ledger is never joined
    paired = sorted({m for _, first, second in pairs for m in (first, second)})
    facts = cur.execute(
        f"""
        WITH sel AS ({selection}),
        pairs AS (SELECT unnest(?::VARCHAR[]) AS category, unnest(?::VARCHAR[]) AS first,
                         unnest(?::VARCHAR[]) AS second),
        att AS (SELECT run_id, suite_id, task_id, model_id, trial, coalesce(sum(cost_usd), 0) AS cost_usd,
                       count(*) FILTER (cost_usd IS NULL AND NOT cached) AS unpriced,
                       coalesce(sum(infra_usd), 0) AS infra_usd, sum(coalesce(input_tokens, 0)) AS input_tokens,
                       sum(coalesce(output_tokens, 0)) AS output_tokens, sum(coalesce(latency_ms, 0)) AS latency_ms,
                       count(*) FILTER (latency_ms IS NULL AND error_kind IS NULL) AS unmeasured,
                       count(*) FILTER (cached) AS cached,
                       coalesce(sum(input_tokens) FILTER (cached), 0) AS cached_input_tokens,
                       coalesce(sum(output_tokens) FILTER (cached), 0) AS cached_output_tokens,
                       coalesce(sum(latency_ms) FILTER (cached), 0) AS cached_latency_ms
                FROM attempts WHERE list_contains(?::VARCHAR[], model_id) GROUP BY ALL),
        res AS (  -- every decided trial of the paired models, in every stored run, with its calls' sums
            SELECT s.category, t.run_id, t.suite_id, t.task_id, t.trial, t.model_id, t.correct, t.valid,
                   t.finished_at, coalesce(t.judge_cost_usd, 0) AS judge_usd,
                   coalesce(a.cost_usd, 0) AS cost_usd, coalesce(a.unpriced, 0) AS unpriced,
                   coalesce(a.infra_usd, 0) AS infra_usd, coalesce(a.input_tokens, 0) AS input_tokens,
                   coalesce(a.output_tokens, 0) AS output_tokens, coalesce(a.latency_ms, 0) AS latency_ms,
                   coalesce(a.unmeasured, 0) AS unmeasured, coalesce(a.cached, 0) AS cached,
                   coalesce(a.cached_input_tokens, 0) AS cached_input_tokens,
                   coalesce(a.cached_output_tokens, 0) AS cached_output_tokens,
                   coalesce(a.cached_latency_ms, 0) AS cached_latency_ms
            FROM trials t JOIN sel s USING (suite_id) LEFT JOIN att a USING (run_id, suite_id, task_id, model_id, trial)
            WHERE t.outcome <> 'pending' AND list_contains(?::VARCHAR[], t.model_id) {where_t}),
        chosen AS (  -- each trial of the first model with the fallback's answer it would have escalated to
            SELECT p.category, p.first, p.second, x AS f, y AS s
            FROM pairs p
            JOIN res x ON x.category = p.category AND x.model_id = p.first
            JOIN res y ON y.category = p.category AND y.model_id = p.second
                 AND y.suite_id = x.suite_id AND y.task_id = x.task_id
            QUALIFY row_number() OVER (
                PARTITION BY p.category, p.first, p.second, x.run_id, x.suite_id, x.task_id, x.trial
                ORDER BY (y.run_id = x.run_id AND y.trial = x.trial) DESC, (y.trial = x.trial) DESC,
                         (y.run_id = x.run_id) DESC, y.finished_at DESC, y.run_id DESC) = 1),
        cas AS MATERIALIZED (  -- one row per cascade trial; e = 1 where the fallback is asked and paid
            SELECT category, first || ' → ' || second AS model_id, first, second, f.suite_id, f.task_id, f.trial,
                   (NOT f.valid)::INTEGER AS e, CASE WHEN f.valid THEN f.correct ELSE s.correct END AS correct,
                   f.valid OR s.valid AS valid, f.unpriced + e * s.unpriced AS unpriced,
                   f.cost_usd + e * s.cost_usd AS cost_usd, e * s.cost_usd AS retry_cost_usd,
                   f.judge_usd + e * s.judge_usd AS judge_usd, f.infra_usd + e * s.infra_usd AS infra_usd,
                   f.input_tokens + e * s.input_tokens AS input_tokens,
                   f.output_tokens + e * s.output_tokens AS output_tokens,
                   f.latency_ms + e * s.latency_ms AS latency_ms,
                   -- a trial's latency is unknown where a call it paid for has none measured
                   CASE WHEN f.unmeasured + e * s.unmeasured = 0 THEN f.latency_ms + e * s.latency_ms END
                       AS measured_latency_ms,
                   f.unmeasured AS first_unmeasured, e * s.unmeasured AS second_unmeasured,
                   f.cached AS first_cached, e * s.cached AS second_cached,
                   f.cached_input_tokens AS first_cached_input_tokens,
                   e * s.cached_input_tokens AS second_cached_input_tokens,
                   f.cached_output_tokens AS first_cached_output_tokens,
                   e * s.cached_output_tokens AS second_cached_output_tokens,
                   f.cached_latency_ms AS first_cached_latency_ms, e * s.cached_latency_ms AS second_cached_latency_ms
            FROM chosen),
        totals AS (
            SELECT category, model_id, first, second, count(*) AS trials, sum(correct::INTEGER) AS correct,
                   sum(valid::INTEGER) AS valid, sum(e) AS escalated, max(trial) AS max_k,
                   sum(unpriced) AS unpriced_attempts, sum(cost_usd) AS cost_usd_sum,
                   sum(retry_cost_usd) AS retry_cost_usd_sum, sum(judge_usd) AS judge_usd_sum,
                   sum(infra_usd) AS infra_usd_sum, sum(input_tokens) AS input_tokens_sum,
                   sum(output_tokens) AS output_tokens_sum, sum(latency_ms) AS latency_ms_sum,
                   quantile_cont(measured_latency_ms, 0.5) AS latency_ms_p50,
                   quantile_cont(measured_latency_ms, 0.95) AS latency_ms_p95,
                   {_SIDE_COLUMNS}
            FROM cas GROUP BY ALL),
        counted AS ({_task_counts("cas", "category, model_id")})
        SELECT * FROM totals JOIN counted USING (category, model_id)""",
        sel_params
        + [[c for c, _, _ in pairs], [a for _, a, _ in pairs], [b for _, _, b in pairs], paired, paired]
        + params_t,
    ).df()
    if facts.empty:
        return facts
    facts = _with_task_counts(
        facts.drop(columns=["tasks", "pass_hat_k", "task_correct", "task_trials"]).assign(
            tasks=facts["trials"], pass_hat_k=float("nan"), task_correct=None, task_trials=None
        ),
        facts[["category", "model_id", "tasks", "k_sum", "pass_hat_k", "task_correct", "task_trials"]],
        ["category", "model_id"],
    )
    # a cascade is priced with its category's measured review minutes, like the single models it is compared with
    where_r, params_r = _filters("r", runs, None)
    figures = review_stats.review_figures(cur, selection, sel_params, where_r, params_r)
    _, per_category = review_stats.split_figures(figures)
    facts = facts.merge(_category_columns(per_category), on="category", how="left")
    return facts.assign(attempts=facts["trials"], tier="cascade", display_name=facts["model_id"]).drop(
        columns=["k_sum"]
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


def task_results(con: duckdb.DuckDBPyConnection, category: str, models: list[str]) -> pd.DataFrame:
    """Per model, suite and task of a category (the suite versions the board reads): decided trials and the share
    of them correct, for comparing models on the same tasks (routeboard.decide.explore)."""
    cur = con.cursor()
    selection, sel_params = _selection(cur, None, None)
    return cur.execute(
        f"""
        WITH sel AS ({selection})
        SELECT t.model_id, s.name AS suite, t.task_id, count(*) AS trials, avg(t.correct::INTEGER) AS correct_share
        FROM trials t JOIN sel s USING (suite_id)
        WHERE t.outcome <> 'pending' AND s.category = ? AND t.model_id IN (SELECT unnest(?::VARCHAR[]))
        GROUP BY ALL ORDER BY suite, task_id""",
        sel_params + [category, list(models)],
    ).df()
