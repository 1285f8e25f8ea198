"""Read suites from files (native, promptfoo, OpenAI evals, inspect formats) and validate them.

Pure: bytes in, a ``Suite`` or an ``InvalidInput`` listing every problem (file, line, field) out. Reading and
the file formats live in ``routeboard.io``; writing a suite to the database in ``routeboard.store.suites``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path

from routeboard import graders
from routeboard.decide import verdicts
from routeboard.decide.constraints import constraint_problems, effective
from routeboard.decide.intervals import interval
from routeboard.domain import GraderSpec, Suite, Task
from routeboard.errors import InvalidInput, Problem, Problems
from routeboard.io.chat import too_large
from routeboard.io.records import Record
from routeboard.io.suite_formats import (
    TEMPLATE_VAR,
    SuiteSource,
    check_csv_columns,
    dataset_columns,
    default_grader,
    default_template,
    normalised_tasks,
    read_parquet_source,
    read_suite_source,
    with_task_columns,
)
from routeboard.io.text import decode, storable
from routeboard.settings import benchmarks_dir

CHAT_ROLES = {"system", "user", "assistant", "tool"}


@dataclass(frozen=True)
class Overrides:
    """Suite metadata given on the command line or the upload form; wins over the file's own."""

    name: str | None = None
    category: str | None = None
    grader: str | dict | None = None  # a name, or {name, options}
    bar: float | None = None
    prompt_template: str | None = None
    system_prompt: str | None = None
    description: str | None = None
    columns: dict[str, str] | None = None  # a dataset file's id/input/expected -> column ('' for none)


# ---------------------------------------------------------------- entry points


def load_suite(path: str | Path, overrides: Overrides | None = None, max_bytes: int | None = None) -> Suite:
    """Load a suite folder, a YAML suite, or a bare CSV/JSONL task file; raise InvalidInput on any problem."""
    path = Path(path)
    if path.is_dir():
        return _load_folder(path, overrides, max_bytes)
    if not path.exists():
        raise InvalidInput(Problem(str(path), None, None, "no such file or folder"))
    return load_suite_bytes(path.name, path.read_bytes(), overrides, max_bytes, display=str(path), base_dir=path.parent)


def load_suite_bytes(
    filename: str,
    data: bytes,
    overrides: Overrides | None = None,
    max_bytes: int | None = None,
    *,
    display: str | None = None,
    base_dir: Path | None = None,
) -> Suite:
    """Load a suite from one file's bytes (an upload, or a file on disk)."""
    problems = Problems(display or filename)
    if Path(filename).suffix.lower() == ".parquet":
        source = read_parquet_source(filename, data, problems, max_bytes)
    else:
        text = decode(data, problems, max_bytes)
        if text is None:
            raise InvalidInput(problems.shown())
        source = read_suite_source(filename, text, problems, base_dir, max_bytes)
    return _build(source, Path(filename).stem, overrides or Overrides(), problems)


def task_columns(filename: str, data: bytes, overrides: Overrides | None = None) -> TaskColumns:
    """A dataset file's columns and the ones proposed (or given) as the task id, input and expected answer; no
    columns for a file that is not a dataset (a suite YAML, a promptfoo CSV, OpenAI evals or inspect JSONL)."""
    overrides = overrides or Overrides()
    problems = Problems(filename)
    try:
        if Path(filename).suffix.lower() == ".parquet":
            source = read_parquet_source(filename, data, problems, None)
        else:
            source = read_suite_source(filename, decode(data, problems) or "", problems, None, None)
    except InvalidInput:
        return TaskColumns([], {})
    template = overrides.prompt_template
    mapped = with_task_columns(source, overrides.columns, template)
    return TaskColumns(dataset_columns(source), mapped.columns)


@dataclass(frozen=True)
class TaskColumns:
    """A dataset file's columns, and which holds each task field (id, input, expected)."""

    columns: list[str]
    chosen: dict[str, str]


