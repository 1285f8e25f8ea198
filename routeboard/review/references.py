"""From review to answer key (docs/design.md, "Acceptance by people"): the outputs people accepted or edited
become the tasks' reference answers in a new version of the suite, graded automatically from then on. A task with
no answer is left out of that version (a grader would call every output of it wrong), and the board keeps the
reviewed version's evidence until the new version has results of its own (routeboard/store/facts.py)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import duckdb

from routeboard.domain import GraderSpec, Task
from routeboard.errors import InvalidInput, Problem, ReviewError
from routeboard.graders.registry import spec_problems
from routeboard.library import save_suite
from routeboard.present import entry
from routeboard.store.review_stats import reviewed_answers
from routeboard.store.suites import ImportResult, load_stored_suite
from routeboard.team.access import Actor, require

# graders that read a reference answer: token overlap, containment, or a judge shown the reference
PROMOTE_GRADERS = ("f1", "contains", "llm_judge")
DEFAULT_RUBRIC = (
    "The answer says what the reference answer says: the same facts, nothing missing that matters and nothing "
    "invented. Wording, order and length may differ."
)


@dataclass(frozen=True)
class Promotion:
    """The new suite version, how many of its tasks carry a reviewed reference, and the tasks left out of it
    because they have no answer (nobody accepted or edited an output of theirs)."""

    suite: ImportResult
    referenced: int
    edited: int  # of those, references a reviewer wrote by editing the output
    without_reference: tuple[str, ...]  # left out of the new version

    def summary(self) -> str:
        """One line for the CLI and the page."""
        left = len(self.without_reference)
        text = (
            f"{self.suite.suite_id}: {self.referenced} of {self.suite.task_count + left} tasks carry a reviewed "
            f"answer ({self.edited} edited)"
        )
        if left:
            text += (
                f"; the {left} without one {'are' if left > 1 else 'is'} left out of it until reviewed: "
                f"{', '.join(self.without_reference[:5])}{' ...' if left > 5 else ''}"
            )
        return text


def promote_references(
    con: duckdb.DuckDBPyConnection, suite_id: str, grader: GraderSpec, *, actor: Actor | None = None
) -> Promotion:
    """A new version of the suite whose tasks carry the reviewed answer as ``expected`` (edited wins, then
    accepted; latest review first), graded by ``grader`` against it. A task nobody accepted keeps the answer it
    had, if any; one with none is left out of the new version, and listed. Raises ReviewError when no review gave
    an answer yet. An analyst's action (promote_references), audited as the upload of the new version."""
    require(actor, "promote_references")
    suite_id, suite = load_stored_suite(con, suite_id)
    grader = _grader(grader, suite.grader)
    answers = reviewed_answers(con, suite_id)
    if not answers:
        raise ReviewError(
            f"no output of {suite_id} has been accepted or edited in review yet: nothing to promote "
            "(review some on the Review page, or import a CSV with `review import`)"
        )
    referenced = [_with_reference(task, answers.get(task.id)) for task in suite.tasks]
    # a task with no answer has nothing to grade against: in the new version every output of it would be "wrong"
    tasks = tuple(t for t in referenced if t.expected)
    without = tuple(t.id for t in referenced if not t.expected)
    saved = save_suite(con, replace(suite, grader=grader, tasks=tasks), origin="reviews", actor=actor)
    edited = sum(verdict == "edited" for _, verdict in answers.values())
    return Promotion(saved, sum(t.id in answers for t in tasks), edited, without)


def _with_reference(task: Task, answer: tuple[str, str] | None) -> Task:
    if answer is None:
        return task
    return replace(task, expected=answer[0], metadata={**task.metadata, "reference": f"reviewed ({answer[1]})"})


def _grader(spec: GraderSpec, current: GraderSpec) -> GraderSpec:
    """The chosen grader, checked; a judge keeps the suite's own judge settings, else gets a reference rubric."""
    if spec.name not in PROMOTE_GRADERS:
        raise InvalidInput(
            Problem(entry("grader"), None, None, f"promote grades with {', '.join(PROMOTE_GRADERS)}; got {spec.name!r}")
        )
    options = dict(spec.options or {})
    if spec.name == "llm_judge":
        inherited = current.options if current.name == "llm_judge" else {}
        options = {"rubric": DEFAULT_RUBRIC, **(inherited or {}), **options}
    spec = GraderSpec(spec.name, options)
    problems = spec_problems(spec)
    if problems:
        raise InvalidInput([Problem(entry("grader"), None, None, p) for p in problems])
    return spec
