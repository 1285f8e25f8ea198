"""Read suites from files (native, promptfoo, OpenAI evals, inspect formats) and validate them.

Pure: bytes in, a ``Suite`` or an ``InvalidInput`` listing every problem (file, line, field) out.
Writing a suite to the database lives in ``routeboard.store.suites``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from routeboard import graders
from routeboard.constraints import constraint_problems
from routeboard.domain import GraderSpec, Suite, Task
from routeboard.errors import InvalidInput, Problem
from routeboard.settings import benchmarks_dir, max_file_bytes

SUITE_KEYS = {"name", "category", "description", "grader", "validator", "bar", "risk", "prompt_template",
              "system_prompt", "max_invalid_retries", "constraints", "tasks"}
TASK_KEYS = {"id", "input", "messages", "vars", "expected", "metadata"}
CHAT_ROLES = {"system", "user", "assistant"}
TEMPLATE_VAR = re.compile(r"\{\{\s*([A-Za-z_][\w]*)\s*\}\}")
MAX_YAML_NODES = 200_000  # expanded size, so "billion laughs" alias bombs are refused
TASK_FILE_NAMES = ("tasks.jsonl", "tasks.csv")


@dataclass(frozen=True)
class Overrides:
    """Suite metadata given on the command line or the upload form; wins over the file's own."""

    name: str | None = None
    category: str | None = None
    grader: str | None = None
    bar: float | None = None
    prompt_template: str | None = None
    system_prompt: str | None = None
    description: str | None = None


@dataclass
class _RawTask:
    line: int
    fields: dict[str, Any]


class _Problems(list):
    def add(self, file: str, line: int | None, field: str | None, message: str) -> None:
        self.append(Problem(file, line, field, message))


# ---------------------------------------------------------------- entry points

def load_suite(path: str | Path, overrides: Overrides | None = None, max_bytes: int | None = None) -> Suite:
    """Load a suite folder, a YAML suite, or a bare CSV/JSONL task file; raise InvalidInput on any problem."""
    path = Path(path)
    limit = max_bytes if max_bytes is not None else max_file_bytes()
    if path.is_dir():
        return _load_folder(path, overrides or Overrides(), limit)
    if not path.exists():
        raise InvalidInput(Problem(str(path), None, None, "no such file or folder"))
    return load_suite_bytes(path.name, path.read_bytes(), overrides, limit, display=str(path), base_dir=path.parent)


def load_suite_bytes(filename: str, data: bytes, overrides: Overrides | None = None, max_bytes: int | None = None,
                     *, display: str | None = None, base_dir: Path | None = None) -> Suite:
    """Load a suite from one file's bytes (an upload, or a file on disk)."""
    overrides = overrides or Overrides()
    limit = max_bytes if max_bytes is not None else max_file_bytes()
    shown = display or filename
    problems = _Problems()
    text = _decode(shown, data, limit, problems)
    if text is None:
        raise InvalidInput(problems)
    suffix = Path(filename).suffix.lower()
    meta: dict[str, Any] = {}
    if suffix in (".yaml", ".yml"):
        meta, raw, fmt, tasks_file = _parse_yaml_suite(shown, text, problems, base_dir, limit)
        shown_tasks = tasks_file or shown
    elif suffix in (".jsonl", ".csv"):
        raw, fmt = _parse_task_file(shown, suffix, text, problems)
        shown_tasks = shown
    else:
        raise InvalidInput(Problem(shown, None, None, "unsupported file type: use .csv, .jsonl, .yaml or .yml"))
    return _build(meta, raw, fmt, shown, shown_tasks, Path(filename).stem, overrides, problems)


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


def _load_folder(folder: Path, overrides: Overrides, limit: int) -> Suite:
    meta_file = folder / "suite.yaml"
    if not meta_file.exists():
        meta_file = folder / "suite.yml"
    if not meta_file.exists():
        raise InvalidInput(Problem(str(folder), None, None, "a suite folder needs a suite.yaml next to its tasks"))
    return load_suite_bytes(meta_file.name, meta_file.read_bytes(), overrides, limit,
                            display=str(meta_file), base_dir=folder)


# ---------------------------------------------------------------- reading bytes