def build_suite(
    records: list[Record],
    stem: str,
    overrides: Overrides | None,
    problems: Problems,
    meta: dict | None = None,
    task_problems: Problems | None = None,
) -> Suite:
    """A suite from task records already in our shape (id, input or messages, vars, expected, metadata) and its
    metadata (name, category, grader, prompt_template ...), e.g. read from production logs or a test project;
    ``task_problems`` locates the tasks' problems in the file they were read from."""
    source = SuiteSource(meta or {}, records, "native", task_problems or problems)
    return _build(source, stem, overrides or Overrides(), problems)


def validate_path(path: str | Path, overrides: Overrides | None = None, max_bytes: int | None = None) -> list[Problem]:
    """Every problem with a suite on disk; [] when it would import cleanly."""
    try:
        load_suite(path, overrides, max_bytes)
    except InvalidInput as exc:
        return exc.problems
    return []


def shipped_suite_paths() -> list[Path]:
    """The suite folders shipped in benchmarks/."""
    return sorted(p for p in benchmarks_dir().iterdir() if (p / "suite.yaml").is_file())


def _load_folder(folder: Path, overrides: Overrides | None, max_bytes: int | None) -> Suite:
    meta_file = folder / "suite.yaml"
    if not meta_file.exists():
        meta_file = folder / "suite.yml"
    if not meta_file.exists():
        raise InvalidInput(Problem(str(folder), None, None, "a suite folder needs a suite.yaml next to its tasks"))
    return load_suite_bytes(
        meta_file.name, meta_file.read_bytes(), overrides, max_bytes, display=str(meta_file), base_dir=folder
    )


# ---------------------------------------------------------------- building and validating


def _build(source: SuiteSource, stem: str, overrides: Overrides, problems: Problems) -> Suite:
    meta, task_problems = source.meta, source.task_problems
    template = overrides.prompt_template or meta.get("prompt_template")
    source = with_task_columns(source, overrides.columns, template if isinstance(template, str) else None)
    tasks_raw = normalised_tasks(source)
    found_before = len(task_problems)
    if template is None:
        template = default_template(source, tasks_raw)
    no_template_said = template is None and len(task_problems) > found_before  # said once, not per row
    grader = _grader_spec(
        overrides.grader or meta.get("grader") or default_grader(source.fmt, tasks_raw), "grader", problems
    )
    validator = _grader_spec(meta["validator"], "validator", problems) if meta.get("validator") else None
    bar = _bar(overrides.bar if overrides.bar is not None else meta.get("bar", 0.9), problems)
    retries = meta.get("max_invalid_retries", 1)
    if not isinstance(retries, int) or isinstance(retries, bool) or retries < 0 or retries > 10:
        problems.add(None, "max_invalid_retries", "must be a whole number from 0 to 10")
        retries = 1
    constraints = meta.get("constraints") or {}
    constraint_problems(constraints, problems)
    fields = _suite_fields(meta, overrides, stem, problems)
    if template is not None and not isinstance(template, str):
        problems.add(None, "prompt_template", "must be text")
        template = None
    need_expected = _needs_expected(grader) and not check_csv_columns(source, template, _needs_expected(grader))
    tasks = _tasks(tasks_raw, template, grader, need_expected, task_problems, no_template_said)
    if not tasks and not any(p.file == task_problems.file for p in problems):
        task_problems.add(None, None, "no tasks found")
    problems.raise_if_any()
    return Suite(
        name=str(fields["name"]),
        category=str(fields["category"]),
        grader=grader,
        tasks=tuple(tasks),
        bar=bar,
        description=str(fields["description"]),
        risk=str(fields["risk"]),
        validator=validator,
        prompt_template=template,
        system_prompt=fields["system_prompt"],
        max_invalid_retries=retries,
        constraints=constraints if isinstance(constraints, dict) else {},
        source=problems.file,
    )


