"""A promptfoo project (``promptfooconfig.yaml``) as suites: one per prompt; the tests inline or from the CSV, JSONL
or YAML files it names, with ``vars`` and ``defaultTest``; each test's assertions as the ``assertions`` grader's
checks (``llm-rubric`` as the judge's rubric); its providers as the models a run is suggested.

What routeboard cannot do as promptfoo does is refused by line with the reason (javascript and python assertions
run the project's code; scenarios and transforms change the tests); settings that do not change what is asked or
how it is graded (output paths, sharing) are left out and named in the notes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from routeboard.errors import Problems
from routeboard.graders.assertions import ASSERT_KEY, supported
from routeboard.io.project_files import ProjectFiles, file_ref
from routeboard.io.promptfoo_results import litellm_name
from routeboard.io.records import Record, read_csv, read_jsonl
from routeboard.io.text import decode
from routeboard.io.yaml_doc import YamlDoc, item_lines, key_line, read_yaml

IGNORED_KEYS = ("outputPath", "sharing", "evaluateOptions", "commandLineOptions", "env", "writeLatestResults", "tags")
REFUSED_KEYS = {
    "scenarios": "scenarios multiply the tests by sets of vars: write the tests out",
    "redteam": "a red-team configuration generates its tests: generate them (promptfoo redteam generate) first",
    "nunjucksFilters": "Nunjucks filters run the project's code: routeboard fills {{var}} only",
}
KNOWN_KEYS = {"description", "prompts", "providers", "targets", "tests", "defaultTest", "metadata", *IGNORED_KEYS}
CODE_ASSERTIONS = ("javascript", "python", "ruby", "webhook")
SUPPORTED = "equals, contains, icontains, starts-with, regex, is-json, contains-json, similar, not- forms, llm-rubric"
# promptfoo's assertion types (its BaseAssertionTypesSchema): in a CSV's __expected, "type:value" names one of these;
# any other text is an equals value, as promptfoo reads it
PROMPTFOO_TYPES = (
    "answer-relevance bleu classifier contains contains-all contains-any contains-html contains-json contains-sql "
    "contains-xml context-faithfulness context-recall context-relevance conversation-relevance cost equals factuality "
    "finish-reason g-eval gleu guardrails human icontains icontains-all icontains-any is-html is-json is-refusal "
    "is-sql is-valid-function-call is-valid-openai-function-call is-valid-openai-tools-call is-xml javascript latency "
    "levenshtein llm-rubric meteor model-graded-closedqa model-graded-factuality moderation perplexity "
    "perplexity-score pi python regex rouge-l rouge-n rouge-s ruby select-best similar starts-with webhook"
).split()
_EXPECTED = re.compile(r"^(not-)?([a-z][a-z0-9-]*)(?:\((\d+(?:\.\d+)?)\))?(?::([\s\S]*))?$")
_TAG = re.compile(r"\{\{(.*?)\}\}", re.S)
_VAR = re.compile(r"\s*([A-Za-z_]\w*)\s*")


@dataclass
class ProjectSuite:
    """One suite of a project before validation: its metadata, its task records (our native shape) and where
    those were read (``problems`` locates a task's problem in that file)."""

    meta: dict
    records: list[Record]
    problems: Problems


@dataclass
class Project:
    """What a test project holds: its suites, the models its providers name, and notes on what was left out."""

    fmt: str
    suites: list[ProjectSuite] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def looks_like_promptfoo(data: Any) -> bool:
    """A promptfoo config: a mapping with prompts and tests (or providers)."""
    return isinstance(data, dict) and "prompts" in data and bool({"tests", "providers", "targets"} & set(data))


# ---------------------------------------------------------------- the config


def read_promptfoo_project(doc: YamlDoc, stem: str, problems: Problems, files: ProjectFiles, names=None) -> Project:
    """The project's suites (one per prompt), suggested models and notes; every problem noted where it is."""
    config, node = doc
    project = Project("promptfoo")
    for key in config:
        if key in REFUSED_KEYS:
            problems.add(key_line(node, key), str(key), REFUSED_KEYS[key])
        elif key not in KNOWN_KEYS:
            project.notes.append(f"left out: {key} (not read by routeboard)")
    left_out = [key for key in IGNORED_KEYS if key in config]
    if left_out:
        project.notes.append("left out (they change nothing asked or graded): " + ", ".join(left_out))
    project.models = _models(config.get("providers", config.get("targets")), project.notes)
    prompts = _prompts(config.get("prompts"), node, problems, files)
    tests, test_problems = _tests(config, node, problems, files)
    base = names[0] if names and names[0] else _slug(config.get("description")) or stem
    category = names[1] if names and names[1] else None
    grader = _grader(tests, test_problems, project.notes)  # once: it settles each task's rubric
    for number, (label, template) in enumerate(prompts, start=1):
        name = base if len(prompts) == 1 else f"{base}-{_slug(label) or number}"
        meta = {
            "name": name,
            "category": category or name,  # each prompt is its own job: its verdicts are not mixed with another's
            "description": str(config.get("description") or f"promptfoo project {stem}")
            + ("" if len(prompts) == 1 else f" (prompt: {label})"),
            "prompt_template": template,
            "grader": grader,
        }
        project.suites.append(ProjectSuite(meta, tests, test_problems))
    if len(prompts) > 1:
        project.notes.append(f"{len(prompts)} prompts: one suite (and one category) per prompt, compared apart")
    return project


def _slug(text) -> str:
    return re.sub(r"[^a-z0-9]+", "-", str(text or "").lower()).strip("-")[:60]


def _models(providers, notes: list[str]) -> list[str]:
    """The litellm ids of the providers promptfoo compares: the models a run of these suites is suggested."""
    if providers is None:
        return []
    items = providers if isinstance(providers, list) else [providers]
    ids = []
    for item in items:
        if isinstance(item, dict):
            ids += [item["id"]] if isinstance(item.get("id"), str) else [k for k in item if isinstance(k, str)]
        elif isinstance(item, str):
            ids.append(item)
    models = []
    for provider in ids:
        if provider.startswith(("file://", "exec:", "python:", "http://", "https://", "echo")):
            notes.append(f"provider {provider} left out: not a model routeboard calls")
            continue
        models.append(litellm_name(provider))
    return list(dict.fromkeys(models))


# ---------------------------------------------------------------- prompts


def _prompts(raw, node, problems: Problems, files: ProjectFiles) -> list[tuple[str, str]]:
    """(label, template) of each prompt; a file of several prompts split on its '---' lines, as promptfoo does."""
    items = raw if isinstance(raw, list) else [raw] if raw is not None else []
    lines = item_lines(node, "prompts") or [key_line(node, "prompts")] * len(items)
    found = []
    for i, item in enumerate(items):
        line = lines[i] if i < len(lines) else None
        label = None
        if isinstance(item, dict):
            label = item.get("label") or item.get("id")
            item = item.get("raw", item.get("file"))
        if not isinstance(item, str) or not item.strip():
            problems.add(line, "prompts", "each prompt must be text, file://PATH or {raw: ..., label: ...}")
            continue
        ref = file_ref(item)
        texts = [item] if ref is None else _prompt_file(ref, line, problems, files)
        for j, text in enumerate(texts):
            name = label or (Path(ref).stem if ref else f"prompt {i + 1}")
            name = name if len(texts) == 1 else f"{name} {j + 1}"
            if _template_problem(text, line, problems):
                found.append((str(name), text))
    if not items:
        problems.add(key_line(node, "prompts"), "prompts", "a promptfoo project needs at least one prompt")
    return found


def _prompt_file(ref: str, line, problems: Problems, files: ProjectFiles) -> list[str]:
    suffix = Path(ref).suffix.lower()
    if suffix not in (".txt", ".md", ".j2", ".prompt", ""):
        problems.add(line, "prompts", f"{ref}: a {suffix} prompt is built by code or is a chat; give the text itself")
        return []
    read = files.read(ref)
    if read is None:
        problems.add(line, "prompts", f"{ref} not found beside the config (upload it with the config)")
        return []
    text = decode(read[1], problems.in_file(read[0]))
    if text is None:
        return []
    return [part.strip() for part in re.split(r"^-{3,}\s*$", text, flags=re.M) if part.strip()]


def _template_problem(template: str, line, problems: Problems) -> bool:
    """True when routeboard fills the template as promptfoo does: {{var}} only (no Nunjucks tags or filters)."""
    odd = [tag for tag in _TAG.findall(template) if not _VAR.fullmatch(tag)]
    if "{%" in template or odd:
        what = f"{{{{{odd[0]}}}}}" if odd else "{% ... %}"
        message = f"the prompt uses Nunjucks beyond {{{{var}}}} ({what}): routeboard fills {{{{var}}}} only"
        problems.add(line, "prompts", message)
        return False
    return True


def render(value: Any, variables: dict) -> Any:
    """A value with its {{var}} filled from the test's vars (text only; other values as they are)."""
    if not isinstance(value, str):
        return value
    return _TAG.sub(lambda m: str(variables.get(m[1].strip(), m[0])) if _VAR.fullmatch(m[1]) else m[0], value)


# ---------------------------------------------------------------- tests


def _tests(config: dict, node, problems: Problems, files: ProjectFiles) -> tuple[list[Record], Problems]:
    """Every test as a task record (id test-N, as promptfoo numbers them in its results), with defaultTest merged."""
    default = config.get("defaultTest") or {}
    if not isinstance(default, dict):
        problems.add(key_line(node, "defaultTest"), "defaultTest", "must be a mapping (vars, assert); not a file")
        default = {}
    # checked once where defaultTest is written; filled per test with its vars (an answer column, say)
    _assertions(default.get("assert") or [], default.get("vars") or {}, problems, key_line(node, "defaultTest"))
    raw = config.get("tests")
    sources = raw if isinstance(raw, list) else [raw] if raw is not None else []
    records, where = [], problems
    lines = item_lines(node, "tests")
    for i, source in enumerate(sources):
        ref = file_ref(source) or (source if isinstance(source, str) else None)
        if ref is not None:
            read = _test_file(ref, lines[i] if i < len(lines) else key_line(node, "tests"), problems, files)
            where = read[1] if read else where
            records += read[0] if read else []
        elif isinstance(source, dict):
            records.append(Record(lines[i] if i < len(lines) else None, source))
        else:
            problems.add(lines[i] if i < len(lines) else None, "tests", "each test must be a mapping or file://PATH")
    if not sources:
        problems.add(key_line(node, "tests"), "tests", "no tests: give tests inline or as file://tests.csv")
    tasks = [_task(n, record, default, where) for n, record in enumerate(records)]
    return tasks, where


def _test_file(ref: str, line, problems: Problems, files: ProjectFiles) -> tuple[list[Record], Problems] | None:
    read = files.read(ref)
    if read is None:
        problems.add(line, "tests", f"{ref} not found beside the config (upload it with the config)")
        return None
    found = problems.in_file(read[0])
    text = decode(read[1], found)
    if text is None:
        return None
    suffix = Path(ref).suffix.lower()
    if suffix == ".csv":
        return [Record(r.line, _csv_test(r, found)) for r in read_csv(text, found)[1]], found
    if suffix in (".jsonl", ".ndjson"):
        return read_jsonl(text, found), found
    if suffix in (".yaml", ".yml"):
        doc = read_yaml(text, found)
        if doc is None:
            return None
        if not isinstance(doc.data, list):
            found.add(1, None, "a tests YAML file holds a list of tests (vars, assert)")
            return None
        lines = [item.start_mark.line + 1 for item in doc.node.value]
        return [Record(lines[i], t) for i, t in enumerate(doc.data) if isinstance(t, dict)], found
    problems.add(line, "tests", f"{ref}: tests are read from .csv, .jsonl or .yaml files")
    return None


def _csv_test(record: Record, problems: Problems) -> dict:
    """A CSV row as promptfoo reads it: __expected columns are assertions, __description its description."""
    test: dict = {"vars": {}, "assert": []}
    for key, value in record.fields.items():
        if key.startswith("__expected"):
            if value.strip():
                test["assert"].append(assertion_from_text(value))
        elif key == "__description":
            test["description"] = value
        elif key.startswith("__metadata:"):
            test.setdefault("metadata", {})[key.split(":", 1)[1]] = value
        elif key in ("__threshold", "__prefix", "__suffix", "__providerOutput", "__metric"):
            if value.strip():
                test[key.strip("_")] = value
        else:
            test["vars"][key] = value
    return test


def assertion_from_text(text: str) -> dict:
    """promptfoo's CSV assertion syntax: "contains: Paris", "not-icontains:x", "similar(0.8):...", "grade: be polite";
    any other text is an equals value."""
    for prefix, kind in (("javascript:", "javascript"), ("fn:", "javascript"), ("eval:", "javascript")):
        if text.startswith(prefix):
            return {"type": kind, "value": text[len(prefix) :].strip()}
    for prefix in ("grade:", "llm-rubric:"):
        if text.startswith(prefix):
            return {"type": "llm-rubric", "value": text[len(prefix) :].strip()}
    if text.startswith("python:") or (text.startswith("file://") and ".py" in text):
        return {"type": "python", "value": text.split(":", 1)[1].strip()}
    match = _EXPECTED.match(text)
    if match and match[2] in PROMPTFOO_TYPES:
        found = {"type": (match[1] or "") + match[2], "value": (match[4] or "").strip()}
        if match[3]:
            found["threshold"] = float(match[3])
        return found
    return {"type": "equals", "value": text}


def _task(number: int, record: Record, default: dict, problems: Problems) -> Record:
    """One test as a task record: vars (defaultTest's under the test's), checks, a per-test rubric, description."""
    test, line = record.fields, record.line
    for key, reason in (
        ("threshold", "a test's threshold passes it on a share of its assertions: routeboard needs all to pass"),
        ("options", "options (prefix, suffix, transform) change what is asked or graded"),
        ("prefix", "a prefix changes the prompt: put it in the prompt"),
        ("suffix", "a suffix changes the prompt: put it in the prompt"),
        ("providerOutput", "a test with a fixed provider output tests no model"),
    ):
        if test.get(key) not in (None, "", {}):
            problems.add(line, key, reason)
    variables = {**(default.get("vars") or {}), **(test.get("vars") or {})}
    for name, value in variables.items():
        if isinstance(value, (list, dict)) or file_ref(value):
            message = "a list, mapping or file:// var expands or loads in promptfoo: write its value"
            problems.add(line, f"vars.{name}", message)
    defaults = _assertions(default.get("assert") or [], variables, Problems(problems.file), line)  # said once
    checks = defaults + _assertions(test.get("assert") or [], variables, problems, line)
    rubrics = [c["rubric"] for c in checks if "rubric" in c]
    metadata = dict(test.get("metadata") or {}) if isinstance(test.get("metadata"), dict) else {}
    metadata[ASSERT_KEY] = [c for c in checks if "rubric" not in c]
    if rubrics:
        metadata["rubric"] = "\n".join(rubrics)
        metadata["judge_model"] = next((c["provider"] for c in checks if c.get("provider")), None)
    if test.get("description"):
        metadata["description"] = str(test["description"])
    shown = next((c["value"] for c in metadata[ASSERT_KEY] if c["type"] in ("equals", "contains", "icontains")), None)
    fields = {"id": f"test-{number}", "vars": variables, "metadata": metadata}
    if isinstance(shown, (str, int, float)) and not isinstance(shown, bool):
        fields["expected"] = str(shown)  # what a person reads as the answer; the checks grade
    return Record(line, fields)


def _assertions(raw, variables: dict, problems: Problems, line) -> list[dict]:
    """A test's assertions as checks ({type, value, threshold}) or a rubric ({rubric, provider}); the ones routeboard
    cannot run are noted by line with the reason."""
    if not isinstance(raw, list):
        problems.add(line, "assert", "assert must be a list of {type, value}")
        return []
    found = []
    for item in raw:
        item = assertion_from_text(item) if isinstance(item, str) else item
        kind = item.get("type") if isinstance(item, dict) else None
        if not isinstance(kind, str):
            problems.add(line, "assert", "each assertion needs a type, e.g. {type: contains, value: Paris}")
        elif kind.removeprefix("not-") in CODE_ASSERTIONS or kind.startswith("file://"):
            problems.add(line, "assert", f"a {kind} assertion runs the project's code, which routeboard does not run; "
                         f"write it as one of: {SUPPORTED}")  # fmt: skip
        elif kind == "llm-rubric":
            rubric = render(item.get("value"), variables)
            provider = item.get("provider")
            judge = litellm_name(provider) if isinstance(provider, str) else None
            found.append({"rubric": str(rubric), "provider": judge})
        elif not supported(kind) or kind in ("fuzzy-match", "not-fuzzy-match"):
            problems.add(line, "assert", f"assertion type {kind!r} is not supported (supported: {SUPPORTED})")
        elif item.get("value") in (None, "") and kind.removeprefix("not-") not in ("is-json", "contains-json"):
            problems.add(line, "assert", f"the {kind} assertion needs a value")
        elif item.get("transform"):
            problems.add(line, "assert", "a transform runs code on the output before the check: not supported")
        elif file_ref(item.get("value")):
            problems.add(line, "assert", f"{kind}: a value from a file: write the value itself")
        else:
            check = {"type": kind, "value": render(item.get("value"), variables)}
            if item.get("threshold") is not None:
                check["threshold"] = item["threshold"]
            found.append(check)
    return found


def _grader(tasks: list[Record], problems: Problems, notes: list[str]) -> dict | str:
    """The suite's grader: the judge when tests carry a rubric (their other checks first, as its precheck), else the
    checks; people's review when no test checks anything (promptfoo would pass every output)."""
    rubrics = [t.fields["metadata"].get("rubric") for t in tasks]
    judged = [r for r in rubrics if r]
    if judged and len(judged) < len(tasks):
        for task, rubric in zip(tasks, rubrics):
            if not rubric:
                problems.add(task.line, "assert", "other tests have an llm-rubric and this one has none: put the "
                             "rubric in defaultTest, or give every test one")  # fmt: skip
        return "assertions"
    if judged:
        longest = max(judged, key=len)  # the suite's: a run reserves budget for the longest judge prompt
        options: dict = {"rubric": longest}
        if any(t.fields["metadata"][ASSERT_KEY] for t in tasks):
            options["precheck"] = {"name": "assertions", "options": {"none_pass": True}}
        judges = {t.fields["metadata"].get("judge_model") for t in tasks} - {None}
        if len(judges) == 1:
            options["judge_model"] = judges.pop()
        for task in tasks:
            task.fields["metadata"].pop("judge_model", None)
            if task.fields["metadata"].get("rubric") == longest:
                task.fields["metadata"].pop("rubric")
        return {"name": "llm_judge", "options": options}
    unchecked = [t for t in tasks if not t.fields["metadata"][ASSERT_KEY]]
    if tasks and len(unchecked) == len(tasks):
        notes.append("no test asserts anything: outputs wait for people's review (grader human)")
        return "human"
    for task in unchecked:
        problems.add(task.line, "assert", "this test asserts nothing (promptfoo passes it whatever the output): "
                     "give it an assertion, or one in defaultTest")  # fmt: skip
    return "assertions"
