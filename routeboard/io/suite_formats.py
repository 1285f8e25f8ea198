"""Suite files as raw task records: a YAML suite (inline tasks or a tasks file beside it), a bare CSV/JSONL
task file, a dataset file (CSV, JSONL or Parquet whose columns are mapped to the task id, input and expected
answer, as a results file's are), and the task shapes of other tools (promptfoo CSV, OpenAI evals JSONL, inspect).

A format only reads and normalises; ``routeboard.suites`` validates the result and builds the ``Suite``.
"""

from __future__ import annotations

import re
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

from routeboard.errors import InvalidInput, Problem, Problems
from routeboard.io.records import Record, read_csv, read_jsonl
from routeboard.io.result_mapping import BY_NAME, normalised
from routeboard.io.tables import read_table
from routeboard.io.text import decode
from routeboard.io.yaml_doc import item_lines, key_line, read_yaml
from routeboard.present import entry, said

SUITE_KEYS = {
    "name",
    "category",
    "description",
    "grader",
    "validator",
    "bar",
    "risk",
    "prompt_template",
    "system_prompt",
    "max_invalid_retries",
    "constraints",
    "tasks",
}
TASK_KEYS = {"id", "input", "messages", "vars", "expected", "metadata"}
TASK_FILE_NAMES = ("tasks.jsonl", "tasks.csv")
TEMPLATE_VAR = re.compile(r"\{\{\s*([A-Za-z_][\w]*)\s*\}\}")
HUMAN_GRADER = "human"  # routeboard/graders/human.py: outputs wait as 'pending' until a person reviews them
PROMPTFOO_GRADERS = {"equals": "exact", "contains": "contains", "icontains": "contains", "regex": "regex"}
DATASET_FORMATS = ("native-csv", "dataset")  # columns mapped to id, input and expected; the rest are vars
# the column names that propose each task field: a results file's (io/result_mapping.py), and `label` as the answer
TASK_COLUMN_NAMES = {
    "id": BY_NAME["task_id"].names,
    "input": BY_NAME["input"].names,
    "expected": BY_NAME["expected"].names + ("label",),
}


class SuiteSource(NamedTuple):
    """What a suite file holds before validation: its metadata, raw task records, their format, where the tasks
    were read (``task_problems`` locates problems in that file) and, for a dataset file, which column holds the
    task id, input and expected answer (``columns``)."""

    meta: dict[str, Any]
    records: list[Record]
    fmt: str
    task_problems: Problems
    columns: dict[str, str] = {}


def read_suite_source(
    filename: str, text: str, problems: Problems, base_dir: Path | None, max_bytes: int | None
) -> SuiteSource:
    """Read a suite file by its suffix: YAML metadata (and its tasks), or a bare task file."""
    suffix = Path(filename).suffix.lower()
    if suffix in (".yaml", ".yml"):
        return _yaml_suite(text, problems, base_dir, max_bytes)
    if suffix in (".jsonl", ".csv"):
        records, fmt = _task_file(suffix, text, problems)
        return SuiteSource({}, records, fmt, problems)
    raise InvalidInput(
        Problem(problems.file, None, None, "unsupported file type: use .csv, .jsonl, .parquet, .yaml or .yml")
    )


def read_parquet_source(filename: str, data: bytes, problems: Problems, max_bytes: int | None) -> SuiteSource:
    """A Parquet dataset's rows as task records (its columns mapped like a CSV's)."""
    table = read_table(filename, data, problems, max_bytes)
    return SuiteSource({}, table.records if table else [], "dataset", problems)


def _yaml_suite(text: str, problems: Problems, base_dir: Path | None, max_bytes: int | None) -> SuiteSource:
    nothing = SuiteSource({}, [], "native", problems)
    doc = read_yaml(text, problems)
    if doc is None:
        return nothing
    meta, node = doc
    if not isinstance(meta, dict):
        problems.add(1, None, "a suite YAML must be a mapping with keys such as name, category, grader, tasks")
        return nothing
    for key in meta:
        if key not in SUITE_KEYS:
            problems.add(key_line(node, key), str(key), f"unknown suite field (known: {', '.join(sorted(SUITE_KEYS))})")
    tasks = meta.get("tasks")
    if isinstance(tasks, list):
        lines = item_lines(node, "tasks")
        records = [Record(lines[i] if i < len(lines) else None, t) for i, t in enumerate(tasks)]
        for record in records:
            if not isinstance(record.fields, dict):
                problems.add(record.line, "tasks", "each task must be a mapping")
        return SuiteSource(meta, [r for r in records if isinstance(r.fields, dict)], "native", problems)
    tasks_path = _find_tasks_file(tasks, base_dir)
    if tasks_path is None:
        where = f"{tasks!r} not found" if tasks else f"no inline tasks and no {' or '.join(TASK_FILE_NAMES)} beside it"
        problems.add(key_line(node, "tasks"), "tasks", f"cannot find the tasks: {where}")
        return nothing._replace(meta=meta)
    task_problems = problems.in_file(str(tasks_path))
    tasks_text = decode(tasks_path.read_bytes(), task_problems, max_bytes)
    if tasks_text is None:
        return SuiteSource(meta, [], "native", task_problems)
    records, fmt = _task_file(tasks_path.suffix.lower(), tasks_text, task_problems)
    return SuiteSource(meta, records, fmt, task_problems)


