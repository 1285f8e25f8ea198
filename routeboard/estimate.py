"""The pre-run estimate: tokens, USD and (for local models) time, per model x suite, before any call."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from routeboard.domain import Model, Suite
from routeboard.providers import GenerationSettings
from routeboard.suites import render_messages

# Used when a local model has no history in this database yet (SmolLM2-135M on 2 CPU cores, measured).
DEFAULT_LOCAL_PROMPT_TOKENS_PER_S = 400.0
DEFAULT_LOCAL_OUTPUT_TOKENS_PER_S = 40.0


@dataclass(frozen=True)
class Estimate:
    model_id: str
    suite: str
    calls: int
    input_tokens: int
    output_tokens: int
    cost_usd: float | None          # None: price unknown
    local_seconds: float | None     # None: hosted


def _tokens(model: Model, text_or_messages) -> int:
    import litellm

    try:
        if isinstance(text_or_messages, str):
            return int(litellm.token_counter(model=model.litellm_model, text=text_or_messages))
        return int(litellm.token_counter(model=model.litellm_model, messages=text_or_messages))
    except Exception:  # tokenizer unknown to litellm: ~4 characters per token
        text = text_or_messages if isinstance(text_or_messages, str) else " ".join(
            m.get("content") or "" for m in text_or_messages)
        return len(text) // 4 + 1


def local_speed(con: duckdb.DuckDBPyConnection, model_id: str) -> tuple[float, float]:
    """(prompt tokens/s, output tokens/s) for a local model from its stored attempts, or defaults."""
    row = con.cursor().execute("""
        SELECT sum(output_tokens) / nullif(sum(latency_ms) / 1000, 0), count(*)
        FROM attempts WHERE model_id = ? AND error_kind IS NULL AND NOT cached AND latency_ms > 0""",
        [model_id]).fetchone()
    if row and row[1] and row[1] >= 5 and row[0]:
        # Output speed measured end to end already includes prompt processing; count input as free.
        return float("inf"), float(row[0])
    return DEFAULT_LOCAL_PROMPT_TOKENS_PER_S, DEFAULT_LOCAL_OUTPUT_TOKENS_PER_S


def estimate(con: duckdb.DuckDBPyConnection, suites: list[tuple[str, Suite]], models: list[Model], trials: int,
             limit: int | None, settings: GenerationSettings) -> list[Estimate]:
    """Input tokens counted; output tokens from the expected answers (capped by max tokens); cost and time."""
    rows = []
    for suite_id, suite in suites:
        tasks = suite.tasks[:limit] if limit else suite.tasks
        for model in models:
            input_tokens = sum(_tokens(model, render_messages(suite, t)) for t in tasks) * trials
            output_tokens = sum(min(settings.max_output_tokens, _tokens(model, t.expected) if t.expected
                                    else settings.max_output_tokens) for t in tasks) * trials
            cost = model.price.usd(input_tokens, output_tokens) if model.price.known else None
            seconds = None
            if model.tier == "local":
                prompt_speed, output_speed = local_speed(con, model.id)
                seconds = input_tokens / prompt_speed + output_tokens / output_speed
                if model.infra:
                    cost = (cost or 0.0) + model.infra.usd_for_latency(seconds * 1000)
            rows.append(Estimate(model.id, suite_id, len(tasks) * trials, input_tokens, output_tokens, cost, seconds))
    return rows
