"""The review queue: blinded items claimed one reviewer at a time, the first review decides, the queue asks only
for what settles each model's verdict, and every refusal is one line a person can act on."""

from __future__ import annotations

import json
import threading

import pytest

from routeboard.catalog.models import add_model
from routeboard.domain import GraderSpec, Suite, Task
from routeboard.errors import Refused, ReviewError
from routeboard.library import save_suite
from routeboard.review.queue import REJECT_REASONS, ItemKey, next_item, queue_status, reviewable_suites
from routeboard.review.record import record_review
from routeboard.run.request import RunRequest
from routeboard.run.start import start_run
from routeboard.team.access import Actor
from tests.conftest import run_cli
from tests.fakes import FakeProvider, install_fake


def reviewed_run(con, tasks: int = 40, bar: float = 0.8, overlap: float = 0.0, models=("fake/cheap", "fake/dear")):
    """Store a run of an `emails` suite graded by people on priced fake models; returns the run id."""
    save_suite(
        con,
        Suite(
            name="emails",
            category="internal email",
            grader=GraderSpec("human", {"overlap": overlap}),
            bar=bar,
            tasks=tuple(Task(id=f"t{i:02d}", input=f"write to the team: {i}") for i in range(tasks)),
        ),
    )
    prices = {"fake/cheap": 0.1, "fake/dear": 5.0}
    for model in models:
        add_model(con, model, input_price_per_mtok_usd=prices[model], output_price_per_mtok_usd=2 * prices[model])
    install_fake(FakeProvider())
    runner = start_run(con, RunRequest(suites=("emails",), models=models, concurrency=4))
    runner.run()
    return runner.run_id


def review_all(con, reviewer: str, verdict="accepted", limit: int = 1000, **kw) -> list:
    """Draw and review items until the queue asks nothing more of ``reviewer``; the items reviewed."""
    done = []
    while len(done) < limit and (item := next_item(con, "emails", reviewer)) is not None:
        record_review(con, item.key, reviewer, verdict, **kw)
        done.append(item)
    return done


def trial(con, key: ItemKey) -> tuple:
    return con.execute(
        "SELECT outcome, correct, score, detail FROM trials WHERE run_id = ? AND task_id = ? AND model_id = ?",
        [key.run_id, key.task_id, key.model_id],
    ).fetchone()


def test_an_item_is_blinded_and_shows_the_prompt_as_the_model_saw_it(con):
    reviewed_run(con)
    item = next_item(con, "emails", "ann")
    assert item.prompt == f"write to the team: {int(item.key.task_id[1:])}"
    assert item.output == str(int(item.key.task_id[1:]))  # the fake echoes the number
    assert (item.slot, item.position, item.reference) == (1, 1, None)
    assert "fake/" not in item.prompt + item.output


def test_a_refresh_returns_the_item_already_held_and_another_reviewer_gets_another(con):
    reviewed_run(con)
    first = next_item(con, "emails", "ann")
    again = next_item(con, "emails", "ann")
    assert (again.key, again.prompt, again.output) == (first.key, first.prompt, first.output)
    assert (first.held_before, again.held_before) == (False, True)  # shown before: its time on screen is not known
    assert next_item(con, "emails", "bob").key != first.key


def test_a_claim_older_than_30_minutes_can_be_taken_by_another_reviewer(con):
    reviewed_run(con, tasks=1, models=("fake/cheap",))
    held = next_item(con, "emails", "ann")
    assert next_item(con, "emails", "bob") is None  # the only item is ann's
    con.execute("UPDATE review_claims SET claimed_at = now()::TIMESTAMP - INTERVAL 31 MINUTE")
    assert next_item(con, "emails", "bob").key == held.key


def test_two_reviewers_drawing_at_once_never_get_the_same_item(con):
    reviewed_run(con, tasks=30, models=("fake/cheap",))
    got: dict[str, list] = {"ann": [], "bob": []}
    errors = []

    def reviewer(name):
        cursor = con.cursor()  # a cursor per thread
        try:
            got[name] = [item.key for item in review_all(cursor, name)]
        except Exception as error:  # surfaced by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=reviewer, args=(name,)) for name in got]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert set(got["ann"]).isdisjoint(got["bob"])
    assert len(got["ann"]) + len(got["bob"]) == 30  # every output reviewed once, none twice
    assert con.execute("SELECT count(*), count(DISTINCT (task_id, model_id)) FROM reviews").fetchone() == (30, 30)


def test_overlap_gives_exactly_the_asked_share_a_second_reviewer(con):
    reviewed_run(con, tasks=20, models=("fake/cheap",), overlap=0.25)
    review_all(con, "ann")
    seconds = review_all(con, "bob")
    assert len(seconds) == 5 and {item.slot for item in seconds} == {2}  # 25% of 20 reviewed items
    assert review_all(con, "ann") == []  # never both slots of one item
    counts = con.execute("SELECT reviewer, count(*) FROM reviews GROUP BY ALL ORDER BY ALL").fetchall()
    assert counts == [("ann", 20), ("bob", 5)]