def _find_tasks_file(tasks: Any, base_dir: Path | None) -> Path | None:
    if base_dir is None:
        return None
    if isinstance(tasks, str):
        candidate = (base_dir / tasks).resolve()
        # A suite may only point at files inside its own folder.
        if base_dir.resolve() in candidate.parents and candidate.is_file():
            return candidate
        return None
    for name in TASK_FILE_NAMES:
        if (base_dir / name).is_file():
            return base_dir / name
    return None


def _task_file(suffix: str, text: str, problems: Problems) -> tuple[list[Record], str]:
    """Records and their format, recognised by the columns or keys the file uses."""
    if suffix == ".jsonl":
        records = read_jsonl(text, problems)
        keys = set().union(*(r.fields for r in records)) if records else set()
        if "ideal" in keys:
            return records, "openai-evals"
        if {"target", "input"} <= keys:
            return records, "inspect"
        # a task file names its input, messages or vars (its typos are then named); other lines are a dataset's rows
        native = keys <= TASK_KEYS or bool({"input", "messages", "vars", "metadata"} & keys)
        return records, "native" if native else "dataset"
    header, records = read_csv(text, problems, empty="the CSV is empty: it needs a header row and at least one task")
    fmt = (
        "promptfoo"
        if any(h.startswith("__expected") for h in header)
        else "inspect"
        if {"target", "input"} <= set(header)
        else "native-csv"
    )
    return records, fmt


# ---------------------------------------------------------------- one record -> task fields


def _empty_task() -> dict:
    return {"id": None, "input": None, "messages": None, "vars": {}, "expected": None, "metadata": {}}


def _from_native(record: Record, problems: Problems) -> dict:
    f = record.fields
    for key in f:
        if key not in TASK_KEYS:
            problems.add(record.line, str(key), f"unknown task field (known: {', '.join(sorted(TASK_KEYS))})")
    return {
        "id": f.get("id"),
        "input": f.get("input"),
        "messages": f.get("messages"),
        "vars": f.get("vars") or {},
        "expected": f.get("expected"),
        "metadata": f.get("metadata") or {},
    }


def _from_dataset(record: Record, problems: Problems, columns: dict[str, str]) -> dict:
    """A row of a CSV, JSONL or Parquet dataset: its mapped columns are the id, input and expected answer, columns
    prefixed meta_ or metadata. are metadata, the rest fill the prompt template's variables."""
    task = _empty_task()
    mapped = {column: name for name, column in columns.items() if column}
    for key, value in record.fields.items():
        if key in mapped:
            task[mapped[key]] = value if value != "" else None
        elif key.startswith("meta_") or key.startswith("metadata."):
            task["metadata"][key.split("_", 1)[1] if key.startswith("meta_") else key.split(".", 1)[1]] = value
        else:
            task["vars"][key] = value
    return task


def _from_inspect(record: Record, problems: Problems) -> dict:
    f = record.fields
    value = f.get("input")
    messages = value if isinstance(value, list) else None
    target = f.get("target")
    metadata = dict(f.get("metadata") or {}) if isinstance(f.get("metadata"), dict) else {}
    for extra in ("choices", "sandbox", "files", "setup"):
        if extra in f:
            metadata[extra] = f[extra]
    if isinstance(target, list):
        metadata["targets"] = target
        target = target[0] if target else None
    return {
        "id": f.get("id"),
        "input": None if messages else value,
        "messages": messages,
        "vars": {},
        "expected": target,
        "metadata": metadata,
    }


def _from_openai_evals(record: Record, problems: Problems) -> dict:
    f = record.fields
    value = f.get("input")
    ideal = f.get("ideal")
    metadata = {k: v for k, v in f.items() if k not in ("input", "ideal", "id")}
    if isinstance(ideal, list):
        metadata["ideals"] = ideal
        ideal = ideal[0] if ideal else None
    return {
        "id": f.get("id"),
        "input": value if isinstance(value, str) else None,
        "messages": value if isinstance(value, list) else None,
        "vars": {},
        "expected": ideal,
        "metadata": metadata,
    }


def _from_promptfoo(record: Record, problems: Problems) -> dict:
    task = _empty_task()
    for key, value in record.fields.items():
        if key.startswith("__expected"):
            if value.strip():
                kind, sep, rest = value.partition(":")
                if sep and kind.strip() in PROMPTFOO_GRADERS:
                    task["metadata"]["promptfoo_assert"] = kind.strip()
                    value = rest.strip()
                elif sep and re.fullmatch(r"[a-z-]+", kind.strip()):
                    problems.add(
                        record.line,
                        key,
                        f"promptfoo assertion {kind.strip()!r} is not supported "
                        f"(supported: {', '.join(PROMPTFOO_GRADERS)} or a plain value)",
                    )
                task["expected"] = value if task["expected"] is None else task["expected"]
        elif key == "__description":
            task["metadata"]["description"] = value
        elif key.startswith("__metadata:"):
            task["metadata"][key.split(":", 1)[1]] = value
        elif key.startswith("__"):
            task["metadata"][key.lstrip("_")] = value
        else:
            task["vars"][key] = value
    return task


