"""The OpenAI evals registry (``registry/evals/NAME.yaml`` and the samples JSONL its args name) as suites: one per
eval, each sample a task whose ideal answers are checked as the eval's class checks them (Match: the answer starts
with an ideal; Includes: contains one; FuzzyMatch: either inside the other once normalised)."""

from __future__ import annotations

from typing import Any

from routeboard.errors import Problems
from routeboard.graders.assertions import ASSERT_KEY
from routeboard.io.project_files import ProjectFiles
from routeboard.io.promptfoo_project import Project, ProjectSuite
from routeboard.io.records import Record, read_jsonl
from routeboard.io.text import decode
from routeboard.io.yaml_doc import YamlDoc, key_line

CLASSES = {
    "evals.elsuite.basic.match:Match": "starts-with",
    "evals.elsuite.basic.includes:Includes": "contains",
    "evals.elsuite.basic.fuzzy_match:FuzzyMatch": "fuzzy-match",
}


def looks_like_evals_registry(data: Any) -> bool:
    """An evals registry YAML: some entry names an eval class and its args."""
    return isinstance(data, dict) and any(
        isinstance(v, dict) and "class" in v and isinstance(v.get("args"), dict) for v in data.values()
    )


def read_evals_registry(
    doc: YamlDoc, problems: Problems, files: ProjectFiles, grader: bool = False, names=None
) -> Project:
    """One suite per eval (named by the alias whose id points to it); ``grader``: the person chose one, so a
    model-graded eval is read too (its samples' ideals as expected answers)."""
    data, node = doc
    project = Project("openai-evals")
    aliases = {v["id"]: (k, v) for k, v in data.items() if isinstance(v, dict) and isinstance(v.get("id"), str)}
    for key, spec in data.items():
        if not (isinstance(spec, dict) and "class" in spec):
            continue
        line = key_line(node, key)
        name, alias = aliases.get(key, (key, {}))
        args = spec.get("args") if isinstance(spec.get("args"), dict) else {}
        kind = CLASSES.get(str(spec["class"]))
        if args.get("ignore_case") and kind == "contains":
            kind = "icontains"
        if kind is None and not grader:
            problems.add(
                line,
                str(key),
                f"class {spec['class']} is not read (read: {', '.join(CLASSES)}); a model-graded eval needs a "
                "judge's rubric: choose the llm_judge grader with one",
            )
            continue
        samples = args.get("samples_jsonl")
        records, where = _samples(samples, line, str(key), problems, files)
        meta = {
            "name": names[0] if names and names[0] else str(name),
            "category": names[1] if names and names[1] else str(name),
            "description": str(alias.get("description") or f"OpenAI evals {key}"),
            "grader": "assertions",
        }
        project.suites.append(ProjectSuite(meta, [_task(r, kind) for r in records], where))
    if not project.suites and not problems:
        problems.add(None, None, "no eval with a class and samples_jsonl in this registry file")
    return project


def _samples(ref, line, key: str, problems: Problems, files: ProjectFiles) -> tuple[list[Record], Problems]:
    if not isinstance(ref, str):
        problems.add(line, key, "args.samples_jsonl must name the samples file")
        return [], problems
    read = files.read(ref)
    if read is None:
        problems.add(line, key, f"{ref} not found (looked beside the YAML and in the registry's data folder)")
        return [], problems
    found = problems.in_file(read[0])
    text = decode(read[1], found)
    return (read_jsonl(text, found) if text is not None else []), found


def _task(record: Record, kind: str | None) -> Record:
    """A sample as a task: its chat (or text) input, its first ideal as the expected answer, all ideals checked."""
    sample = record.fields
    value, ideal = sample.get("input"), sample.get("ideal")
    ideals = ideal if isinstance(ideal, list) else [ideal] if ideal is not None else []
    fields: dict = {
        "id": sample.get("id", f"sample-{record.line}"),
        "expected": ideals[0] if ideals else None,
        "metadata": {ASSERT_KEY: [{"type": kind, "value": ideals}]} if kind and ideals else {},
    }
    fields["messages" if isinstance(value, list) else "input"] = value
    return Record(record.line, fields)
