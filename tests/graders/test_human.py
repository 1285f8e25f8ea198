"""The ``human`` grader: outputs wait for a person, the suite needs no answers, overlap is a share."""

from __future__ import annotations

import pytest

from routeboard.domain import GraderSpec, Task
from routeboard.graders import build_grader, grade_output, needs_expected, option_schema, review_overlap, spec_problems
from routeboard.run.trial import outcome_of


def test_a_human_graded_output_is_pending_not_wrong():
    grade = build_grader(GraderSpec("human"))("Dear team, the meeting moves to 3 pm.", Task(id="e1", input="Draft"))
    assert grade.pending and grade.valid and not grade.correct
    assert grade.detail == "waiting for review"
    assert outcome_of(grade) == "pending"


def test_an_invalid_output_stays_invalid_even_when_people_grade():
    grade = grade_output("", Task(id="e1", input="x"), build_grader(GraderSpec("human")), lambda out: (False, "empty"))
    assert outcome_of(grade) == "invalid"


def test_tasks_without_answers_can_be_graded_by_people():
    assert needs_expected(GraderSpec("human")) is False
    assert [option.name for option in option_schema("human")] == ["overlap"]


@pytest.mark.parametrize("overlap, ok", [(0, True), (0.2, True), (1, True), (1.5, False), ("half", False)])
def test_overlap_is_a_share_between_0_and_1(overlap, ok):
    problems = spec_problems(GraderSpec("human", {"overlap": overlap}))
    assert (problems == []) is ok
    if not ok:
        assert "overlap" in problems[0]


def test_the_overlap_share_is_read_from_the_human_grader_only():
    assert review_overlap(GraderSpec("human", {"overlap": 0.25})) == 0.25
    assert review_overlap(GraderSpec("human")) == 0.0
    assert review_overlap(GraderSpec("llm_judge", {"rubric": "r"})) == 0.0
