"""The facts contract: one row per (category, model) of scenario-free sums, the input of every decision.

``ledger_facts`` and ``cascade_facts`` build these frames from the sums ``routeboard.store.facts`` reads (SQL only)
and each category's rules (``decide.category_rules``); the ledger, verdicts, routes and tests all read them
through ``facts_frame``, so the columns below are the interface.
Sums are over every stored trial or attempt of that model on the category's selected suites, except trials
still waiting for a person's review (outcome 'pending'): they are counted in ``pending`` and nowhere else, so
every verdict and interval rests on decided trials only.
"""

from __future__ import annotations

import math

import duckdb
import numpy as np
import pandas as pd

from routeboard.catalog.pricing import billed_by_time, infra_rate_per_ms, model_usd
from routeboard.decide.category_rules import category_rules
from routeboard.domain import Price
from routeboard.store import facts as fact_store

REQUIRED = object()

# The contract, one column a line: name, kind, meaning. The kind fixes the default a frame that lacks the column
# gets (a kind ending in "!" is required) and how it is stored: counts as integers, text as plain strings.
_CONTRACT = """
category                      text!   job category
model_id                      text!   catalog model id (or 'first → second' for a simulated cascade)
trials                        count!  graded trials stored
tasks                         count!  distinct tasks among them: the evidence a verdict counts
suite_tasks                   share   tasks in the category's selected suites: all the evidence they hold (NaN: unknown)
correct                       count!  trials the gold grader passed
valid                         count!  trials the production validator passed
bar                           share!  the category's quality bar, a share in (0, 1] (the strictest in a conflict)
max_k                         k       most trials of one task in one run
constraints                   text    the category's route constraints as JSON text, or None (decide.category_rules)
rules_conflict                text    where the category's suites disagree on bar or constraints: who says what
pass_hat_k                    share   share of tasks whose every trial was correct
task_correct                  list    per task, correct trials; only where some task ran more than once
task_trials                   list    per task, trials; aligned with task_correct
attempts                      count   model calls, retries included
unpriced_attempts             count   attempts whose cost is unknown (no price and no cost recorded)
untokened_attempts            count   attempts without token counts (cannot be re-priced)
unmeasured_latency_attempts   count   successful attempts with no measured latency (cascades: of sides billed by time)
cost_usd_sum                  usd     model USD of priced attempts at their run's price snapshot
retry_cost_usd_sum            usd     the part of cost_usd_sum spent on attempts after the first
judge_usd_sum                 usd     USD paid to llm_judge models grading these trials (a tool cost)
infra_usd_sum                 usd     local models: busy time x infra rate
input_tokens_sum              count   input tokens
output_tokens_sum             count   output tokens
retry_input_tokens_sum        count   input tokens of retries
retry_output_tokens_sum       count   output tokens of retries
cached_input_tokens_sum       count   input tokens of answers reused from the cache (priced at the snapshot)
cached_output_tokens_sum      count   output tokens of reused answers
latency_ms_sum                usd     milliseconds of all attempts (summed like money)
cached_latency_ms_sum         usd     milliseconds the reused answers took when first asked
latency_ms_p50                share   median latency of successful attempts, ms (NaN: none succeeded)
latency_ms_p95                share   95th percentile latency of successful attempts, ms
judged                        flag    True where the category is graded by an llm_judge
judge_tpr                     share   judge pass rate on outputs people marked correct
judge_tpr_n                   count   people's labels behind judge_tpr
judge_tnr                     share   judge fail rate on outputs people marked wrong
judge_tnr_n                   count   people's labels behind judge_tnr
pending                       count   trials waiting for a person's review (in no other column)
reviewed                      count   trials decided by a person's first review (human grader)
reviews_n                     count   first reviews with a measured review time
review_minutes_median         share   median minutes of those reviews (NaN: none measured)
rework_n                      count   first reviews that were edits with a measured edit time
rework_minutes_median         share   median minutes spent editing (NaN: none measured)
category_reviews_n            count   reviews_n over the whole category (every model): the ledger's basis
category_review_minutes_median share  review_minutes_median over the whole category
category_rework_n             count   rework_n over the whole category
category_rework_minutes_median share  rework_minutes_median over the whole category
tier                          text    frontier, small-proprietary, hosted-open-weight, local or cascade
display_name                  text    the model's display name
snapshot_input_per_mtok_usd   share   latest snapshot price, USD per million input tokens (NaN: unknown)
snapshot_output_per_mtok_usd  share   latest snapshot price, USD per million output tokens (NaN: unknown)
snapshot_infra                text    latest snapshot infra profile as JSON text (local models)
first                         text    cascades: the model asked first
second                        text    cascades: the fallback asked when the first output is invalid
escalated                     count   cascades: trials sent on to the fallback
"""
# "share" stands for any measured number whose absence is NaN, "usd" for sums that start at 0.0
_DEFAULTS = {"count": 0, "usd": 0.0, "share": math.nan, "text": None, "list": None, "flag": None, "k": 1}


def _parse(table: str) -> dict[str, tuple[str, object, str]]:
    columns = {}
    for line in table.strip().splitlines():
        name, kind, meaning = line.split(maxsplit=2)
        required = kind.endswith("!")
        columns[name] = (kind.rstrip("!"), REQUIRED if required else _DEFAULTS[kind], meaning)
    return columns


