"""The `assertions` grader: each task's own checks, as peers' test projects write them."""

from __future__ import annotations

import pytest

from routeboard.domain import GraderSpec, Task
from routeboard.graders import build_grader, grade_output
from routeboard.graders.assertions import check


def task(*checks: dict) -> Task:
    return Task(id="t", input="q", metadata={"assert": list(checks)})


@pytest.mark.parametrize(
    "assertion, output, passed",
    [
        ({"type": "equals", "value": "Paris"}, " Paris\n", True),
        ({"type": "equals", "value": "Paris"}, "paris", False),
        ({"type": "contains", "value": "Paris"}, "It is Paris.", True),
        ({"type": "contains", "value": "Paris"}, "It is PARIS.", False),
        ({"type": "icontains", "value": "Paris"}, "It is PARIS.", True),
        ({"type": "not-contains", "value": "London"}, "It is Paris.", True),
        ({"type": "not-icontains", "value": "london"}, "London!", False),
        ({"type": "starts-with", "value": "Lima"}, "  Lima is the capital", True),
        ({"type": "starts-with", "value": ["8", "eight"]}, "eight", True),  # OpenAI evals: any of the ideals
        ({"type": "regex", "value": r"\b\d{4}\b"}, "in 1889", True),
        ({"type": "regex", "value": "("}, "x", False),  # a bad pattern fails its check, never the run
        ({"type": "is-json", "value": None}, '{"a": 1}', True),
        ({"type": "is-json", "value": None}, 'Here: {"a": 1}', False),
        ({"type": "is-json", "value": {"type": "object", "required": ["b"]}}, '{"a": 1}', False),
        ({"type": "contains-json", "value": None}, 'Here: {"a": 1} done', True),
        ({"type": "contains-json", "value": '{"required": ["a"]}'}, 'x {"a": 2}', True),
        ({"type": "similar", "value": "the capital is Paris", "threshold": 0.6}, "Paris is the capital", True),
        ({"type": "similar", "value": "the capital is Paris"}, "I do not know", False),
        ({"type": "fuzzy-match", "value": ["The Eiffel Tower"]}, "eiffel tower", True),
        ({"type": "levenshtein", "value": "x"}, "x", False),  # not a check routeboard runs
    ],
)
def test_each_check(assertion, output, passed):
    assert check(assertion, output)[0] is passed


def test_a_task_is_correct_when_all_its_checks_pass_and_scored_by_the_share():
    grader = build_grader(GraderSpec("assertions"))
    both = task({"type": "icontains", "value": "paris"}, {"type": "not-contains", "value": "London"})
    assert grader("Paris, not London", both).correct is False
    graded = grader("Paris, not London", both)
    assert (graded.score, graded.detail.startswith("failed: not-contains")) == (0.5, True)
    assert grader("Paris", both).correct is True
    assert grader("Paris", Task(id="t", input="q")).correct is False  # nothing to check: not correct


def test_as_a_judges_precheck_a_task_without_checks_passes():
    precheck = build_grader(GraderSpec("assertions", {"none_pass": True}))
    assert precheck("anything", Task(id="t", input="q")).correct is True


def test_llm_judge_reads_a_tasks_own_rubric():
    asked = []
    grader = build_grader(
        GraderSpec("llm_judge", {"rubric": "the suite's rubric"}),
        judge=lambda messages: asked.append(messages) or "VERDICT: PASS",
    )
    grade_output("ok", Task(id="a", input="q", metadata={"rubric": "mentions the refund policy"}), grader)
    grade_output("ok", Task(id="b", input="q"), grader)
    assert "mentions the refund policy" in asked[0][1]["content"] and "the suite's rubric" in asked[1][1]["content"]