def test_the_first_review_decides_the_trial_and_a_second_only_counts_for_agreement(con):
    reviewed_run(con, tasks=4, bar=0.5, models=("fake/cheap",), overlap=1.0)
    [item, *_] = review_all(con, "ann", limit=1, verdict="rejected", reason="tone")
    assert trial(con, item.key) == ("wrong", False, 0.0, "reviewed")
    record_review(con, item.key, "bob", "accepted")
    assert trial(con, item.key) == ("wrong", False, 0.0, "reviewed")
    edited = next_item(con, "emails", "ann")
    record_review(con, edited.key, "ann", "edited", edited_output="Dear team, ...", rework_ms=42_000)
    assert trial(con, edited.key) == ("accepted", True, 1.0, "reviewed")


def test_cheapest_model_first_and_the_queue_stops_asking_once_a_verdict_is_settled(con):
    reviewed_run(con, tasks=40, bar=0.5)
    assert queue_status(con, "emails").per_model == [("fake/cheap", 0, 30), ("fake/dear", 0, 30)]
    cheap = review_all(con, "ann", limit=30)
    assert {item.key.model_id for item in cheap} == {"fake/cheap"}  # the cheaper model is reviewed first
    # 30 of 30 accepted: Wilson lower bound 0.89 >= 0.5 on min_tasks tasks, so fake/cheap clears, settled
    status = queue_status(con, "emails")
    assert status.per_model == [("fake/cheap", 30, 0), ("fake/dear", 0, 30)]
    assert (status.pending, status.reviewed, status.needed) == (50, 30, 30)
    assert next_item(con, "emails", "ann").key.model_id == "fake/dear"


def test_a_model_that_clearly_fails_is_not_asked_for_more(con):
    reviewed_run(con, tasks=40, bar=0.95)
    rejected = review_all(con, "ann", limit=1, verdict="rejected", reason="wrong_fact")
    assert [item.key.model_id for item in rejected] == ["fake/cheap"]
    # 0 of 1 accepted: Wilson's upper bound (0.79) is under the 0.95 bar, so the ledger says it fails and the
    # queue, by the same rule, asks nothing more of it
    assert queue_status(con, "emails").per_model[0] == ("fake/cheap", 1, 0)
    assert {item.key.model_id for item in review_all(con, "ann", limit=5)} == {"fake/dear"}
    con.close()  # the CLI opens the file in its own process
    rows = {row["model"]: row for row in json.loads(run_cli("report", "--json").stdout)}
    assert (rows["fake/cheap"]["tasks"], rows["fake/cheap"]["verdict"]) == (1, "fails")


def test_the_queue_settles_at_the_decisions_level_and_interval_method(con):
    reviewed_run(con, tasks=40, bar=0.8, models=("fake/cheap",))
    review_all(con, "ann", limit=1, verdict="rejected", reason="wrong_fact")
    # 0 of 1 accepted: Wilson's upper bound at 95% (0.79) fails a 0.8 bar; Clopper-Pearson's (0.975) and Wilson's
    # at 99% (0.87) do not, so there the queue asks for more
    assert queue_status(con, "emails").per_model == [("fake/cheap", 1, 0)]
    assert queue_status(con, "emails", method="clopper-pearson").per_model[0].needed > 0
    assert queue_status(con, "emails", level=0.99).per_model[0].needed > 0
    con.close()  # the ledger at the same level and method says the same, through the CLI's own process
    for options, verdict in [
        ((), "fails"),
        (("--interval", "clopper-pearson"), "undecided"),
        (("--level", "0.99"), "undecided"),
    ]:
        [row] = json.loads(run_cli("report", "--json", *options).stdout)
        assert row["verdict"] == verdict


def test_reviewable_suites_lists_people_graded_suites_with_their_counts(con):
    reviewed_run(con, tasks=10, models=("fake/cheap",))
    review_all(con, "ann", limit=3)
    assert reviewable_suites(con) == [
        {
            "suite_id": "emails@1",
            "name": "emails",
            "category": "internal email",
            "grader": "human",
            "pending": 7,
            "reviewed": 3,
            "needed": 7,
        }
    ]


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(verdict="maybe"), "verdict must be accepted, rejected or edited"),
        (dict(verdict="rejected"), "a rejection needs a reason"),
        (dict(verdict="rejected", reason="rude"), "unknown reason 'rude'"),
        (dict(verdict="edited", edited_output="  "), "an edit needs the corrected output"),
        (dict(reviewer=" "), "a reviewer name is needed"),
        (dict(task_id="nope"), "no stored output for task nope"),
    ],
)
def test_a_review_that_cannot_be_stored_says_why_in_one_line(con, change, message):
    reviewed_run(con, tasks=2, models=("fake/cheap",))
    item = next_item(con, "emails", "ann")
    key = ItemKey(**{**item.key.__dict__, **{k: v for k, v in change.items() if k == "task_id"}})
    fields = {"reviewer": "ann", "verdict": "accepted", **{k: v for k, v in change.items() if k != "task_id"}}
    with pytest.raises(ReviewError, match=message) as error:
        record_review(con, key, fields.pop("reviewer"), fields.pop("verdict"), **fields)
    assert "\n" not in str(error.value)
    assert con.execute("SELECT count(*) FROM reviews").fetchone() == (0,)