# name -> (kind, default for a frame that lacks it, meaning)
FACT_COLUMNS: dict[str, tuple[str, object, str]] = _parse(_CONTRACT)
_TEXT = tuple(name for name, (kind, _, _) in FACT_COLUMNS.items() if kind == "text")
_COUNTS = tuple(name for name, (kind, _, _) in FACT_COLUMNS.items() if kind in ("count", "k"))


def facts_frame(frame: pd.DataFrame | list[dict] | None = None) -> pd.DataFrame:
    """The one constructor of a facts frame: every contract column present with its default, counts as integers,
    rows sorted by category and model. Raises ValueError naming missing required columns."""
    if isinstance(frame, pd.DataFrame) and frame.attrs.get("facts_contract") and set(FACT_COLUMNS) <= set(frame):
        return frame.copy()  # already built by this function: a what-if pays only for the copy
    frame = pd.DataFrame(frame if frame is not None else [])
    if frame.empty and not len(frame.columns):
        frame = pd.DataFrame(columns=[c for c, (_, default, _) in FACT_COLUMNS.items() if default is REQUIRED])
    missing = [c for c, (_, default, _) in FACT_COLUMNS.items() if default is REQUIRED and c not in frame]
    if missing:
        raise ValueError(f"facts lack required columns: {', '.join(missing)}")
    frame = frame.copy()
    for column, (_, default, _) in FACT_COLUMNS.items():
        if column not in frame:
            frame[column] = [default] * len(frame) if default is None else default
        elif column in _COUNTS or isinstance(default, (int, float)) and default is not None:
            frame[column] = frame[column].fillna(default) if default is not REQUIRED else frame[column]
    for column in _COUNTS:
        frame[column] = frame[column].fillna(0).astype("int64")
    for column in _TEXT:
        # plain Python strings: decisions walk these row by row, ~10x faster than over Arrow-backed strings
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    extra = [c for c in frame.columns if c not in FACT_COLUMNS]
    frame = frame[list(FACT_COLUMNS) + extra].sort_values(["category", "model_id"], ignore_index=True)
    frame.attrs["facts_contract"] = True
    return frame


def ledger_facts(con: duckdb.DuckDBPyConnection, *, runs=None, suites=None, models=None) -> pd.DataFrame:
    """Scenario-free facts per (category, model) for a selection of stored results: the store's sums with each
    category's one set of rules."""
    sums = fact_store.ledger_sums(con, runs=runs, suites=suites, models=models)
    rules = category_rules(fact_store.stated_rules(con, runs=runs, suites=suites))
    return facts_frame(sums.merge(rules, on="category", how="left"))


def cascade_facts(
    con: duckdb.DuckDBPyConnection, pairs: list[tuple[str, str, str]], *, runs=None, suites=None
) -> pd.DataFrame:
    """Facts of cascades simulated from stored per-trial results (``store.facts.cascade_sums``), each side's
    reused answers priced as a single model's are, with its category's rules."""
    sums = fact_store.cascade_sums(con, pairs, runs=runs, suites=suites)
    if sums.empty:
        return facts_frame(sums)
    priced = _priced_sides(sums, {r["model_id"]: r for r in fact_store.model_info(con.cursor()).to_dict("records")})
    rules = category_rules(fact_store.stated_rules(con, runs=runs, suites=suites))
    sides = [f"{side}_{c}" for side in ("first", "second") for c in fact_store.CASCADE_SIDE_SUMS]
    return facts_frame(priced.drop(columns=sides).merge(rules, on="category", how="left"))


def _priced_sides(facts: pd.DataFrame, info: dict[str, dict]) -> pd.DataFrame:
    """Each side's reused answers priced at that model's latest snapshot (their tokens at its price, their latency
    at its infra rate), as ``decide.ledger`` prices a single model's; reused answers of a model with no snapshot
    price are unpriced calls. A side's unmeasured latencies count only where its calls are billed by time."""
    added = {c: np.zeros(len(facts)) for c in ("cost_usd_sum", "retry_cost_usd_sum", "infra_usd_sum")}
    added["unpriced_attempts"] = np.zeros(len(facts), dtype="int64")
    unmeasured = np.zeros(len(facts), dtype="int64")
    for i, row in enumerate(facts.to_dict("records")):
        for side in ("first", "second"):
            model = {k: (None if v != v else v) for k, v in info.get(row[side], {}).items()}  # NaN: unknown
            price = Price(model.get("snapshot_input_per_mtok_usd"), model.get("snapshot_output_per_mtok_usd"), "")
            if row[f"{side}_cached_input_tokens"]:
                usd = model_usd(price, row[f"{side}_cached_input_tokens"], row[f"{side}_cached_output_tokens"])
                if usd is None:
                    added["unpriced_attempts"][i] += int(row[f"{side}_cached"])
                else:
                    added["cost_usd_sum"][i] += usd
                    added["retry_cost_usd_sum"][i] += usd if side == "second" else 0.0
            profile = model.get("snapshot_infra")
            added["infra_usd_sum"][i] += row[f"{side}_cached_latency_ms"] * infra_rate_per_ms(profile)
            if billed_by_time(model.get("tier"), profile):
                unmeasured[i] += int(row[f"{side}_unmeasured"])
    # one assignment per column: a cell at a time cost ~25 ms for 20 cascades
    return facts.assign(
        **{column: facts[column].to_numpy() + value for column, value in added.items()},
        unmeasured_latency_attempts=unmeasured,
    )
