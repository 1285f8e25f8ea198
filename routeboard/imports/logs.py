"""Production logs in: each logged call becomes a task of a new suite, and where the log kept the production
model's reply, that reply is stored as the model's result (an 'imported' run, one trial per task) and graded
by the suite's grader; with the default ``human`` grader it waits as 'pending' in the review queue.

Reading the formats lives in ``routeboard.io.logs``; storing goes through the same writers as a results import
(``write_suite``, ``price_models``, ``imports.run_writer``), in one transaction: all or nothing.
"""

from __future__ import annotations

import hashlib
import inspect
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from routeboard import graders
from routeboard.domain import Suite
from routeboard.errors import InvalidInput, Problem, Problems
from routeboard.imports.redact import redact_value
from routeboard.imports.results import price_models
from routeboard.imports.run_writer import write_imported_run
from routeboard.io.logs import LOG_FORMATS, Log, LoggedCall, detect_format, log_records, read_log
from routeboard.io.records import Record
from routeboard.io.result_rows import ResultRow
from routeboard.io.text import decode, file_bytes
from routeboard.present import entry
from routeboard.store.connection import serialized
from routeboard.store.imports import earlier_import
from routeboard.store.suites import write_suite
from routeboard.suites import Overrides, build_suite
from routeboard.team import audit
from routeboard.team.access import Actor, require

FORMATS = ("auto", *LOG_FORMATS)
LOG_HINT = (
    "this is a production log (LiteLLM spend logs, a Langfuse export or chat JSONL), not a task file: import it "
    "under Results import, or `python -m routeboard suites import FILE`, so its logged replies are kept too"
)
PENDING_DETAIL = "waiting for review"


@dataclass
class LogSuite:
    """A log read and validated: the suite of its prompts and the calls whose replies become results."""

    suite: Suite
    log: Log
    digest: str
    redacted: bool


@dataclass
class LogImportSummary:
    """What a log import stored: the suite, and the run of logged replies when the log kept any."""

    suite_id: str
    tasks: int
    fmt: str
    grader: str
    run_id: str | None = None
    outputs: int = 0
    models: list[str] = field(default_factory=list)
    created: bool = True
    notes: list[str] = field(default_factory=list)


def sniff_format(filename: str, data: bytes, max_bytes: int | None = None) -> str | None:
    """The log format a file is in (chat, litellm, langfuse), or None for a plain suite/task file."""
    if Path(filename).suffix.lower() not in (".json", ".jsonl", ".ndjson", ".csv"):
        return None
    problems = Problems(filename)
    text = decode(data, problems, max_bytes)
    return None if text is None else detect_format(log_records(filename, text, problems))


def read_log_suite(
    filename: str,
    data: bytes,
    *,
    fmt: str = "auto",
    overrides: Overrides | None = None,
    redact: bool = False,
    model: str | None = None,
    max_bytes: int | None = None,
) -> LogSuite:
    """Validate a log file as a suite of its prompts; raises InvalidInput listing every problem. ``model``
    names the model of logged replies whose line names none (an OpenAI fine-tuning file names none)."""
    problems = Problems(filename, limit=200)
    if fmt not in FORMATS:
        known = ", ".join(FORMATS)
        raise InvalidInput(Problem(filename, None, entry("format"), f"unknown format {fmt!r} (known: {known})"))
    text = decode(data, problems, max_bytes)
    problems.raise_if_any()
    records = log_records(filename, text, problems)
    problems.raise_if_any()
    detected = detect_format(records)
    if fmt == "auto" and detected is None:
        problems.add(None, None, f"cannot tell the log format from its fields; choose it ({entry('format')})")
    problems.raise_if_any()
    log = read_log(records, detected if fmt == "auto" else fmt, problems)
    problems.raise_if_any()
    for call in log.calls:
        call.model = call.model or (model.strip() if model and model.strip() else None)
    if redact:
        for call in log.calls:
            call.prompt = redact_value(call.prompt)
            call.output = redact_value(call.output)
            call.metadata = redact_value(call.metadata)
    tasks = [
        Record(c.line, {"id": c.task_id, "messages": c.prompt, "metadata": _task_metadata(c, log)}) for c in log.calls
    ]
    suite = build_suite(tasks, Path(filename).stem, overrides, problems)
    # the file and the suite it became: the same log under another name or redacted is another import
    digest = hashlib.sha256(data + suite.content_hash().encode()).hexdigest()
    return LogSuite(suite, log, digest, redact)


def load_log(con: duckdb.DuckDBPyConnection, path: str | Path, **options) -> LogImportSummary:
    """Read a log file from disk and import it (``options`` as for ``import_log``)."""
    return import_log(con, str(path), file_bytes(path), **options)


