"""Proposing a results mapping from the files themselves: which column is the task id, model, category,
correctness, output, tokens, cost or latency (by name, then by what the values look like), the wide layout
(a column per model), each distinct label's outcome, and a person's edits to a proposal. The mapping itself is
io/result_mapping.py."""

from __future__ import annotations

import re
from dataclasses import replace

from routeboard.io.result_mapping import (
    BY_NAME,
    FIELD_NAMES,
    FIELDS,
    FROM_FILE,
    MAX_LABELS,
    SAMPLE_ROWS,
    Field,
    MappingEdits,
    ResultMapping,
    cell_text,
    normalised,
    outcome_word,
)
from routeboard.io.result_rows import BOOLEAN_WORDS
from routeboard.io.tables import Table


def propose(tables: list[Table]) -> ResultMapping:
    """The mapping for the common shapes: columns named as other tools name them, the wide layout when there is no
    model column, the model from each file's name when there is neither, and label values mapped to outcomes."""
    columns = list(dict.fromkeys(c for t in tables for c in t.columns))
    samples = _samples(tables, columns)
    chosen: dict[str, str] = {}
    taken: set[str] = set()
    for name in ("task_id", "category", "suite", "trial", "input", "expected", "tier", "model"):
        _choose(name, columns, samples, chosen, taken)
    long_correct = _best(BY_NAME["correct"], columns, samples, taken)
    models: dict[str, dict[str, str]] = {}
    if "model" in chosen or long_correct:
        for name in ("correct", "valid", "output", "input_tokens", "output_tokens", "cost_usd", "latency_ms"):
            _choose(name, columns, samples, chosen, taken)
        chosen.setdefault("model", FROM_FILE)
    else:
        models = _wide_models(columns, samples, taken)
        if not models:
            chosen["model"] = FROM_FILE
    if "category" not in chosen and chosen.get("model") != FROM_FILE:
        chosen["category"] = FROM_FILE
    mapping = ResultMapping({name: chosen[name] for name in FIELD_NAMES if name in chosen}, {}, models)
    return replace(mapping, labels=proposed_labels(tables, mapping))


def _samples(tables: list[Table], columns: list[str]) -> dict[str, list]:
    found: dict[str, list] = {c: [] for c in columns}
    for table in tables:
        for record in table.records[:SAMPLE_ROWS]:
            for column, value in record.fields.items():
                if value is not None and not (isinstance(value, str) and not value.strip()):
                    found.setdefault(column, []).append(value)
    return found


def _choose(name: str, columns, samples, chosen: dict, taken: set) -> None:
    column = _best(BY_NAME[name], columns, samples, taken)
    if column is not None:
        chosen[name] = column
        taken.add(column)


def _best(spec: Field, columns, samples, taken: set) -> str | None:
    """The first column, in the order of the field's names, whose name and values fit the field."""
    by_name = {}
    for column in columns:
        by_name.setdefault(normalised(column), column)
    for name in spec.names:
        column = by_name.get(name)
        if column is None or column in taken:
            continue
        # a column named as the field is the field whatever it holds (its bad values are then named by row)
        if name == normalised(spec.name) or _values_fit(spec.kind, samples.get(column, [])):
            return column
    return None


def _values_fit(kind: str, values: list) -> bool:
    if kind == "number":
        return all(_is_number(v) for v in values)
    if kind == "boolean":
        return bool(values) and all(_is_boolean(v) for v in values)
    if kind == "outcome":
        return _outcome_like(values)
    return True


def _is_number(value) -> bool:
    if isinstance(value, bool):
        return False
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _is_boolean(value) -> bool:
    if isinstance(value, bool) or (type(value) is int and value in (0, 1)):
        return True
    return isinstance(value, str) and value.strip().lower() in BOOLEAN_WORDS


def _outcome_like(values: list) -> bool:
    """True/false values, or a few labels of which at least one reads as an outcome."""
    if not values or any(isinstance(v, (dict, list)) for v in values):
        return False
    distinct = {cell_text(v) for v in values}
    if len(distinct) > MAX_LABELS:
        return False
    return all(_is_boolean(v) for v in values) or any(outcome_word(v) for v in distinct)