def _suite_fields(meta: dict, overrides: Overrides, stem: str, problems: Problems) -> dict:
    """Name, category, description, risk and system prompt: the override, else the file's, else a default."""
    name = overrides.name or meta.get("name") or stem
    fields = {
        "name": name,
        "category": overrides.category or meta.get("category") or name,
        "description": overrides.description or meta.get("description") or "",
        "risk": meta.get("risk") or "",
        "system_prompt": overrides.system_prompt or meta.get("system_prompt"),
    }
    for key, value in fields.items():
        if value is not None and not isinstance(value, str):
            problems.add(None, key, "must be text")
    if not str(name).strip():
        problems.add(None, "name", "a suite needs a name")
    return fields


def _grader_spec(raw, kind: str, problems: Problems) -> GraderSpec:
    if isinstance(raw, str):
        spec = GraderSpec(raw, {})
    elif isinstance(raw, dict) and isinstance(raw.get("name"), str):
        options = raw.get("options") or {}
        if not isinstance(options, dict):
            problems.add(None, f"{kind}.options", "must be a mapping of option names to values")
            options = {}
        if not storable(options):
            problems.add(
                None,
                f"{kind}.options",
                "options must be text, numbers, true/false, lists and mappings (not YAML dates, binary or sets)",
            )
            options = {}
        spec = GraderSpec(raw["name"], options)
    else:
        problems.add(None, kind, f"give the {kind} as a name or as {{name: ..., options: {{...}}}}")
        return GraderSpec("exact", {})
    for message in graders.spec_problems(spec, kind):
        problems.add(None, kind, message)
    return spec


def _bar(value, problems: Problems) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
        problems.add(None, "bar", f"the quality bar must be a number in (0, 1], e.g. 0.94; got {value!r}")
        return 0.9
    return float(value)


def _tasks(
    tasks_raw: list[tuple[Record, dict]],
    template,
    grader: GraderSpec,
    need_expected: bool,
    problems: Problems,
    no_template_said: bool = False,
) -> list[Task]:
    template_vars = set(TEMPLATE_VAR.findall(template or ""))
    seen: dict[str, int] = {}
    tasks = []
    for position, (r, t) in enumerate(tasks_raw, start=1):
        task_id = t["id"]
        if task_id is None or task_id == "":
            task_id = f"t{position:05d}"
        elif isinstance(task_id, (int, str)) and not isinstance(task_id, bool):
            task_id = str(task_id)
        else:
            problems.add(r.line, "id", "task id must be text or a whole number")
            continue
        if task_id in seen:
            problems.add(r.line, "id", f"duplicate task id {task_id!r} (first on line {seen[task_id]})")
        seen.setdefault(task_id, r.line)
        ok = _check_task_fields(r.line, t, template, template_vars, problems, no_template_said)
        expected = t["expected"]
        if isinstance(expected, (int, float)) and not isinstance(expected, bool):
            expected = str(expected)
        if expected is not None and not isinstance(expected, str):
            problems.add(r.line, "expected", "expected answer must be text or a number")
            ok = False
        elif need_expected and (expected is None or not expected.strip()):
            problems.add(r.line, "expected", f"empty expected answer, but the {grader.name!r} grader needs one")
            ok = False
        if ok:
            tasks.append(
                Task(
                    id=task_id,
                    input=t["input"],
                    messages=t["messages"],
                    vars=t["vars"],
                    expected=expected,
                    metadata=t["metadata"],
                )
            )
    return tasks


def _check_task_fields(line, t, template, template_vars, problems: Problems, no_template_said: bool = False) -> bool:
    ok = True
    if t["input"] is not None and not isinstance(t["input"], str):
        problems.add(line, "input", "input must be text (or use messages for a chat)")
        ok = False
    elif t["input"] is not None and too_large(t["input"], line, "input", problems):
        ok = False
    if t["messages"] is not None and not _valid_messages(t["messages"]):
        problems.add(line, "messages", "messages must be a list of {role: system|user|assistant|tool, content: text}")
        ok = False
    elif t["messages"] is not None:
        ok = (
            not any(
                [too_large(m["content"], line, f"messages[{i}].content", problems) for i, m in enumerate(t["messages"])]
            )
            and ok
        )
    if not isinstance(t["vars"], dict):
        problems.add(line, "vars", "vars must be a mapping of names to values")
        return False
    if not isinstance(t["metadata"], dict):
        problems.add(line, "metadata", "metadata must be a mapping")
        return False
    for key in ("messages", "vars", "metadata"):  # stored as JSON; metadata keeps YAML dates as text
        if not storable(t[key], lenient=key == "metadata"):
            problems.add(
                line,
                key,
                f"{key} must hold only text, numbers, true/false, null, lists and "
                "mappings (not YAML dates, binary, sets or an alias that contains itself)",
            )
            ok = False
    return _has_prompt(line, t, template, template_vars, problems, no_template_said) and ok


