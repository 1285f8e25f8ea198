"""Which column of a results file holds what: the mapping a person confirms before an import (proposed by
io/result_proposal.py), and the small mapping file and flags the CLI and the app share (so an import can be
repeated from cron).

Two layouts are read. *Long*: one row per result, with a model column (or the model taken from each file's name).
*Wide*: one row per question, with a correctness column (and perhaps a response column) per model, as RouteLLM
publishes its results. Correctness is true/false, or label values ("Correct Answer", "Refusal") mapped to outcomes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from routeboard.errors import Problems
from routeboard.io.yaml_doc import read_yaml

FROM_FILE = "@file"  # a model, category or suite taken from each file's name
OUTCOMES = ("correct", "wrong", "invalid", "refusal")  # refusal: invalid, with the reason "refusal"
MAX_LABELS = 50  # more distinct values than this is not a column of outcomes
SAMPLE_ROWS = 500  # rows per file a proposal looks at (label values are counted over every row)


@dataclass(frozen=True)
class Field:
    """A field of an imported result: what it means, the column names that propose it (lowercase letters and
    digits only), whether the wide layout has one per model and whether it may come from a file's name."""

    name: str
    help: str
    names: tuple[str, ...]
    per_model: bool = False
    from_file: bool = False
    kind: str = "text"  # text, number or boolean: what a proposed column's values must look like
    model_names: tuple[str, ...] = ()  # extra column suffixes in the wide layout ("gpt4_answer")


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIELDS = (
    Field(
        "task_id",
        "the question or task id (none: each row's number in its file)",
        _names("taskid id questionid qid sampleid exampleid itemid problemid docid uid idx"),
    ),
    Field("model", "the model that answered", _names("model modelname modelid llm engine"), from_file=True),
    Field(
        "category",
        "the job category: a setup, a subject or a task type (none: each file's name)",
        _names("category setup tasktype taskname subject domain"),
        from_file=True,
    ),
    Field("suite", "the suite (none: the category)", _names("suite benchmark dataset"), from_file=True),
    Field(
        "correct",
        "whether the answer was right: true/false, or label values mapped to outcomes",
        _names(
            "correct iscorrect correctness label grade result outcome passed pass success verdict judgement "
            "judgment match exactmatch em accuracy acc score"
        ),
        per_model=True,
        kind="outcome",
    ),
    Field(
        "valid",
        "whether the output passed a format check (true/false)",
        _names("valid isvalid parsed formatok parseok"),
        per_model=True,
        kind="boolean",
    ),
    Field("trial", "the repeat, from 1", _names("trial repeat repetition trialindex"), kind="number"),
    Field("input", "the question or prompt", _names("question prompt input query problem instruction")),
    Field(
        "expected",
        "the gold answer",
        _names(
            "goldanswer gold expected expectedanswer target reference ideal groundtruth correctanswer answerkey answer"
        ),
    ),
    Field(
        "output",
        "the model's answer",
        _names("output response modelanswer modeloutput modelresponse prediction pred completion generation rawoutput"),
        per_model=True,
        model_names=("answer",),
    ),
    Field("input_tokens", "input tokens", _names("inputtokens prompttokens tokensin"), per_model=True, kind="number"),
    Field(
        "output_tokens",
        "output tokens",
        _names("outputtokens completiontokens tokensout"),
        per_model=True,
        kind="number",
    ),
    Field("cost_usd", "cost in USD", _names("costusd cost price usd totalcost"), per_model=True, kind="number"),
    Field(
        "latency_ms",
        "latency in milliseconds",
        _names("latencyms latency durationms responsetimems elapsedms timems"),
        per_model=True,
        kind="number",
    ),
    Field("tier", "the model's tier", ("tier",)),
)
FIELD_NAMES = tuple(f.name for f in FIELDS)
BY_NAME = {f.name: f for f in FIELDS}