def import_log(
    con: duckdb.DuckDBPyConnection, filename: str, data: bytes, *, actor: Actor | None = None, **options
) -> LogImportSummary:
    """Validate a log and store its suite and logged replies, all or nothing; a re-import writes nothing."""
    actor = require(actor, "import_results")
    read = read_log_suite(filename, data, **options)
    graded = _graded_rows(read)

    def write(cur: duckdb.DuckDBPyConnection) -> LogImportSummary:
        written = write_suite(cur, read.suite, origin="imported-logs")
        summary = LogImportSummary(
            written.suite_id, len(read.suite.tasks), read.log.fmt, read.suite.grader.name, created=written.created
        )
        summary.notes += read.log.notes + graded.notes
        if read.redacted:
            summary.notes.append("e-mail addresses, phone and card numbers replaced by [EMAIL], [PHONE], [CARD]")
        earlier = earlier_import(cur, read.digest)
        if earlier is not None:
            summary.run_id, summary.created = earlier["run_id"], False
            summary.notes.append(
                f"already imported (suite {written.suite_id}, run {earlier['run_id']}); nothing written"
            )
        elif graded.rows:
            _store_run(cur, summary, graded.rows, filename, read, actor.user_id)
        detail = {"file": Path(filename).name, "suite": written.suite_id, "created": summary.created}
        audit.record(cur, actor, "import_results", summary.run_id or written.suite_id, detail)
        return summary

    # gated: a re-import racing another (two app replicas) writes nothing twice; a lost commit is run again
    return serialized(con, write)


# ---------------------------------------------------------------- grading and storing the logged replies


@dataclass
class _Graded:
    rows: list[ResultRow]
    notes: list[str]


def _graded_rows(read: LogSuite) -> _Graded:
    """One result per logged reply, graded by the suite's grader (``human``: pending until reviewed)."""
    calls = [c for c in read.log.calls if c.output is not None]
    unnamed = [c for c in calls if not c.model]
    notes = []
    if unnamed:
        notes.append(
            f"{len(unnamed)} logged replies name no model (add a model field to the lines, or give the model "
            f"that wrote them: {entry('model')}): kept as tasks only"
        )
    calls = [c for c in calls if c.model]
    if not calls:
        return _Graded([], notes)
    suite = read.suite
    if "judge" in inspect.signature(graders.GRADERS[suite.grader.name]).parameters:
        raise InvalidInput(
            Problem(
                suite.source,
                None,
                "grader",
                f"the {suite.grader.name} grader calls a model per output, which an import does not do: import "
                "with the human grader (the default) and let people review, or run the suite instead",
            )
        )
    grader = graders.build_grader(suite.grader)
    validator = graders.build_validator(suite.validator) if suite.validator else None
    tasks = {task.id: task for task in suite.tasks}
    rows = [
        _row(call, suite, graders.grade_output(call.output, tasks[call.task_id], grader, validator)) for call in calls
    ]
    return _Graded(rows, notes)


def _row(call: LoggedCall, suite: Suite, grade) -> ResultRow:
    # the human grader's grade says pending; grade_output may rebuild the Grade, so the grader's name decides too
    pending = (bool(getattr(grade, "pending", False)) or suite.grader.name == "human") and grade.valid
    return ResultRow(
        line=call.line,
        prefix="",
        suite=suite.name,
        category=suite.category,
        task_id=call.task_id,
        model=call.model,
        correct=bool(grade.correct) and not pending,
        valid=grade.valid,
        score=None if pending else grade.score,
        detail=PENDING_DETAIL if pending else grade.detail,
        input_tokens=call.input_tokens,
        output_tokens=call.output_tokens,
        cost_usd=call.cost_usd,
        latency_ms=call.latency_ms,
        output=call.output,
        pending=pending,
    )


def _store_run(
    cur, summary: LogImportSummary, rows: list[ResultRow], filename: str, read: LogSuite, launched_by: str
) -> None:
    models = price_models(cur, rows, summary.notes)
    run = write_imported_run(
        cur,
        rows,
        models,
        {read.suite.name: summary.suite_id},
        source_file=filename,
        digest=read.digest,
        fmt=read.log.fmt,
        note=f"production replies imported from {Path(filename).name}",
        launched_by=launched_by,
    )
    summary.run_id, summary.outputs, summary.models = run.run_id, len(rows), run.models
    pending = sum(r.pending for r in rows)
    if pending:
        summary.notes.append(f"{pending} logged replies wait for review on the Review page")


def _task_metadata(call: LoggedCall, log: Log) -> dict:
    """Where the task came from (the log's ids), so an export can find the original call. Not the model: the
    task is the same whoever answered it, and reviewers are blinded to who did."""
    return {"source": log.fmt, **call.metadata}
