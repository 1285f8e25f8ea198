"""The pre-run estimate: tokens, USD and (for local models) time, per model x suite, before any call.

Each figure says where it came from (``Estimate.basis``):
- input tokens are counted on the rendered prompts with litellm's counter;
- output tokens come from this model's stored answers on the suite, else the expected answers, else the cap;
- a local model's time is prompt processing plus generation, fitted on its stored calls and calibration probes
  (``calibrate``): latency_ms = a x new prompt tokens + b x output tokens + c, with non-negative least squares.
  A local server reuses the prompt prefix it shares with the call before (llama.cpp's prefix cache), so only
  the tokens after that shared prefix cost prompt time: a suite whose tasks share a long instruction block is
  far cheaper per call than its token count says, and one with a new document per task is not.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from dataclasses import dataclass, replace

import duckdb

from routeboard.catalog.pricing import infra_usd, model_usd
from routeboard.domain import Model, Suite, Task
from routeboard.errors import NotFound
from routeboard.providers.base import GenerationSettings
from routeboard.settings import configure_litellm
from routeboard.store import history
from routeboard.store.suites import load_stored_suite
from routeboard.suites import render_messages
from routeboard.team import audit
from routeboard.team.access import Actor, require

# Only when a local model has neither stored calls nor a calibration (then the basis says "assumed"):
# SmolLM2-135M on one thread of a shared 2-core box, measured.
ASSUMED_PROMPT_TOKENS_PER_S = 60.0
ASSUMED_OUTPUT_TOKENS_PER_S = 20.0
MIN_CALLS_FOR_THREE_TERMS = 6  # below this the per-call overhead is not fitted (taken as 0)
SAMPLE_LIMIT = 400  # most recent stored calls used for the fit
OUTPUT_HISTORY_MIN_CALLS = 1  # one measured answer of this model on this suite beats the expected answers


@dataclass(frozen=True)
class Speed:
    """A local model's speed: ms per new prompt token, ms per output token, ms per call, and where it came from."""

    prompt_ms_per_token: float
    output_ms_per_token: float
    overhead_ms: float
    stored_calls: int = 0
    calibration_calls: int = 0

    @property
    def assumed(self) -> bool:
        return not self.stored_calls and not self.calibration_calls

    def call_ms(self, new_input_tokens: float, output_tokens: float) -> float:
        return self.prompt_ms_per_token * new_input_tokens + self.output_ms_per_token * output_tokens + self.overhead_ms

    def describe(self) -> str:
        rates = (
            f"{1000 / self.prompt_ms_per_token:,.0f} prompt tok/s, {1000 / self.output_ms_per_token:,.0f} gen "
            f"tok/s" + (f", {self.overhead_ms:,.0f} ms a call" if self.overhead_ms >= 1 else "")
        )
        if self.assumed:
            return f"speed assumed (no stored calls, no calibration): {rates}"
        sources = [f"{self.stored_calls:,} stored calls"] if self.stored_calls else []
        sources += [f"{self.calibration_calls} calibration calls"] if self.calibration_calls else []
        return f"speed fitted on {' and '.join(sources)}: {rates}"


ASSUMED_SPEED = Speed(1000 / ASSUMED_PROMPT_TOKENS_PER_S, 1000 / ASSUMED_OUTPUT_TOKENS_PER_S, 0.0)


@dataclass(frozen=True)
class Estimate:
    model_id: str
    suite: str
    calls: int
    input_tokens: int
    output_tokens: int
    cost_usd: float | None  # None: price unknown
    local_seconds: float | None  # None: hosted
    basis: str = ""  # one sentence: where each figure came from
    # cost_usd in the run's own two parts, named as a run's totals are: tokens x price, and a local model's busy time
    # x its infra rate (so a local model's cost is "infra $" before the run as after it, never "model $")
    model_usd: float | None = None  # None: price unknown
    infra_usd: float = 0.0


# ---------------------------------------------------------------- pure helpers


def _tokens(model: Model, text_or_messages) -> int:
    litellm = configure_litellm()

    try:
        if isinstance(text_or_messages, str):
            return int(litellm.token_counter(model=model.litellm_model, text=text_or_messages))
        return int(litellm.token_counter(model=model.litellm_model, messages=text_or_messages))
    except Exception:  # tokenizer unknown to litellm: ~4 characters per token
        return len(_text(text_or_messages)) // 4 + 1


