"""Accuracy behind an llm_judge: corrected for the judge's measured error once people have labelled outputs."""

from __future__ import annotations

import random
import re

import pytest

from routeboard.catalog.models import add_model
from routeboard.decide import intervals as stats
from routeboard.decide.ledger import ledger
from routeboard.domain import GraderSpec, Suite, Task
from routeboard.errors import InvalidInput
from routeboard.library import save_suite
from routeboard.providers.base import Completion
from routeboard.providers.registry import register_provider
from routeboard.review.labels import import_labels
from routeboard.run.request import RunRequest
from routeboard.run.start import start_run

TASKS, TRUE_ACCURACY, TPR, TNR = 400, 0.8, 0.95, 0.5


class JudgedWorld:
    """A candidate right on 80% of tasks and a lenient judge: passes 95% of right and half of wrong answers."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    async def complete(self, model, messages, settings) -> Completion:
        text = messages[-1]["content"]
        if model.id == "fake/candidate":
            number = int(text.split(":")[1])
            answer = str(number) if number % 5 else "wrong"
            return Completion(answer, 20, 2, 1.0)
        right = "Candidate answer:\n<" in text and not re.search(r">\nwrong\n</", text)
        passed = self.rng.random() < (TPR if right else 1 - TNR)
        return Completion(f"Checked.\nVERDICT: {'PASS' if passed else 'FAIL'}", 50, 5, 1.0)


@pytest.fixture
def judged_run(con):
    suite = Suite(
        name="emails",
        category="email drafting",
        bar=0.7,
        grader=GraderSpec("llm_judge", {"rubric": "The answer equals the number asked for."}),
        tasks=tuple(Task(id=f"t{i}", input=f"say: {i}", expected=str(i)) for i in range(TASKS)),
    )
    save_suite(con, suite)
    for name in ("fake/candidate", "fake/judge"):
        add_model(con, name, input_price_per_mtok_usd=1.0, output_price_per_mtok_usd=1.0)
    register_provider("fake/", lambda: JudgedWorld(seed=3))
    start_run(
        con, RunRequest(suites=("emails",), models=("fake/candidate",), judge_model="fake/judge", concurrency=8)
    ).run()
    return con


def test_without_labels_the_accuracy_rests_on_an_unvalidated_judge(judged_run):
    row = ledger(judged_run).iloc[0]
    assert row["judge_status"].startswith("unvalidated judge")
    assert row["accuracy"] == row["accuracy_judged"]


def test_labels_correct_the_accuracy_for_the_judges_error(judged_run, tmp_path):
    labels = tmp_path / "labels.csv"
    rows = ["task_id,correct"] + [f"t{i},{'no' if i % 5 == 0 else 'yes'}" for i in range(0, TASKS, 2)]
    labels.write_text("\n".join(rows) + "\n")
    assert import_labels(judged_run, "emails", labels) == TASKS // 2
    row = ledger(judged_run).iloc[0]
    judged = row["accuracy_judged"]
    # the judge passes half the wrong answers, so its raw pass rate overstates the candidate (~0.86)
    assert judged > TRUE_ACCURACY + 0.03
    assert row["ci_low"] <= TRUE_ACCURACY <= row["ci_high"]
    assert row["ci_high"] - row["ci_low"] > 0.05  # widened for the judge's own uncertainty
    assert row["interval"] == "judge-corrected bootstrap" and row["judge_status"].startswith("judge validated")
    expected = stats.judge_corrected_accuracy(
        int(row["correct"]),
        int(row["trials"]),
        row["judge_tpr"],
        row["judge_tnr"],
        int(row["judge_tpr_n"]),
        int(row["judge_tnr_n"]),
    )
    assert (row["accuracy"], row["ci_low"], row["ci_high"]) == pytest.approx(expected)


def test_bad_label_files_name_the_line_and_field(judged_run, tmp_path):
    labels = tmp_path / "labels.csv"
    labels.write_text("task_id,correct\nt1,maybe\nnope,yes\n")
    with pytest.raises(InvalidInput) as info:
        import_labels(judged_run, "emails", labels)
    assert {(p.line, p.field) for p in info.value.problems} == {(2, "correct"), (3, "task_id")}
    assert judged_run.execute("SELECT count(*) FROM judge_labels").fetchone() == (0,)