def test_one_person_reviews_an_item_once_and_no_item_gets_a_third_review(con):
    reviewed_run(con, tasks=1, models=("fake/cheap",))
    item = next_item(con, "emails", "ann")
    record_review(con, item.key, "ann", "accepted")
    with pytest.raises(ReviewError, match="ann has already reviewed this item"):
        record_review(con, item.key, "ann", "rejected", reason="tone")
    record_review(con, item.key, "bob", "accepted")
    with pytest.raises(ReviewError, match="already has its two reviews"):
        record_review(con, item.key, "cy", "accepted")


def test_a_verdict_on_an_item_another_reviewer_holds_is_refused_until_the_claim_runs_out(con):
    reviewed_run(con, tasks=1, models=("fake/cheap",))
    held = next_item(con, "emails", "ann")
    with pytest.raises(ReviewError, match="another reviewer holds this item \\(a claim lasts 30 minutes\\)"):
        record_review(con, held.key, "bob", "accepted")
    assert con.execute("SELECT count(*) FROM reviews").fetchone() == (0,)
    con.execute("UPDATE review_claims SET claimed_at = claimed_at - INTERVAL 31 MINUTE")
    record_review(con, held.key, "bob", "accepted")
    assert con.execute("SELECT reviewer FROM reviews").fetchall() == [("bob",)]


def test_with_sign_in_every_review_and_claim_is_the_acting_persons(con, tmp_path, monkeypatch):
    reviewed_run(con, tasks=2, models=("fake/cheap",))
    secrets = tmp_path / "team.toml"
    secrets.write_text('[auth]\nredirect_uri = "http://localhost:8501/oauth2callback"\n')
    monkeypatch.setenv("ROUTEBOARD_SECRETS", str(secrets))
    rex = Actor("rex@example.com", "Rex", "reviewer", "oidc")
    item = next_item(con, "emails", None, actor=rex)  # the queue knows who asks
    refused = "Rex may review only as themselves \\(rex@example.com\\), not as rita@example.com"
    with pytest.raises(Refused, match=refused):
        record_review(con, item.key, "rita@example.com", "accepted", actor=rex)
    with pytest.raises(Refused, match=refused):
        next_item(con, "emails", "rita@example.com", actor=rex)
    assert con.execute("SELECT count(*) FROM reviews").fetchone() == (0,)
    assert con.execute("SELECT DISTINCT reviewer FROM review_claims").fetchall() == [("rex@example.com",)]
    record_review(con, item.key, "REX@example.com", "accepted", actor=rex)  # their own id, however it is cased
    assert con.execute("SELECT reviewer FROM reviews").fetchall() == [("rex@example.com",)]


def test_a_suite_graded_by_a_machine_is_not_reviewed(con):
    save_suite(
        con, Suite(name="sums", category="maths", grader=GraderSpec("exact"), tasks=(Task("a", "1+1", expected="2"),))
    )
    with pytest.raises(ReviewError, match="graded by 'exact', not by people"):
        next_item(con, "sums", "ann")


def test_reviews_of_a_judged_suite_label_the_judge_and_leave_its_grade(con):
    save_suite(
        con,
        Suite(
            name="emails",
            category="internal email",
            grader=GraderSpec("llm_judge", {"rubric": "polite", "judge_model": "fake/judge"}),
            tasks=tuple(Task(id=f"t{i}", input=f"write: {i}") for i in range(3)),
        ),
    )
    for model in ("fake/writer", "fake/judge"):
        add_model(con, model, input_price_per_mtok_usd=1.0, output_price_per_mtok_usd=1.0)
    install_fake(FakeProvider(answer=lambda p: "VERDICT: PASS" if p.startswith("Rubric") else "Dear team"))
    start_run(con, RunRequest(suites=("emails",), models=("fake/writer",))).run()
    item = next_item(con, "emails", "ann")
    record_review(con, item.key, "ann", "rejected", reason="tone")
    assert trial(con, item.key)[0] == "accepted"  # the judge's grade stands
    assert con.execute("SELECT task_id, human_correct FROM judge_labels").fetchall() == [(item.key.task_id, False)]


def test_every_reject_reason_has_a_label_in_order():
    assert list(REJECT_REASONS.values()) == [
        "Wrong fact",
        "Missing fact",
        "Invented fact",
        "Tone",
        "Format",
        "Unsafe",
        "Other",
    ]