def _decode(shown: str, data: bytes, limit: int, problems: _Problems) -> str | None:
    if len(data) > limit:
        problems.add(shown, None, None, f"file is {len(data) / 1e6:.1f} MB, over the {limit / 1e6:.0f} MB limit "
                     "(set ROUTEBOARD_MAX_FILE_MB to raise it)")
        return None
    try:
        return data.decode("utf-8-sig")  # a BOM from Excel is fine
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.add(shown, line, None, f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8")
        return None


def _parse_yaml_suite(shown, text, problems, base_dir, limit):
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        if node is not None and _expanded_size(node, {}) > MAX_YAML_NODES:
            problems.add(shown, None, None, "YAML expands to too many nodes (anchor/alias bomb?); write it out plainly")
            return {}, [], "native", None
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.add(shown, mark.line + 1 if mark else None, None, f"not valid YAML: {getattr(exc, 'problem', exc)}")
        return {}, [], "native", None
    except RecursionError:  # PyYAML composes and counts nested nodes recursively
        problems.add(shown, None, None, "YAML nested too deeply to read; flatten the structure")
        return {}, [], "native", None
    if not isinstance(doc, dict):
        problems.add(shown, 1, None, "a suite YAML must be a mapping with keys such as name, category, grader, tasks")
        return {}, [], "native", None
    if not valid_unicode(doc):
        problems.add(shown, None, None, LONE_SURROGATE)
        return {}, [], "native", None
    for key in doc:
        if key not in SUITE_KEYS:
            problems.add(shown, _key_line(node, key), str(key), f"unknown suite field (known: {', '.join(sorted(SUITE_KEYS))})")
    tasks = doc.get("tasks")
    if isinstance(tasks, list):
        lines = _sequence_lines(node, "tasks")
        raw = [_RawTask(lines[i] if i < len(lines) else None, t) for i, t in enumerate(tasks)]
        for r in raw:
            if not isinstance(r.fields, dict):
                problems.add(shown, r.line, "tasks", "each task must be a mapping")
        return doc, [r for r in raw if isinstance(r.fields, dict)], "native", None
    tasks_path = _find_tasks_file(tasks, base_dir)
    if tasks_path is None:
        where = f"{tasks!r} not found" if tasks else f"no inline tasks and no {' or '.join(TASK_FILE_NAMES)} beside it"
        problems.add(shown, _key_line(node, "tasks"), "tasks", f"cannot find the tasks: {where}")
        return doc, [], "native", None
    tasks_text = _decode(str(tasks_path), tasks_path.read_bytes(), limit, problems)
    if tasks_text is None:
        return doc, [], "native", str(tasks_path)
    raw, fmt = _parse_task_file(str(tasks_path), tasks_path.suffix.lower(), tasks_text, problems)
    return doc, raw, fmt, str(tasks_path)


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


def _expanded_size(node, memo: dict) -> int:
    key = id(node)
    if key in memo:
        return memo[key]
    memo[key] = 1  # guards against recursive aliases
    if isinstance(node, yaml.MappingNode):
        size = 1 + sum(_expanded_size(k, memo) + _expanded_size(v, memo) for k, v in node.value)
    elif isinstance(node, yaml.SequenceNode):
        size = 1 + sum(_expanded_size(v, memo) for v in node.value)
    else:
        size = 1
    memo[key] = size
    return size


def _key_line(node, key) -> int | None:
    if isinstance(node, yaml.MappingNode):
        for k, _ in node.value:
            if getattr(k, "value", None) == key:
                return k.start_mark.line + 1
    return None


def _sequence_lines(node, key) -> list[int]:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if getattr(k, "value", None) == key and isinstance(v, yaml.SequenceNode):
                return [item.start_mark.line + 1 for item in v.value]
    return []


def _parse_task_file(shown: str, suffix: str, text: str, problems: _Problems) -> tuple[list[_RawTask], str]:
    if suffix == ".jsonl":
        raw = []
        # only \n (or \r\n, \r) ends a JSONL line: splitlines() would also cut at U+2028 or U+0085 inside a string
        for number, line in enumerate(re.split(r"\r\n?|\n", text), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except (json.JSONDecodeError, RecursionError) as exc:
                problems.add(shown, number, None, f"not valid JSON: {getattr(exc, 'msg', 'nested too deeply')}")
                continue
            if not isinstance(record, dict):
                problems.add(shown, number, None, "each line must be a JSON object")
                continue
            if not valid_unicode(record):
                problems.add(shown, number, None, LONE_SURROGATE)
                continue
            raw.append(_RawTask(number, record))
        keys = set().union(*(r.fields for r in raw)) if raw else set()
        fmt = "openai-evals" if "ideal" in keys else "inspect" if "target" in keys else "native"
        return raw, fmt
    return _parse_csv(shown, text, problems)


def _parse_csv(shown: str, text: str, problems: _Problems) -> tuple[list[_RawTask], str]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        problems.add(shown, 1, None, "the CSV is empty: it needs a header row and at least one task")
        return [], "native"
    except csv.Error as exc:
        problems.add(shown, 1, None, f"cannot read the CSV header: {exc}")
        return [], "native"
    header = [h.strip() for h in header]
    for i, name in enumerate(header):
        if not name:
            problems.add(shown, 1, f"column {i + 1}", "empty column name")
        elif header.index(name) != i:
            problems.add(shown, 1, name, "duplicate column name")
    raw = []
    line = reader.line_num
    while True:
        start = line + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.add(shown, start, None, f"malformed CSV row: {exc}")
            break
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            problems.add(shown, start, None, f"row has {len(row)} cells, the header has {len(header)}")
            continue
        raw.append(_RawTask(start, dict(zip(header, row))))
    fmt = ("promptfoo" if any(h.startswith("__expected") for h in header)
           else "inspect" if "target" in header else "native-csv")
    return raw, fmt


# ---------------------------------------------------------------- normalising tasks

def _task_from_native(shown, r: _RawTask, problems) -> dict:
    f = r.fields
    for key in f:
        if key not in TASK_KEYS:
            problems.add(shown, r.line, str(key), f"unknown task field (known: {', '.join(sorted(TASK_KEYS))})")
    return {"id": f.get("id"), "input": f.get("input"), "messages": f.get("messages"),
            "vars": f.get("vars") or {}, "expected": f.get("expected"), "metadata": f.get("metadata") or {}}


def _task_from_native_csv(shown, r: _RawTask, problems) -> dict:
    task = {"id": None, "input": None, "messages": None, "vars": {}, "expected": None, "metadata": {}}
    for key, value in r.fields.items():
        if key in ("id", "input", "expected"):
            task[key] = value if value != "" else None
        elif key.startswith("meta_") or key.startswith("metadata."):
            task["metadata"][key.split("_", 1)[1] if key.startswith("meta_") else key.split(".", 1)[1]] = value
        else:
            task["vars"][key] = value
    return task


def _task_from_inspect(shown, r: _RawTask, problems) -> dict:
    f = r.fields
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
    return {"id": f.get("id"), "input": None if messages else value, "messages": messages, "vars": {},
            "expected": target, "metadata": metadata}


def _task_from_openai_evals(shown, r: _RawTask, problems) -> dict:
    f = r.fields
    value = f.get("input")
    ideal = f.get("ideal")
    metadata = {k: v for k, v in f.items() if k not in ("input", "ideal", "id")}
    if isinstance(ideal, list):
        metadata["ideals"] = ideal
        ideal = ideal[0] if ideal else None
    return {"id": f.get("id"), "input": value if isinstance(value, str) else None,
            "messages": value if isinstance(value, list) else None, "vars": {}, "expected": ideal,
            "metadata": metadata}


PROMPTFOO_GRADERS = {"equals": "exact", "contains": "contains", "icontains": "contains", "regex": "regex"}


def _task_from_promptfoo(shown, r: _RawTask, problems) -> dict:
    task = {"id": None, "input": None, "messages": None, "vars": {}, "expected": None, "metadata": {}}
    for key, value in r.fields.items():
        if key.startswith("__expected"):
            if value.strip():
                kind, sep, rest = value.partition(":")
                if sep and kind.strip() in PROMPTFOO_GRADERS:
                    task["metadata"]["promptfoo_assert"] = kind.strip()
                    value = rest.strip()
                elif sep and re.fullmatch(r"[a-z-]+", kind.strip()):
                    problems.add(shown, r.line, key, f"promptfoo assertion {kind.strip()!r} is not supported "
                                 f"(supported: {', '.join(PROMPTFOO_GRADERS)} or a plain value)")
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


NORMALISERS = {"native": _task_from_native, "native-csv": _task_from_native_csv, "inspect": _task_from_inspect,
               "openai-evals": _task_from_openai_evals, "promptfoo": _task_from_promptfoo}


# ---------------------------------------------------------------- building and validating

def _build(meta, raw, fmt, shown, shown_tasks, stem, overrides: Overrides, problems: _Problems) -> Suite:
    tasks_raw = [(r, NORMALISERS[fmt](shown_tasks, r, problems)) for r in raw]
    grader_default = "exact"
    if fmt == "promptfoo":
        kinds = {t["metadata"].get("promptfoo_assert", "equals") for _, t in tasks_raw}
        grader_default = PROMPTFOO_GRADERS[kinds.pop()] if len(kinds) == 1 else "exact"
    template = overrides.prompt_template or meta.get("prompt_template")
    if template is None and fmt in ("promptfoo", "native-csv"):
        template = _default_template(shown_tasks, tasks_raw, fmt, problems)

    grader_raw = meta.get("grader") or grader_default
    if overrides.grader:
        grader_raw = overrides.grader
    grader = _grader_spec(shown, grader_raw, "grader", problems)
    validator = _grader_spec(shown, meta["validator"], "validator", problems) if meta.get("validator") else None
    bar = _bar(shown, overrides.bar if overrides.bar is not None else meta.get("bar", 0.9), problems)
    retries = meta.get("max_invalid_retries", 1)
    if not isinstance(retries, int) or isinstance(retries, bool) or retries < 0 or retries > 10:
        problems.add(shown, None, "max_invalid_retries", "must be a whole number from 0 to 10")
        retries = 1
    constraints = meta.get("constraints") or {}
    for field_name, message in constraint_problems(constraints):
        problems.add(shown, None, field_name, message)
    name = overrides.name or meta.get("name") or stem
    suite_fields = {"name": name, "category": overrides.category or meta.get("category") or name,
                    "description": overrides.description or meta.get("description") or "",
                    "risk": meta.get("risk") or "", "system_prompt": overrides.system_prompt or meta.get("system_prompt")}
    for key, value in suite_fields.items():
        if value is not None and not isinstance(value, str):
            problems.add(shown, None, key, "must be text")
    if not str(name).strip():
        problems.add(shown, None, "name", "a suite needs a name")
    if template is not None and not isinstance(template, str):
        problems.add(shown, None, "prompt_template", "must be text")
        template = None

    if fmt == "native-csv" and raw:
        _check_csv_columns(shown_tasks, list(raw[0].fields), template, problems)
    tasks = _tasks(shown_tasks, tasks_raw, template, grader, problems)
    if not tasks and not any(p.file == shown_tasks for p in problems):
        problems.add(shown_tasks, None, None, "no tasks found")
    if problems:
        raise InvalidInput(list(problems))
    return Suite(name=str(name), category=str(suite_fields["category"]), grader=grader, tasks=tuple(tasks), bar=bar,
                 description=str(suite_fields["description"]), risk=str(suite_fields["risk"]), validator=validator,
                 prompt_template=template, system_prompt=suite_fields["system_prompt"], max_invalid_retries=retries,
                 constraints=constraints if isinstance(constraints, dict) else {}, source=shown)


def _check_csv_columns(shown, header, template, problems) -> None:
    """A column that is neither id/input/expected, nor metadata, nor used by the template is a mistake."""
    used = set(TEMPLATE_VAR.findall(template or ""))
    for column in header:
        if column in ("id", "input", "expected") or column.startswith(("meta_", "metadata.")):
            continue
        if template is not None and column not in used:
            problems.add(shown, 1, column, "unknown column: not used by the prompt template (prefix it with "
                         "meta_ to keep it as task metadata)")
    if "expected" not in header:
        problems.add(shown, 1, None, "missing column: expected (or use an inspect-style `target` column)")


def _default_template(shown, tasks_raw, fmt, problems) -> str | None:
    if not tasks_raw or any(t["input"] for _, t in tasks_raw):
        return None
    names = list(tasks_raw[0][1]["vars"])
    if len(names) == 1:
        return "{{" + names[0] + "}}"
    problems.add(shown, 1, None, f"no input column and no prompt template: give a template using "
                 f"{', '.join('{{' + n + '}}' for n in names)} (suite.yaml prompt_template or --template)")
    return None


def _grader_spec(shown, raw, kind, problems) -> GraderSpec:
    if isinstance(raw, str):
        spec = GraderSpec(raw, {})
    elif isinstance(raw, dict) and isinstance(raw.get("name"), str):
        options = raw.get("options") or {}
        if not isinstance(options, dict):
            problems.add(shown, None, f"{kind}.options", "must be a mapping of option names to values")
            options = {}
        if not _storable(options):
            problems.add(shown, None, f"{kind}.options", "options must be text, numbers, true/false, lists and "
                         "mappings (not YAML dates, binary or sets)")
            options = {}
        spec = GraderSpec(raw["name"], options)
    else:
        problems.add(shown, None, kind, f"give the {kind} as a name or as {{name: ..., options: {{...}}}}")
        return GraderSpec("exact", {})
    for message in graders.spec_problems(spec, kind):
        problems.add(shown, None, kind, message)
    return spec


def _bar(shown, value, problems) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
        problems.add(shown, None, "bar", f"the quality bar must be a number in (0, 1], e.g. 0.94; got {value!r}")
        return 0.9
    return float(value)


def _tasks(shown, tasks_raw, template, grader: GraderSpec, problems) -> list[Task]:
    template_vars = set(TEMPLATE_VAR.findall(template or ""))
    need_expected = _needs_expected(grader)
    seen: dict[str, int] = {}
    tasks = []
    for position, (r, t) in enumerate(tasks_raw, start=1):
        task_id = t["id"]
        if task_id is None or task_id == "":
            task_id = f"t{position:05d}"
        elif isinstance(task_id, (int, str)) and not isinstance(task_id, bool):
            task_id = str(task_id)
        else:
            problems.add(shown, r.line, "id", "task id must be text or a whole number")
            continue
        if task_id in seen:
            problems.add(shown, r.line, "id", f"duplicate task id {task_id!r} (first on line {seen[task_id]})")
        seen.setdefault(task_id, r.line)
        ok = _check_task_fields(shown, r.line, t, template, template_vars, problems)
        expected = t["expected"]
        if isinstance(expected, (int, float)) and not isinstance(expected, bool):
            expected = str(expected)
        if expected is not None and not isinstance(expected, str):
            problems.add(shown, r.line, "expected", "expected answer must be text or a number")
            ok = False
        elif need_expected and (expected is None or not expected.strip()):
            problems.add(shown, r.line, "expected", f"empty expected answer, but the {grader.name!r} grader needs one")
            ok = False
        if ok:
            tasks.append(Task(id=task_id, input=t["input"], messages=t["messages"], vars=t["vars"],
                              expected=expected, metadata=t["metadata"]))
    return tasks


def _check_task_fields(shown, line, t, template, template_vars, problems) -> bool:
    ok = True
    if t["input"] is not None and not isinstance(t["input"], str):
        problems.add(shown, line, "input", "input must be text (or use messages for a chat)")
        ok = False
    if t["messages"] is not None and not _valid_messages(t["messages"]):
        problems.add(shown, line, "messages", "messages must be a list of {role: system|user|assistant, content: text}")
        ok = False
    if not isinstance(t["vars"], dict):
        problems.add(shown, line, "vars", "vars must be a mapping of names to values")
        return False
    if not isinstance(t["metadata"], dict):
        problems.add(shown, line, "metadata", "metadata must be a mapping")
        return False
    for key in ("messages", "vars", "metadata"):  # stored as JSON; metadata keeps YAML dates as text
        if not _storable(t[key], lenient=key == "metadata"):
            problems.add(shown, line, key, f"{key} must hold only text, numbers, true/false, null, lists and "
                         "mappings (not YAML dates, binary, sets or an alias that contains itself)")
            ok = False
    if template is None and not t["input"] and not t["messages"]:
        problems.add(shown, line, "input", "task has no input, no messages and the suite has no prompt template")
        ok = False
    available = set(t["vars"]) | ({"input"} if t["input"] else set())
    if template is not None and not t["messages"]:
        for name in sorted(template_vars - available):
            problems.add(shown, line, name, f"template variable {{{{{name}}}}} is missing from this task")
            ok = False
    return ok


LONE_SURROGATE = "text holds an unpaired surrogate escape such as \\ud800 (half a character); not valid Unicode"


def valid_unicode(value) -> bool:
    """False when parsed JSON/YAML text holds an escaped lone surrogate, which cannot be stored as UTF-8."""
    try:
        json.dumps(value, ensure_ascii=False, default=str).encode("utf-8")
    except UnicodeEncodeError:
        return False
    except (ValueError, RecursionError):  # a self-reference or deep nesting: the field checks report those
        return True
    return True


def _storable(value, lenient: bool = False) -> bool:
    """Whether a value parsed from YAML can be stored as JSON (``lenient``: other scalars become text)."""
    try:
        json.dumps(value, default=str if lenient else None)
    except (TypeError, ValueError, RecursionError):  # a date or bytes; a self-reference; absurd nesting
        return False
    return True


def _valid_messages(messages) -> bool:
    return (isinstance(messages, list) and bool(messages) and all(
        isinstance(m, dict) and m.get("role") in CHAT_ROLES and isinstance(m.get("content"), str) for m in messages))


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


def content_hash(suite: Suite) -> str:
    """A hash of everything that changes what a model is asked or how it is graded."""
    body = {"meta": suite.metadata(), "tasks": [t.__dict__ for t in suite.tasks]}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def with_overrides(suite: Suite, **changes) -> Suite:
    """A copy of a suite with some metadata changed (e.g. a new bar from the app)."""
    return replace(suite, **changes)