def _text(text_or_messages) -> str:
    """The prompt as the server sees it, in order (what a prefix cache compares)."""
    if isinstance(text_or_messages, str):
        return text_or_messages
    return "\n".join(f"{m.get('role')}: {m.get('content') or ''}" for m in text_or_messages)


def new_share(previous: str | None, text: str) -> float:
    """The share of ``text`` after the prefix it shares with the prompt before it (all of it when none)."""
    if not previous or not text:
        return 1.0
    return 1.0 - len(os.path.commonprefix([previous, text])) / len(text)


def fit_speed(points: list[tuple[float, float, float]], stored_calls: int, calibration_calls: int) -> Speed | None:
    """latency_ms = a x new prompt tokens + b x output tokens + c over (new input, output, latency_ms) points,
    non-negative least squares; None when the points cannot tell prompt time from generation time."""
    import numpy as np

    from routeboard.decide.intervals import nnls_few as nnls  # exact for these few columns; scipy.optimize takes ~1.7 s

    if len(points) < 2:
        return None
    data = np.asarray(points, dtype=float)
    x, y = data[:, :2], data[:, 2]
    if not (_varies(x[:, 0]) or _varies(x[:, 1])) or _collinear(x[:, 0], x[:, 1]):
        return None
    if len(points) >= MIN_CALLS_FOR_THREE_TERMS and _varies(x[:, 0]) and _varies(x[:, 1]):
        (a, b, c), _ = nnls(np.column_stack([x, np.ones(len(y))]), y)
        if a > 0 and b > 0:
            return Speed(float(a), float(b), float(c), stored_calls, calibration_calls)
    (a, b), _ = nnls(x, y)  # too few or too narrow for an overhead term: it is folded into the rates
    if a > 0 and b > 0:
        return Speed(float(a), float(b), 0.0, stored_calls, calibration_calls)
    return None


def _varies(column) -> bool:
    return column.mean() > 0 and column.std() / column.mean() >= 0.2


def _collinear(first, second) -> bool:
    import numpy as np

    norms = np.linalg.norm(first) * np.linalg.norm(second)
    return norms == 0 or abs(float(first @ second)) / norms > 0.995


# ---------------------------------------------------------------- speed from the store


def local_speed(con: duckdb.DuckDBPyConnection, model: Model) -> Speed:
    """The model's speed fitted on its stored calls and calibration probes; assumed only when there are none."""
    samples = history.speed_samples(con, model.id, SAMPLE_LIMIT)
    prompts = _PromptCache(con, model)
    points, stored, probes = [], 0, 0
    for s in samples:
        if s.counted_input_tokens is not None:  # a calibration call: its prompt shares nothing with the one before
            points.append((s.counted_input_tokens, s.output_tokens, s.latency_ms))
            probes += 1
            continue
        current = prompts.get(s.suite_id, s.task_id)
        if current is None:  # the suite is gone: its calls cannot be measured against their prompts
            continue
        previous = prompts.get(s.previous_suite_id, s.previous_task_id)
        text, counted = current
        points.append((counted * new_share(previous[0] if previous else None, text), s.output_tokens, s.latency_ms))
        stored += 1
    return fit_speed(points, stored, probes) or ASSUMED_SPEED


class _PromptCache:
    """Rendered prompt text and its counted tokens by (suite, task), loading each stored suite once."""

    def __init__(self, con: duckdb.DuckDBPyConnection, model: Model):
        self._con, self._model = con, model
        self._suites: dict[str, dict[str, Task] | None] = {}
        self._suite_objects: dict[str, Suite] = {}
        self._prompts: dict[tuple, tuple[str, int]] = {}

    def get(self, suite_id: str | None, task_id: str | None) -> tuple[str, int] | None:
        if suite_id is None or task_id is None:
            return None
        if (suite_id, task_id) not in self._prompts:
            if suite_id not in self._suites:
                try:
                    _, suite = load_stored_suite(self._con, suite_id)
                    self._suites[suite_id] = {t.id: t for t in suite.tasks}
                    self._suite_objects[suite_id] = suite
                except NotFound:
                    self._suites[suite_id] = None
            tasks = self._suites[suite_id]
            if not tasks or task_id not in tasks:
                return None
            messages = render_messages(self._suite_objects[suite_id], tasks[task_id])
            self._prompts[(suite_id, task_id)] = (_text(messages), _tokens(self._model, messages))
        return self._prompts[(suite_id, task_id)]


# ---------------------------------------------------------------- calibration


