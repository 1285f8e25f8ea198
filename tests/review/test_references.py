"""From review to answer key: what people accepted or edited becomes the reference of a new suite version, so
later runs grade by themselves; tasks nobody accepted are named and left out of it."""

from __future__ import annotations

import argparse

import pytest

from routeboard.catalog.models import add_model
from routeboard.cli.references import register_promote
from routeboard.domain import GraderSpec, Suite, Task
from routeboard.errors import InvalidInput, ReviewError
from routeboard.library import save_suite
from routeboard.review.queue import ItemKey
from routeboard.review.record import record_review
from routeboard.review.references import promote_references
from routeboard.run.request import RunRequest
from routeboard.run.start import start_run
from routeboard.store.suites import load_stored_suite
from tests.fakes import FakeProvider, install_fake


def _run(con, suite: str) -> str:
    progress = start_run(con, RunRequest(suites=(suite,), models=("fake/a",), use_cache=False)).run()
    assert progress.status == "completed"
    return progress.run_id


@pytest.fixture
def reviewed(con):
    """Four replies with no answer key, reviewed: t0 accepted, t1 accepted then edited by a second reviewer,
    t2 rejected, t3 not reviewed yet."""
    install_fake(FakeProvider())
    add_model(con, "fake/a", input_price_per_mtok_usd=1.0, output_price_per_mtok_usd=2.0)
    tasks = tuple(Task(id=f"t{i}", input=f"say: reply {i}") for i in range(4))
    grader = GraderSpec("human", {"overlap": 1.0})
    suite_id = save_suite(con, Suite(name="replies", category="replies", grader=grader, bar=0.8, tasks=tasks)).suite_id
    run_id = _run(con, "replies")

    def key(task: str) -> ItemKey:
        return ItemKey(run_id, suite_id, task, "fake/a", 1)

    record_review(con, key("t0"), "ann", "accepted", review_ms=20_000)
    record_review(con, key("t1"), "ann", "accepted", review_ms=20_000)
    record_review(con, key("t1"), "bob", "edited", edited_output="Reply 1, with thanks.", rework_ms=60_000)
    record_review(con, key("t2"), "ann", "rejected", reason="tone")
    return suite_id


def test_accepted_and_edited_outputs_become_the_answer_key_of_a_new_version(reviewed, con):
    promotion = promote_references(con, reviewed, GraderSpec("contains"))
    assert promotion.suite.suite_id == "replies@2" and promotion.suite.created
    assert (promotion.referenced, promotion.edited, promotion.without_reference) == (2, 1, ("t2", "t3"))
    _, suite = load_stored_suite(con, "replies@2")
    expected = {t.id: t.expected for t in suite.tasks}
    # the edit wins over the plain accept of the same task: it is what the reviewer wanted sent; t2 (rejected) and
    # t3 (not reviewed) have nothing to be graded against, so they are not in the new version
    assert expected == {"t0": "reply 0", "t1": "Reply 1, with thanks."}
    assert suite.grader == GraderSpec("contains", {})
    assert promotion.summary() == (
        "replies@2: 2 of 4 tasks carry a reviewed answer (1 edited); the 2 without one are left out of it until "
        "reviewed: t2, t3"
    )
    # the old version is untouched: its reviews and verdicts stay where they were
    assert load_stored_suite(con, reviewed)[1].grader.name == "human"


def test_the_new_version_grades_by_itself(reviewed, con):
    promote_references(con, reviewed, GraderSpec("contains", {"ignore_case": True}))
    _run(con, "replies@2")
    outcomes = dict(
        con.execute("SELECT task_id, outcome FROM trials WHERE suite_id = 'replies@2' ORDER BY task_id").fetchall()
    )
    # nothing waits for a person: t0 matches its accepted answer; t1's output lacks the reviewer's edit; the tasks
    # nobody accepted are not run, so never graded wrong for want of an answer
    assert outcomes == {"t0": "accepted", "t1": "wrong"}


def test_a_grader_that_needs_every_answer_gets_one_for_every_task_it_keeps(reviewed, con):
    promotion = promote_references(con, reviewed, GraderSpec("f1"))
    _, suite = load_stored_suite(con, promotion.suite.suite_id)
    assert [t.id for t in suite.tasks if t.expected] == ["t0", "t1"] == [t.id for t in suite.tasks]
    with pytest.raises(InvalidInput, match="promote grades with f1, contains, llm_judge"):
        promote_references(con, reviewed, GraderSpec("exact"))


def test_a_judge_is_given_a_rubric_that_reads_the_reference(reviewed, con):
    promotion = promote_references(con, reviewed, GraderSpec("llm_judge", {"judge_model": "fake/judge"}))
    _, suite = load_stored_suite(con, promotion.suite.suite_id)
    assert suite.grader.options["judge_model"] == "fake/judge"
    assert "reference answer" in suite.grader.options["rubric"]


def test_nothing_reviewed_yet_is_said(con):
    tasks = (Task(id="t0", input="say: hi"),)
    save_suite(con, Suite(name="empty", category="c", grader=GraderSpec("human"), bar=0.8, tasks=tasks))
    with pytest.raises(ReviewError, match="no output of empty@1 has been accepted or edited in review yet"):
        promote_references(con, "empty", GraderSpec("contains"))


def test_the_cli_command_promotes(reviewed, isolated_db, capsys):
    parser = argparse.ArgumentParser()
    parser.add_argument("--db")
    register_promote(parser.add_subparsers())
    args = parser.parse_args(["--db", str(isolated_db), "promote", "--suite", "replies", "--grader", "contains"])
    assert args.handler(args) == 0
    assert capsys.readouterr().out.startswith("replies@2: 2 of 4 tasks carry a reviewed answer (1 edited)")
