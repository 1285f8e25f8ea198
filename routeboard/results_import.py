"""Import per-sample results produced elsewhere (CSV, JSONL, promptfoo JSON) as an 'imported' run.

The ledger and verdicts read trials and attempts; an import writes the same rows a routeboard run would
(one trial and one attempt per result), so imported results are costed and judged like our own.
Parsing is pure (bytes in, rows or an ``InvalidInput`` listing every problem out); storing is one transaction.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import duckdb

from routeboard.catalog import BUILTIN_HOSTED, EMBEDDED_ID, embedded_model, guess_tier, litellm_price, model_from_row
from routeboard.domain import TIERS, GraderSpec, Model, Price, Suite, Task
from routeboard.errors import InvalidInput, Problem
from routeboard.pricing import attempt_cost, price_snapshot
from routeboard.settings import max_file_bytes
from routeboard.store import transaction
from routeboard.store.catalog import insert_models, select_models
from routeboard.store.imports import (append_tasks, earlier_import, insert_imported_run, insert_imported_suite,
                                      insert_results, latest_price_snapshots, latest_suite, set_task_count,
                                      stored_tasks)
from routeboard.suites import LONE_SURROGATE, content_hash, valid_unicode

REQUIRED_COLUMNS = ("task_id", "category", "model", "correct")
OPTIONAL_COLUMNS = ("suite", "trial", "valid", "input_tokens", "output_tokens", "cost_usd", "latency_ms", "output",
                    "tier")
KNOWN_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
DEFAULT_BAR = 0.9
PROMPTFOO_CATEGORY = "promptfoo"
IMPORTED_GRADER = GraderSpec("exact", {})
MAX_PROBLEMS = 200  # a systematic mistake in a 100,000-row file should not print 100,000 lines
MAX_COUNT = 2 ** 31 - 1  # trials and token counts are INTEGER columns
BOOLEAN_WORDS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
# promptfoo provider prefixes whose litellm name differs; the rest map one-to-one ("openai:x" -> "openai/x").
PROMPTFOO_PREFIXES = {"google": "gemini", "vertex": "vertex_ai", "togetherai": "together_ai", "azureopenai": "azure"}
PROMPTFOO_MODES = ("chat:", "completion:", "messages:")
PROMPTFOO_ERROR = 2  # promptfoo's ResultFailureReason.ERROR; 1 (ASSERT) is a graded wrong answer


@dataclass
class ImportSummary:
    """What an import stored (or, with ``created`` False, the earlier import of the same file)."""

    run_id: str
    rows: int
    suites: list[str]
    models: list[str]
    tasks: int
    created: bool = True
    notes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ResultRow:
    """One result: one trial of one task by one model, with what it cost."""

    line: int | None            # CSV/JSONL line; None for promptfoo JSON (located by ``prefix``)
    prefix: str                 # "" or "results[3]." for promptfoo, so problems name the JSON path
    suite: str
    category: str
    task_id: str
    model: str
    correct: bool
    trial: int = 1
    valid: bool = True
    error: str | None = None    # a provider error (promptfoo): outcome 'error', as in our own runs
    score: float | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost_usd: float | None = None
    latency_ms: float | None = None
    output: str | None = None
    tier: str | None = None
    detail: str | None = None
    cached: bool = False
    vars: dict = field(default_factory=dict)
    metadata: dict = field(default_factory=dict)

    def outcome(self) -> str:
        """accepted / wrong / invalid / error, as the runner decides it."""
        if self.error is not None:
            return "error"
        if not self.valid:
            return "invalid"
        return "accepted" if self.correct else "wrong"


class _Problems(list):
    """Problems found so far, capped so a systematic mistake stays readable."""

    def __init__(self, shown: str):
        super().__init__()
        self.shown = shown
        self.hidden = 0

    def add(self, line: int | None, field_name: str | None, message: str) -> None:
        if len(self) < MAX_PROBLEMS:
            self.append(Problem(self.shown, line, field_name, message))
        else:
            self.hidden += 1

    def raise_if_any(self) -> None:
        if self.hidden:
            self.append(Problem(self.shown, None, None, f"{self.hidden} more problems not shown; fix the ones "
                                "above and import again"))
        if self:
            raise InvalidInput(list(self))


# ---------------------------------------------------------------- entry points

def load_results(con: duckdb.DuckDBPyConnection, path: str | Path, **options) -> ImportSummary:
    """Read a results file from disk and import it (``options`` as for ``import_results``)."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(Problem(str(path), None, None, "no such file"))
    return import_results(con, str(path), path.read_bytes(), **options)