# label words (lowercase, letters and digits kept, spaces between words) -> outcome
_OUTCOME_WORDS = {
    "correct": ("correct", "correct answer", "right", "pass", "passed", "yes", "true", "1", "1 0", "accepted",
                "accept", "success", "match", "ok", "y", "t"),
    "wrong": ("incorrect", "incorrect answer", "wrong", "wrong answer", "fail", "failed", "no", "false", "0", "0 0",
              "rejected", "reject", "mismatch", "n", "f"),
    "refusal": ("refusal", "refused", "refuse", "declined", "decline", "abstain", "abstained", "abstention"),
    "invalid": ("invalid", "invalid answer", "error", "parse error", "unparseable", "unparsable", "format error",
                "malformed", "no answer", "empty"),
}  # fmt: skip
OUTCOME_OF_WORDS = {word: outcome for outcome, words in _OUTCOME_WORDS.items() for word in words}


def normalised(name: str) -> str:
    """A column name as the proposal compares it: lowercase letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def outcome_word(value: Any) -> str | None:
    """The outcome a label value proposes ('Correct Answer' -> correct, 'Refusal' -> refusal), or None."""
    words = " ".join(re.findall(r"[a-z0-9]+", str(value).lower()))
    return OUTCOME_OF_WORDS.get(words)


def cell_text(value: Any) -> str:
    """A label value as it is listed and mapped: text as given, true/false and numbers as JSON writes them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value.strip() if isinstance(value, str) else str(value)


@dataclass(frozen=True)
class ResultMapping:
    """Which column holds each field (``columns``; FROM_FILE for a model, category or suite taken from each file's
    name), which outcome each correctness label means (``labels``; empty when the column is true/false), in the
    wide layout each model's own columns (``models``: model -> field -> column), and the model ids to store the
    file's model names as (``rename``: "gpt4" -> "openai/gpt-4o")."""

    columns: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    models: dict[str, dict[str, str]] = field(default_factory=dict)
    rename: dict[str, str] = field(default_factory=dict)

    @property
    def wide(self) -> bool:
        return bool(self.models)

    def used(self) -> set[str]:
        """Every column the mapping reads."""
        found = {c for c in self.columns.values() if c != FROM_FILE}
        return found | {c for fields in self.models.values() for c in fields.values()}

    def correctness_columns(self) -> list[str]:
        """The column(s) whose values say whether an answer was right."""
        if self.wide:
            return [fields["correct"] for fields in self.models.values() if fields.get("correct")]
        return [self.columns["correct"]] if self.columns.get("correct") else []

    def as_dict(self) -> dict:
        body: dict[str, Any] = {"columns": dict(self.columns)}
        if self.labels:
            body["labels"] = dict(self.labels)
        if self.models:
            body["models"] = {model: dict(fields) for model, fields in self.models.items()}
        if self.rename:
            body["rename"] = dict(self.rename)
        return body

    def to_text(self) -> str:
        """The mapping file (YAML) the CLI reads with --mapping and the app offers as a download."""
        head = "# routeboard results mapping: routeboard results import FILES --mapping THIS_FILE\n"
        return head + yaml.safe_dump(self.as_dict(), sort_keys=False, allow_unicode=True)


# ---------------------------------------------------------------- the mapping file and flags


def mapping_from_text(text: str, problems: Problems) -> ResultMapping:
    """A mapping file's mapping; every wrong key or value is noted by line where YAML knows it."""
    doc = read_yaml(text, problems)
    data = doc.data if doc else None
    if doc and not isinstance(data, dict):
        problems.add(1, None, "a mapping file holds `columns:` (field: column), and optionally `labels:` and `models:`")
        return ResultMapping()
    data = data or {}
    for key in data:
        if key not in ("columns", "labels", "models", "rename"):
            problems.add(None, str(key), "unknown key (known: columns, labels, models, rename)")
    columns = _text_map(data.get("columns"), "columns", problems)
    labels = {cell_text(k): v for k, v in _text_map(data.get("labels"), "labels", problems, keys_any=True).items()}
    models: dict[str, dict[str, str]] = {}
    raw_models = data.get("models") or {}
    if not isinstance(raw_models, dict):
        problems.add(None, "models", "must map each model to its columns, e.g. gpt-4o: {correct: gpt4o_correct}")
    else:
        for model, fields in raw_models.items():
            models[str(model)] = _text_map(fields, f"models.{model}", problems)
    rename = _text_map(data.get("rename"), "rename", problems)
    mapping = ResultMapping(columns, labels, models, rename)
    for problem in mapping_problems(mapping):
        problems.add(None, problem[0], problem[1])
    return mapping