def _speed_probes() -> list[tuple[list[dict], int]]:
    """A short prompt with a long answer (generation speed) and a long prompt with a one-token answer (prompt
    speed), each opened by a fresh tag so no cached prefix from an earlier call makes it look fast."""
    tag = uuid.uuid4().hex[:8]
    short = [{"role": "user", "content": f"[{tag}] Count from 1 to 200, separated by spaces."}]
    lines = [
        f"Line {i}: the office in region {i % 7} reported {100 + i * 13} orders, {i % 5} late deliveries and "
        f"a note from the manager about staffing."
        for i in range(16)
    ]
    long = [{"role": "user", "content": f"[{tag}] Read these lines.\n" + "\n".join(lines) + "\nSay OK."}]
    return [(short, 48), (long, 1)]


def _suite_sample(suite: Suite) -> list[dict]:
    """The suite's first task as the model will see it, tagged so a cached prefix does not shorten it."""
    messages = render_messages(suite, suite.tasks[0])
    first = dict(messages[0])
    first["content"] = f"[{uuid.uuid4().hex[:8]}] {first['content']}"
    return [first, *messages[1:]]


def calibrate(
    con: duckdb.DuckDBPyConnection,
    model: Model,
    suites: list[tuple[str, Suite]] = (),
    settings: GenerationSettings | None = None,
    *,
    actor: Actor | None = None,
) -> int:
    """Measure a local model once: two speed probes, and one answer on each suite it has never answered (its
    output length). Kept in the store, so later estimates make no call. Returns the number of calls made.
    Calls a model, as a run does: the person must be allowed to launch runs, and the calls are audited."""
    actor = require(actor, "launch_run")
    settings = settings or GenerationSettings()
    if model.tier != "local":
        return 0  # a hosted call costs money and its time is not estimated
    from routeboard.providers.registry import provider_for
    from routeboard.run.trial import retry_messages

    probed = history.probed_suites(con, model.id)
    calls: list[tuple[str | None, str | None, list[dict], int]] = []
    if None not in probed:
        calls += [(None, None, messages, cap) for messages, cap in _speed_probes()]
    for suite_id, suite in suites:
        if suite.tasks and suite_id not in probed and not history.output_history(con, model.id, suite_id).calls:
            calls.append((suite_id, suite.tasks[0].id, _suite_sample(suite), settings.max_output_tokens))
    provider = provider_for(model)
    suite_by_id = dict(suites)
    made = 0
    for suite_id, task_id, messages, cap in calls:
        # an invalid sample answer is retried as the runner would, so the estimate knows this model needs retries
        previous = None
        for _ in range(2):
            completion = asyncio.run(provider.complete(model, messages, replace(settings, max_output_tokens=cap)))
            # a retry repeats the conversation: only what follows it is new prompt (the speed fit's unit)
            new_tokens = round(_tokens(model, messages) * new_share(previous, _text(messages)))
            history.record_calibration(
                con,
                model.id,
                suite_id,
                task_id,
                completion.input_tokens,
                new_tokens,
                completion.output_tokens,
                completion.latency_ms,
            )
            made += 1
            problem = _invalid(suite_by_id.get(suite_id), completion.text)
            if problem is None:
                break
            previous = _text(messages)
            messages = retry_messages(messages, completion.text, problem)
    if made:
        probed_suites = sorted({suite_id for suite_id, *_ in calls if suite_id})
        audit.record_now(con, actor, "calibrate", target=model.id, detail={"calls": made, "suites": probed_suites})
    return made


def _invalid(suite: Suite | None, output: str) -> str | None:
    """What the suite's validator says against a sample answer that the runner would retry, else None."""
    from routeboard.graders import build_validator

    if suite is None or suite.validator is None or suite.max_invalid_retries < 1:
        return None
    valid, detail = build_validator(suite.validator)(output or "")
    return None if valid else detail or "invalid"


# ---------------------------------------------------------------- the estimate

RETRY_FEEDBACK_TOKENS = 40  # the format-check note a retry adds after the model's answer (runner.retry_messages)


def _output_per_call(con, model: Model, suite_id: str, tasks, settings: GenerationSettings, past):
    """Output tokens for each task, and the words saying where they came from."""
    cap = settings.max_output_tokens
    if past.calls >= OUTPUT_HISTORY_MIN_CALLS and past.mean_output_tokens is not None:
        # the mean, not the median: the time and cost of a run are sums
        per_call = min(cap, round(past.mean_output_tokens))
        return (
            [per_call] * len(tasks),
            f"output from this model's {past.calls:,} answers on this suite "
            f"(mean {past.mean_output_tokens:,.0f} tokens, cap {cap})",
        )
    if any(t.expected for t in tasks):
        return (
            [min(cap, _tokens(model, t.expected)) if t.expected else cap for t in tasks],
            f"output from the expected answers (capped at {cap})",
        )
    return [cap] * len(tasks), f"output at the max-tokens cap ({cap}): no expected answers, no stored answers"