NORMALISERS = {
    "native": _from_native,
    "native-csv": _from_dataset,
    "dataset": _from_dataset,
    "inspect": _from_inspect,
    "openai-evals": _from_openai_evals,
    "promptfoo": _from_promptfoo,
}


def normalised_tasks(source: SuiteSource) -> list[tuple[Record, dict]]:
    """Each record with its task fields (id, input, messages, vars, expected, metadata) in our shape."""
    normalise = NORMALISERS[source.fmt]
    if source.fmt in DATASET_FORMATS:
        normalise = partial(normalise, columns=source.columns)
    return [(record, normalise(record, source.task_problems)) for record in source.records]


def dataset_columns(source: SuiteSource) -> list[str]:
    """A dataset file's columns in order of first appearance ([] for other formats)."""
    if source.fmt not in DATASET_FORMATS:
        return []
    return list(dict.fromkeys(key for record in source.records for key in record.fields))


def with_task_columns(source: SuiteSource, given: dict[str, str] | None, template: str | None) -> SuiteSource:
    """A dataset's column mapping: the person's (``given``: field -> column, '' for none), else the column named as
    the field, else one named as other tools name it (answer, target, label ... for the expected answer; question,
    prompt ... for the input when there is no template), never a column the template uses."""
    columns = dataset_columns(source)
    if not columns:
        return source
    used = set(TEMPLATE_VAR.findall(template or ""))
    chosen: dict[str, str] = {}
    for name, column in (given or {}).items():
        if name not in TASK_COLUMN_NAMES:
            source.task_problems.add(None, name, f"not a task field (map: {', '.join(TASK_COLUMN_NAMES)})")
        elif column and column not in columns:
            source.task_problems.add(1, column, f"no such column to map as {name} (columns: {', '.join(columns)})")
        else:
            chosen[name] = column
    by_name = {normalised(column): column for column in reversed(columns)}
    for name, names in TASK_COLUMN_NAMES.items():
        if name in chosen or (name == "input" and template is not None):
            continue
        taken = set(chosen.values()) | used
        proposed = [by_name[n] for n in (name, *names) if n in by_name and by_name[n] not in taken]
        if proposed:
            chosen[name] = proposed[0]
    return source._replace(columns=chosen)


# ---------------------------------------------------------------- what a format implies


def default_grader(fmt: str, tasks: list[tuple[Record, dict]]) -> str:
    """promptfoo's assertion when every task uses the same one; people's review (``human``) when no task has
    an expected answer (inputs only: real work); otherwise exact match."""
    if fmt == "promptfoo":
        kinds = {t["metadata"].get("promptfoo_assert", "equals") for _, t in tasks}
        return PROMPTFOO_GRADERS[kinds.pop()] if len(kinds) == 1 else "exact"
    if tasks and all(t["expected"] in (None, "") for _, t in tasks):
        return HUMAN_GRADER
    return "exact"


def default_template(source: SuiteSource, tasks: list[tuple[Record, dict]]) -> str | None:
    """A CSV with one variable column and no input column is its own prompt; several need a template (said once)."""
    if source.fmt not in ("promptfoo", *DATASET_FORMATS) or not tasks or any(t["input"] for _, t in tasks):
        return None
    names = list(tasks[0][1]["vars"])
    if len(names) == 1:
        return "{{" + names[0] + "}}"
    source.task_problems.add(
        1,
        None,
        f"no input column and no prompt template: give a template using "
        f"{', '.join('{{' + n + '}}' for n in names)} (suite.yaml prompt_template or {entry('template')}), or "
        + said("map the input column (--map input=COLUMN)", "choose the input column"),
    )
    return None


def check_csv_columns(source: SuiteSource, template: str | None, need_expected: bool = True) -> bool:
    """A column that is neither mapped (id, input, expected), nor metadata, nor used by the template is a mistake;
    the expected column is needed only when the grader needs answers (inputs-only files go to review). True when
    the expected column is missing and was reported (so each row need not say it again)."""
    if source.fmt not in DATASET_FORMATS or not source.records:
        return False
    used = set(TEMPLATE_VAR.findall(template or ""))
    header = dataset_columns(source)
    mapped = {column for column in source.columns.values() if column}
    for column in header:
        if column in mapped or column.startswith(("meta_", "metadata.")):
            continue
        if template is not None and column not in used:
            source.task_problems.add(
                1,
                column,
                "unknown column: not used by the prompt template (prefix it with meta_ to keep it as task metadata)",
            )
    missing = not source.columns.get("expected") and need_expected
    if missing:
        source.task_problems.add(
            1,
            None,
            "missing column: expected (no column named expected, answer, target or label: "
            + said("name yours with --map expected=COLUMN", "choose yours as the expected answer column")
            + f"; with no answers, leave the grader ({entry('grader')}) unset or choose human to review outputs)",
        )
    return missing
