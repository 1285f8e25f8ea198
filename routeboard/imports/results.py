"""Import per-sample results produced elsewhere (CSV, JSONL, Parquet through a column mapping; promptfoo JSON) as
an 'imported' run: one file or several at once, all or nothing.

The ledger and verdicts read trials and attempts; an import writes the same rows a routeboard run would
(one trial and one attempt per result), so imported results are costed and judged like our own. Reading the
files and their column mapping lives in ``routeboard.io.result_formats`` and ``routeboard.io.result_mapping``;
storing is one transaction through the store's own writers
(``write_suite``, ``insert_models``) and the one writer of imported runs (``imports.run_writer``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb

from routeboard.catalog.models import (
    BUILTIN_HOSTED,
    EMBEDDED_ID,
    catalog_row,
    embedded_model,
    guess_tier,
    litellm_price,
    model_from_row,
)
from routeboard.domain import GraderSpec, Model, Price, Suite, Task
from routeboard.errors import InvalidInput, Problems
from routeboard.imports.run_writer import write_imported_run
from routeboard.io.result_formats import ResultsPreview, preview_results
from routeboard.io.result_mapping import FROM_FILE, MappingEdits, ResultMapping
from routeboard.io.result_rows import ResultRow
from routeboard.io.text import file_bytes
from routeboard.present import entry, token_price
from routeboard.store.catalog import insert_models, select_models
from routeboard.store.connection import serialized
from routeboard.store.imports import earlier_import
from routeboard.store.runs import latest_price_snapshots
from routeboard.store.suites import extend_suite, latest_version, stored_tasks, write_suite
from routeboard.team import audit
from routeboard.team.access import Actor, require

DEFAULT_BAR = 0.9
IMPORTED_GRADER = GraderSpec("exact", {})


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
    mapping: dict | None = None  # the column mapping the tables were read with (None: promptfoo JSON only)


# ---------------------------------------------------------------- entry points


def load_results(con: duckdb.DuckDBPyConnection, paths: str | Path | list, **options) -> ImportSummary:
    """Read one results file or several from disk and import them (``options`` as for ``import_result_files``)."""
    paths = [paths] if isinstance(paths, (str, Path)) else list(paths)
    return import_result_files(con, [(str(path), file_bytes(path)) for path in paths], **options)


def import_results(con: duckdb.DuckDBPyConnection, filename: str, data: bytes, **options) -> ImportSummary:
    """Validate one results file and store it as one 'imported' run (``options`` as for ``import_result_files``)."""
    return import_result_files(con, [(filename, data)], **options)


def import_result_files(
    con: duckdb.DuckDBPyConnection,
    files: list[tuple[str, bytes]],
    *,
    mapping: ResultMapping | None = None,
    edits: MappingEdits | None = None,
    category: str | None = None,
    suite: str | None = None,
    bar: float | None = None,
    max_bytes: int | None = None,
    actor: Actor | None = None,
) -> ImportSummary:
    """Validate result files (read through ``mapping``, else the proposed one, with a person's ``edits``) and store
    them as one 'imported' run, all or nothing; the same files again are recognised and write nothing."""
    actor = require(actor, "import_results")
    problems = Problems(files[0][0] if files else "<no file>")
    if not files:
        problems.add(None, None, "no file to import")
    if bar is not None and (isinstance(bar, bool) or not isinstance(bar, (int, float)) or not 0 < bar <= 1):
        problems.add(None, "bar", f"the quality bar must be a number in (0, 1], e.g. 0.94; got {bar!r}")
    problems.raise_if_any()
    digest = files_digest(files)
    earlier = _earlier_import(con.cursor(), digest)
    if earlier:
        return earlier
    preview = preview_results(files, mapping=mapping, edits=edits, category=category, suite=suite, max_bytes=max_bytes)
    if preview.problems:
        raise InvalidInput(preview.problems)
    source = ", ".join(Path(name).name for name, _ in files)

    def write(cur: duckdb.DuckDBPyConnection) -> ImportSummary:
        earlier = _earlier_import(cur, digest)  # another import of the same file may have landed meanwhile
        if earlier:
            return earlier
        summary = _store(cur, preview, source=source, digest=digest, bar=bar, launched_by=actor.user_id)
        audit.record(cur, actor, "import_results", summary.run_id, _audited(source, summary))
        return summary

    # gated: two imports of one file at once (two app replicas) store it once; a lost commit is run again
    return serialized(con, write)


def results_preview(files: list[tuple[str, bytes]], **options) -> ResultsPreview:
    """What importing these files would store, read through the mapping (``options`` as for ``preview_results``),
    with what the mapping did said in ``notes``; writes nothing and reads nothing stored."""
    preview = preview_results(files, **options)
    preview.notes = mapping_notes(preview) + preview.notes
    return preview


def files_digest(files: list[tuple[str, bytes]]) -> str:
    """The identity of what is imported: one file's SHA-256, or that of several files' names and digests."""
    if len(files) == 1:
        return hashlib.sha256(files[0][1]).hexdigest()
    parts = sorted(f"{Path(name).name}:{hashlib.sha256(data).hexdigest()}" for name, data in files)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def mapping_notes(preview: ResultsPreview) -> list[str]:
    """What the mapping did, said beside an import: columns left out, values read as outcomes, file-name sources."""
    notes = []
    mapping = preview.mapping
    if mapping is None:
        return notes
    if preview.ignored:
        notes.append("ignored columns (mapped to nothing): " + ", ".join(preview.ignored))
    from_file = [n for n, column in mapping.columns.items() if column == FROM_FILE and n not in preview.given]
    if from_file and not (mapping.wide and from_file == ["model"]):
        notes.append(" and ".join(from_file) + " taken from each file's name")
    if mapping.wide:
        named = [m + (f" as {mapping.rename[m]}" if mapping.rename.get(m) else "") for m in mapping.models]
        notes.append("wide layout: one column per model (" + ", ".join(named) + ")")
    if mapping.labels:
        notes.append(
            "values read as outcomes: "
            + ", ".join(f"{value!r} {mapping.labels[value]} ({count:,})" for value, count in preview.labels.items())
        )
    return notes


def _audited(source: str, summary) -> dict:
    """What an import's audit row says: the files and what they stored (never their content)."""
    return {"file": source, "rows": summary.rows, "suites": summary.suites, "models": summary.models}


# ---------------------------------------------------------------- storing


def _earlier_import(cur: duckdb.DuckDBPyConnection, digest: str) -> ImportSummary | None:
    """The run an identical file was imported as, so importing it twice never counts its results twice."""
    earlier = earlier_import(cur, digest)
    if earlier is None:
        return None
    run_id, settings = earlier["run_id"], earlier["settings"]
    return ImportSummary(
        run_id,
        settings["total_trials"],
        settings["suites"],
        settings["models"],
        earlier["tasks"],
        created=False,
        notes=[f"already imported as run {run_id}; nothing written"],
    )


def _store(
    cur, preview: ResultsPreview, *, source: str, digest: str, bar: float | None, launched_by: str | None
) -> ImportSummary:
    rows, filename = preview.rows, source
    problems, notes = Problems(filename), mapping_notes(preview) + preview.notes
    suite_ids = {
        name: _place_suite(cur, name, group, bar, filename, problems, notes)
        for name, group in _suite_groups(rows).items()
    }
    problems.raise_if_any()  # inside the transaction: nothing is written
    models = price_models(cur, rows, notes)
    run = write_imported_run(
        cur,
        rows,
        models,
        suite_ids,
        source_file=filename,
        digest=digest,
        fmt=preview.fmt + ("-wide" if preview.mapping and preview.mapping.wide else ""),
        note=f"imported from {filename}",
        launched_by=launched_by,
        extra_settings={"mapping": preview.mapping.as_dict()} if preview.mapping else None,
    )
    tasks = len({(row.suite, row.task_id) for row in rows})
    mapping = preview.mapping.as_dict() if preview.mapping else None
    return ImportSummary(run.run_id, len(rows), run.suites, run.models, tasks, notes=notes, mapping=mapping)


def _suite_groups(rows: list[ResultRow]) -> dict[str, tuple[str, dict[str, ResultRow]]]:
    """Per suite name: its category and its tasks in order of first appearance (with that row's vars)."""
    groups: dict[str, tuple[str, dict[str, ResultRow]]] = {}
    for row in rows:
        groups.setdefault(row.suite, (row.category, {}))[1].setdefault(row.task_id, row)
    return groups


def _place_suite(cur, name: str, group, bar: float | None, source: str, problems: Problems, notes: list[str]) -> str:
    """The suite id these results belong to: an existing suite holding every task, or a new/extended one.

    Results are attached to a suite file's version rather than shadowing it with a newer, input-less version
    (the ledger reads each suite's latest version, and runs need the inputs)."""
    category, tasks = group
    latest = latest_version(cur, name)
    if latest is None:
        suite = _imported_suite(
            name, category, bar if bar is not None else DEFAULT_BAR, [_task(row) for row in tasks.values()], source
        )
        suite_id = write_suite(cur, suite, origin="imported-results").suite_id
        notes.append(f"{suite_id}: new suite of {len(tasks)} tasks")
        return suite_id
    suite_id, stored_category, stored_bar = latest["suite_id"], latest["category"], latest["bar"]
    if stored_category != category:
        problems.add(
            None,
            "category",
            f"suite {suite_id} is category {stored_category!r}, these results say "
            f"{category!r}; give another suite name ({entry('suite')}) to store them as a suite of their own",
        )
    if bar is not None and bar != stored_bar:
        problems.add(
            None,
            "bar",
            f"suite {suite_id} already has bar {stored_bar:g}; leave the bar ({entry('bar')}) out to add these "
            f"results to it, or give another suite name ({entry('suite')}) for a suite of their own",
        )
    stored = stored_tasks(cur, suite_id)
    known = {task.id for task in stored}
    missing = [task_id for task_id in tasks if task_id not in known]
    if missing and latest["origin"] != "imported-results":
        problems.add(
            None,
            "task_id",
            f"suite {suite_id} (from a suite file) has no task {missing[0]!r} "
            f"({len(missing)} of these task ids are not in it); give another suite name ({entry('suite')}) to "
            "store these results as a suite of their own",
        )
    elif missing:
        # extended in place, so all of an imported suite's results stay under one version
        new = [_task(tasks[task_id]) for task_id in missing]
        extended = _imported_suite(name, category, stored_bar, stored + new, source)
        extend_suite(cur, suite_id, len(stored), new, extended.content_hash())
        notes.append(f"{suite_id}: added {len(missing)} tasks to the imported suite")
    else:
        notes.append(f"{suite_id}: results added to the existing suite (bar {stored_bar:g})")
    return suite_id


def _imported_suite(name: str, category: str, bar: float, tasks: list[Task], source: str) -> Suite:
    # no retries: an imported result is final, there is no model to ask again
    return Suite(
        name=name,
        category=category,
        grader=IMPORTED_GRADER,
        tasks=tuple(tasks),
        bar=bar,
        description="results imported from another tool; tasks carry ids only",
        max_invalid_retries=0,
        source=source,
    )


def _task(row: ResultRow) -> Task:
    return Task(id=row.task_id, input=row.input, vars=row.vars, expected=row.expected, metadata=row.metadata)


def price_models(cur, rows: list[ResultRow], notes: list[str]) -> dict[str, Model]:
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
            new_tier = tier or builtin_tier or guess_tier(model_id, litellm_price(model_id))
            row = catalog_row(model_id, model_id, display, new_tier, "imported")
            new_rows.append(row)
        elif tier and tier != row["tier"]:
            notes.append(f"{model_id}: the catalog's tier {row['tier']!r} kept (file says {tier!r})")
        models[model_id] = _with_last_price(model_from_row(row), last.get(model_id, {}))
    insert_models(cur, new_rows)
    if new_rows:
        notes.append(
            "added to the catalog (origin 'imported'): "
            + ", ".join(f"{r['model_id']} ({r['tier']}, {_price_words(models[r['model_id']].price)})" for r in new_rows)
        )
    return models


def _with_last_price(model: Model, earlier: dict) -> Model:
    if model.price.known or earlier.get("input_per_mtok_usd") is None or earlier.get("output_per_mtok_usd") is None:
        return model
    return replace(
        model,
        price=Price(
            earlier["input_per_mtok_usd"], earlier["output_per_mtok_usd"], earlier.get("price_source") or "unknown"
        ),
    )


def _price_words(price: Price) -> str:
    if not price.known:
        return "no price: set one with `models add` for its cost"
    return f"{price.source}: {token_price(price.input_per_mtok_usd, price.output_per_mtok_usd)}"