def import_results(con: duckdb.DuckDBPyConnection, filename: str, data: bytes, *, category: str | None = None,
                   suite: str | None = None, bar: float | None = None,
                   max_bytes: int | None = None) -> ImportSummary:
    """Validate a results file and store it as one 'imported' run, all or nothing; a re-import is a no-op."""
    problems = _Problems(filename)
    text = _decode(data, max_bytes if max_bytes is not None else max_file_bytes(), problems)
    if bar is not None and (isinstance(bar, bool) or not isinstance(bar, (int, float)) or not 0 < bar <= 1):
        problems.add(None, "bar", f"the quality bar must be a number in (0, 1], e.g. 0.94; got {bar!r}")
    problems.raise_if_any()
    digest = hashlib.sha256(data).hexdigest()
    earlier = _earlier_import(con.cursor(), digest)
    if earlier:
        return earlier
    rows, fmt = parse_results(filename, text, category=category, suite=suite)
    with transaction(con) as cur:
        earlier = _earlier_import(cur, digest)  # another import of the same file may have landed meanwhile
        if earlier:
            return earlier
        return _store(cur, rows, filename=filename, digest=digest, fmt=fmt, bar=bar)


def parse_results(filename: str, text: str, *, category: str | None = None,
                  suite: str | None = None) -> tuple[list[ResultRow], str]:
    """Rows and the format name ('csv', 'jsonl', 'promptfoo') of a decoded file; raises InvalidInput."""
    problems = _Problems(filename)
    suffix = Path(filename).suffix.lower()
    if suffix == ".json":
        rows = _read_promptfoo(text, category or PROMPTFOO_CATEGORY, suite, problems)
        fmt = "promptfoo"
    elif suffix in (".csv", ".jsonl", ".ndjson"):
        fmt = "csv" if suffix == ".csv" else "jsonl"
        records = _read_csv(text, problems) if fmt == "csv" else _read_jsonl(text, problems)
        rows = _rows_from_records(records, fmt, category, suite, problems)
    else:
        problems.add(None, None, "unsupported file type: use .csv or .jsonl (columns task_id, category, model, "
                     "correct, ...) or promptfoo's .json results (promptfoo eval -o results.json)")
        rows, fmt = [], ""
    if not rows and not problems:
        problems.add(None, None, "no results found")
    _check_consistency(rows, problems)
    problems.raise_if_any()
    return rows, fmt


