"""Production logs as calls: chat-format JSONL, LiteLLM proxy spend logs and Langfuse observation exports.

Each logged call becomes a task (its prompt messages) and, where the log kept it, the production model's
reply with its tokens, latency and cost. Formats (from their public documentation and source):

- chat: one ``{"messages": [...]}`` per line (OpenAI fine-tuning files, gateway logs); optional ``id``,
  ``model`` and ``metadata``.
- litellm: rows of ``LiteLLM_SpendLogs`` (schema.prisma) as the proxy's ``/spend/logs`` returns them (a JSON
  list) or exported as CSV/JSONL: request_id, call_type, model, messages, response, prompt_tokens,
  completion_tokens, spend, startTime, endTime, metadata, status. ``messages``/``response`` are only filled
  when the proxy runs with ``store_prompts_in_spend_logs``.
- langfuse: observations exported from its UI or API (JSON, JSONL or CSV): id, traceId, type, model, input,
  output, usage {input, output} (or usageDetails), calculatedTotalCost, startTime, endTime, latency (seconds).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from routeboard.errors import Problems
from routeboard.io.chat import Chat, split_chat, text_content, too_large
from routeboard.io.records import Record, read_csv, read_json, read_jsonl
from routeboard.io.result_rows import as_amount, as_count, as_output, as_text

LOG_FORMATS = ("chat", "litellm", "langfuse")
_TASK_KEYS = {"input", "expected", "target", "ideal", "vars"}
_JSON_CELLS = ("messages", "response", "metadata", "input", "output", "usage", "usageDetails", "request_tags")
_CHAT_CALLS = ("", "completion", "acompletion", "chat_completion", "achat_completion", "text_completion")


@dataclass
class LoggedCall:
    """One logged model call: the prompt as a task and, when logged, the reply with what it cost."""

    line: int | None
    task_id: str
    prompt: list[dict[str, str]]
    output: str | None = None
    model: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost_usd: float | None = None  # the log's own figure; None when it has none (never a made-up 0)
    latency_ms: float | None = None
    metadata: dict = field(default_factory=dict)


@dataclass
class Log:
    """The calls read from one log file, its format and what was left out (spans, embeddings)."""

    calls: list[LoggedCall]
    fmt: str
    notes: list[str] = field(default_factory=list)


def log_records(filename: str, text: str, problems: Problems) -> list[Record]:
    """The rows of a log file: a JSON list (or an API page, or one trace), JSONL lines or CSV rows."""
    suffix = Path(filename).suffix.lower()
    if suffix == ".json":
        doc = read_json(text, problems)
        # an API page ({"data": [...]}) or Langfuse's "Download JSON" of one trace ({..., "observations": [...]})
        for key in ("data", "observations"):
            if isinstance(doc, dict) and isinstance(doc.get(key), list):
                doc = doc[key]
        if doc is not None and not isinstance(doc, list):
            problems.add(None, None, 'a JSON log must be a list of rows (or {"data": [...]}, {"observations": [...]})')
            return []
        records = []
        for index, row in enumerate(doc or [], start=1):  # a JSON list's rows are located by position
            if isinstance(row, dict):
                records.append(Record(index, row))
            else:
                problems.add(index, None, "each row must be an object")
        return records
    if suffix in (".jsonl", ".ndjson"):
        return read_jsonl(text, problems)
    if suffix == ".csv":
        _, rows = read_csv(text, problems, empty="the CSV is empty: it needs a header row and at least one row")
        return [Record(r.line, {k: _cell(k, v) for k, v in r.fields.items()}) for r in rows]
    problems.add(None, None, "unsupported log file: use .json, .jsonl or .csv")
    return []


def detect_format(records: list[Record]) -> str | None:
    """chat, litellm or langfuse when the rows' keys say so unambiguously; None for a plain task file."""
    keys = set().union(*(r.fields for r in records)) if records else set()
    if "request_id" in keys and keys & {"spend", "call_type"}:
        return "litellm"
    if keys & {"traceId", "trace_id"} and "type" in keys:
        return "langfuse"
    if records and all("messages" in r.fields for r in records) and not keys & _TASK_KEYS:
        return "chat"
    return None