def _has_prompt(line, t, template, template_vars, problems: Problems, no_template_said: bool) -> bool:
    """Whether a task gives the model something: an input, messages, or every variable of the template."""
    if template is None and not t["input"] and not t["messages"]:
        if not no_template_said:  # a file with no template at all has said so once
            problems.add(line, "input", "task has no input, no messages and the suite has no prompt template")
        return False
    ok = True
    available = set(t["vars"]) | ({"input"} if t["input"] else set())
    if template is not None and not t["messages"]:
        for name in sorted(template_vars - available):
            problems.add(line, name, f"template variable {{{{{name}}}}} is missing from this task")
            ok = False
    return ok


def _valid_messages(messages) -> bool:
    return (
        isinstance(messages, list)
        and bool(messages)
        and all(
            isinstance(m, dict) and m.get("role") in CHAT_ROLES and isinstance(m.get("content"), str) for m in messages
        )
    )


def _needs_expected(spec: GraderSpec) -> bool:
    try:
        return graders.needs_expected(spec)
    except Exception:  # an unknown grader is reported by spec_problems already
        return False


# ---------------------------------------------------------------- prompts and identity


def render_messages(suite: Suite, task: Task) -> list[dict[str, str]]:
    """The chat a model receives for one task: system prompt, then the task's messages or rendered template."""
    if task.messages:
        messages = [dict(m) for m in task.messages]
        if suite.system_prompt and messages[0]["role"] != "system":
            messages.insert(0, {"role": "system", "content": suite.system_prompt})
        return messages
    if suite.prompt_template:
        values = {**task.vars, "input": task.input or ""}
        content = TEMPLATE_VAR.sub(lambda m: str(values.get(m.group(1), "")), suite.prompt_template)
    else:
        content = task.input or ""
    messages = [{"role": "system", "content": suite.system_prompt}] if suite.system_prompt else []
    messages.append({"role": "user", "content": content})
    return messages


def size_warning(suite: Suite) -> str | None:
    """Why this suite cannot certify any model, or None: too few tasks for its bar even if every answer is accepted,
    or fewer than its min_tasks (the verdict rule, ``decide/verdicts.py``, at the default level and method)."""
    n, bar = len(suite.tasks), suite.bar
    min_tasks = int(effective(suite.constraints, None)["min_tasks"])
    need = verdicts.tasks_to_clear(bar, min_tasks=min_tasks)
    if need is None:
        return f"a bar of {bar:.0%} can never be certified: no finite number of tasks makes its lower bound reach it"
    if n >= need:
        return None
    low = interval(n, n, verdicts.DEFAULT_LEVEL, verdicts.DEFAULT_METHOD)[0]
    if low < bar:
        # a lower bar helps only a suite that has its min_tasks already
        lower = f", or a bar of at most {math.floor(low * 100):.0f}%" if n >= min_tasks else ""
        return (
            f"{n} tasks cannot certify any model at the {bar:.0%} bar: even all accepted gives a lower bound of "
            f"{low:.1%}; {need} tasks would{lower}"
        )
    return f"{n} tasks are fewer than the {min_tasks} the route constraints ask before a model may clear"


def with_overrides(suite: Suite, **changes) -> Suite:
    """A copy of a suite with some metadata changed (e.g. a new bar from the app)."""
    return replace(suite, **changes)