def _text_map(value, where: str, problems: Problems, keys_any: bool = False) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        problems.add(None, where, "must be a mapping of names to text")
        return {}
    if not keys_any and not all(isinstance(k, str) for k in value):
        problems.add(None, where, "its keys must be text")
        return {}
    return dict(value)


def mapping_problems(mapping: ResultMapping) -> list[tuple[str, str]]:
    """(field, message) for every field, outcome or file-name source a mapping cannot mean."""
    found = []
    for name, column in mapping.columns.items():
        spec = BY_NAME.get(name)
        if spec is None:
            found.append((name, f"unknown field (known: {', '.join(FIELD_NAMES)})"))
        elif column == FROM_FILE and not spec.from_file:
            found.append((name, f"only model, category and suite can come from the file's name ({FROM_FILE})"))
    for value, outcome in mapping.labels.items():
        if outcome and outcome not in OUTCOMES:  # '' is a value still to map: said where it is, by its row
            found.append((f"labels.{value}", f"outcome must be one of {', '.join(OUTCOMES)}; got {outcome!r}"))
    for model, fields in mapping.models.items():
        for name in fields:
            if name not in BY_NAME or not BY_NAME[name].per_model:
                per_model = ", ".join(f.name for f in FIELDS if f.per_model)
                found.append((f"models.{model}.{name}", f"not a per-model field (per model: {per_model})"))
        if "correct" not in fields:
            found.append((f"models.{model}", "names no correct column"))
    return found


@dataclass(frozen=True)
class MappingEdits:
    """A person's changes to a mapping (from the app's fields or the CLI's flags): ``columns`` field -> column (an
    empty column unmaps the field), ``labels`` value -> outcome, ``wide`` model -> its correctness column,
    ``rename`` model name -> model id."""

    columns: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    wide: dict[str, str] = field(default_factory=dict)
    rename: dict[str, str] = field(default_factory=dict)


FLAG_FORMS = {
    "--map": "FIELD=COLUMN, e.g. --map correct=label (or --map model=@file)",
    "--label": "VALUE=OUTCOME, e.g. --label 'Refusal=refusal'",
    "--wide": "MODEL=COLUMN, e.g. --wide gpt-4o=gpt4o_correct",
    "--rename": "NAME=MODEL_ID, e.g. --rename gpt4=openai/gpt-4o",
}


def edits_from_flags(
    columns: list[str] = (), labels: list[str] = (), wide: list[str] = (), rename: list[str] = ()
) -> MappingEdits:
    """The CLI's mapping flags as edits; raises InvalidInput for a flag not written as KEY=VALUE."""
    from routeboard.errors import InvalidInput, Problem

    def pairs(items, flag) -> dict[str, str]:
        found = {}
        for item in items:
            # a label value may hold '=', an outcome never does; a column name may hold '=', a field never does
            key, sep, value = item.rpartition("=") if flag == "--label" else item.partition("=")
            if not sep or not key.strip():
                raise InvalidInput(Problem(flag, None, None, f"give {FLAG_FORMS[flag]}, got {item!r}"))
            found[key.strip()] = value.strip()
        return found

    return MappingEdits(
        pairs(columns, "--map"), pairs(labels, "--label"), pairs(wide, "--wide"), pairs(rename, "--rename")
    )