def read_log(records: list[Record], fmt: str, problems: Problems) -> Log:
    """The calls of a log in ``fmt``; every problem is noted by line and field."""
    log = Log([], fmt)
    reader = {"chat": _chat_call, "litellm": _litellm_call, "langfuse": _langfuse_call}[fmt]
    skipped: dict[str, int] = {}
    for record in records:
        call = reader(record, problems, skipped)
        if call is not None:
            log.calls.append(call)
    for what, count in skipped.items():
        log.notes.append(f"left out {count} {what}")
    if not log.calls and not problems.found:
        problems.add(None, None, "no model calls found in this log")
    return log


# ---------------------------------------------------------------- one row -> one call


def _chat_call(record: Record, problems: Problems, skipped: dict) -> LoggedCall | None:
    f = record.fields
    chat = split_chat(f.get("messages"), record.line, problems)
    model = _optional(f, "model", as_text, record.line, problems)
    metadata = f.get("metadata") if isinstance(f.get("metadata"), dict) else {}
    if chat is None:
        return None
    task_id = _optional(f, "id", as_text, record.line, problems) or f"line-{record.line:05d}"
    return LoggedCall(record.line, task_id, chat.prompt, chat.output, model or None, metadata=metadata)


def _litellm_call(record: Record, problems: Problems, skipped: dict) -> LoggedCall | None:
    f, line = record.fields, record.line
    call_type = str(f.get("call_type") or "")
    if call_type not in _CHAT_CALLS:
        what = f"{call_type} calls (not chat completions)"
        skipped[what] = skipped.get(what, 0) + 1
        return None
    found = _id_prompt_reply(
        record,
        problems,
        ("request_id", "missing request_id"),
        ("messages", "no prompt: the proxy stored none (run it with store_prompts_in_spend_logs)"),
        lambda: _litellm_output(f.get("response"), line, problems),
    )
    if found is None:
        return None
    request_id, chat, output = found
    tokens = [_optional(f, key, as_count(0), line, problems) for key in ("prompt_tokens", "completion_tokens")]
    spend = _optional(f, "spend", as_amount, line, problems)
    return LoggedCall(
        line,
        request_id,
        chat.prompt,
        output,
        _optional(f, "model", as_text, line, problems) or None,
        *tokens,
        cost_usd=_known_cost(spend, tokens),
        latency_ms=_elapsed_ms(f.get("startTime"), f.get("endTime")),
        metadata=_keep(f, ("request_id", "startTime", "status")),  # ids to trace back; not who asked
    )


def _langfuse_call(record: Record, problems: Problems, skipped: dict) -> LoggedCall | None:
    f, line = record.fields, record.line
    kind = str(f.get("type") or "GENERATION").upper()
    if kind != "GENERATION":
        what = f"{kind.lower()} observations (only generations are model calls)"
        skipped[what] = skipped.get(what, 0) + 1
        return None
    found = _id_prompt_reply(
        record,
        problems,
        ("id", "missing observation id"),
        ("input", "no prompt: this generation has no input"),
        lambda: _langfuse_output(f.get("output"), line, problems),
    )
    if found is None:
        return None
    obs_id, chat, output = found
    usage = f.get("usageDetails") if isinstance(f.get("usageDetails"), dict) else f.get("usage")
    usage = usage if isinstance(usage, dict) else {}
    tokens = [
        _optional(usage, key, as_count(0), line, problems, f"usage.{key}")
        if usage.get(key) is not None
        else _optional(f, old, as_count(0), line, problems)
        for key, old in (("input", "promptTokens"), ("output", "completionTokens"))
    ]
    latency_s = _optional(f, "latency", as_amount, line, problems)
    return LoggedCall(
        line,
        obs_id,
        chat.prompt,
        output,
        _optional(f, "model", as_text, line, problems) or None,
        *tokens,
        cost_usd=_known_cost(_optional(f, "calculatedTotalCost", as_amount, line, problems), tokens),
        latency_ms=latency_s * 1000 if latency_s is not None else _elapsed_ms(f.get("startTime"), f.get("endTime")),
        metadata=_keep(f, ("id", "traceId", "name", "startTime")),
    )