def _decode(data: bytes, limit: int, problems: _Problems) -> str:
    if len(data) > limit:
        problems.add(None, None, f"file is {len(data) / 1e6:.1f} MB, over the {limit / 1e6:g} MB limit "
                     "(set ROUTEBOARD_MAX_FILE_MB to raise it)")
        return ""
    try:
        return data.decode("utf-8-sig")  # a BOM from Excel is fine
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.add(line, None, f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8")
        return ""


# ---------------------------------------------------------------- CSV and JSONL

def _read_csv(text: str, problems: _Problems) -> list[tuple[int, dict]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        return []
    except csv.Error as exc:
        problems.add(1, None, f"cannot read the CSV header: {exc}")
        return []
    for i, name in enumerate(header):
        if header.index(name) != i:
            problems.add(1, name or f"column {i + 1}", "duplicate column name")
    records, line = [], reader.line_num
    while True:
        start = line + 1
        try:
            cells = next(reader)
        except StopIteration:
            return records
        except csv.Error as exc:
            problems.add(start, None, f"malformed CSV row: {exc}")
            return records
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            problems.add(start, None, f"row has {len(cells)} cells, the header has {len(header)}")
            continue
        records.append((start, dict(zip(header, cells))))


def _read_jsonl(text: str, problems: _Problems) -> list[tuple[int, dict]]:
    records = []
    for number, line in enumerate(re.split(r"\r\n?|\n", text), start=1):  # not splitlines(): U+2028 is text
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as exc:
            problems.add(number, None, f"not valid JSON: {getattr(exc, 'msg', 'nested too deeply')}")
            continue
        if not isinstance(record, dict):
            problems.add(number, None, "each line must be a JSON object")
            continue
        if not valid_unicode(record):
            problems.add(number, None, LONE_SURROGATE)
            continue
        records.append((number, record))
    return records


def _rows_from_records(records, fmt, category, suite, problems: _Problems) -> list[ResultRow]:
    """Check the columns once, then every record; a missing CSV column is reported once, not per row."""
    first_seen: dict[str, int] = dict.fromkeys(records[0][1], 1) if fmt == "csv" and records else {}
    for line, record in records if fmt == "jsonl" else ():  # CSV rows all carry the header's columns
        for key in record:
            first_seen.setdefault(key, line)
    for key, line in first_seen.items():
        if key not in KNOWN_COLUMNS:
            problems.add(line, key, f"unknown column (known: {', '.join(KNOWN_COLUMNS)})")
    required = [c for c in REQUIRED_COLUMNS if not (c == "category" and category)]
    if fmt == "csv" and records:
        for column in required:
            if column not in first_seen:
                problems.add(1, column, "missing column" + (" (or pass --category)" if column == "category" else ""))
        if problems:
            return []
    return [row for line, record in records
            if (row := _row_from_record(line, record, category, suite, required, problems)) is not None]


def _row_from_record(line, record, category, suite, required, problems: _Problems) -> ResultRow | None:
    values: dict[str, Any] = {}
    failed = []
    for column, raw in record.items():
        convert = CONVERTERS.get(column)  # unknown columns are reported once, by _rows_from_records
        if convert is None or raw is None or (column != "output" and isinstance(raw, str) and not raw.strip()):
            continue
        try:
            values[column] = convert(raw)
        except ValueError as exc:
            problems.add(line, column, f"{exc}; got {raw!r}"[:300])
            failed.append(column)
    missing = [column for column in required if column not in values and column not in failed]
    for column in missing:
        problems.add(line, column, "missing value")
    if failed or missing:
        return None
    category_name = category or values["category"]  # an argument wins over the file, as for suites
    return ResultRow(line=line, prefix="", suite=suite or values.get("suite") or category_name,
                     category=category_name, task_id=values["task_id"], model=values["model"],
                     correct=values["correct"], trial=values.get("trial", 1), valid=values.get("valid", True),
                     score=1.0 if values["correct"] else 0.0, input_tokens=values.get("input_tokens"),
                     output_tokens=values.get("output_tokens"), cost_usd=values.get("cost_usd"),
                     latency_ms=values.get("latency_ms"), output=values.get("output"), tier=values.get("tier"))


# ---------------------------------------------------------------- value converters (raise ValueError)

def _text(value) -> str:
    if isinstance(value, str):
        return value.strip()
    if type(value) is int:  # JSONL ids may be numbers; booleans and objects are mistakes
        return str(value)
    raise ValueError("must be text")


def _boolean(value) -> bool:
    if isinstance(value, str):
        word = BOOLEAN_WORDS.get(value.strip().lower())
        if word is not None:
            return word
    elif type(value) is bool or (type(value) is int and value in (0, 1)):
        return bool(value)
    raise ValueError("must be true or false (or 1/0, yes/no)")


def _count(minimum: int):
    def convert(value) -> int:
        if isinstance(value, str) and value.strip().lstrip("+-").isdecimal():
            value = int(value)
        elif type(value) is float and value.is_integer():
            value = int(value)
        if type(value) is not int:  # bool is not a count
            raise ValueError("must be a whole number")
        if value < minimum:
            raise ValueError(f"must be at least {minimum}")
        if value > MAX_COUNT:
            raise ValueError(f"must be at most {MAX_COUNT:,}")
        return value
    return convert


def _amount(value) -> float:
    if isinstance(value, bool):
        raise ValueError("must be a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError("must be a number") from None
    if not math.isfinite(number) or number < 0:
        raise ValueError("must be a non-negative number")
    return number


def _output(value) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _tier(value) -> str:
    tier = _text(value)
    if tier not in TIERS:
        raise ValueError(f"must be one of {', '.join(TIERS)}")
    return tier


CONVERTERS = {"task_id": _text, "category": _text, "model": _text, "suite": _text, "correct": _boolean,
              "valid": _boolean, "trial": _count(1), "input_tokens": _count(0), "output_tokens": _count(0),
              "cost_usd": _amount, "latency_ms": _amount, "output": _output, "tier": _tier}


# ---------------------------------------------------------------- promptfoo

def litellm_name(provider_id: str) -> str:
    """promptfoo's provider id as a litellm model id: "openai:gpt-4o-mini" -> "openai/gpt-4o-mini"."""
    prefix, sep, rest = provider_id.partition(":")
    if not sep or not rest or rest.startswith("//") or "/" in prefix:
        return provider_id  # a URL, a file:// provider or a bare name: keep it as promptfoo named it
    mode = next((m for m in PROMPTFOO_MODES if rest.startswith(m)), "")
    rest = rest[len(mode):]
    if prefix == "ollama":
        return f"{'ollama_chat' if mode == 'chat:' else 'ollama'}/{rest}"
    return f"{PROMPTFOO_PREFIXES.get(prefix, prefix)}/{rest}"


def _read_promptfoo(text: str, category: str, suite: str | None, problems: _Problems) -> list[ResultRow]:
    try:
        doc = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        problems.add(getattr(exc, "lineno", None), None, f"not valid JSON: {getattr(exc, 'msg', 'nested too deeply')}")
        return []
    if not valid_unicode(doc):
        problems.add(None, None, LONE_SURROGATE)
        return []
    results = doc.get("results") if isinstance(doc, dict) else None
    if isinstance(results, dict):
        results = results.get("results")
    if not isinstance(results, list):
        problems.add(None, "results", 'not a promptfoo results file: expected {"results": {"results": [...]}} '
                     "(promptfoo eval -o results.json)")
        return []
    prompts = {r.get("promptIdx", 0) for r in results if isinstance(r, dict)}
    if len(prompts) > 1:
        problems.add(None, "promptIdx", f"results from {len(prompts)} prompts: routeboard compares models on one "
                     "prompt per suite; export one prompt per file (or pass --suite per prompt)")
        return []
    rows = [_row_from_promptfoo(i, r, category, suite, problems) for i, r in enumerate(results)]
    return [row for row in rows if row is not None]


def _row_from_promptfoo(index: int, result, category: str, suite: str | None,
                        problems: _Problems) -> ResultRow | None:
    where = f"results[{index}]"
    if not isinstance(result, dict):
        problems.add(None, where, "each result must be a JSON object")
        return None
    found_before = len(problems) + problems.hidden
    provider = result.get("provider")
    provider_id = provider.get("id") if isinstance(provider, dict) else provider
    if not isinstance(provider_id, str) or not provider_id.strip():
        problems.add(None, f"{where}.provider", 'needs an id such as "openai:gpt-4o-mini"')
    test_idx = result.get("testIdx")
    if type(test_idx) is not int or test_idx < 0:
        problems.add(None, f"{where}.testIdx", f"must be a whole number from 0; got {test_idx!r}")
    if not isinstance(result.get("success"), bool):
        problems.add(None, f"{where}.success", f"must be true or false; got {result.get('success')!r}")
    response = result.get("response") if isinstance(result.get("response"), dict) else {}
    values = _promptfoo_numbers(where, result, response, problems)
    if len(problems) + problems.hidden > found_before:
        return None
    error = _provider_error(result, response)
    grading = result.get("gradingResult") if isinstance(result.get("gradingResult"), dict) else {}
    test_case = result.get("testCase") if isinstance(result.get("testCase"), dict) else {}
    variables = result.get("vars") if isinstance(result.get("vars"), dict) else test_case.get("vars")
    output = response.get("output")
    return ResultRow(line=None, prefix=f"{where}.", suite=suite or category, category=category,
                     task_id=f"test-{test_idx}", model=litellm_name(provider_id.strip()),
                     correct=result["success"] and error is None, valid=error is None, error=error,
                     output=None if output is None else _output(output), detail=_short(grading.get("reason") or error),
                     cached=bool(response.get("cached")), vars=variables if isinstance(variables, dict) else {},
                     metadata={"description": test_case["description"]} if test_case.get("description") else {},
                     **values)


def _promptfoo_numbers(where: str, result: dict, response: dict, problems: _Problems) -> dict[str, Any]:
    """Tokens, cost, latency, score and trial of one promptfoo result, each checked and located."""
    usage = response.get("tokenUsage") or result.get("tokenUsage")
    usage = usage if isinstance(usage, dict) else {}
    repeat = result.get("repeatIndex")
    fields = {"input_tokens": ("tokenUsage.prompt", usage.get("prompt"), _count(0)),
              "output_tokens": ("tokenUsage.completion", usage.get("completion"), _count(0)),
              "cost_usd": ("cost", _first(result.get("cost"), response.get("cost")), _amount),
              "latency_ms": ("latencyMs", _first(result.get("latencyMs"), response.get("latencyMs")), _amount),
              "score": ("score", result.get("score"), _score),
              "trial": ("repeatIndex", repeat + 1 if type(repeat) is int else repeat, _count(1))}
    values = {}
    for name, (label, raw, convert) in fields.items():
        try:
            values[name] = None if raw is None else convert(raw)
        except ValueError as exc:
            problems.add(None, f"{where}.{label}", f"{exc}; got {raw!r}"[:300])
    values["trial"] = values.get("trial") or 1
    return values


def _provider_error(result: dict, response: dict) -> str | None:
    """The provider's error, if the call failed; promptfoo also fills ``error`` for a failed assertion."""
    reason = result.get("failureReason")
    message = result.get("error") or response.get("error")
    if reason == PROMPTFOO_ERROR or response.get("error"):
        return str(message or "provider error")
    # Files from before failureReason existed: an error with no grading result means no answer to grade.
    if reason is None and message and not result.get("gradingResult"):
        return str(message)
    return None


def _score(value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError("must be a number")
    return float(value)


def _first(*values):
    return next((v for v in values if v is not None), None)


def _short(text) -> str | None:
    return None if text is None else str(text)[:1000]


# ---------------------------------------------------------------- checks across rows

def _check_consistency(rows: list[ResultRow], problems: _Problems) -> None:
    """One result per (suite, task, model, trial); one category per suite; one tier per model."""
    seen: dict[tuple, ResultRow] = {}
    suite_category: dict[str, ResultRow] = {}
    model_tier: dict[str, ResultRow] = {}
    for row in rows:
        key = (row.suite, row.task_id, row.model, row.trial)
        first = seen.setdefault(key, row)
        if first is not row:
            problems.add(row.line, row.prefix + ("testIdx" if row.prefix else "task_id"),
                         f"duplicate result for task {row.task_id!r}, model {row.model!r}, trial {row.trial} "
                         f"(first at {_where(first)}, again at {_where(row)})")
        first = suite_category.setdefault(row.suite, row)
        if first.category != row.category:
            problems.add(row.line, row.prefix + "category", f"suite {row.suite!r} is category {first.category!r} at "
                         f"{_where(first)} but {row.category!r} here; one suite holds one category (add a suite "
                         "column)")
        if row.tier is not None:
            first = model_tier.setdefault(row.model, row)
            if first.tier != row.tier:
                problems.add(row.line, row.prefix + "tier", f"model {row.model!r} is tier {first.tier!r} at "
                             f"{_where(first)} but {row.tier!r} here")


def _where(row: ResultRow) -> str:
    return f"line {row.line}" if row.line is not None else row.prefix.rstrip(".")


# ---------------------------------------------------------------- storing

def _earlier_import(cur: duckdb.DuckDBPyConnection, digest: str) -> ImportSummary | None:
    """The run an identical file was imported as, so importing it twice never counts its results twice."""
    earlier = earlier_import(cur, digest)
    if earlier is None:
        return None
    run_id, settings = earlier["run_id"], earlier["settings"]
    return ImportSummary(run_id, settings["total_trials"], settings["suites"], settings["models"], earlier["tasks"],
                         created=False, notes=[f"already imported as run {run_id}; nothing written"])


def _store(cur, rows: list[ResultRow], *, filename: str, digest: str, fmt: str, bar: float | None) -> ImportSummary:
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    problems, notes = _Problems(filename), []
    suite_ids = {name: _place_suite(cur, name, group, bar, filename, problems, notes)
                 for name, group in _suite_groups(rows).items()}
    problems.raise_if_any()  # inside the transaction: nothing is written
    models = _price_models(cur, rows, notes)
    run_id = datetime.now(timezone.utc).strftime("r%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]
    settings = {"suites": list(dict.fromkeys(suite_ids.values())), "models": list(models),
                "trials": max(row.trial for row in rows), "total_trials": len(rows), "source_file": filename,
                "content_hash": digest, "format": fmt}
    insert_imported_run(cur, run_id, now, settings, price_snapshot(list(models.values())),
                        f"imported from {Path(filename).name}")
    keys = {"run_id": ("VARCHAR", run_id), "suite_id": ("VARCHAR", [suite_ids[r.suite] for r in rows]),
            "task_id": ("VARCHAR", [r.task_id for r in rows]), "model_id": ("VARCHAR", [r.model for r in rows]),
            "trial": ("INTEGER", [r.trial for r in rows])}
    insert_results(cur, {**keys, **_trial_columns(rows, now)}, {**keys, **_attempt_columns(rows, now, models)})
    tasks = len({(row.suite, row.task_id) for row in rows})
    return ImportSummary(run_id, len(rows), settings["suites"], settings["models"], tasks, notes=notes)


def _trial_columns(rows: list[ResultRow], now: datetime) -> dict[str, tuple[str, Any]]:
    return {"outcome": ("VARCHAR", [r.outcome() for r in rows]), "valid": ("BOOLEAN", [r.valid for r in rows]),
            "correct": ("BOOLEAN", [r.correct for r in rows]), "score": ("DOUBLE", [r.score for r in rows]),
            "detail": ("VARCHAR", [r.detail for r in rows]), "attempts": ("INTEGER", 1),
            "output": ("VARCHAR", [r.output for r in rows]), "finished_at": ("TIMESTAMP", now)}


def _attempt_columns(rows: list[ResultRow], now: datetime, models: dict[str, Model]) -> dict:
    costs = [_costs(r, models[r.model]) for r in rows]
    return {"attempt": ("INTEGER", 1), "started_at": ("TIMESTAMP", now),
            "latency_ms": ("DOUBLE", [r.latency_ms for r in rows]),
            "input_tokens": ("INTEGER", [r.input_tokens for r in rows]),
            "output_tokens": ("INTEGER", [r.output_tokens for r in rows]), "tokens_estimated": ("BOOLEAN", False),
            "cost_usd": ("DOUBLE", [model_usd for model_usd, _ in costs]),
            "infra_usd": ("DOUBLE", [infra_usd for _, infra_usd in costs]),
            "valid": ("BOOLEAN", [r.valid for r in rows]), "output": ("VARCHAR", [r.output for r in rows]),
            "error_kind": ("VARCHAR", ["error" if r.error is not None else None for r in rows]),
            "error": ("VARCHAR", [_short(r.error) for r in rows]), "cached": ("BOOLEAN", [r.cached for r in rows]),
            "request_hash": ("VARCHAR", None)}


def _costs(row: ResultRow, model: Model) -> tuple[float | None, float]:
    """(model_usd, infra_usd) of one result: the file's cost when it gives one, else its tokens at the run's
    snapshot price; unknown (None) when either is missing, never $0. A model with no token price (local, or
    marked free) costs 0 whatever its tokens; a local one also its box's time, as in our own runs."""
    input_tokens, output_tokens = row.input_tokens, row.output_tokens
    if row.error is not None and input_tokens is None and output_tokens is None:
        input_tokens = output_tokens = 0  # a failed call that reports no usage was not billed, as the runner counts
    model_usd, infra_usd = attempt_cost(model, input_tokens, output_tokens, row.latency_ms)
    if row.cost_usd is not None:
        return row.cost_usd, infra_usd
    if model.price.known and model.price.input_per_mtok_usd == model.price.output_per_mtok_usd == 0:
        return 0.0, infra_usd
    return model_usd, infra_usd


def _suite_groups(rows: list[ResultRow]) -> dict[str, tuple[str, dict[str, ResultRow]]]:
    """Per suite name: its category and its tasks in order of first appearance (with that row's vars)."""
    groups: dict[str, tuple[str, dict[str, ResultRow]]] = {}
    for row in rows:
        groups.setdefault(row.suite, (row.category, {}))[1].setdefault(row.task_id, row)
    return groups


def _place_suite(cur, name: str, group, bar: float | None, source: str, problems: _Problems,
                 notes: list[str]) -> str:
    """The suite id these results belong to: an existing suite holding every task, or a new/extended one.

    Results are attached to a suite file's version rather than shadowing it with a newer, input-less version
    (the ledger reads each suite's latest version, and runs need the inputs)."""
    category, tasks = group
    latest = latest_suite(cur, name)
    if latest is None:
        suite_id = f"{name}@1"
        suite = _imported_suite(name, category, bar if bar is not None else DEFAULT_BAR,
                                [_task(row) for row in tasks.values()], source)
        insert_imported_suite(cur, suite_id, suite, content_hash(suite))
        notes.append(f"{suite_id}: new suite of {len(tasks)} tasks")
        return suite_id
    suite_id, stored_category, stored_bar = latest["suite_id"], latest["category"], latest["bar"]
    if stored_category != category:
        problems.add(None, "category", f"suite {suite_id} is category {stored_category!r}, these results say "
                     f"{category!r}; pass --suite NAME to store them as a suite of their own")
    if bar is not None and bar != stored_bar:
        problems.add(None, "bar", f"suite {suite_id} already has bar {stored_bar:g}; omit --bar to add these "
                     "results to it, or pass --suite NAME for a suite of their own")
    stored = stored_tasks(cur, suite_id)
    known = {task.id for task in stored}
    missing = [task_id for task_id in tasks if task_id not in known]
    if missing and latest["origin"] != "imported-results":
        problems.add(None, "task_id", f"suite {suite_id} (from a suite file) has no task {missing[0]!r} "
                     f"({len(missing)} of these task ids are not in it); pass --suite NAME to store these results "
                     "as a suite of their own")
    elif missing:
        # extended in place, so all of an imported suite's results stay under one version
        new = [_task(tasks[task_id]) for task_id in missing]
        append_tasks(cur, suite_id, latest["task_count"], new)
        extended = _imported_suite(name, category, stored_bar, stored + new, source)
        set_task_count(cur, suite_id, len(extended.tasks), content_hash(extended))
        notes.append(f"{suite_id}: added {len(missing)} tasks to the imported suite")
    else:
        notes.append(f"{suite_id}: results added to the existing suite (bar {stored_bar:g})")
    return suite_id


def _imported_suite(name: str, category: str, bar: float, tasks: list[Task], source: str) -> Suite:
    return Suite(name=name, category=category, grader=IMPORTED_GRADER, tasks=tuple(tasks), bar=bar,
                 description="results imported from another tool; tasks carry ids only", source=source)


def _task(row: ResultRow) -> Task:
    return Task(id=row.task_id, vars=row.vars, metadata=row.metadata)


def _price_models(cur, rows: list[ResultRow], notes: list[str]) -> dict[str, Model]:
    """Each model of the file as the run prices it, adding the catalog's missing ones (origin 'imported').

    A new model takes the file's tier, else the built-in list's, else a guess from litellm's price
    (catalog.guess_tier); its price is litellm's when the map knows the id, else the catalog's, else the last
    run's snapshot (so an import does not blank a price an earlier run had), else unknown."""
    tiers: dict[str, str | None] = {}
    for row in rows:
        tiers[row.model] = tiers.get(row.model) or row.tier
    stored = {r["model_id"]: r for r in select_models(cur, list(tiers))}
    last = latest_price_snapshots(cur)
    builtin = {model_id: (display, tier) for model_id, display, tier in BUILTIN_HOSTED}
    new_rows, models = [], {}
    for model_id, tier in tiers.items():
        if model_id == EMBEDDED_ID:  # built in; a catalog row would shadow it
            models[model_id] = embedded_model()
            continue
        row = stored.get(model_id)
        if row is None:
            display, builtin_tier = builtin.get(model_id, (model_id, None))
            row = {"model_id": model_id, "litellm_model": model_id, "display_name": display,
                   "tier": tier or builtin_tier or guess_tier(model_id, litellm_price(model_id)),
                   "input_price_per_mtok_usd": None, "output_price_per_mtok_usd": None, "api_base": None,
                   "infra": None, "origin": "imported", "free": False}
            new_rows.append(row)
        elif tier and tier != row["tier"]:
            notes.append(f"{model_id}: the catalog's tier {row['tier']!r} kept (file says {tier!r})")
        models[model_id] = _with_last_price(model_from_row(row), last.get(model_id, {}))
    insert_models(cur, new_rows)
    if new_rows:
        notes.append("added to the catalog (origin 'imported'): " + ", ".join(
            f"{r['model_id']} ({r['tier']}, {_price_words(models[r['model_id']].price)})" for r in new_rows))
    return models


def _with_last_price(model: Model, earlier: dict) -> Model:
    if model.price.known or earlier.get("input_per_mtok_usd") is None or earlier.get("output_per_mtok_usd") is None:
        return model
    return replace(model, price=Price(earlier["input_per_mtok_usd"], earlier["output_per_mtok_usd"],
                                      earlier.get("price_source") or "unknown"))


def _price_words(price: Price) -> str:
    if not price.known:
        return "no price: set one with `models add` for its cost"
    return f"{price.source}: ${price.input_per_mtok_usd:g} / ${price.output_per_mtok_usd:g} per million tokens"