def _wide_models(columns: list[str], samples, taken: set) -> dict[str, dict[str, str]]:
    """Each model's columns in the wide layout: '<model>_correct', '<model> response' ..., or a bare column of
    true/false values named after its model (RouteLLM's files)."""
    models: dict[str, dict[str, str]] = {}
    for column in columns:
        if column in taken:
            continue
        split = _model_and_field(column)
        if split and _values_fit(BY_NAME[split[1]].kind, samples.get(column, [])):
            models.setdefault(split[0], {}).setdefault(split[1], column)
        elif not split and samples.get(column) and all(_is_boolean(v) for v in samples[column]):
            models.setdefault(column, {}).setdefault("correct", column)
    return {model: fields for model, fields in models.items() if "correct" in fields}


def _model_and_field(column: str) -> tuple[str, str] | None:
    """('gpt4', 'correct') for 'gpt4_correct' or 'correct_gpt4'; None when the column names no per-model field."""
    key = normalised(column)
    suffixes = sorted(
        ((name, f.name) for f in FIELDS if f.per_model for name in f.names + f.model_names),
        key=lambda pair: -len(pair[0]),
    )
    for name, field_name in suffixes:
        if key != name and key.endswith(name):
            model = _original_prefix(column, len(key) - len(name))
            if model:
                return model, field_name
        if key != name and key.startswith(name) and field_name == "correct":
            model = _original_suffix(column, len(name))
            if model:
                return model, field_name
    return None


def _original_prefix(column: str, letters: int) -> str:
    """The start of ``column`` holding its first ``letters`` letters and digits, without trailing separators."""
    count = 0
    for i, char in enumerate(column):
        if count == letters:
            return column[:i].rstrip(" _-.:/")
        count += bool(re.match(r"[A-Za-z0-9]", char))
    return ""


def _original_suffix(column: str, letters: int) -> str:
    count = 0
    for i, char in enumerate(column):
        if count == letters:
            return column[i:].lstrip(" _-.:/")
        count += bool(re.match(r"[A-Za-z0-9]", char))
    return ""


def label_counts(tables: list[Table], mapping: ResultMapping) -> dict[str, int]:
    """Every distinct value of the correctness column(s) with how many rows hold it, most frequent first: the list
    a person maps to outcomes, so none is missed."""
    counts: dict[str, int] = {}
    columns = mapping.correctness_columns()
    for table in tables:
        for record in table.records:
            for column in columns:
                value = record.fields.get(column)
                if value is None or isinstance(value, (dict, list)) or (isinstance(value, str) and not value.strip()):
                    continue
                text = cell_text(value)
                counts[text] = counts.get(text, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: -item[1]))


def proposed_labels(tables: list[Table], mapping: ResultMapping) -> dict[str, str]:
    """Label values mapped to outcomes where the correctness column is not plain true/false; a value no word
    proposes stays unmapped ('') for the person to choose."""
    counts = label_counts(tables, mapping)
    if not counts or len(counts) > MAX_LABELS:
        return {}
    booleans = [value for value in counts if _is_boolean(value)]
    others = [value for value in counts if not _is_boolean(value)]
    # a stray value among true/false is a mistake the row check names ("must be true or false"), not a label
    if booleans and not any(outcome_word(value) for value in others):
        return {}
    return {value: outcome_word(value) or "" for value in counts}


def edited(tables: list[Table], mapping: ResultMapping, edits: MappingEdits | None) -> ResultMapping:
    """``mapping`` with a person's edits; when they change the correctness column its labels are proposed again,
    then the edited outcomes apply (to the values the column holds)."""
    if edits is None:
        return mapping
    columns = {**mapping.columns, **edits.columns}
    columns = {name: column for name, column in columns.items() if column}
    models = {model: dict(fields) for model, fields in mapping.models.items()}
    for model, column in edits.wide.items():
        if column:
            models.setdefault(model, {})["correct"] = column
        else:
            models.pop(model, None)
    result = replace(mapping, columns=columns, models=models, rename={**mapping.rename, **edits.rename})
    if result.correctness_columns() != mapping.correctness_columns():
        result = replace(result, labels=proposed_labels(tables, result))
    if edits.labels:
        result = replace(result, labels={**result.labels, **edits.labels})
    return result