# ---------------------------------------------------------------- pieces


def _id_prompt_reply(
    record: Record, problems: Problems, id_field: tuple[str, str], prompt_field: tuple[str, str], reply
) -> tuple[str, Chat, str | None] | None:
    """A logged call's id, prompt and reply (``reply()``, else the prompt's own last assistant turn); None, with each
    problem noted, when the id or the prompt is missing (``id_field`` and ``prompt_field``: the field and the words)."""
    f, line = record.fields, record.line
    (id_name, no_id), (prompt_name, no_prompt) = id_field, prompt_field
    call_id = _optional(f, id_name, as_text, line, problems)
    raw = f.get(prompt_name)
    if isinstance(raw, dict) and isinstance(raw.get("messages"), list):
        raw = raw["messages"]
    if raw in (None, "", {}, []):
        problems.add(line, prompt_name, no_prompt)
        return None
    chat = _prompt(raw, line, problems, prompt_name)
    output = reply()
    if chat is None or not call_id:
        if not call_id and chat is not None:
            problems.add(line, id_name, no_id)
        return None
    return call_id, chat, output if output is not None else chat.output


def _prompt(raw, line: int | None, problems: Problems, field_name: str) -> Chat | None:
    """Messages as a Chat; a bare string is one user message."""
    if isinstance(raw, str):
        return None if too_large(raw, line, field_name, problems) else Chat([{"role": "user", "content": raw}], None)
    return split_chat(raw, line, problems, field_name)


def _litellm_output(response, line: int | None, problems: Problems) -> str | None:
    """The reply of an OpenAI-shaped chat completion (choices[0].message.content), or a logged string."""
    if response in (None, "", {}, []):
        return None
    if isinstance(response, dict) and isinstance(response.get("choices"), list) and response["choices"]:
        choice = response["choices"][0]
        message = choice.get("message") if isinstance(choice, dict) else None
        content = message.get("content") if isinstance(message, dict) else choice.get("text")
        return _reply_text(content, line, problems, "response")
    return _reply_text(response, line, problems, "response")


def _langfuse_output(output, line: int | None, problems: Problems) -> str | None:
    if output in (None, "", {}, []):
        return None
    if isinstance(output, dict) and "content" in output:
        return _reply_text(output["content"], line, problems, "output")
    return _reply_text(output, line, problems, "output")


def _reply_text(content, line: int | None, problems: Problems, field_name: str) -> str | None:
    if isinstance(content, (str, list)):
        try:
            text = text_content(content)
        except ValueError as exc:
            problems.add(line, field_name, str(exc))
            return None
    else:
        text = as_output(content)  # structured output is kept as its JSON
    return None if too_large(text, line, field_name, problems) else text


def _known_cost(cost: float | None, tokens: list[int | None]) -> float | None:
    """A logged cost; 0 for a call that used tokens means the logger had no price, so the cost is unknown."""
    if cost == 0 and any(tokens):
        return None
    return cost


def _elapsed_ms(start, end) -> float | None:
    try:
        started, ended = (datetime.fromisoformat(str(v).replace("Z", "+00:00")) for v in (start, end))
        elapsed = (ended - started).total_seconds() * 1000
    except (TypeError, ValueError):
        return None
    return elapsed if elapsed >= 0 else None


def _optional(fields: dict, key: str, convert, line, problems: Problems, name: str | None = None) -> Any:
    value = fields.get(key)
    if value is None or value == "":
        return None
    try:
        return convert(value)
    except ValueError as exc:
        problems.add(line, name or key, f"{exc}, got {str(value)[:60]!r}")
        return None


def _keep(fields: dict, keys: tuple[str, ...]) -> dict:
    return {key: fields[key] for key in keys if fields.get(key) not in (None, "", {}, [])}


def _cell(key: str, value: str) -> Any:
    """A CSV cell that holds JSON (messages, response, usage) as its value; others as text."""
    text = value.strip()
    if key in _JSON_CELLS and text[:1] in "[{":
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return value
    return value