def estimate(
    con: duckdb.DuckDBPyConnection,
    suites: list[tuple[str, Suite]],
    models: list[Model],
    trials: int,
    limit: int | None,
    settings: GenerationSettings,
    *,
    calibrate_local: bool = False,
    actor: Actor | None = None,
) -> list[Estimate]:
    """Per model x suite: calls, tokens, USD (tokens x price + local infra time) and local busy seconds, with
    the basis of each. ``calibrate_local`` first measures local models that have no stored basis (a few calls, as
    ``actor``)."""
    if calibrate_local:
        for model in models:
            if model.tier == "local":  # a hosted model is never calibrated: no call, nothing to check
                calibrate(con, model, suites, settings, actor=actor)
    speeds = {m.id: local_speed(con, m) for m in models if m.tier == "local"}
    previous: dict[str, str | None] = {m.id: None for m in models}  # each model's last prompt, in run order
    rows = []
    for suite_id, suite in suites:
        tasks = suite.tasks[:limit] if limit else suite.tasks
        for model in models:
            prompts = [render_messages(suite, t) for t in tasks]
            counted = [_tokens(model, p) for p in prompts]
            texts = [_text(p) for p in prompts]
            past = history.output_history(con, model.id, suite_id)
            outputs, output_basis = _output_per_call(con, model, suite_id, tasks, settings, past)
            # invalid answers are retried: as often as this model needed on this suite before (else not at all);
            # a retry resends the conversation, so only its answer and the feedback are new prompt tokens
            retry_share = max(0.0, (past.attempts_per_trial or 1.0) - 1.0)
            retry_inputs = [tokens + out + RETRY_FEEDBACK_TOKENS for tokens, out in zip(counted, outputs)]
            input_tokens = round((sum(counted) + retry_share * sum(retry_inputs)) * trials)
            output_tokens = round(sum(outputs) * (1 + retry_share) * trials)
            seconds = new_tokens = None
            if model.tier == "local":
                seconds, new_tokens, previous[model.id] = _local_seconds(
                    speeds[model.id], previous[model.id], texts, counted, outputs, trials, retry_share
                )
            tokens_cost = model_usd(model.price, input_tokens, output_tokens)
            time_cost = infra_usd(model, seconds * 1000) if seconds is not None else 0.0
            cost = None if tokens_cost is None else tokens_cost + time_cost
            basis = f"input counted on {len(tasks) * trials:,} rendered prompts ({input_tokens:,} tokens"
            basis += f"; {new_tokens:,.0f} not shared with the prompt before)" if new_tokens is not None else ")"
            basis += f"; {output_basis}; {_retry_basis(past, retry_share)}"
            if model.tier == "local":
                basis += f"; {speeds[model.id].describe()}"
            if cost is None:
                basis += "; cost unknown: no price"
            calls = len(tasks) * trials
            rows.append(
                Estimate(
                    model.id, suite_id, calls, input_tokens, output_tokens, cost, seconds, basis, tokens_cost, time_cost
                )
            )
    return rows


def _local_seconds(
    speed, previous: str | None, texts, counted, outputs, trials: int, retry_share: float
) -> tuple[float, float, str | None]:
    """(busy seconds, prompt tokens not shared with the prompt before, the last prompt) of a local model's calls
    in run order: llama.cpp reuses the prefix a prompt shares with the one before it."""
    new_tokens, ms = 0.0, 0.0
    for _ in range(trials):
        for text, tokens, out in zip(texts, counted, outputs):
            fresh = tokens * new_share(previous, text)
            new_tokens += fresh
            ms += speed.call_ms(fresh, out) + retry_share * speed.call_ms(out + RETRY_FEEDBACK_TOKENS, out)
            previous = text
    return ms / 1000, new_tokens, previous


def _retry_basis(past, retry_share: float) -> str:
    if retry_share:
        return f"{past.attempts_per_trial:.2f} attempts a trial (invalid answers retried) as measured"
    return "no retries" if past.attempts_per_trial else "retries not counted (nothing measured)"
