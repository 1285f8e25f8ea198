"""The ``human`` grader: people decide. A trial it grades waits as ``pending`` until its first review
(routeboard/review/queue.py) turns it into accepted or wrong; suites with no answer key are graded this way."""

from __future__ import annotations

from routeboard.domain import Grade, GraderSpec, Task
from routeboard.graders._common import Grader, unit_interval
from routeboard.graders.registry import Option, grader

PENDING_DETAIL = "waiting for review"


def awaits_review(spec: GraderSpec) -> bool:
    """Whether a suite graded by ``spec`` leaves its trials pending until a person reviews them."""
    return spec.name == "human"


def review_overlap(spec: GraderSpec) -> float:
    """The share of items a second reviewer sees for agreement (0 for any grader but ``human``)."""
    return float((spec.options or {}).get("overlap", 0.0)) if awaits_review(spec) else 0.0


@grader(
    "human",
    options=[
        Option(
            "overlap",
            "number",
            default=0.0,
            check=unit_interval,
            help="share of outputs (0 to 1) a second reviewer also judges, to measure agreement",
        )
    ],
    needs_expected=False,
)
def human_grader(*, overlap: float) -> Grader:
    """People review each output in the Review page (or a CSV); until then it is pending, counted nowhere."""

    def grade(output: str, task: Task) -> Grade:
        return Grade(valid=True, correct=False, score=0.0, detail=PENDING_DETAIL, pending=True)

    return grade
