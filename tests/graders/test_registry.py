"""The registry: names, option schemas, spec problems, building, needs_expected and grade_output."""

from __future__ import annotations

import json

import pytest

from routeboard.domain import Grade, GraderSpec, Task
from routeboard.errors import InvalidInput, UnknownGrader
from routeboard.graders import (
    GRADERS,
    VALIDATORS,
    build_grader,
    build_validator,
    grade_output,
    needs_expected,
    option_schema,
    registered,
    spec_problems,
)
from routeboard.suites import load_suite
from tests.graders.conftest import BANKING77, CARD_ARRIVAL, RD_TASK, RUBRIC

# ---- specs, registry, grade_output ---------------------------------------------------------------------


def test_registered_names():
    assert set(GRADERS) == {
        "exact",
        "label",
        "contains",
        "regex",
        "numeric",
        "json_fields",
        "f1",
        "llm_judge",
        "human",
        "assertions",
    }
    assert set(VALIDATORS) == {"json", "json_schema", "regex", "one_of", "number"}


def test_unknown_names_raise_unknown_grader():
    with pytest.raises(UnknownGrader, match="unknown grader 'exakt' \\(did you mean 'exact'\\?\\)"):
        build_grader(GraderSpec("exakt"))
    with pytest.raises(UnknownGrader, match="unknown validator 'yaml'"):
        build_validator(GraderSpec("yaml"))


def test_spec_problems_name_each_bad_option():
    assert spec_problems(GraderSpec("numeric", {"rel_tol": 0.01})) == []
    assert spec_problems(GraderSpec("exact", {"ignore_cas": False})) == [
        "grader 'exact': unknown option 'ignore_cas' (did you mean 'ignore_case'?); "
        "known: ignore_case, ignore_punctuation, normalize_whitespace"
    ]
    assert spec_problems(GraderSpec("numeric", {"rel_tol": -1})) == [
        "grader 'numeric': option 'rel_tol' must be a number >= 0, got -1"
    ]
    assert spec_problems(GraderSpec("label")) == ["grader 'label': missing required option 'labels'"]
    assert spec_problems(GraderSpec("regex", {"pattern": "(unclosed"}), kind="validator")[0].startswith(
        "validator 'regex': option 'pattern' is not a valid regular expression"
    )
    problems = spec_problems(GraderSpec("json_fields", {"fields": {"change": {"matcher": "fuzzy", "weight": 0}}}))
    assert "change: matcher must be one of exact, numeric, contains, got 'fuzzy'" in problems[0]
    assert "change: weight must be a number > 0, got 0" in problems[0]


def test_bad_options_raise_value_error_when_building():
    with pytest.raises(ValueError, match="option 'ignore_case' must be true or false"):
        build_grader(GraderSpec("exact", {"ignore_case": "yes"}))
    with pytest.raises(ValueError, match="not a valid JSON Schema"):
        build_validator(GraderSpec("json_schema", {"schema": {"type": "objekt"}}))


def test_needs_expected():
    assert needs_expected(GraderSpec("numeric"))
    assert needs_expected(GraderSpec("regex"))
    assert not needs_expected(GraderSpec("regex", {"pattern": r"\d+"}))
    assert not needs_expected(GraderSpec("contains"))  # tasks may give metadata must_contain instead
    assert not needs_expected(GraderSpec("llm_judge", {"rubric": RUBRIC}))
    assert needs_expected(GraderSpec("llm_judge", {"rubric": RUBRIC, "precheck": "numeric"}))


def test_grade_output_takes_valid_from_validator_and_correct_from_grader():
    grader = build_grader(GraderSpec("label", {"labels": BANKING77}))
    validator = build_validator(GraderSpec("regex", {"pattern": r"[a-z_]+"}))
    result = grade_output("The intent is card_arrival.", CARD_ARRIVAL, grader, validator)
    assert (result.valid, result.correct, result.score) == (False, True, 1.0)
    assert result.detail == "validator: does not match '[a-z_]+'; grader: label card_arrival"
    assert grade_output("card_arrival", CARD_ARRIVAL, grader, None).valid


def test_grade_output_records_a_grader_crash():
    def broken(output: str, task: Task) -> Grade:
        raise KeyError("scale")

    result = grade_output("273", RD_TASK, broken, None)
    assert (result.valid, result.correct, result.detail) == (True, False, "grader: grader error: KeyError: 'scale'")


# ---- option schemas ------------------------------------------------------------------------------------


def schema(name: str, kind: str = "grader") -> list[tuple]:
    return [(option.name, option.type, option.required, option.default) for option in option_schema(name, kind)]


