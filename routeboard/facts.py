"""The facts contract: one row per (category, model) of scenario-free sums, the input of every decision.

``routeboard.store.facts`` builds these frames from stored results (and from simulated cascades); the ledger,
verdicts, routes and tests all read them through ``facts_frame``, so the columns below are the interface.
Sums are over every stored trial or attempt of that model on the category's selected suites.
"""

from __future__ import annotations

import math

import pandas as pd

# name -> (default for a frame that lacks it, meaning). A default of ``REQUIRED`` means the frame must carry it.
REQUIRED = object()
NAN = math.nan
FACT_COLUMNS: dict[str, tuple[object, str]] = {
    "category": (REQUIRED, "job category"),
    "model_id": (REQUIRED, "catalog model id (or 'first → second' for a simulated cascade)"),
    "trials": (REQUIRED, "graded trials stored"),
    "tasks": (REQUIRED, "distinct tasks among them: the evidence a verdict counts"),
    "correct": (REQUIRED, "trials the gold grader passed"),
    "valid": (REQUIRED, "trials the production validator passed"),
    "bar": (REQUIRED, "the category's quality bar, a share in (0, 1]"),
    "max_k": (1, "most trials of one task in one run"),
    "constraints": (None, "the suite's route constraints as JSON text, or None"),
    "pass_hat_k": (NAN, "share of tasks whose every trial was correct"),
    "task_correct": (None, "per task, correct trials; only where some task ran more than once"),
    "task_trials": (None, "per task, trials; aligned with task_correct"),
    "attempts": (0, "model calls, retries included"),
    "unpriced_attempts": (0, "attempts whose cost is unknown (no price and no cost recorded)"),
    "untokened_attempts": (0, "attempts without token counts (cannot be re-priced)"),
    "cost_usd_sum": (0.0, "model USD of priced attempts at their run's price snapshot"),
    "retry_cost_usd_sum": (0.0, "the part of cost_usd_sum spent on attempts after the first"),
    "judge_usd_sum": (0.0, "USD paid to llm_judge models grading these trials (a tool cost)"),
    "infra_usd_sum": (0.0, "local models: busy time x infra rate, USD"),
    "input_tokens_sum": (0, "input tokens"),
    "output_tokens_sum": (0, "output tokens"),
    "retry_input_tokens_sum": (0, "input tokens of retries"),
    "retry_output_tokens_sum": (0, "output tokens of retries"),
    "cached_input_tokens_sum": (0, "input tokens of answers reused from the cache (priced at the snapshot)"),
    "cached_output_tokens_sum": (0, "output tokens of reused answers"),
    "latency_ms_sum": (0.0, "milliseconds of all attempts"),
    "cached_latency_ms_sum": (0.0, "milliseconds the reused answers took when first asked"),
    "latency_ms_p50": (NAN, "median latency of successful attempts, ms"),
    "latency_ms_p95": (NAN, "95th percentile latency of successful attempts, ms"),
    "judged": (None, "True where the category is graded by an llm_judge"),
    "judge_tpr": (NAN, "judge pass rate on outputs people marked correct"),
    "judge_tpr_n": (0, "people's labels behind judge_tpr"),
    "judge_tnr": (NAN, "judge fail rate on outputs people marked wrong"),
    "judge_tnr_n": (0, "people's labels behind judge_tnr"),
    "tier": (None, "frontier, small-proprietary, hosted-open-weight, local or cascade"),
    "display_name": (None, "the model's display name"),
    "snapshot_input_per_mtok_usd": (NAN, "latest snapshot price, USD per million input tokens (NaN: unknown)"),
    "snapshot_output_per_mtok_usd": (NAN, "latest snapshot price, USD per million output tokens (NaN: unknown)"),
    "snapshot_infra": (None, "latest snapshot infra profile as JSON text (local models)"),
    "first": (None, "cascades: the model asked first"),
    "second": (None, "cascades: the fallback asked when the first output is invalid"),
    "escalated": (0, "cascades: trials sent on to the fallback"),
}
_TEXT = ("category", "model_id", "constraints", "tier", "display_name", "snapshot_infra", "first", "second")
_COUNTS = ("trials", "tasks", "correct", "valid", "max_k", "attempts", "unpriced_attempts", "untokened_attempts",
           "input_tokens_sum", "output_tokens_sum", "retry_input_tokens_sum", "retry_output_tokens_sum",
           "cached_input_tokens_sum", "cached_output_tokens_sum", "judge_tpr_n", "judge_tnr_n", "escalated")


def facts_frame(frame: pd.DataFrame | list[dict] | None = None) -> pd.DataFrame:
    """The one constructor of a facts frame: every contract column present with its default, counts as integers,
    rows sorted by category and model. Raises ValueError naming missing required columns."""
    if isinstance(frame, pd.DataFrame) and frame.attrs.get("facts_contract") and set(FACT_COLUMNS) <= set(frame):
        return frame.copy()  # already built by this function: a what-if pays only for the copy
    frame = pd.DataFrame(frame if frame is not None else [])
    if frame.empty and not len(frame.columns):
        frame = pd.DataFrame(columns=[c for c, (default, _) in FACT_COLUMNS.items() if default is REQUIRED])
    missing = [c for c, (default, _) in FACT_COLUMNS.items() if default is REQUIRED and c not in frame]
    if missing:
        raise ValueError(f"facts lack required columns: {', '.join(missing)}")
    frame = frame.copy()
    for column, (default, _) in FACT_COLUMNS.items():
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
