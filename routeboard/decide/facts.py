"""The facts contract: one row per (category, model) of scenario-free sums, the input of every decision.

``routeboard.store.facts`` builds these frames from stored results (and from simulated cascades); the ledger,
verdicts, routes and tests all read them through ``facts_frame``, so the columns below are the interface.
Sums are over every stored trial or attempt of that model on the category's selected suites, except trials
still waiting for a person's review (outcome 'pending'): they are counted in ``pending`` and nowhere else, so
every verdict and interval rests on decided trials only.
"""

from __future__ import annotations

import math

import pandas as pd

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