def test_each_grader_declares_the_options_a_form_shows():
    assert schema("label") == [("labels", "list", True, None)]
    assert schema("numeric") == [
        ("abs_tol", "number", False, 0.0),
        ("rel_tol", "number", False, 0.01),
        ("scale_field", "text", False, "scale"),
    ]
    assert schema("json_fields") == [("fields", "mapping", True, None), ("threshold", "number", False, 1.0)]
    assert schema("llm_judge") == [
        ("rubric", "text", True, None),
        ("precheck", "grader", False, None),
        ("judge_model", "text", False, None),
    ]
    assert schema("exact") == [
        ("ignore_case", "bool", False, True),
        ("ignore_punctuation", "bool", False, True),
        ("normalize_whitespace", "bool", False, True),
    ]
    assert [option.choices for option in option_schema("f1")] == [(), ("all", "any")]
    assert schema("regex", "validator")[0] == ("pattern", "text", True, None)
    assert schema("number", "validator") == []


def test_every_option_has_help_and_the_listing_covers_every_name():
    listed = {kind: [entry.name for entry in registered(kind)] for kind in ("grader", "validator")}
    assert listed == {"grader": sorted(GRADERS), "validator": sorted(VALIDATORS)}
    for kind in ("grader", "validator"):
        for entry in registered(kind):
            assert entry.summary, f"{kind} {entry.name} has no one-line description"
            assert all(option.help for option in entry.options), f"{kind} {entry.name} has an option without help"
    numeric = next(entry for entry in registered("grader") if entry.name == "numeric")
    assert numeric.summary.startswith("Correct when the output's answer number is the gold number")
    assert numeric.options[0].as_dict() == {
        "name": "abs_tol",
        "type": "number",
        "required": False,
        "default": 0.0,
        "choices": [],
        "help": "absolute tolerance in the task's scale units (percentage points for percent)",
    }


def test_option_schema_of_an_unknown_grader_names_the_known_ones():
    with pytest.raises(UnknownGrader, match="unknown grader 'numerik' \\(did you mean 'numeric'\\?\\); known: "):
        option_schema("numerik")


@pytest.mark.parametrize(
    "options, message",
    [
        ({"labels": "card_arrival"}, "grader 'label': option 'labels' must be a list, got 'card_arrival'"),
        ({"labels": ["card_arrival"], "abs_tol": 0.1}, "grader 'label': unknown option 'abs_tol'; known: labels"),
        (
            {"labels": ["card_arrival"], "lables": ["x"]},
            "grader 'label': unknown option 'lables' (did you mean 'labels'?); known: labels",
        ),
    ],
)
def test_a_suite_with_a_wrong_option_is_refused_with_a_clear_message(tmp_path, options, message):
    grader = json.dumps({"name": "label", "options": options})
    path = tmp_path / "suite.yaml"
    path.write_text(
        f"name: tickets\ncategory: triage\ngrader: {grader}\nprompt_template: '{{{{text}}}}'\n"
        "tasks:\n  - {id: a, vars: {text: where is my card}, expected: card_arrival}\n"
    )
    with pytest.raises(InvalidInput) as info:
        load_suite(path)
    assert [(problem.field, problem.message) for problem in info.value.problems] == [("grader", message)]


@pytest.mark.parametrize(
    "kind, spec, message",
    [
        (
            "grader",
            GraderSpec("numeric", {"rel_tol": "1%"}),
            "grader 'numeric': option 'rel_tol' must be a number, got '1%'",
        ),
        (
            "grader",
            GraderSpec("numeric", {"abs_tol": True}),
            "grader 'numeric': option 'abs_tol' must be a number, got True",
        ),
        (
            "grader",
            GraderSpec("f1", {"spans": "some"}),
            "grader 'f1': option 'spans' must be 'all' or 'any', got 'some'",
        ),
        (
            "grader",
            GraderSpec("json_fields", {"fields": ["change"]}),
            "grader 'json_fields': option 'fields' must be a mapping, got ['change']",
        ),
        (
            "grader",
            GraderSpec("llm_judge", {"rubric": RUBRIC, "precheck": "llm_judge"}),
            "grader 'llm_judge': option 'precheck' cannot itself be llm_judge",
        ),
        (
            "grader",
            GraderSpec("llm_judge", {"rubric": RUBRIC, "precheck": {"name": "numeric", "options": {"tol": 1}}}),
            "grader 'llm_judge': option 'precheck' grader 'numeric': unknown option 'tol' (did you mean 'rel_tol'?); "
            "known: abs_tol, rel_tol, scale_field",
        ),
        (
            "validator",
            GraderSpec("regex", {"pattern": "x", "search": "yes"}),
            "validator 'regex': option 'search' must be true or false, got 'yes'",
        ),
    ],
)
def test_wrong_option_types_name_the_grader_the_option_and_the_type(kind, spec, message):
    assert spec_problems(spec, kind) == [message]
